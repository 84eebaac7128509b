package imapwire

import (
	"bufio"
	"errors"
	"io"
	"strconv"
)

// Limits bound what a Decoder accepts. The zero value gives the defaults.
type Limits struct {
	// MaxCommand bounds the bytes of one command, its string literals
	// included and the message literal of APPEND excluded. Default
	// 64 KiB (RFC 9051 §4 leaves it to the server; RFC 7162 §4 asks
	// for at least 8192 octets).
	MaxCommand int
	// MaxDepth bounds the nesting of parenthesised lists (SEARCH
	// criteria, FETCH sections). Default 32.
	MaxDepth int
}

func (l Limits) maxCommand() int {
	if l.MaxCommand <= 0 {
		return 64 << 10
	}
	return l.MaxCommand
}

func (l Limits) maxDepth() int {
	if l.MaxDepth <= 0 {
		return 32
	}
	return l.MaxDepth
}

// Decoder reads commands from a client. Methods named Expect… fail when
// the input does not match, the others report whether it did and consume
// nothing otherwise; the first error sticks, and every later call fails,
// so a command parser reads as a chain of calls checked once at the end.
type Decoder struct {
	r   *bufio.Reader
	lim Limits
	err error

	used      int  // bytes of the current command
	depth     int  // list nesting
	lineStart bool // at the start of a line: the previous byte was LF
	lit       *io.LimitedReader

	// Continue, when set, is called when a synchronising literal is
	// accepted, before its bytes are read: it must send the "+"
	// continuation request (RFC 9051 §7.5).
	Continue func() error
	// UTF8 makes mailbox names UTF-8 instead of modified UTF-7, after
	// ENABLE UTF8=ACCEPT (RFC 6855 §3).
	UTF8 bool
}

// NewDecoder returns a Decoder reading from r within lim.
func NewDecoder(r *bufio.Reader, lim Limits) *Decoder {
	return &Decoder{r: r, lim: lim, lineStart: true}
}

// Reset readies the decoder for the next command.
func (d *Decoder) Reset() {
	d.err = nil
	d.used = 0
	d.depth = 0
}

// Err returns the first error met since Reset.
func (d *Decoder) Err() error { return d.err }

// Reader returns the underlying reader, for IDLE's DONE line and the TLS
// handshake.
func (d *Decoder) Reader() *bufio.Reader { return d.r }

// SetReader makes the decoder read from r: a connection whose buffer is
// given back while it waits for a command gets another one. Whatever r
// holds must follow what the previous reader delivered.
func (d *Decoder) SetReader(r *bufio.Reader) { d.r = r }

func (d *Decoder) fail(err error) bool {
	if d.err == nil {
		d.err = err
	}
	return false
}

func (d *Decoder) syntax(msg string) bool { return d.fail(&SyntaxError{Msg: msg}) }

// drainLiteral discards what the caller left of a literal reader.
func (d *Decoder) drainLiteral() {
	if d.lit != nil {
		if _, err := io.Copy(io.Discard, d.lit); err != nil {
			d.fail(err)
		}
		d.lit = nil
	}
}

func (d *Decoder) peek() (byte, bool) {
	if d.err != nil {
		return 0, false
	}
	d.drainLiteral()
	b, err := d.r.Peek(1)
	if err != nil {
		d.fail(err)
		return 0, false
	}
	return b[0], true
}

// take consumes one byte already peeked and charges it to the command.
func (d *Decoder) take() byte {
	c, _ := d.r.ReadByte()
	d.lineStart = c == '\n'
	d.used++
	if d.used > d.lim.maxCommand() {
		d.fail(ErrCommandTooLong)
	}
	return c
}

// Discard skips the rest of a command after an error, so that the next
// one can be read: the rest of the line, unless the error came after the
// command's last line ended (a refused literal).
// It reads byte by byte through the buffer and allocates nothing.
func (d *Decoder) Discard() error {
	if d.lit != nil {
		d.err = nil
		d.drainLiteral()
	}
	if d.lineStart && d.used > 0 {
		return nil
	}
	for {
		c, err := d.r.ReadByte()
		if err != nil {
			return err
		}
		if c == '\n' {
			d.lineStart = true
			return nil
		}
	}
}

// Special consumes the byte c if it comes next.
func (d *Decoder) Special(c byte) bool {
	if b, ok := d.peek(); ok && b == c {
		d.take()
		return d.err == nil
	}
	return false
}

// ExpectSpecial consumes the byte c or fails.
func (d *Decoder) ExpectSpecial(c byte) bool {
	if d.Special(c) {
		return true
	}
	return d.syntax("expected " + strconv.QuoteRune(rune(c)))
}

// SP consumes a space if one comes next.
func (d *Decoder) SP() bool { return d.Special(' ') }

// ExpectSP consumes a space or fails.
func (d *Decoder) ExpectSP() bool { return d.ExpectSpecial(' ') }

// CRLF consumes the end of the line if it comes next. A bare LF is
// accepted, as most servers do.
func (d *Decoder) CRLF() bool {
	b, ok := d.peek()
	if !ok {
		return false
	}
	if b == '\r' {
		d.take()
		return d.ExpectSpecial('\n')
	}
	if b == '\n' {
		d.take()
		return d.err == nil
	}
	return false
}

// ExpectCRLF consumes the end of the line or fails.
func (d *Decoder) ExpectCRLF() bool {
	if d.CRLF() {
		return true
	}
	return d.syntax("expected end of line")
}

// AtEnd reports whether the line ends next, consuming nothing.
func (d *Decoder) AtEnd() bool {
	b, ok := d.peek()
	return ok && (b == '\r' || b == '\n')
}

// Char classes of RFC 9051 §9.
func isAtomChar(c byte) bool {
	if c <= ' ' || c >= 0x7f {
		return false
	}
	switch c {
	case '(', ')', '{', '%', '*', '"', '\\', ']':
		return false
	}
	return true
}

func isAStringChar(c byte) bool { return isAtomChar(c) || c == ']' }

func isListChar(c byte) bool { return isAStringChar(c) || c == '%' || c == '*' }

// chars consumes the longest run of bytes for which ok holds.
func (d *Decoder) chars(ok func(byte) bool) string {
	var b []byte
	for {
		c, more := d.peek()
		if !more || !ok(c) {
			break
		}
		b = append(b, d.take())
		if d.err != nil {
			return ""
		}
	}
	return string(b)
}

// Atom reads an atom (RFC 9051 §9) if one comes next.
func (d *Decoder) Atom(s *string) bool {
	*s = d.chars(isAtomChar)
	return *s != "" && d.err == nil
}

// ExpectAtom reads an atom or fails.
func (d *Decoder) ExpectAtom(s *string) bool {
	if d.Atom(s) {
		return true
	}
	return d.syntax("expected atom")
}

// ExpectTag reads a command tag: astring characters except "+" (RFC 9051
// §9 tag).
func (d *Decoder) ExpectTag(s *string) bool {
	*s = d.chars(func(c byte) bool { return isAStringChar(c) && c != '+' })
	if *s == "" {
		return d.syntax("expected tag")
	}
	return d.err == nil
}

// ExpectNumber reads a 32-bit number (RFC 9051 §9 number).
func (d *Decoder) ExpectNumber(n *uint32) bool {
	var v uint64
	if !d.ExpectNumber64(&v) {
		return false
	}
	if v > 1<<32-1 {
		return d.syntax("number too large")
	}
	*n = uint32(v)
	return true
}

// ExpectNumber64 reads a 63-bit number (RFC 9051 §9 number64).
func (d *Decoder) ExpectNumber64(n *uint64) bool {
	s := d.chars(func(c byte) bool { return c >= '0' && c <= '9' })
	if s == "" {
		return d.syntax("expected number")
	}
	v, err := strconv.ParseUint(s, 10, 63)
	if err != nil {
		return d.syntax("number too large")
	}
	*n = v
	return true
}

// String reads a quoted string or a literal if one comes next.
func (d *Decoder) String(s *string) bool {
	c, ok := d.peek()
	if !ok {
		return false
	}
	switch c {
	case '"':
		return d.quoted(s)
	case '{', '~':
		return d.literal(s)
	}
	return false
}

// ExpectString reads a quoted string or a literal, or fails.
func (d *Decoder) ExpectString(s *string) bool {
	if d.String(s) {
		return true
	}
	return d.syntax("expected string")
}

// ExpectAString reads an astring: an atom with "]" allowed, or a string.
func (d *Decoder) ExpectAString(s *string) bool {
	if d.String(s) {
		return true
	}
	if d.err != nil {
		return false
	}
	*s = d.chars(isAStringChar)
	if *s == "" {
		return d.syntax("expected astring")
	}
	return d.err == nil
}

// ExpectNString reads a string or NIL; isNil reports NIL.
func (d *Decoder) ExpectNString(s *string, isNil *bool) bool {
	*isNil = false
	if d.String(s) {
		return true
	}
	var a string
	if d.ExpectAtom(&a) && equalFold(a, "NIL") {
		*isNil = true
		*s = ""
		return true
	}
	return d.syntax("expected nstring")
}

// quoted reads a quoted string (RFC 9051 §9 quoted). 8-bit bytes are
// accepted: RFC 6855 §3 allows UTF-8 in quoted strings.
func (d *Decoder) quoted(s *string) bool {
	d.take()
	var b []byte
	for d.err == nil {
		c, ok := d.peek()
		if !ok {
			return false
		}
		d.take()
		switch c {
		case '"':
			*s = string(b)
			return d.err == nil
		case '\\':
			e, ok := d.peek()
			if !ok {
				return false
			}
			if e != '"' && e != '\\' {
				return d.syntax("bad escape in quoted string")
			}
			b = append(b, d.take())
		case '\r', '\n', 0:
			return d.syntax("bad character in quoted string")
		default:
			b = append(b, c)
		}
	}
	return false
}

// literalHeader reads "{n}", "{n+}" or "~{n}" and the CRLF after it.
func (d *Decoder) literalHeader() (n int64, sync, binary bool) {
	if d.Special('~') {
		binary = true
	}
	var v uint64
	if !d.ExpectSpecial('{') || !d.ExpectNumber64(&v) {
		return 0, false, false
	}
	sync = !d.Special('+')
	if !d.ExpectSpecial('}') || !d.ExpectCRLF() {
		return 0, false, false
	}
	return int64(v), sync, binary
}

// accept checks an announced literal against max and invites a
// synchronising one.
func (d *Decoder) accept(n, max int64, sync bool) bool {
	if n > max {
		return d.fail(&LiteralTooBigError{Size: n, Max: max, Sync: sync})
	}
	if sync && d.Continue != nil {
		if err := d.Continue(); err != nil {
			return d.fail(err)
		}
	}
	return true
}

// literal reads a literal into s; its bytes count against MaxCommand.
func (d *Decoder) literal(s *string) bool {
	n, sync, _ := d.literalHeader()
	if d.err != nil {
		return false
	}
	if !d.accept(n, int64(d.lim.maxCommand()-d.used), sync) {
		return false
	}
	b := make([]byte, n)
	if _, err := io.ReadFull(d.r, b); err != nil {
		return d.fail(err)
	}
	d.used += int(n)
	d.lineStart = false
	*s = string(b)
	return true
}

// ExpectLiteralReader reads the header of a literal (or literal8) of at
// most max bytes, such as APPEND's message, and returns a reader of its
// bytes, which do not count against MaxCommand. What the caller does not
// read is skipped by the next call.
func (d *Decoder) ExpectLiteralReader(max int64) (r io.Reader, size int64, binary bool, ok bool) {
	c, ok := d.peek()
	if !ok {
		return nil, 0, false, false
	}
	if c != '{' && c != '~' {
		return nil, 0, false, d.syntax("expected literal")
	}
	n, sync, binary := d.literalHeader()
	if d.err != nil || !d.accept(n, max, sync) {
		return nil, 0, false, false
	}
	d.lit = &io.LimitedReader{R: d.r, N: n}
	d.lineStart = false
	return d.lit, n, binary, true
}

// ExpectList reads a parenthesised list whose items item reads, separated
// by single spaces (RFC 9051 §9); an empty list "()" is accepted.
func (d *Decoder) ExpectList(item func() bool) bool {
	if !d.ExpectSpecial('(') {
		return false
	}
	return d.listRest(item)
}

// List reads a parenthesised list if one comes next.
func (d *Decoder) List(item func() bool) bool {
	if !d.Special('(') {
		return false
	}
	return d.listRest(item)
}

func (d *Decoder) listRest(item func() bool) bool {
	d.depth++
	defer func() { d.depth-- }()
	if d.depth > d.lim.maxDepth() {
		return d.fail(ErrTooDeep)
	}
	if d.Special(')') {
		return true
	}
	for {
		if !item() {
			if d.err == nil {
				d.syntax("bad list item")
			}
			return false
		}
		if d.Special(')') {
			return true
		}
		if !d.ExpectSP() {
			return false
		}
	}
}

// Depth returns the current list nesting, for parsers that recurse
// without ExpectList.
func (d *Decoder) Depth() int { return d.depth }

// IsSyntax reports whether err is a *SyntaxError.
func IsSyntax(err error) bool {
	var se *SyntaxError
	return errors.As(err, &se)
}

func equalFold(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		if lower(a[i]) != lower(b[i]) {
			return false
		}
	}
	return true
}

func lower(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// ExpectLine reads the rest of a line, without its line end, such as a
// SASL response (RFC 9051 §6.2.2) or IDLE's DONE; it counts against
// MaxCommand.
func (d *Decoder) ExpectLine(s *string) bool {
	*s = d.chars(func(c byte) bool { return c != '\r' && c != '\n' })
	return d.ExpectCRLF()
}

// ExpectWord reads letters, digits, "." and "-", such as a FETCH item
// name before its "[" or a section specifier (RFC 9051 §9 fetch-att).
func (d *Decoder) ExpectWord(s *string) bool {
	*s = d.chars(func(c byte) bool {
		return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '.' || c == '-'
	})
	if *s == "" {
		return d.syntax("expected a name")
	}
	return d.err == nil
}

// Peek returns the next byte without consuming it.
func (d *Decoder) Peek() (byte, bool) { return d.peek() }
