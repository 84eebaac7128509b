package message

import "strings"

// fillFields sets the part's MIME fields from its header (RFC 2045 §5-§8,
// RFC 2183, RFC 3282, RFC 2557, RFC 1864); the first of repeated fields wins.
func (p *parser) fillFields(part *Part, h *Header, inDigest, isMsg bool) {
	var ct, cd Field
	var haveCT, haveCD bool
	for _, f := range h.fields {
		n := f.nameBytes()
		if len(n) < 8 || !equalFold(n[:8], "content-") {
			continue
		}
		switch {
		case !haveCT && f.Is("Content-Type"):
			ct, haveCT = f, true
		case !haveCD && f.Is("Content-Disposition"):
			cd, haveCD = f, true
		case part.Encoding == "" && f.Is("Content-Transfer-Encoding"):
			part.Encoding = strings.TrimSpace(stripComments(f.Value()))
		case part.ID == "" && f.Is("Content-ID"):
			part.ID = f.Value()
		case part.Description == "" && f.Is("Content-Description"):
			part.Description = f.Value()
		case part.MD5 == "" && f.Is("Content-MD5"):
			part.MD5 = f.Value()
		case part.Language == nil && f.Is("Content-Language"):
			part.Language = parseLanguages(f.Value())
		case part.Location == "" && f.Is("Content-Location"):
			part.Location = f.Value()
		}
	}
	setType(part, ct, haveCT, inDigest)
	if haveCD {
		if d, err := ParseDisposition(cd.Value()); err == nil {
			part.Disposition = &d
		}
	}
	if isMsg {
		part.Envelope = envelopeFromHeader(h)
	}
}

// setType applies Content-Type or its defaults (RFC 2045 §5.2, RFC 2046
// §5.1.5 for digests).
func setType(part *Part, ct Field, have, inDigest bool) {
	if have {
		if mt, err := ParseMediaType(ct.Value()); err == nil {
			part.Type, part.Subtype, part.Params = mt.Type, mt.Subtype, mt.Params
			return
		}
	}
	part.DefaultType = true
	if inDigest {
		part.Type, part.Subtype = "message", "rfc822"
		return
	}
	part.Type, part.Subtype = "text", "plain"
	part.Params = Params{{Name: "charset", Value: "us-ascii"}}
}

// parseLanguages splits a Content-Language list (RFC 3282 §2).
func parseLanguages(v string) []string {
	v = stripComments(v)
	var out []string
	for _, l := range strings.Split(v, ",") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}
