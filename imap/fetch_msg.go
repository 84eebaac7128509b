package imap

import (
	"errors"
	"io"
	"strconv"

	"github.com/mailstack/mailstack/imap/internal/imapwire"
	"github.com/mailstack/mailstack/message"
	"github.com/mailstack/mailstack/store"
)

// fetchMsg is one message opened for FETCH: its content in CRLF form and,
// when an item needs it, its part index.
type fetchMsg struct {
	content store.Content
	r       io.ReaderAt
	size    int64
	msg     *message.Message
}

func (c *conn) openMsg(uid store.UID, parse bool) (*fetchMsg, error) {
	content, err := c.sel.mb.Open(c.ctx, uid)
	if err != nil {
		return nil, err
	}
	r, size, err := newCRLFView(content, content.Size())
	if err != nil {
		content.Close()
		return nil, err
	}
	fm := &fetchMsg{content: content, r: r, size: size}
	c.sel.sizes[uid] = size
	if parse {
		if fm.msg, err = message.Parse(r, size, nil); err != nil {
			content.Close()
			return nil, err
		}
	}
	return fm, nil
}

// prepared is an item's value computed before its response line starts,
// so that a failure leaves no half-written line.
type prepared struct {
	raw  []byte    // the value in IMAP syntax, or
	body io.Reader // a literal of n bytes
	n    int64
	bin  bool // literal8
	nil_ bool
}

// fetchOne writes one FETCH response (RFC 9051 §7.5.2).
func (c *conn) fetchOne(seq uint32, m *store.MessageInfo, items []fetchItem, flagsChanged bool) error {
	var fm *fetchMsg
	needC, needP := false, false
	size, sized := c.sel.sizes[m.UID]
	for i := range items {
		needC = needC || (items[i].needsContent() && !(items[i].kind == fSize && sized))
		needP = needP || items[i].needsParse()
	}
	if needC {
		var err error
		if fm, err = c.openMsg(m.UID, needP); err != nil {
			return err
		}
		defer fm.content.Close()
	}
	vals := make([]prepared, len(items))
	for i := range items {
		if items[i].kind == fSize && sized {
			vals[i].raw = strconv.AppendInt(nil, size, 10)
			continue
		}
		p, err := prepare(fm, m, &items[i])
		if err != nil {
			return err
		}
		vals[i] = p
	}
	c.enc.Raw("* ").Number(uint64(seq)).Raw(" FETCH (")
	for i := range items {
		if i > 0 {
			c.enc.SP()
		}
		c.writeItem(m, &items[i], &vals[i])
	}
	if flagsChanged && !hasKind(items, fFlags) {
		c.enc.Raw(" FLAGS ")
		c.writeMsgFlags(m.UID, m.Flags)
	}
	c.enc.Raw(")\r\n")
	return c.enc.Err()
}

func prepare(fm *fetchMsg, m *store.MessageInfo, it *fetchItem) (prepared, error) {
	var p prepared
	switch it.kind {
	case fSize:
		p.raw = strconv.AppendInt(nil, fm.size, 10)
	case fEnvelope:
		env, err := fm.msg.Envelope()
		if err != nil {
			return p, err
		}
		p.raw = env.AppendIMAP(nil)
	case fBody:
		p.raw = fm.msg.BodyStructure().AppendIMAP(nil, false)
	case fBodyStructure:
		p.raw = fm.msg.BodyStructure().AppendIMAP(nil, true)
	case fBinarySize:
		part, err := fm.msg.Find(it.sec.Part)
		if err != nil {
			p.nil_ = true
			return p, nil
		}
		n, err := fm.msg.DecodedSize(part)
		if errors.Is(err, message.ErrUnknownEncoding) {
			return p, no("UNKNOWN-CTE", "Unknown content transfer encoding") // RFC 3516 §4.3
		} else if err != nil {
			return p, err
		}
		p.raw = strconv.AppendInt(nil, n, 10)
	case fSection:
		return prepareSection(fm, it)
	}
	return p, nil
}

func prepareSection(fm *fetchMsg, it *fetchItem) (prepared, error) {
	p := prepared{bin: it.sec.Binary}
	if fm.msg == nil { // the whole message: no index needed
		off, n := int64(0), fm.size
		if it.sec.Partial {
			off = min(it.sec.Offset, n)
			n = min(n-off, it.sec.Count)
		}
		p.body, p.n = io.NewSectionReader(fm.r, off, n), n
		return p, nil
	}
	r, n, err := fm.msg.Section(it.sec)
	switch {
	case errors.Is(err, message.ErrUnknownEncoding):
		return p, no("UNKNOWN-CTE", "Unknown content transfer encoding")
	case errors.Is(err, message.ErrNoSuchPart), errors.Is(err, message.ErrBadSection):
		p.nil_ = true // as Dovecot: a part that does not exist is NIL
		return p, nil
	case err != nil:
		return p, err
	}
	p.body, p.n = r, n
	return p, nil
}

func (c *conn) writeItem(m *store.MessageInfo, it *fetchItem, p *prepared) {
	e := c.enc
	switch it.kind {
	case fUID:
		e.Raw("UID ").Number(uint64(m.UID))
	case fFlags:
		e.Raw("FLAGS ")
		c.writeMsgFlags(m.UID, m.Flags)
	case fInternalDate:
		e.Raw(`INTERNALDATE "`).Raw(imapwire.FormatDateTime(m.InternalDate)).Byte('"')
	case fSize:
		e.Raw("RFC822.SIZE ").RawBytes(p.raw)
	case fEnvelope:
		e.Raw("ENVELOPE ").RawBytes(p.raw)
	case fBody:
		e.Raw("BODY ").RawBytes(p.raw)
	case fBodyStructure:
		e.Raw("BODYSTRUCTURE ").RawBytes(p.raw)
	case fBinarySize, fSection:
		e.Raw(it.name).SP()
		switch {
		case p.nil_:
			e.Raw("NIL")
		case p.raw != nil:
			e.RawBytes(p.raw)
		default:
			e.Literal(p.body, p.n, p.bin)
		}
	}
}
