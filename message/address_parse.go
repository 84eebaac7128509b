package message

import "strings"

// word is an atom, a quoted string or a dot, as written.
type word struct {
	raw    string
	quoted bool
}

// words reads the run of atoms, quoted strings and dots that starts a
// phrase or a local part (RFC 5322 §3.2.5, obs-phrase and obs-local-part of
// §4.1 and §4.4), skipping CFWS between them.
// The slice is p's scratch, valid until the next call.
func (p *addrParser) words() []word {
	ws := p.ws[:0]
	for {
		p.skipCFWS()
		if p.eof() {
			p.ws = ws
			return ws
		}
		switch c := p.peek(); {
		case c == '"':
			ws = append(ws, word{raw: p.quoted(), quoted: true})
		case c == '.':
			ws = append(ws, word{raw: "."})
			p.i++
		case isAtext(c):
			ws = append(ws, word{raw: p.atom()})
		default:
			p.ws = ws
			return ws
		}
	}
}

// phrase joins words into a display name: one space between words, quotes
// removed, "." attached to the word before it.
func phrase(ws []word) string {
	if len(ws) == 1 {
		if ws[0].quoted {
			return unquote(ws[0].raw)
		}
		return ws[0].raw
	}
	var b strings.Builder
	for i, w := range ws {
		switch {
		case w.raw == "." && !w.quoted:
			b.WriteByte('.')
			continue
		case i > 0:
			b.WriteByte(' ')
		}
		if w.quoted {
			b.WriteString(unquote(w.raw))
		} else {
			b.WriteString(w.raw)
		}
	}
	return b.String()
}

// joinRaw joins words as written, dropping the CFWS between them.
func joinRaw(ws []word) string {
	if len(ws) == 1 {
		return ws[0].raw
	}
	var b strings.Builder
	for _, w := range ws {
		b.WriteString(w.raw)
	}
	return b.String()
}

// address parses a mailbox or (if allowGroup) a group (RFC 5322 §3.4).
func (p *addrParser) address(allowGroup bool) (Address, error) {
	var a Address
	p.comment = ""
	ws := p.words()
	p.skipCFWS()
	if p.eof() {
		if len(ws) == 0 {
			return a, syntaxErr("address", p.s, p.i, "empty address")
		}
		// A lone local part, as in "To: undisclosed-recipients".
		a.Local = joinRaw(ws)
		p.nameFromComment(&a)
		return a, nil
	}
	switch p.peek() {
	case '<':
		a.RawName = phrase(ws)
		a.Name = decodeTextString(a.RawName)
		return a, p.angleAddr(&a)
	case ':':
		if !allowGroup {
			return a, syntaxErr("address", p.s, p.i, "group not allowed here")
		}
		a.IsGroup = true
		a.RawName = phrase(ws)
		a.Name = decodeTextString(a.RawName)
		p.i++
		return a, p.groupMembers(&a)
	case '@':
		if len(ws) == 0 {
			return a, syntaxErr("address", p.s, p.i, "missing local part")
		}
		a.Local = joinRaw(ws)
		p.i++
		a.Domain = p.domain()
		p.skipCFWS()
		p.nameFromComment(&a)
		return a, nil
	default:
		if len(ws) == 0 {
			return a, syntaxErr("address", p.s, p.i, "unexpected character")
		}
		a.Local = joinRaw(ws)
		p.nameFromComment(&a)
		return a, nil
	}
}

func (p *addrParser) nameFromComment(a *Address) {
	if a.RawName == "" && p.comment != "" {
		a.RawName = p.comment
		a.Name = decodeTextString(p.comment)
	}
}

// angleAddr parses "<" [obs-route] addr-spec ">" (RFC 5322 §3.4, §4.4);
// p.i is at '<'. A missing '>' at the end is accepted.
func (p *addrParser) angleAddr(a *Address) error {
	p.i++
	p.skipCFWS()
	if !p.eof() && p.peek() == '@' {
		a.Route = p.route()
	}
	ws := p.words()
	a.Local = joinRaw(ws)
	p.skipCFWS()
	if !p.eof() && p.peek() == '@' {
		p.i++
		a.Domain = p.domain()
		p.skipCFWS()
	}
	if p.eof() {
		return nil
	}
	if p.peek() != '>' {
		return syntaxErr("address", p.s, p.i, "expected '>'")
	}
	p.i++
	return nil
}

// route reads an obs-route "@a,@b:" and returns it without the colon.
func (p *addrParser) route() string {
	var b strings.Builder
	for !p.eof() {
		p.skipCFWS()
		if p.eof() {
			break
		}
		c := p.peek()
		if c == ':' {
			p.i++
			break
		}
		if c == '<' || c == '>' {
			break
		}
		if c == '@' {
			p.i++
			b.WriteByte('@')
			b.WriteString(p.domain())
			continue
		}
		if c == ',' {
			b.WriteByte(',')
		}
		p.i++
	}
	return b.String()
}

// domain reads a dot-atom or domain-literal (RFC 5322 §3.4.1) with the
// obsolete CFWS between labels (§4.4), returned without CFWS.
func (p *addrParser) domain() string {
	p.skipCFWS()
	if !p.eof() && p.peek() == '[' {
		start := p.i
		for p.i < len(p.s) && p.s[p.i] != ']' {
			if p.s[p.i] == '\\' {
				p.i++
			}
			p.i++
		}
		if p.i < len(p.s) {
			p.i++
		} else {
			p.i = len(p.s)
		}
		return p.s[start:p.i]
	}
	// The labels are usually adjacent, and the domain is then a slice of
	// the input; CFWS between them (RFC 5322 §4.4) needs a copy.
	start, end := -1, -1
	var b strings.Builder
	split := false
	for {
		p.skipCFWS()
		if p.eof() {
			break
		}
		tok := p.i
		switch c := p.peek(); {
		case c == '.':
			p.i++
		case isAtext(c):
			p.atom()
		default:
			return p.domainResult(start, end, split, &b)
		}
		switch {
		case start < 0:
			start = tok
		case !split && tok != end:
			split = true
			b.WriteString(p.s[start:end])
		}
		if split {
			b.WriteString(p.s[tok:p.i])
		}
		end = p.i
	}
	return p.domainResult(start, end, split, &b)
}

func (p *addrParser) domainResult(start, end int, split bool, b *strings.Builder) string {
	switch {
	case start < 0:
		return ""
	case split:
		return b.String()
	}
	return p.s[start:end]
}

// groupMembers parses the group-list after the colon up to ';' (RFC 5322
// §3.4); a missing ';' at the end is accepted.
func (p *addrParser) groupMembers(a *Address) error {
	for {
		p.skipCFWS()
		if p.eof() {
			return nil
		}
		switch p.peek() {
		case ';':
			p.i++
			return nil
		case ',':
			p.i++
			continue
		}
		m, err := p.address(false)
		if err != nil {
			return err
		}
		a.Members = append(a.Members, m)
	}
}
