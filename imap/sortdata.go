package imap

import (
	"bytes"
	"errors"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"github.com/mailstack/mailstack/message"
	"github.com/mailstack/mailstack/store"
)

// SORT and THREAD compare header values of the messages a search found.
// Every value comes from the message's ENVELOPE (RFC 9051 §7.5.2), the
// form the Server's cache keeps (cache.go): a message whose ENVELOPE was
// fetched before is sorted without being opened, and a message SORT opens
// leaves its ENVELOPE in the cache for the next FETCH. Going through the
// ENVELOPE also gives every source the same values, as Dovecot's sort does
// by reading addresses with its ENVELOPE parser: the first group name of
// an address list is a mailbox, a missing local part is MISSING_MAILBOX.
// THREAD=REFERENCES also needs the References field, which no ENVELOPE
// holds. A mailbox that implements store.HeaderIndex hands over the
// fields of all uncached messages in one call instead.

// sortNeed says what a SORT or THREAD needs of each message.
type sortNeed struct {
	env  bool // header values (anything but ARRIVAL and SIZE)
	refs bool // the References field (THREAD=REFERENCES)
	size bool // the CRLF size (SIZE)
}

// sortFields are the fields asked of a store.HeaderIndex: what the
// ENVELOPE values used here come from, and References.
var sortFields = []string{"Date", "Subject", "From", "To", "Cc", "In-Reply-To", "Message-ID", "References"}

// sortMsg is one message being sorted or threaded.
type sortMsg struct {
	idx     int // view index: sequence number - 1
	uid     store.UID
	arrival int64 // INTERNALDATE, Unix seconds
	size    int64
	env     sortEnv
	refs    string // References field value
	keys    sortKeys
	info    *store.MessageInfo
}

// sortEnv holds the ENVELOPE members sorting and threading use, as
// written there (RFC 2047 words not decoded).
type sortEnv struct {
	date, subject, inReplyTo, messageID string
	from, to, cc                        envAddr // the first address of each list
}

// envAddr is an ENVELOPE address: display name, mailbox (local part, or
// a group's name) and host.
type envAddr struct{ name, mailbox, host string }

// sortMsgs returns what need asks of the messages at view indexes idx
// (ascending). Messages gone from the store are left out.
func (c *conn) sortMsgs(idx []int, need sortNeed) ([]sortMsg, error) {
	v := c.sel
	if len(idx) == 0 {
		return nil, nil
	}
	infos, err := v.mb.List(c.ctx, v.uidSet(idx))
	if err != nil {
		return nil, err
	}
	msgs := make([]sortMsg, 0, len(infos))
	for i := range infos {
		m := &infos[i]
		j, ok := v.uids.Search(m.UID)
		if !ok {
			continue
		}
		msgs = append(msgs, sortMsg{idx: j, uid: m.UID, arrival: m.InternalDate.Unix(), info: m})
	}
	if need.env || need.refs {
		if err := c.sortHeaders(msgs, need.refs); err != nil {
			return nil, err
		}
	}
	if need.size {
		for i := range msgs {
			sm := &searchMsg{c: c, idx: msgs[i].idx, info: msgs[i].info}
			msgs[i].size = sm.size()
			if sm.fm != nil {
				sm.fm.close()
			}
			if sm.err != nil && !errors.Is(sm.err, store.ErrNoSuchMessage) {
				return nil, sm.err
			}
		}
	}
	return msgs, nil
}

// sortHeaders fills the header values of msgs: from the Server's cache,
// else from the store's HeaderIndex, else by reading each message.
func (c *conn) sortHeaders(msgs []sortMsg, refs bool) error {
	key := c.sel.metaKey()
	var todo []*sortMsg
	for i := range msgs {
		m := &msgs[i]
		meta, ok := c.srv.meta.get(key, m.uid)
		if !ok {
			meta = c.storedMeta(key, m.uid)
		}
		if meta.env != nil && (!refs || meta.refs != nil) {
			if env, ok := parseEnvWire(meta.env); ok {
				m.env, m.refs = env, string(meta.refs)
				continue
			}
		}
		todo = append(todo, m)
	}
	if len(todo) == 0 {
		return nil
	}
	if hi, ok := c.sel.mb.(store.HeaderIndex); ok {
		return c.indexedHeaders(hi, todo)
	}
	for _, m := range todo {
		if err := c.readHeaders(m, refs); err != nil {
			if errors.Is(err, store.ErrNoSuchMessage) {
				continue // expunged meanwhile: sorts with empty values
			}
			return err
		}
	}
	return nil
}

// indexedHeaders asks a store.HeaderIndex for the fields of todo.
func (c *conn) indexedHeaders(hi store.HeaderIndex, todo []*sortMsg) error {
	uids := make([]store.UID, len(todo))
	for i, m := range todo {
		uids[i] = m.uid
	}
	hdrs, err := hi.HeaderFields(c.ctx, store.UIDSetOf(uids...), sortFields)
	if err != nil {
		return err
	}
	j := 0
	for i := range hdrs {
		for j < len(todo) && todo[j].uid < hdrs[i].UID {
			j++
		}
		if j == len(todo) {
			break
		}
		if todo[j].uid != hdrs[i].UID {
			continue
		}
		h, _ := message.ParseHeader(hdrs[i].Header)
		todo[j].setHeader(&h)
	}
	return nil
}

// readHeaders reads a message's header as FETCH ENVELOPE does and leaves
// the ENVELOPE in the Server's cache.
func (c *conn) readHeaders(m *sortMsg, refs bool) error {
	key := c.sel.metaKey()
	meta, _ := c.srv.meta.get(key, m.uid)
	size := int64(-1)
	if meta.sized {
		size = meta.size
	}
	fm, err := c.openMsg(m.uid, openStored, size)
	if err != nil {
		return err
	}
	defer fm.close()
	var learnt msgMeta
	if refs {
		h, err := fm.msg.Header(fm.msg.Root)
		if err != nil {
			return err
		}
		learnt.env = m.setHeader(&h)
		learnt.refs = append([]byte{}, m.refs...) // empty, not nil, when absent
	} else {
		env, err := fm.msg.Envelope() // what FETCH ENVELOPE computes
		if err != nil {
			return err
		}
		learnt.env = env.AppendIMAP(nil)
		m.env, _ = parseEnvWire(learnt.env)
	}
	if meta.env != nil {
		learnt.env = nil // keep FETCH's
	}
	if learnt.env != nil || learnt.refs != nil && meta.refs == nil {
		c.srv.meta.put(key, m.uid, learnt)
		if meta.env == nil {
			meta.env = learnt.env
		}
		if meta.refs == nil {
			meta.refs = learnt.refs
		}
		c.storeMeta(m.uid, &meta)
	}
	return nil
}

// setHeader takes the values from a header: its ENVELOPE, which it
// returns in IMAP syntax, and References.
func (m *sortMsg) setHeader(h *message.Header) []byte {
	b := message.EnvelopeFromHeader(h).AppendIMAP(nil)
	m.env, _ = parseEnvWire(b)
	if f, ok := h.Lookup("References"); ok {
		m.refs = f.Value()
	}
	return b
}

// parseEnvWire reads the members sortEnv holds from an ENVELOPE in IMAP
// syntax (RFC 9051 §7.5.2), as AppendIMAP writes it and the cache keeps
// it: "(date subject from sender reply-to to cc bcc in-reply-to
// message-id)". The members not used are skipped, not decoded.
func parseEnvWire(b []byte) (sortEnv, bool) {
	var e sortEnv
	p := wireParser{b: b, ok: true}
	p.expect('(')
	e.date = p.nstring()
	p.expect(' ')
	e.subject = p.nstring()
	p.expect(' ')
	e.from = p.firstAddr()
	p.expect(' ')
	p.skip() // sender
	p.expect(' ')
	p.skip() // reply-to
	p.expect(' ')
	e.to = p.firstAddr()
	p.expect(' ')
	e.cc = p.firstAddr()
	p.expect(' ')
	p.skip() // bcc
	p.expect(' ')
	e.inReplyTo = p.nstring()
	p.expect(' ')
	e.messageID = p.nstring()
	p.expect(')')
	return e, p.ok && p.i == len(b)
}

// wireParser reads IMAP response values as AppendIMAP writes them (lists,
// NIL, quoted strings, literals; one space between members); ok turns
// false at the first syntax error and stays so.
type wireParser struct {
	b  []byte
	i  int
	ok bool
}

func (p *wireParser) expect(c byte) {
	if p.ok && p.i < len(p.b) && p.b[p.i] == c {
		p.i++
		return
	}
	p.ok = false
}

// nstring reads a string, or NIL as "".
func (p *wireParser) nstring() string {
	switch {
	case !p.ok || p.i >= len(p.b):
	case p.b[p.i] == '"':
		end := quotedEnd(p.b, p.i+1)
		if end < 0 {
			break
		}
		q := p.b[p.i+1 : end]
		p.i = end + 1
		if bytes.IndexByte(q, '\\') < 0 {
			return string(q)
		}
		s := make([]byte, 0, len(q))
		for k := 0; k < len(q); k++ {
			if q[k] == '\\' {
				k++
			}
			s = append(s, q[k])
		}
		return string(s)
	case p.b[p.i] == '{':
		end := literalEnd(p.b, p.i+1)
		if end < 0 {
			break
		}
		start := p.i + bytes.IndexByte(p.b[p.i:], '}') + 3
		p.i = end + 1
		return string(p.b[start:p.i])
	case bytes.HasPrefix(p.b[p.i:], []byte("NIL")):
		p.i += 3
		return ""
	}
	p.ok = false
	return ""
}

// skip passes over one value.
func (p *wireParser) skip() {
	if !p.ok || p.i >= len(p.b) || p.b[p.i] != '(' {
		p.nstring()
		return
	}
	depth := 0
	for ; p.i < len(p.b); p.i++ {
		switch p.b[p.i] {
		case '(':
			depth++
		case ')':
			if depth--; depth == 0 {
				p.i++
				return
			}
		case '"':
			p.i = quotedEnd(p.b, p.i+1)
		case '{':
			p.i = literalEnd(p.b, p.i+1)
		}
		if p.i < 0 {
			break
		}
	}
	p.ok = false
}

// firstAddr reads an address list (or NIL) and returns its first
// address: "(" "(" name SP adl SP mailbox SP host ")" … ")".
func (p *wireParser) firstAddr() envAddr {
	var a envAddr
	if !p.ok || p.i >= len(p.b) || p.b[p.i] != '(' {
		p.nstring()
		return a
	}
	start := p.i
	p.i++
	p.expect('(')
	a.name = p.nstring()
	p.expect(' ')
	p.nstring() // adl
	p.expect(' ')
	a.mailbox = p.nstring()
	p.expect(' ')
	a.host = p.nstring()
	p.i = start
	p.skip()
	return a
}

// sortKeys are a message's comparison values, computed as needed.
type sortKeys struct {
	done                                    sortKeySet
	date                                    int64
	subject, from, to, cc, dispFrom, dispTo string
	replyFwd                                bool
}

type sortKeySet uint8

const (
	keyDate sortKeySet = 1 << iota
	keySubject
	keyAddr
)

// sentDate is the sent date (RFC 5256 §2.2): the Date field in UTC, or the
// INTERNALDATE when the field is missing or cannot be parsed.
func (m *sortMsg) sentDate() int64 {
	if m.keys.done&keyDate == 0 {
		m.keys.done |= keyDate
		m.keys.date = m.arrival
		if t, err := message.ParseDate(m.env.date); err == nil && m.env.date != "" {
			m.keys.date = t.Unix()
		}
	}
	return m.keys.date
}

// baseSubject is the base subject (RFC 5256 §2.1) in comparison form, and
// whether the subject marks a reply or forward.
func (m *sortMsg) baseSubject() (string, bool) {
	if m.keys.done&keySubject == 0 {
		m.keys.done |= keySubject
		text := message.DecodeText([]byte(m.env.subject))
		m.keys.subject, m.keys.replyFwd = message.BaseSubject(casemap(text))
	}
	return m.keys.subject, m.keys.replyFwd
}

// addrKeys computes the FROM, TO, CC (the first address's mailbox,
// RFC 5256 §3) and DISPLAYFROM, DISPLAYTO (RFC 5957 §3) keys.
func (m *sortMsg) addrKeys() *sortKeys {
	if m.keys.done&keyAddr == 0 {
		m.keys.done |= keyAddr
		m.keys.from = casemap(m.env.from.mailbox)
		m.keys.to = casemap(m.env.to.mailbox)
		m.keys.cc = casemap(m.env.cc.mailbox)
		m.keys.dispFrom = casemap(displayName(m.env.from))
		m.keys.dispTo = casemap(displayName(m.env.to))
	}
	return &m.keys
}

// displayName is the RFC 5957 §3 sort value of an address: its decoded
// display name, or its addr-spec when it has none.
func displayName(a envAddr) string {
	if a.name != "" {
		if s := message.DecodeText([]byte(a.name)); s != "" {
			return s
		}
	}
	if a.mailbox != "" && a.host != "" {
		return a.mailbox + "@" + a.host
	}
	return a.mailbox
}

// casemap brings s to the comparison form of the i;unicode-casemap
// collation (RFC 5051 §2), which Dovecot uses for SORT and THREAD: every
// character in title case, then decomposed (NFKD), so that "é" sorts with
// "E" and "①" as "1". Byte order of the results is the sort order.
// Dovecot 2.3 decomposes one level only and leaves title-case letters
// ("ǅ") whole, so a string holding a character whose decomposition
// decomposes again ("ệ", "Ǖ", ANGSTROM SIGN) sorts differently there;
// we follow the RFC.
func casemap(s string) string {
	ascii := true
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	if ascii {
		b := []byte(s)
		for i, c := range b {
			if 'a' <= c && c <= 'z' {
				b[i] = c - ('a' - 'A')
			}
		}
		return string(b)
	}
	b := make([]byte, 0, len(s))
	for _, r := range s {
		b = utf8.AppendRune(b, unicode.ToTitle(r))
	}
	return norm.NFKD.String(string(b))
}
