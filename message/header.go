package message

import (
	"bufio"
	"bytes"
	"io"
	"strings"
)

// Field is one header field exactly as it appeared: its name, the colon, the
// possibly folded value and the line terminator. A Field from ParseHeader
// shares the parsed buffer; it is never copied.
type Field struct {
	raw     []byte
	nameLen int // bytes before the colon; -1 when the line has no colon
}

// Raw returns the field's bytes as written, including folding and the final
// line terminator. The caller must not modify them.
func (f Field) Raw() []byte { return f.raw }

// Valid reports whether the field has a colon (RFC 5322 §2.2). Lines without
// one are kept so that the header re-emits byte-exact, but have no name.
func (f Field) Valid() bool { return f.nameLen >= 0 }

// nameBytes is the name as written, without the white space that the
// obsolete syntax allows before the colon (RFC 5322 §4.5.8).
func (f Field) nameBytes() []byte {
	if f.nameLen < 0 {
		return nil
	}
	return bytes.TrimRight(f.raw[:f.nameLen], " \t")
}

// Name returns the field name as written ("" for a line without a colon).
func (f Field) Name() string { return string(f.nameBytes()) }

// Is reports whether the field's name is name, compared case-insensitively
// (RFC 5322 §1.2.2). It does not allocate.
func (f Field) Is(name string) bool {
	return equalFold(f.nameBytes(), name)
}

// RawValue returns the bytes after the colon, folding included, without the
// final line terminator. The caller must not modify them.
func (f Field) RawValue() []byte {
	if f.nameLen < 0 || f.nameLen >= len(f.raw) { // no colon; or the zero Field of an absent one
		return nil
	}
	return trimEOL(f.raw[f.nameLen+1:])
}

// Value returns the value unfolded (RFC 5322 §2.2.3: every CRLF that is
// followed by white space is removed) with surrounding white space trimmed.
// Encoded words are left as they are; see Text.
func (f Field) Value() string {
	b := bytes.Trim(f.RawValue(), " \t\r\n")
	if bytes.IndexByte(b, '\n') < 0 && bytes.IndexByte(b, '\r') < 0 {
		return string(b)
	}
	// Folded: build the string directly, one allocation.
	var s strings.Builder
	s.Grow(len(b))
	for _, c := range b {
		if c != '\r' && c != '\n' {
			s.WriteByte(c)
		}
	}
	return s.String()
}

// Text returns the value unfolded and with RFC 2047 encoded words decoded,
// as for unstructured fields such as Subject (RFC 2047 §5 (1)).
func (f Field) Text() string {
	return DecodeText(unfold(f.RawValue()))
}

func trimEOL(b []byte) []byte {
	if n := len(b); n > 0 && b[n-1] == '\n' {
		b = b[:n-1]
		if n := len(b); n > 0 && b[n-1] == '\r' {
			b = b[:n-1]
		}
	}
	return b
}

// unfold removes line breaks and trims white space. It returns a sub-slice
// of b when nothing needs removing, so unfolded single-line values cost no
// allocation.
func unfold(b []byte) []byte {
	b = bytes.Trim(b, " \t\r\n")
	if bytes.IndexByte(b, '\n') < 0 && bytes.IndexByte(b, '\r') < 0 {
		return b
	}
	out := make([]byte, 0, len(b))
	for _, c := range b {
		if c != '\r' && c != '\n' {
			out = append(out, c)
		}
	}
	return out
}

// equalFold compares ASCII case-insensitively without allocating.
func equalFold(b []byte, s string) bool {
	if len(b) != len(s) {
		return false
	}
	for i := 0; i < len(b); i++ {
		x, y := b[i], s[i]
		if x == y {
			continue
		}
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}

// Header is an ordered list of fields that keeps each field's original
// bytes, so that an unmodified header is written back byte for byte
// (DKIM signatures depend on it). Lookups are case-insensitive; Add, Set and
// Del leave the other fields untouched. The zero value is an empty header.
type Header struct {
	fields []Field
	sep    []byte // the empty line that ended the header, as written
	noSep  bool   // a parsed header that ended at EOF without an empty line
}

// ParseHeader parses the header at the start of b, up to and including the
// empty line that ends it (RFC 5322 §2.1), and returns it with the number of
// bytes consumed. A header without an empty line ends at the end of b. The
// fields share b's memory. ParseHeader never fails: lines without a colon
// and leading continuation lines are kept as invalid fields.
func ParseHeader(b []byte) (Header, int) {
	return parseHeader(b, make([]Field, 0, countLines(b)))
}

// parseHeader is ParseHeader appending the fields to fields, so that a
// caller parsing many headers can reuse one slice.
func parseHeader(b []byte, fields []Field) (Header, int) {
	h := Header{fields: fields}
	off := 0
	for off < len(b) {
		if isBlankLine(b[off:]) {
			end := off + bytes.IndexByte(b[off:], '\n') + 1
			h.sep = b[off:end]
			return h, end
		}
		end := fieldEnd(b, off)
		h.fields = append(h.fields, newField(b[off:end]))
		off = end
	}
	h.noSep = true
	return h, off
}

// countLines estimates the number of fields to size the slice once.
func countLines(b []byte) int {
	n := bytes.Count(b, []byte{'\n'})
	if n > 64 {
		n = 64
	}
	return n + 1
}

// isBlankLine reports whether b starts with an empty line (CRLF or a bare LF).
func isBlankLine(b []byte) bool {
	return len(b) > 0 && (b[0] == '\n' || (b[0] == '\r' && len(b) > 1 && b[1] == '\n'))
}

// fieldEnd returns the end of the field starting at off: after its last line,
// continuation lines (starting with SP or HTAB) included.
func fieldEnd(b []byte, off int) int {
	for {
		i := bytes.IndexByte(b[off:], '\n')
		if i < 0 {
			return len(b)
		}
		off += i + 1
		if off >= len(b) || (b[off] != ' ' && b[off] != '\t') {
			return off
		}
	}
}

func newField(raw []byte) Field {
	f := Field{raw: raw, nameLen: -1}
	// A line starting with white space has no name: it is a stray
	// continuation (RFC 5322 §2.2 requires a name first).
	if len(raw) > 0 && raw[0] != ' ' && raw[0] != '\t' {
		if i := bytes.IndexByte(raw, ':'); i > 0 && bytes.IndexByte(raw[:i], '\n') < 0 {
			f.nameLen = i
		}
	}
	return f
}

// ReadHeader reads a header from r up to and including the empty line that
// ends it. It fails with a *LimitError when the header exceeds
// lim.MaxHeaderBytes (nil lim: the defaults), and with io.ErrUnexpectedEOF
// when r ends inside a header that has at least one byte.
func ReadHeader(r *bufio.Reader, lim *Limits) (Header, error) {
	max := lim.headerBytes()
	var buf []byte
	for {
		line, err := r.ReadSlice('\n')
		if len(buf)+len(line) > max {
			return Header{}, &LimitError{Err: ErrHeaderTooLarge, Limit: max, Offset: int64(len(buf))}
		}
		buf = append(buf, line...)
		if err == bufio.ErrBufferFull {
			continue
		}
		if err == io.EOF {
			h, _ := ParseHeader(buf)
			if len(buf) == 0 {
				return h, io.EOF
			}
			return h, io.ErrUnexpectedEOF
		}
		if err != nil {
			return Header{}, err
		}
		if isBlankLine(line) {
			h, _ := ParseHeader(buf)
			return h, nil
		}
	}
}

// Len returns the number of fields, invalid ones included.
func (h *Header) Len() int { return len(h.fields) }

// Field returns the i-th field (0 ≤ i < Len()).
func (h *Header) Field(i int) Field { return h.fields[i] }

// Fields returns the fields in order. The slice is shared with h.
func (h *Header) Fields() []Field { return h.fields }

// Has reports whether a field named name exists.
func (h *Header) Has(name string) bool { return h.index(name, 0) >= 0 }

func (h *Header) index(name string, from int) int {
	for i := from; i < len(h.fields); i++ {
		if h.fields[i].Is(name) {
			return i
		}
	}
	return -1
}

// Lookup returns the first field named name.
func (h *Header) Lookup(name string) (Field, bool) {
	if i := h.index(name, 0); i >= 0 {
		return h.fields[i], true
	}
	return Field{}, false
}

// Get returns the unfolded value of the first field named name, or "".
func (h *Header) Get(name string) string {
	f, _ := h.Lookup(name)
	return f.Value()
}

// Text returns the decoded value (RFC 2047) of the first field named name.
func (h *Header) Text(name string) string {
	f, ok := h.Lookup(name)
	if !ok {
		return ""
	}
	return f.Text()
}

// Values returns the unfolded values of all fields named name, in order.
func (h *Header) Values(name string) []string {
	var vs []string
	for _, f := range h.fields {
		if f.Is(name) {
			vs = append(vs, f.Value())
		}
	}
	return vs
}

// Add appends a field. The value is written as given (it may hold encoded
// words or, for SMTPUTF8 mail, UTF-8; see AddText for non-ASCII text) and
// folded at white space (RFC 5322 §2.2.3). CR and LF in value become spaces
// so a value can never start a new field.
//
// Folding keeps lines within 998 characters (RFC 5322 §2.1.1) wherever the
// value has white space. In unstructured fields (Subject, Comments,
// Content-Description, and any field added with AddText) a longer run
// without white space is rewritten as RFC 2047 encoded words, which decode to
// the same text; in other fields it cannot be changed and is written whole.
func (h *Header) Add(name, value string) {
	h.fields = append(h.fields, h.format(name, value, isUnstructured(name)))
}

// AddText appends an unstructured field (RFC 5322 §3.2.5, e.g. Subject,
// Comments, X-*) holding UTF-8 text: words that are not printable ASCII
// are written as RFC 2047 encoded words (see EncodeText).
func (h *Header) AddText(name, text string) {
	h.fields = append(h.fields, h.format(name, EncodeText(text), true))
}

// SetText is Set for unstructured UTF-8 text, encoded as AddText does.
func (h *Header) SetText(name, text string) { h.set(name, EncodeText(text), true) }

// AddRaw appends a field from its complete raw bytes, which must end with a
// line terminator. It is copied.
func (h *Header) AddRaw(raw []byte) {
	h.fields = append(h.fields, newField(bytes.Clone(raw)))
}

// Set replaces the first field named name with a new one at the same place
// and deletes the other fields of that name; with none, it appends.
func (h *Header) Set(name, value string) { h.set(name, value, isUnstructured(name)) }

func (h *Header) set(name, value string, unstructured bool) {
	f := h.format(name, value, unstructured)
	i := h.index(name, 0)
	if i < 0 {
		h.fields = append(h.fields, f)
		return
	}
	h.fields[i] = f
	h.del(name, i+1)
}

// Del deletes all fields named name.
func (h *Header) Del(name string) { h.del(name, 0) }

func (h *Header) del(name string, from int) {
	out := h.fields[:from]
	for _, f := range h.fields[from:] {
		if !f.Is(name) {
			out = append(out, f)
		}
	}
	clear(h.fields[len(out):])
	h.fields = out
}

// eol is the line terminator for new fields: that of the first parsed field,
// so a LF-only file stays LF-only, else CRLF.
func (h *Header) eol() string {
	if len(h.fields) > 0 && !bytes.HasSuffix(h.fields[0].raw, []byte("\r\n")) &&
		bytes.HasSuffix(h.fields[0].raw, []byte("\n")) {
		return "\n"
	}
	return "\r\n"
}

func (h *Header) format(name, value string, unstructured bool) Field {
	value = strings.Map(func(r rune) rune {
		if r == '\r' || r == '\n' {
			return ' '
		}
		return r
	}, value)
	if unstructured {
		value = encodeLongRuns(value)
	}
	raw := foldField(name, value, h.eol())
	return Field{raw: raw, nameLen: len(name)}
}

// WriteTo writes the header and the empty line that ends it. A parsed,
// unmodified header is written byte-exact, including a missing empty line.
func (h *Header) WriteTo(w io.Writer) (int64, error) {
	var n int64
	for _, f := range h.fields {
		m, err := w.Write(f.raw)
		n += int64(m)
		if err != nil {
			return n, err
		}
	}
	sep := h.sep
	if h.noSep {
		sep = nil
	} else if sep == nil {
		sep = []byte(h.eol())
	}
	m, err := w.Write(sep)
	return n + int64(m), err
}

// Bytes returns the header as WriteTo would write it.
func (h *Header) Bytes() []byte {
	var b bytes.Buffer
	h.WriteTo(&b)
	return b.Bytes()
}
