package message

import (
	"bytes"
	"io"
	"slices"
)

// Envelope is the IMAP ENVELOPE of a message (RFC 3501 §7.4.2, RFC 9051
// §7.5.2): header values as written (trimmed, still folded, not decoded)
// and parsed address lists. An empty string or nil list is NIL on the
// wire, except for the string members marked in Empty. AppendIMAP unfolds.
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

	// Empty marks the string members whose header field is present but
	// empty. They are "" on the wire, while NIL means the field is absent:
	// env-date, env-subject, env-in-reply-to and env-message-id are
	// nstrings (RFC 9051 §7.5.2, §9), and "" is the value of a field that
	// exists (RFC 5322 §3.6.5 allows an empty Subject). Dovecot does the
	// same.
	Empty EnvelopeField
}

// EnvelopeField names string members of an Envelope, as a bit set.
type EnvelopeField uint8

// The string members of an Envelope.
const (
	EnvDate EnvelopeField = 1 << iota
	EnvSubject
	EnvInReplyTo
	EnvMessageID
)

// EnvelopeFromHeader builds the ENVELOPE of a message header.
func EnvelopeFromHeader(h *Header) *Envelope { return envelopeFromHeader(h) }

func envelopeFromHeader(h *Header) *Envelope {
	e := &Envelope{}
	var sender, replyTo bool
	var seen EnvelopeField
	str := func(dst *string, which EnvelopeField, f Field) {
		if seen&which == 0 {
			seen |= which
			if *dst = rawValue(f); *dst == "" {
				e.Empty |= which
			}
		}
	}
	for _, f := range h.fields {
		switch {
		case f.Is("Date"):
			str(&e.Date, EnvDate, f)
		case f.Is("Subject"):
			str(&e.Subject, EnvSubject, f)
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
		case f.Is("In-Reply-To"):
			str(&e.InReplyTo, EnvInReplyTo, f)
		case f.Is("Message-ID"):
			str(&e.MessageID, EnvMessageID, f)
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
// The header bytes are read into a pooled buffer: the Envelope copies what
// it keeps.
func (m *Message) Envelope() (*Envelope, error) {
	sp := parserPool.Get().(*parser)
	defer putParser(sp)
	buf, err := m.headerBytes(m.Root, sp.hbuf)
	sp.hbuf = buf
	if err != nil {
		return nil, err
	}
	h, _ := parseHeader(buf, sp.fields[:0])
	sp.fields = h.fields
	return envelopeFromHeader(&h), nil
}

// header reads a part's header (up to the header limit) from the reader.
func (m *Message) header(p *Part) (Header, error) {
	buf, err := m.headerBytes(p, nil)
	if err != nil {
		return Header{}, err
	}
	h, _ := ParseHeader(buf)
	return h, nil
}

// headerBytes reads a part's header (up to the header limit) into buf,
// grown as needed.
func (m *Message) headerBytes(p *Part, buf []byte) ([]byte, error) {
	n := p.HeaderSize
	if max := int64(m.lim.headerBytes()); n > max {
		n = max
	}
	buf = slices.Grow(buf[:0], int(n))[:n]
	if _, err := m.r.ReadAt(buf, p.Offset); err != nil && err != io.EOF {
		return buf, err
	}
	return buf, nil
}

// Header returns the parsed header of a part (for an encapsulated message,
// pass part.Message for its header), up to the header limit.
func (m *Message) Header(p *Part) (Header, error) { return m.header(p) }

// rawValue is the field value trimmed but still folded.
func rawValue(f Field) string {
	return string(bytes.Trim(f.RawValue(), " \t\r\n"))
}
