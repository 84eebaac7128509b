package message

import (
	"strconv"
	"strings"
)

// BodyStructure is the IMAP BODYSTRUCTURE of a part (RFC 3501 §7.4.2,
// RFC 9051 §7.5.2). Strings are as in the message; "" is NIL on the wire.
type BodyStructure struct {
	Type, Subtype string
	Params        Params

	// Non-multipart fields (body-fields).
	ID          string
	Description string
	Encoding    string // "7bit" when the part has none
	Size        int64  // body octets, in transfer encoding
	Lines       int64  // text/* and message/rfc822 only
	Envelope    *Envelope
	Body        *BodyStructure // the encapsulated message's structure

	// Multipart children (body-type-mpart).
	Children []*BodyStructure

	// Extension data (body-ext-1part, body-ext-mpart).
	MD5         string // non-multipart only
	Disposition *MediaType
	Language    []string
	Location    string
}

// IsMultipart reports a multipart body.
func (bs *BodyStructure) IsMultipart() bool { return len(bs.Children) > 0 }

// BodyStructure returns the structure of the whole message.
func (m *Message) BodyStructure() *BodyStructure {
	return structure(m.Root)
}

// PartStructure returns the structure of one part.
func PartStructure(p *Part) *BodyStructure { return structure(p) }

func structure(p *Part) *BodyStructure {
	bs := &BodyStructure{
		Type: p.Type, Subtype: p.Subtype, Params: p.Params,
		ID: p.ID, Description: p.Description, Encoding: p.Encoding,
		Size: p.BodySize, Lines: p.BodyLines,
		MD5: p.MD5, Disposition: p.Disposition, Language: p.Language, Location: p.Location,
	}
	if bs.Encoding == "" {
		bs.Encoding = "7bit"
	}
	if p.Degraded && !p.IsMultipart() {
		// An opaque leaf: its content was not looked into.
		bs.Type, bs.Subtype, bs.Params = "application", "octet-stream", nil
	}
	for _, c := range p.Parts {
		bs.Children = append(bs.Children, structure(c))
	}
	if p.Message != nil {
		bs.Envelope = p.Message.Envelope
		bs.Body = structure(p.Message)
	}
	return bs
}

// AppendIMAP appends the structure in IMAP syntax: BODYSTRUCTURE when
// extended is set, BODY otherwise (RFC 3501 §7.4.2).
func (bs *BodyStructure) AppendIMAP(b []byte, extended bool) []byte {
	b = append(b, '(')
	if bs.IsMultipart() {
		for _, c := range bs.Children {
			b = c.AppendIMAP(b, extended)
		}
		b = append(b, ' ')
		b = appendString(b, bs.Subtype)
		if extended {
			b = append(b, ' ')
			b = appendParams(b, bs.Params, false)
			b = bs.appendExt(b)
		}
		return append(b, ')')
	}
	b = appendString(b, bs.Type)
	b = append(b, ' ')
	b = appendString(b, bs.Subtype)
	b = append(b, ' ')
	b = appendParams(b, bs.Params, strings.EqualFold(bs.Type, "text"))
	b = append(b, ' ')
	b = appendNString(b, bs.ID)
	b = append(b, ' ')
	b = appendNString(b, bs.Description)
	b = append(b, ' ')
	b = appendString(b, bs.Encoding)
	b = append(b, ' ')
	b = strconv.AppendInt(b, bs.Size, 10)
	switch {
	case bs.Body != nil:
		b = append(b, ' ')
		env := bs.Envelope
		if env == nil {
			env = &Envelope{}
		}
		b = env.AppendIMAP(b)
		b = append(b, ' ')
		b = bs.Body.AppendIMAP(b, extended)
		b = append(b, ' ')
		b = strconv.AppendInt(b, bs.Lines, 10)
	case strings.EqualFold(bs.Type, "text"):
		b = append(b, ' ')
		b = strconv.AppendInt(b, bs.Lines, 10)
	}
	if extended {
		b = append(b, ' ')
		b = appendNString(b, bs.MD5)
		b = bs.appendExt(b)
	}
	return append(b, ')')
}

// appendExt writes disposition, language and location.
func (bs *BodyStructure) appendExt(b []byte) []byte {
	b = append(b, ' ')
	if bs.Disposition == nil {
		b = append(b, "NIL"...)
	} else {
		b = append(b, '(')
		b = appendString(b, bs.Disposition.Type)
		b = append(b, ' ')
		b = appendParams(b, bs.Disposition.Params, false)
		b = append(b, ')')
	}
	b = append(b, ' ')
	switch len(bs.Language) {
	case 0:
		b = append(b, "NIL"...)
	default: // always a list, as Dovecot writes it
		b = append(b, '(')
		for i, l := range bs.Language {
			if i > 0 {
				b = append(b, ' ')
			}
			b = appendString(b, l)
		}
		b = append(b, ')')
	}
	b = append(b, ' ')
	return appendNString(b, bs.Location)
}

// appendParams writes a parameter list; for text parts without a charset
// it adds charset us-ascii, the default of RFC 2046 §4.1.2, as Dovecot does.
func appendParams(b []byte, ps Params, text bool) []byte {
	addCharset := text && !ps.has("charset")
	if len(ps) == 0 && !addCharset {
		return append(b, "NIL"...)
	}
	b = append(b, '(')
	for i, p := range ps {
		if i > 0 {
			b = append(b, ' ')
		}
		b = appendString(b, p.WireName())
		b = append(b, ' ')
		b = appendString(b, p.Value)
	}
	if addCharset {
		if len(ps) > 0 {
			b = append(b, ' ')
		}
		b = append(b, `"charset" "us-ascii"`...)
	}
	return append(b, ')')
}
