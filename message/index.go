package message

import (
	"io"
	"strings"
)

// Part is one node of a message's part index (RFC 2045, RFC 2046): where its
// header and body lie in the message, and the MIME fields that IMAP's
// BODYSTRUCTURE reports. A Part holds offsets, never the message bytes.
type Part struct {
	Offset     int64 // of the header's first byte, from the start of the message
	HeaderSize int64 // header bytes, the empty line that ends it included
	BodySize   int64 // body bytes; a line ending before a boundary is not the body's (RFC 2046 §5.1.1)
	BodyLines  int64 // lines in the body (IMAP body-fld-lines)

	// HeaderBareLFs and BodyBareLFs count LFs without a CR before them, so
	// that sizes with CRLF line endings (IMAP's view) are Size + BareLFs.
	HeaderBareLFs, BodyBareLFs int64

	// Type and Subtype are as written ("text" "plain" when absent or
	// invalid, "message" "rfc822" in a multipart/digest, RFC 2046 §5.1.5).
	// DefaultType reports that the part had no valid Content-Type.
	Type, Subtype string
	DefaultType   bool
	Params        Params // Content-Type parameters

	ID          string // Content-ID, unfolded (RFC 2045 §7)
	Description string // Content-Description, unfolded, not decoded (RFC 2045 §8)
	Encoding    string // Content-Transfer-Encoding as written; "" means 7bit (RFC 2045 §6.1)
	MD5         string // Content-MD5 (RFC 1864)
	Disposition *MediaType
	Language    []string // Content-Language (RFC 3282)
	Location    string   // Content-Location (RFC 2557)

	// Parts are the children of a multipart, in order.
	Parts []*Part

	// Message is the encapsulated message of a message/rfc822 (or
	// message/global, RFC 6532 §3.7) part: its Offset is this part's body.
	Message *Part

	// Envelope is set on the root of an encapsulated message (RFC 3501
	// §7.4.2 puts it in BODYSTRUCTURE); the top-level one is Message.Envelope.
	Envelope *Envelope

	// Degraded reports that a limit stopped the parse of this part: its
	// header was too large or it was nested too deep (it is then an opaque
	// leaf, shown as application/octet-stream), or it had more children than
	// the part limit allowed (the rest are left out).
	Degraded bool
}

// BodyOffset returns the offset of the part's body.
func (p *Part) BodyOffset() int64 { return p.Offset + p.HeaderSize }

// Size returns the bytes of header and body.
func (p *Part) Size() int64 { return p.HeaderSize + p.BodySize }

// IsMultipart reports a multipart part with children.
func (p *Part) IsMultipart() bool { return len(p.Parts) > 0 }

// IsMessage reports a message/rfc822 or message/global part that was parsed.
func (p *Part) IsMessage() bool { return p.Message != nil }

// MediaType returns "type/subtype" in lower case.
func (p *Part) MediaType() string {
	return strings.ToLower(p.Type + "/" + p.Subtype)
}

// Message is an indexed message: the reader it was parsed from and the tree
// of its parts. Its methods serve IMAP data from the reader without reparsing.
type Message struct {
	r      io.ReaderAt
	size   int64
	lim    *Limits
	Root   *Part // the message itself: its header is the message header
	nparts int
}

// Size returns the message size given to Parse.
func (m *Message) Size() int64 { return m.size }

// Reader returns the message bytes as a stream.
func (m *Message) Reader() *io.SectionReader { return io.NewSectionReader(m.r, 0, m.size) }

// PartCount returns the number of parts indexed, the root included.
func (m *Message) PartCount() int { return m.nparts }

// Parse indexes the message held in r[0:size] in one streaming pass, with a
// fixed 64 KiB buffer whatever the size. It never fails on malformed mail:
// structure it cannot follow becomes opaque leaves, and limits (nil lim:
// the defaults) degrade parts rather than stop. It fails only when r does;
// the index then covers the bytes read.
func Parse(r io.ReaderAt, size int64, lim *Limits) (*Message, error) {
	p := getParser(r, size, lim)
	defer putParser(p)
	root := &Part{}
	p.nparts = 1
	p.parsePart(root, 0, false, false)
	m := &Message{r: r, size: p.s.size, lim: lim, Root: root, nparts: p.nparts}
	return m, p.s.err
}
