package message

import (
	"bytes"
	"io"
)

// Envelope is the IMAP ENVELOPE of a message (RFC 3501 §7.4.2, RFC 9051
// §7.5.2): header values as written (trimmed, still folded, not decoded)
// and parsed address lists. An empty string or nil list is NIL on the
// wire. AppendIMAP unfolds.
type Envelope struct {
	Date      string
	Subject   string
	From      []Address
	Sender    []Address // the From value when absent or empty (RFC 3501 §7.4.2)
	ReplyTo   []Address // the From value when absent or empty
	To        []Address
	Cc        []Address
	Bcc       []Address
	InReplyTo string
	MessageID string
}

// EnvelopeFromHeader builds the ENVELOPE of a message header.
func EnvelopeFromHeader(h *Header) *Envelope { return envelopeFromHeader(h) }

func envelopeFromHeader(h *Header) *Envelope {
	e := &Envelope{}
	var sender, replyTo bool
	for _, f := range h.fields {
		switch {
		case e.Date == "" && f.Is("Date"):
			e.Date = rawValue(f)
		case e.Subject == "" && f.Is("Subject"):
			e.Subject = rawValue(f)
		case e.From == nil && f.Is("From"):
			e.From = envAddrs(f)
		case !sender && f.Is("Sender"):
			e.Sender, sender = envAddrs(f), true
		case !replyTo && f.Is("Reply-To"):
			e.ReplyTo, replyTo = envAddrs(f), true
		case e.To == nil && f.Is("To"):
			e.To = envAddrs(f)
		case e.Cc == nil && f.Is("Cc"):
			e.Cc = envAddrs(f)
		case e.Bcc == nil && f.Is("Bcc"):
			e.Bcc = envAddrs(f)
		case e.InReplyTo == "" && f.Is("In-Reply-To"):
			e.InReplyTo = rawValue(f)
		case e.MessageID == "" && f.Is("Message-ID"):
			e.MessageID = rawValue(f)
		}
	}
	if len(e.Sender) == 0 {
		e.Sender = e.From
	}
	if len(e.ReplyTo) == 0 {
		e.ReplyTo = e.From
	}
	return e
}

func envAddrs(f Field) []Address {
	as, _ := ParseAddressList(f.Value())
	return as
}

// Envelope returns the ENVELOPE of the message, reading only its header.
func (m *Message) Envelope() (*Envelope, error) {
	h, err := m.header(m.Root)
	if err != nil {
		return nil, err
	}
	return envelopeFromHeader(&h), nil
}

// header reads a part's header (up to the header limit) from the reader.
func (m *Message) header(p *Part) (Header, error) {
	n := p.HeaderSize
	if max := int64(m.lim.headerBytes()); n > max {
		n = max
	}
	buf := make([]byte, n)
	if _, err := m.r.ReadAt(buf, p.Offset); err != nil && err != io.EOF {
		return Header{}, err
	}
	h, _ := ParseHeader(buf)
	return h, nil
}

// Header returns the parsed header of a part (for an encapsulated message,
// pass part.Message for its header), up to the header limit.
func (m *Message) Header(p *Part) (Header, error) { return m.header(p) }

// rawValue is the field value trimmed but still folded.
func rawValue(f Field) string {
	return string(bytes.Trim(f.RawValue(), " \t\r\n"))
}
