package imap

import (
	"github.com/mailstack/mailstack/message"
	"github.com/mailstack/mailstack/store"
)

// Most messages in a Maildir end lines with LF alone. ENVELOPE and
// BODYSTRUCTURE do not need the CRLF form of the bytes, only its sizes,
// and the part index counts the bare LFs that make the difference
// (message.Part.HeaderBareLFs, BodyBareLFs). So for those items the
// message is indexed as stored, without converting it on the way: one
// read of the file instead of a scan and a converting read.

// parseStored indexes the stored form of a message and returns the index
// and its CRLF size.
func parseStored(content store.Content) (*message.Message, int64, error) {
	msg, err := message.Parse(content, content.Size(), nil)
	if err != nil {
		return nil, 0, err
	}
	root := msg.Root
	return msg, root.Offset + root.HeaderSize + root.HeaderBareLFs + bodyCRLF(root), nil
}

// bodyCRLF returns the size of a part's body in CRLF form: its size and
// its bare LFs. The body of a message/rfc822 part may end with its
// encapsulated message, the line end of a header cut short by a boundary
// included (message.Part documents it); the bare LF of that line end is
// not in BodyBareLFs, so the encapsulated message's own count is used
// when it is the larger.
func bodyCRLF(p *message.Part) int64 {
	n := p.BodySize + p.BodyBareLFs
	if m := p.Message; m != nil && m.Offset == p.BodyOffset() {
		n = max(n, m.HeaderSize+m.HeaderBareLFs+bodyCRLF(m))
	}
	return n
}

// crlfStructure returns the BODYSTRUCTURE of a message indexed in its
// stored form, with sizes of the CRLF form (RFC 9051 §7.5.2 body-fld-octets
// count the octets as sent).
func crlfStructure(msg *message.Message) *message.BodyStructure {
	bs := msg.BodyStructure()
	addBareLFs(bs, msg.Root)
	return bs
}

// addBareLFs gives each part its CRLF size; bs mirrors p (it was built
// from it by message.PartStructure).
func addBareLFs(bs *message.BodyStructure, p *message.Part) {
	if !bs.IsMultipart() {
		bs.Size = bodyCRLF(p)
	}
	for i, kid := range bs.Children {
		if i < len(p.Parts) {
			addBareLFs(kid, p.Parts[i])
		}
	}
	if bs.Body != nil && p.Message != nil {
		addBareLFs(bs.Body, p.Message)
	}
}
