package message

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// Specifier is the text part of an IMAP section (RFC 9051 §6.4.5).
type Specifier int

// Section specifiers.
const (
	SpecNone            Specifier = iota // BODY[] or BODY[1.2]: the whole message or part
	SpecHeader                           // HEADER
	SpecHeaderFields                     // HEADER.FIELDS (list)
	SpecHeaderFieldsNot                  // HEADER.FIELDS.NOT (list)
	SpecText                             // TEXT
	SpecMIME                             // MIME: the MIME header of a part
)

// Section names a piece of a message as an IMAP FETCH BODY[...] or
// BINARY[...] does (RFC 9051 §6.4.5, RFC 3516).
type Section struct {
	Part      []int     // part numbers, 1-based; empty for the message itself
	Specifier Specifier // what of the part
	Fields    []string  // the field names of HEADER.FIELDS and HEADER.FIELDS.NOT

	// Partial selects Count bytes from Offset (<o.n>); bytes past the end
	// are not returned.
	Partial       bool
	Offset, Count int64

	// Binary asks for the content with its transfer encoding undone
	// (RFC 3516 BINARY[]).
	Binary bool
}

// Errors of Message.Section, to be told apart with errors.Is.
var (
	ErrNoSuchPart      = errors.New("message: no such part")
	ErrBadSection      = errors.New("message: section not valid for this part")
	ErrUnknownEncoding = errors.New("message: unknown content transfer encoding") // RFC 3516 [UNKNOWN-CTE]
)

// ParseSection parses the text between the brackets of BODY[...] (RFC 9051
// §6.4.5), e.g. "1.2.HEADER.FIELDS (From To)", and an optional "<o.n>"
// that follows the closing bracket is given separately (partial may be "").
func ParseSection(spec, partial string) (Section, error) {
	var s Section
	bad := func() (Section, error) { return Section{}, fmt.Errorf("%w: %q", ErrBadSection, spec) }
	rest := spec
	for rest != "" && rest[0] >= '0' && rest[0] <= '9' {
		i := strings.IndexByte(rest, '.')
		num := rest
		if i >= 0 {
			num = rest[:i]
		}
		n, err := strconv.Atoi(num)
		if err != nil || n < 1 {
			return bad()
		}
		s.Part = append(s.Part, n)
		if i < 0 {
			rest = ""
			break
		}
		rest = rest[i+1:]
		if rest == "" {
			return bad()
		}
	}
	up := strings.ToUpper(rest)
	switch {
	case up == "":
	case up == "HEADER":
		s.Specifier = SpecHeader
	case up == "TEXT":
		s.Specifier = SpecText
	case up == "MIME" && len(s.Part) > 0:
		s.Specifier = SpecMIME
	case strings.HasPrefix(up, "HEADER.FIELDS.NOT ") || strings.HasPrefix(up, "HEADER.FIELDS "):
		s.Specifier = SpecHeaderFields
		if strings.HasPrefix(up, "HEADER.FIELDS.NOT") {
			s.Specifier = SpecHeaderFieldsNot
		}
		list := strings.TrimSpace(rest[strings.IndexByte(rest, ' '):])
		if !strings.HasPrefix(list, "(") || !strings.HasSuffix(list, ")") {
			return bad()
		}
		s.Fields = strings.Fields(list[1 : len(list)-1])
		if len(s.Fields) == 0 {
			return bad()
		}
	default:
		return bad()
	}
	if partial != "" {
		p := strings.TrimSuffix(strings.TrimPrefix(partial, "<"), ">")
		o, n, ok := strings.Cut(p, ".")
		off, err1 := strconv.ParseInt(o, 10, 64)
		cnt, err2 := strconv.ParseInt(n, 10, 64)
		if !ok || err1 != nil || err2 != nil || off < 0 || cnt < 0 {
			return bad()
		}
		s.Partial, s.Offset, s.Count = true, off, cnt
	}
	return s, nil
}

// Find returns the part that part numbers name (RFC 9051 §6.4.5): in a
// multipart, n is the n-th child; a non-multipart message has one part, 1,
// its body; past a message/rfc822 part the numbers go on inside the
// encapsulated message.
func (m *Message) Find(path []int) (*Part, error) {
	cur, ctx := m.Root, true
	for i, k := range path {
		if i > 0 && cur.Message != nil {
			cur, ctx = cur.Message, true
		}
		switch {
		case k < 1:
			return nil, ErrNoSuchPart
		case cur.IsMultipart():
			if k > len(cur.Parts) {
				return nil, ErrNoSuchPart
			}
			cur, ctx = cur.Parts[k-1], false
		case ctx && k == 1:
			ctx = false
		default:
			return nil, ErrNoSuchPart
		}
	}
	return cur, nil
}

// Section returns a stream of the section's bytes and its length, reading
// from the message's io.ReaderAt: nothing is reparsed and, except for
// HEADER.FIELDS (which holds at most one header), nothing is buffered.
func (m *Message) Section(sec Section) (io.Reader, int64, error) {
	part, err := m.Find(sec.Part)
	if err != nil {
		return nil, 0, err
	}
	msg := part // the message whose HEADER / TEXT is meant
	if len(sec.Part) > 0 {
		msg = part.Message
	}
	var off, n int64
	switch sec.Specifier {
	case SpecNone:
		if len(sec.Part) == 0 {
			off, n = 0, m.size
		} else {
			off, n = part.BodyOffset(), part.BodySize
		}
		if sec.Binary {
			return m.binary(part, off, n, sec)
		}
	case SpecMIME:
		off, n = part.Offset, part.HeaderSize
	case SpecHeader, SpecText, SpecHeaderFields, SpecHeaderFieldsNot:
		if msg == nil {
			return nil, 0, ErrBadSection
		}
		switch sec.Specifier {
		case SpecHeader:
			off, n = msg.Offset, msg.HeaderSize
		case SpecText:
			off, n = msg.BodyOffset(), msg.BodySize
		default:
			b, err := m.headerFields(msg, sec.Fields, sec.Specifier == SpecHeaderFieldsNot)
			if err != nil {
				return nil, 0, err
			}
			b = partial(b, sec)
			return bytes.NewReader(b), int64(len(b)), nil
		}
	}
	if sec.Binary {
		return nil, 0, ErrBadSection // RFC 3516 §4.2: BINARY takes part numbers only
	}
	off, n = clampPartial(off, n, sec)
	return io.NewSectionReader(m.r, off, n), n, nil
}

func clampPartial(off, n int64, sec Section) (int64, int64) {
	if !sec.Partial {
		return off, n
	}
	if sec.Offset >= n {
		return off + n, 0
	}
	off, n = off+sec.Offset, n-sec.Offset
	if sec.Count < n {
		n = sec.Count
	}
	return off, n
}

func partial(b []byte, sec Section) []byte {
	_, n := clampPartial(0, int64(len(b)), sec)
	if !sec.Partial {
		return b
	}
	if sec.Offset >= int64(len(b)) {
		return nil
	}
	return b[sec.Offset : sec.Offset+n]
}

// headerFields returns the fields of the part's header whose names are (or,
// with not, are not) in names, in message order, with the empty line that
// ends a header (RFC 9051 §6.4.5).
func (m *Message) headerFields(p *Part, names []string, not bool) ([]byte, error) {
	h, err := m.header(p)
	if err != nil {
		return nil, err
	}
	var out []byte
	for _, f := range h.fields {
		if !f.Valid() && !not {
			continue
		}
		in := false
		for _, n := range names {
			if f.Is(n) {
				in = true
				break
			}
		}
		if in != not {
			out = append(out, f.raw...)
		}
	}
	if h.noSep {
		return out, nil // the header had no empty line: nor does its subset (as Dovecot)
	}
	return append(out, '\r', '\n'), nil
}
