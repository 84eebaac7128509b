package message

import (
	"strings"
)

// Address is a mailbox or, when IsGroup is set, a group of mailboxes
// (RFC 5322 §3.4). It mirrors what IMAP's ENVELOPE carries.
type Address struct {
	// Name is the display name (or the group's name) with RFC 2047 words
	// decoded, as UTF-8. With no display name, a comment after the address
	// ("pete@silly.test (Pete)") is used, as most clients do.
	Name string

	// RawName is the display name as written but in canonical form: words
	// joined by one space, quoted strings unquoted, comments dropped and
	// encoded words kept. IMAP ENVELOPE carries this form.
	RawName string

	// Route is the obsolete source route without its final colon, e.g.
	// "@a.test,@b.test" (RFC 5322 §4.4).
	Route string

	// Local is the local part as written, without white space or comments;
	// a quoted local part keeps its quotes (RFC 5322 §3.4.1).
	Local string

	// Domain is the domain or domain literal; "" when the address has none.
	Domain string

	// IsGroup marks a group (RFC 5322 §3.4); Members are its mailboxes.
	IsGroup bool
	Members []Address
}

// Addr returns "local@domain" (just the local part when there is no domain).
func (a *Address) Addr() string {
	if a.Domain == "" {
		return a.Local
	}
	return a.Local + "@" + a.Domain
}

// String formats the address for a header field, encoding a non-ASCII
// display name (RFC 2047 §5 (3)) and quoting one with specials.
func (a *Address) String() string {
	var b strings.Builder
	if a.IsGroup {
		b.WriteString(formatPhrase(a.Name))
		b.WriteString(":")
		for i := range a.Members {
			if i > 0 {
				b.WriteString(",")
			}
			b.WriteString(" ")
			b.WriteString(a.Members[i].String())
		}
		b.WriteString(";")
		return b.String()
	}
	if a.Name == "" && a.Route == "" {
		return a.Addr()
	}
	if a.Name != "" {
		b.WriteString(formatPhrase(a.Name))
		b.WriteString(" ")
	}
	b.WriteString("<")
	if a.Route != "" {
		b.WriteString(a.Route)
		b.WriteString(":")
	}
	b.WriteString(a.Addr())
	b.WriteString(">")
	return b.String()
}

// FormatAddressList joins addresses with ", " for a header field.
func FormatAddressList(as []Address) string {
	var b strings.Builder
	for i := range as {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(as[i].String())
	}
	return b.String()
}

// formatPhrase encodes or quotes a display name as RFC 5322 §3.2.5 needs.
func formatPhrase(s string) string {
	if needsEncoding(s) || hasLongRun(s) {
		// Encode all of it: white space between encoded words is dropped
		// when decoding (RFC 2047 §6.2), white space between atoms is
		// collapsed in a phrase, so only this keeps the name exact.
		var b strings.Builder
		appendEncodedWords(&b, s)
		return b.String()
	}
	return quotePhrase(s)
}

// quotePhrase returns s as atoms when it is atext and single spaces, else
// as a quoted string (RFC 5322 §3.2.5).
func quotePhrase(s string) string {
	for i := 0; i < len(s); i++ {
		if !isAtext(s[i]) && s[i] != ' ' {
			return quoteString(s)
		}
	}
	if strings.Contains(s, "  ") || strings.HasPrefix(s, " ") || strings.HasSuffix(s, " ") {
		return quoteString(s) // white space a phrase of atoms would lose
	}
	return s
}

func quoteString(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		if s[i] == '"' || s[i] == '\\' {
			b.WriteByte('\\')
		}
		b.WriteByte(s[i])
	}
	b.WriteByte('"')
	return b.String()
}

// isAtext reports RFC 5322 §3.2.3 atext, plus 8-bit bytes (RFC 6532 §3.2).
func isAtext(c byte) bool {
	if c >= 0x80 {
		return true
	}
	if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' {
		return true
	}
	return strings.IndexByte("!#$%&'*+-/=?^_`{|}~", c) >= 0
}

// ParseAddressList parses an address-list (RFC 5322 §3.4), accepting the
// obsolete forms of §4.4 (empty members, routes, CFWS between dots) and UTF-8
// (RFC 6532). It is lenient: a member it cannot parse is skipped up to the
// next comma and reported as a *SyntaxError after the others are returned.
func ParseAddressList(s string) ([]Address, error) {
	p := addrParser{s: s}
	var list []Address // nil when empty: ENVELOPE then looks at a later field
	var firstErr error
	for {
		p.skipCFWS()
		if p.eof() {
			break
		}
		if p.peek() == ',' {
			p.i++
			continue
		}
		start := p.i
		a, err := p.address(true)
		if err != nil {
			if firstErr == nil {
				firstErr = err
			}
			p.i = start
			p.skipTo(',')
			continue
		}
		if list == nil {
			// One allocation for the usual list; quoted commas only overestimate.
			list = make([]Address, 0, min(strings.Count(s[start:], ",")+1, 64))
		}
		list = append(list, a)
		p.skipCFWS()
		if !p.eof() && p.peek() != ',' {
			if firstErr == nil {
				firstErr = syntaxErr("address-list", s, p.i, "expected ','")
			}
			p.skipTo(',')
		}
	}
	return list, firstErr
}

// ParseAddress parses a single mailbox (RFC 5322 §3.4 "mailbox").
func ParseAddress(s string) (Address, error) {
	p := addrParser{s: s}
	a, err := p.address(false)
	if err != nil {
		return a, err
	}
	p.skipCFWS()
	if !p.eof() {
		return a, syntaxErr("address", s, p.i, "trailing text")
	}
	return a, nil
}

// addrParser is a recursive-descent parser over one field value.
type addrParser struct {
	s       string
	i       int
	comment string // text of the last comment skipped
	ws      []word // scratch of words
}

func (p *addrParser) eof() bool  { return p.i >= len(p.s) }
func (p *addrParser) peek() byte { return p.s[p.i] }

func (p *addrParser) skipTo(c byte) {
	for !p.eof() {
		p.skipCFWS()
		if p.eof() {
			return
		}
		switch p.peek() {
		case c:
			return
		case '"':
			p.quoted()
		default:
			p.i++
		}
	}
}

// skipCFWS skips white space and comments (RFC 5322 §3.2.2), remembering
// the text of the last comment.
func (p *addrParser) skipCFWS() {
	for !p.eof() {
		switch p.s[p.i] {
		case ' ', '\t', '\r', '\n':
			p.i++
		case '(':
			p.skipComment()
		default:
			return
		}
	}
}

func (p *addrParser) skipComment() {
	depth, start := 0, p.i+1
	for ; p.i < len(p.s); p.i++ {
		switch p.s[p.i] {
		case '\\':
			p.i++
		case '(':
			depth++
		case ')':
			depth--
			if depth == 0 {
				p.comment = unescape(p.s[start:p.i])
				p.i++
				return
			}
		}
	}
	// An unclosed comment runs to the end (a final backslash may have
	// stepped past it).
	p.i = len(p.s)
	p.comment = unescape(p.s[min(start, len(p.s)):])
}

// quoted returns the quoted-string at p.i as written, quotes included
// (RFC 5322 §3.2.4). An unterminated one runs to the end.
func (p *addrParser) quoted() string {
	start := p.i
	p.i++
	for p.i < len(p.s) {
		switch p.s[p.i] {
		case '\\':
			p.i += 2
			continue
		case '"':
			p.i++
			return p.s[start:p.i]
		}
		p.i++
	}
	p.i = len(p.s)
	return p.s[start:]
}

func (p *addrParser) atom() string {
	start := p.i
	for p.i < len(p.s) && isAtext(p.s[p.i]) {
		p.i++
	}
	return p.s[start:p.i]
}

// unescape removes quoted-pair backslashes (RFC 5322 §3.2.1) and unfolds.
func unescape(s string) string {
	if !strings.ContainsAny(s, "\\\r\n") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\\':
			if i+1 < len(s) {
				i++
				b.WriteByte(s[i])
			}
		case '\r', '\n':
		default:
			b.WriteByte(s[i])
		}
	}
	return b.String()
}

// unquote returns the content of a quoted-string (RFC 5322 §3.2.4) with
// quoted-pairs resolved; an unterminated one runs to the end.
func unquote(q string) string {
	q = strings.TrimPrefix(q, "\"")
	if i := strings.IndexAny(q, "\\\"\r\n"); i < 0 {
		return q
	} else if q[i] == '"' {
		return q[:i] // nothing to resolve: a slice, no copy
	}
	var b strings.Builder
	for i := 0; i < len(q); i++ {
		switch c := q[i]; c {
		case '\\':
			if i+1 < len(q) {
				i++
				b.WriteByte(q[i])
			}
		case '"':
			return b.String()
		case '\r', '\n':
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}
