package imap

import (
	"errors"
	"io"
	"strconv"

	"github.com/mailstack/mailstack/imap/internal/imapwire"
	"github.com/mailstack/mailstack/message"
	"github.com/mailstack/mailstack/store"
)

// fetchMsg is one message opened for FETCH or SEARCH: its content, its
// size in CRLF form and, when needed, a reader of that form and the part
// index.
type fetchMsg struct {
	content store.Content
	size    int64       // CRLF size; -1 until known
	r       io.ReaderAt // the CRLF form; nil until needed
	msg     *message.Message
	stored  bool // msg indexes the stored form (parseStored), not the CRLF form
	c       *conn
	uid     store.UID
}

// How openMsg prepares a message, in increasing order of what it gives.
type openMode int

const (
	openPlain   openMode = iota // content only
	openStored                  // part index of the stored form: ENVELOPE, BODYSTRUCTURE
	openIndexed                 // part index of the CRLF form: sections too, SEARCH
)

// openMsg opens a message; size is its CRLF size if known (else -1).
func (c *conn) openMsg(uid store.UID, mode openMode, size int64) (*fetchMsg, error) {
	content, err := c.sel.mb.Open(c.ctx, uid)
	if err != nil {
		return nil, err
	}
	fm := &fetchMsg{content: content, size: size, c: c, uid: uid}
	switch {
	case mode == openStored:
		var n int64
		fm.msg, n, err = parseStored(content)
		if err == nil && fm.size < 0 {
			fm.size = n
			c.srv.meta.put(c.sel.metaKey(), uid, msgMeta{size: n, raw: content.Size(), sized: true})
		}
		fm.stored = true
	case mode == openIndexed || size < 0:
		err = fm.view()
		if err == nil && mode == openIndexed {
			fm.msg, err = message.Parse(fm.r, fm.size, nil)
		}
	}
	if err != nil {
		content.Close()
		return nil, err
	}
	return fm, nil
}

// structure returns the BODYSTRUCTURE, with the sizes of the CRLF form.
func (fm *fetchMsg) structure() *message.BodyStructure {
	if fm.stored {
		return crlfStructure(fm.msg)
	}
	return fm.msg.BodyStructure()
}

// view builds the CRLF reader, learning the size on the way, and records
// the size in the Server's cache.
func (fm *fetchMsg) view() error {
	if fm.r != nil {
		return nil
	}
	r, n, err := newCRLFView(fm.content, fm.content.Size())
	if err != nil {
		return err
	}
	if fm.size < 0 {
		fm.c.srv.meta.put(fm.c.sel.metaKey(), fm.uid, msgMeta{size: n, raw: fm.content.Size(), sized: true})
	}
	fm.r, fm.size = r, n
	return nil
}

// resize forgets the CRLF size openMsg was given and learns it from the
// content.
func (fm *fetchMsg) resize() error {
	if fm.r != nil {
		return nil // view learnt it from the content already
	}
	fm.size = -1
	return fm.view()
}

func (fm *fetchMsg) close() { fm.content.Close() }

// prepared is an item's value computed before its response line starts,
// so that a failure leaves no half-written line.
type prepared struct {
	raw  []byte    // the value in IMAP syntax, or
	body io.Reader // a literal of n bytes
	n    int64
	bin  bool // literal8
	nil_ bool
}

// fetchOne writes one FETCH response (RFC 9051 §7.5.2). What the Server's
// cache knows is not computed again; what is computed is added to it.
func (c *conn) fetchOne(seq uint32, m *store.MessageInfo, items []fetchItem, flagsChanged bool) error {
	key := c.sel.metaKey()
	meta, ok := c.srv.meta.get(key, m.UID)
	if !ok {
		meta = c.storedMeta(key, m.UID)
	}
	known := meta
	if !meta.sized && m.CRLFSize > 0 {
		// The store knows the CRLF size (a Maildir name's ",W="): no
		// need to read the message for RFC822.SIZE, nor to read it
		// twice for BODY[] (once to size the literal, once to send it).
		meta.size, meta.raw, meta.sized = m.CRLFSize, m.Size, true
	}
	mode, needC := openPlain, false
	for i := range items {
		switch it := &items[i]; it.kind {
		case fUID, fFlags, fInternalDate, fModSeq, fEmailID, fThreadID, fSaveDate:
		case fSize:
			needC = needC || !meta.sized
		case fEnvelope, fBody, fBodyStructure:
			if meta.field(it.kind) == nil {
				needC, mode = true, max(mode, openStored)
			}
		default:
			needC = true
			if it.needsParse() {
				mode = openIndexed
			}
		}
	}
	var fm *fetchMsg
	learnt := false // the size, from the content
	if needC {
		size := int64(-1)
		if meta.sized {
			size = meta.size
		}
		var err error
		if fm, err = c.openMsg(m.UID, mode, size); err != nil {
			return err
		}
		defer fm.close()
		if meta.sized && fm.content.Size() != meta.raw {
			// The file is not what the size was learnt from (it
			// changed behind the store's back, or a cache is
			// stale): do not announce a literal of a size that may
			// be wrong; learn the size from the content.
			if err := fm.resize(); err != nil {
				return err
			}
			size = -1
		}
		learnt = size < 0 && fm.size >= 0
		meta.size, meta.raw, meta.sized = fm.size, fm.content.Size(), fm.size >= 0
	}
	vals := make([]prepared, len(items))
	for i := range items {
		p, err := prepare(fm, &meta, &items[i])
		if err != nil {
			return err
		}
		vals[i] = p
	}
	if learnt || meta.env != nil && known.env == nil || meta.body != nil && known.body == nil || meta.bs != nil && known.bs == nil {
		c.srv.meta.put(key, m.UID, meta)
		c.storeMeta(m.UID, &meta)
	}
	c.enc.Raw("* ").Number(uint64(seq)).Raw(" FETCH (")
	for i := range items {
		if i > 0 {
			c.enc.SP()
		}
		c.writeItem(m, &items[i], &vals[i])
		if cl, ok := vals[i].body.(io.Closer); ok {
			cl.Close()
		}
	}
	if flagsChanged && !hasKind(items, fFlags) {
		c.enc.Raw(" FLAGS ")
		c.writeMsgFlags(m.UID, m.Flags)
	}
	if flagsChanged && c.qresync && !hasKind(items, fUID) {
		c.enc.Raw(" UID ").Number(uint64(m.UID)) // RFC 7162 §3.2.4
	}
	if flagsChanged && c.condstore && !hasKind(items, fModSeq) {
		c.enc.SP() // RFC 7162 §3.1: \Seen set by FETCH
		c.writeModSeq(m.ModSeq)
	}
	c.enc.Raw(")\r\n")
	return c.enc.Err()
}

// field returns the cached wire form for ENVELOPE, BODY or BODYSTRUCTURE.
func (m *msgMeta) field(k fetchKind) []byte {
	switch k {
	case fEnvelope:
		return m.env
	case fBody:
		return m.body
	case fBodyStructure:
		return m.bs
	}
	return nil
}

// prepare computes an item's value, from meta when it holds it; what it
// computes for ENVELOPE, BODY and BODYSTRUCTURE goes into meta.
func prepare(fm *fetchMsg, meta *msgMeta, it *fetchItem) (prepared, error) {
	var p prepared
	switch it.kind {
	case fSize:
		p.raw = strconv.AppendInt(nil, meta.size, 10)
	case fEnvelope:
		if meta.env == nil {
			env, err := fm.msg.Envelope()
			if err != nil {
				return p, err
			}
			meta.env = env.AppendIMAP(nil)
		}
		p.raw = meta.env
	case fBody:
		if meta.body == nil {
			meta.body = fm.structure().AppendIMAP(nil, false)
		}
		p.raw = meta.body
	case fBodyStructure:
		if meta.bs == nil {
			meta.bs = fm.structure().AppendIMAP(nil, true)
		}
		p.raw = meta.bs
	case fBinarySize:
		if len(it.sec.Part) == 0 && fm.size >= 0 {
			// RFC 3516 §4.2: BINARY[] is the whole message as it is,
			// so its size is RFC822.SIZE, not its body's decoded.
			p.raw = strconv.AppendInt(nil, fm.size, 10)
			return p, nil
		}
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
		if !it.sec.Partial {
			// Streamed in one pass: the size came from the cache or the
			// scan that learnt it.
			raw := io.NewSectionReader(fm.content, 0, fm.content.Size())
			p.body, p.n = newCRLFReader(raw), fm.size
			return p, nil
		}
		if err := fm.view(); err != nil {
			return p, err
		}
		off, n := min(it.sec.Offset, fm.size), fm.size
		n = min(n-off, it.sec.Count)
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
	case fModSeq:
		c.writeModSeq(m.ModSeq)
	case fInternalDate:
		e.Raw(`INTERNALDATE "`).Raw(imapwire.FormatDateTime(m.InternalDate)).Byte('"')
	case fEmailID:
		e.Raw("EMAILID ")
		c.writeObjectID(m.EmailID)
	case fThreadID:
		e.Raw("THREADID ")
		c.writeObjectID(m.ThreadID)
	case fSaveDate:
		e.Raw("SAVEDATE ")
		c.writeSaveDate(m)
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
