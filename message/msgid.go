package message

import "strings"

// ParseMessageID parses a msg-id (RFC 5322 §3.6.4) and returns it without
// its angle brackets. Like real-world readers it accepts CFWS inside the
// brackets (obs-id-left / obs-id-right, §4.5.4), which it drops, and an id
// without "@"; an id without brackets is accepted when it is one token.
func ParseMessageID(s string) (string, error) {
	ids := ParseMessageIDList(s)
	if len(ids) == 0 {
		t := strings.TrimSpace(stripComments(s))
		if t != "" && !strings.ContainsAny(t, " \t<>") {
			return t, nil
		}
		return "", syntaxErr("msg-id", s, 0, "no <id>")
	}
	return ids[0], nil
}

// ParseMessageIDList returns the ids of an In-Reply-To or References field
// (RFC 5322 §3.6.4) in order, skipping the phrases and comments that the
// obsolete syntax allows between them (§4.5.4).
func ParseMessageIDList(s string) []string {
	var ids []string
	p := addrParser{s: s}
	for {
		p.skipCFWS()
		if p.eof() {
			return ids
		}
		switch p.peek() {
		case '"':
			p.quoted()
		case '<':
			p.i++
			if id := p.msgIDBody(); id != "" {
				ids = append(ids, id)
			}
		default:
			p.i++
		}
	}
}

// msgIDBody reads up to '>' dropping CFWS (and keeping quoted strings as
// written, as in id-left's obsolete local-part form).
func (p *addrParser) msgIDBody() string {
	start := p.i
	clean := true
	for p.i < len(p.s) {
		switch p.s[p.i] {
		case '>':
			id := p.s[start:p.i]
			p.i++
			if !clean {
				id = dropCFWS(id)
			}
			return id
		case '<':
			return "" // a new id starts: this one was broken
		case ' ', '\t', '\r', '\n', '(':
			clean = false
		case '"':
			p.quoted()
			continue
		}
		p.i++
	}
	return ""
}

func dropCFWS(s string) string {
	var b strings.Builder
	q := addrParser{s: s}
	for {
		q.skipCFWS()
		if q.eof() {
			return b.String()
		}
		if q.peek() == '"' {
			b.WriteString(q.quoted())
			continue
		}
		b.WriteByte(q.peek())
		q.i++
	}
}

func stripComments(s string) string {
	if !strings.Contains(s, "(") {
		return s
	}
	var b strings.Builder
	q := addrParser{s: s}
	for !q.eof() {
		if q.peek() == '(' {
			q.skipComment()
			b.WriteByte(' ')
			continue
		}
		b.WriteByte(q.peek())
		q.i++
	}
	return b.String()
}
