package message

import (
	"sort"
	"strconv"
	"strings"
)

// Param is one Content-Type or Content-Disposition parameter (RFC 2045
// §5.1, RFC 2183 §2) after RFC 2231 continuations are joined.
type Param struct {
	// Name is the attribute as written, without RFC 2231 "*n" and "*"
	// suffixes.
	Name string

	// Value is the joined value. When Extended is set it is still in RFC 2231
	// §4 form, charset'language'percent-encoded, which is what IMAP sends.
	Value string

	// Extended reports an RFC 2231 §4 value (the attribute ended in "*").
	Extended bool
}

// Text returns the value decoded to UTF-8: the RFC 2231 charset for an
// extended value, RFC 2047 words otherwise (which real mail uses in quoted
// file names although RFC 2047 §5 forbids it).
func (p Param) Text() string {
	if !p.Extended {
		if strings.Contains(p.Value, "=?") {
			return DecodeText([]byte(p.Value))
		}
		return validUTF8([]byte(p.Value))
	}
	cs, rest, ok := strings.Cut(p.Value, "'")
	if !ok {
		return validUTF8(percentDecode(p.Value))
	}
	_, enc, ok := strings.Cut(rest, "'")
	if !ok {
		enc = rest
	}
	if s, ok := decodeCharset(strings.ToLower(cs), percentDecode(enc)); ok {
		return s
	}
	return validUTF8([]byte(p.Value))
}

// WireName is the attribute as IMAP sends it: Name, plus "*" if Extended.
func (p Param) WireName() string {
	if p.Extended {
		return p.Name + "*"
	}
	return p.Name
}

// Params is an ordered list of parameters.
type Params []Param

// Get returns the decoded value (see Param.Text) of the first parameter
// named name, compared case-insensitively, or "".
func (ps Params) Get(name string) string {
	for _, p := range ps {
		if strings.EqualFold(p.Name, name) {
			return p.Text()
		}
	}
	return ""
}

func (ps Params) has(name string) bool {
	for _, p := range ps {
		if strings.EqualFold(p.Name, name) {
			return true
		}
	}
	return false
}

// MediaType is a parsed Content-Type (RFC 2045 §5.1) or, with an empty
// Subtype, Content-Disposition (RFC 2183 §2) value.
type MediaType struct {
	Type    string // as written; compare with strings.EqualFold
	Subtype string // as written; "" for a disposition
	Params  Params
}

// ParseMediaType parses "type/subtype *(; param)" (RFC 2045 §5.1) with RFC
// 2231 continuations and charsets. Leniently, it skips a parameter without
// "=", accepts unquoted values with spaces up to the next ";", and keeps the
// first of duplicate parameters.
func ParseMediaType(s string) (MediaType, error) {
	var mt MediaType
	p := addrParser{s: s}
	p.skipCFWS()
	mt.Type = p.token()
	if mt.Type == "" {
		return mt, syntaxErr("media type", s, p.i, "missing type")
	}
	p.skipCFWS()
	if !p.eof() && p.peek() == '/' {
		p.i++
		p.skipCFWS()
		mt.Subtype = p.token()
		if mt.Subtype == "" {
			return mt, syntaxErr("media type", s, p.i, "missing subtype")
		}
	} else {
		return mt, syntaxErr("media type", s, p.i, "missing '/'")
	}
	mt.Params = p.params()
	return mt, nil
}

// ParseDisposition parses a Content-Disposition value (RFC 2183 §2): a
// disposition type and parameters. The type is returned in MediaType.Type.
func ParseDisposition(s string) (MediaType, error) {
	var mt MediaType
	p := addrParser{s: s}
	p.skipCFWS()
	mt.Type = p.token()
	if mt.Type == "" {
		return mt, syntaxErr("disposition", s, p.i, "missing type")
	}
	mt.Params = p.params()
	return mt, nil
}

// isTokenChar reports RFC 2045 §5.1 token characters.
func isTokenChar(c byte) bool {
	return c > ' ' && c < 0x7f && strings.IndexByte("()<>@,;:\\\"/[]?=", c) < 0
}

func (p *addrParser) token() string {
	start := p.i
	for p.i < len(p.s) && (isTokenChar(p.s[p.i]) || p.s[p.i] >= 0x80) {
		p.i++
	}
	return p.s[start:p.i]
}

// rawParam is one attribute=value before RFC 2231 joining.
type rawParam struct {
	name     string // without the section and '*'
	section  int    // -1 when not a continuation
	extended bool
	value    string
}

func (p *addrParser) params() Params {
	var raws []rawParam
	for {
		p.skipCFWS()
		if p.eof() {
			break
		}
		if p.peek() != ';' {
			p.i++ // junk between parameters
			continue
		}
		p.i++
		p.skipCFWS()
		attr := p.token()
		p.skipCFWS()
		if attr == "" || p.eof() || p.peek() != '=' {
			continue
		}
		p.i++
		p.skipCFWS()
		var val string
		if !p.eof() && p.peek() == '"' {
			val = unquote(p.quoted())
		} else {
			// Up to ';' (lenient: spaces allowed) or a comment after
			// white space (RFC 2045 §5.1 allows comments).
			start := p.i
			for p.i < len(p.s) && p.s[p.i] != ';' &&
				!(p.s[p.i] == '(' && p.i > start && (p.s[p.i-1] == ' ' || p.s[p.i-1] == '\t')) {
				p.i++
			}
			val = strings.TrimRight(p.s[start:p.i], " \t\r\n")
		}
		if rp := splitAttr(attr, val); rp.name != "" && !strings.Contains(rp.name, "*") {
			raws = append(raws, rp)
		}
	}
	return joinParams(raws)
}

// splitAttr splits "name*2*" into name, section 2 and extended (RFC 2231 §3, §4).
func splitAttr(attr, val string) rawParam {
	rp := rawParam{name: attr, section: -1, value: val}
	if strings.HasSuffix(rp.name, "*") {
		rp.extended = true
		rp.name = rp.name[:len(rp.name)-1]
	}
	if i := strings.LastIndexByte(rp.name, '*'); i > 0 {
		if n, err := strconv.Atoi(rp.name[i+1:]); err == nil && n >= 0 && n < 1000 {
			rp.section = n
			rp.name = rp.name[:i]
		}
	}
	return rp
}

// joinParams joins RFC 2231 §3 continuations into one parameter at the place
// of its first section; duplicates after the first are dropped.
func joinParams(raws []rawParam) Params {
	if len(raws) == 0 {
		return nil
	}
	ps := make(Params, 0, len(raws))
	seen := func(name string) bool {
		for _, q := range ps {
			if strings.EqualFold(q.Name, name) {
				return true
			}
		}
		return false
	}
	for i, rp := range raws {
		if seen(rp.name) {
			continue
		}
		if rp.section < 0 {
			ps = append(ps, Param{Name: rp.name, Value: rp.value, Extended: rp.extended})
			continue
		}
		var secs []rawParam
		for _, q := range raws[i:] {
			if q.section >= 0 && strings.EqualFold(q.name, rp.name) {
				secs = append(secs, q)
			}
		}
		sort.SliceStable(secs, func(a, b int) bool { return secs[a].section < secs[b].section })
		ps = append(ps, joinSections(rp.name, secs))
	}
	return ps
}

// joinSections concatenates continuation sections; when the first is
// extended the result is extended and plain sections are percent-encoded
// into it (RFC 2231 §4.1).
func joinSections(name string, secs []rawParam) Param {
	ext := secs[0].extended
	var b strings.Builder
	for _, s := range secs {
		if ext && !s.extended {
			b.WriteString(percentEncode(s.value))
		} else {
			b.WriteString(s.value)
		}
	}
	return Param{Name: name, Value: b.String(), Extended: ext}
}

func percentDecode(s string) []byte {
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]) {
			out = append(out, unhex(s[i+1])<<4|unhex(s[i+2]))
			i += 2
			continue
		}
		out = append(out, s[i])
	}
	return out
}

// percentEncode encodes for an RFC 2231 §4 extended value.
func percentEncode(s string) string {
	const hexdig = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if isTokenChar(c) && c != '*' && c != '\'' && c != '%' {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hexdig[c>>4])
		b.WriteByte(hexdig[c&15])
	}
	return b.String()
}

// FormatMediaType formats a Content-Type or Content-Disposition value
// (Subtype "" for a disposition). Non-ASCII values are written in RFC 2231
// §4 form as UTF-8; values with specials are quoted. An extended value
// longer than a line allows is split into RFC 2231 §3 continuations so the
// field can be folded at 78 characters; a plain value only when it could
// not fit in 998 (readers of plain values may not know RFC 2231).
func FormatMediaType(mt MediaType) string {
	var b strings.Builder
	b.WriteString(mt.Type)
	if mt.Subtype != "" {
		b.WriteByte('/')
		b.WriteString(mt.Subtype)
	}
	for _, p := range mt.Params {
		v := p.Text() // RFC 2047 words in a value are written as RFC 2231
		switch {
		case p.Extended && isToken(p.Value):
			writeExtended(&b, p.Name, p.Value)
		case p.Extended || needsEncoding(v):
			writeExtended(&b, p.Name, "utf-8''"+percentEncode(v))
		case v != "" && isToken(v):
			writePlain(&b, p.Name, v, false)
		default:
			writePlain(&b, p.Name, v, true)
		}
	}
	return b.String()
}

// Section sizes for RFC 2231 §3 continuations: an extended value is split
// when "name*=value" would pass maxExtendedParam, into sections of
// paramSection octets; a plain one only near the hard line limit.
const (
	maxExtendedParam = 76
	maxPlainParam    = hardLineLimit - 10
	paramSection     = 60
)

// writeExtended writes "; name*=value" with value already percent-encoded,
// or its continuations name*0*=...; name*1*=... (RFC 2231 §4.1). A section
// never ends inside a %XX escape.
func writeExtended(b *strings.Builder, name, v string) {
	if v == "" || len(name)+2+len(v) <= maxExtendedParam {
		// An empty value has no sections to split into, however long the name.
		b.WriteString("; " + name + "*=" + v)
		return
	}
	for i := 0; v != ""; i++ {
		n := min(paramSection, len(v))
		if j := strings.LastIndexByte(v[max(n-2, 0):n], '%'); j >= 0 && n < len(v) {
			n = max(n-2, 0) + j // do not cut "%XX"
		}
		b.WriteString("; " + name + "*" + strconv.Itoa(i) + "*=" + v[:n])
		v = v[n:]
	}
}

// writePlain writes "; name=value", quoted if asked, split into RFC 2231 §3
// sections only when it could not fit on a line.
func writePlain(b *strings.Builder, name, v string, quote bool) {
	enc := func(s string) string {
		if quote {
			return quoteString(s)
		}
		return s
	}
	if len(name)+1+len(enc(v)) <= maxPlainParam {
		b.WriteString("; " + name + "=" + enc(v))
		return
	}
	for i := 0; v != ""; i++ {
		n := min(paramSection, len(v))
		b.WriteString("; " + name + "*" + strconv.Itoa(i) + "=" + enc(v[:n]))
		v = v[n:]
	}
}

func isToken(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isTokenChar(s[i]) {
			return false
		}
	}
	return true
}
