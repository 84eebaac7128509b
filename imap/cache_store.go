package imap

import (
	"encoding/binary"

	"github.com/mailstack/mailstack/store"
)

// A mailbox that implements store.MessageCache (package maildir keeps a
// file per folder) holds what FETCH computed about each message beyond the
// Server's life, as Dovecot's dovecot.index.cache does: after a restart,
// the first FETCH of ENVELOPE or BODYSTRUCTURE reads no message file
// either. metaCache stays in front of it: the store is asked only when
// memory does not know a message, and told what FETCH learnt.
//
// The store keeps opaque bytes, written by encodeMeta:
//
//	version:1 flags:1 [size raw (uvarint)] [len env] [len body] [len bs] [len refs]
//
// flags tells which fields follow (metaSized, metaEnv, metaBody, metaBS,
// metaRefs). Since ENVELOPE, BODY and BODYSTRUCTURE are sent to clients as
// they are, decodeMeta checks that each is one parenthesised IMAP value
// (validValue), so that a damaged or forged cache file cannot break a
// response's framing; the References value is only read for its msg-ids.

const metaBlobVersion = 1

const (
	metaSized = 1 << iota
	metaEnv
	metaBody
	metaBS
	metaRefs
)

// maxValueDepth bounds the nesting validValue accepts.
const maxValueDepth = 256

func (m *msgMeta) encode() []byte {
	b := make([]byte, 2, 2+20+len(m.env)+len(m.body)+len(m.bs)+len(m.refs)+20)
	b[0] = metaBlobVersion
	if m.sized {
		b[1] |= metaSized
		b = binary.AppendUvarint(b, uint64(m.size))
		b = binary.AppendUvarint(b, uint64(m.raw))
	}
	for i, f := range [][]byte{m.env, m.body, m.bs, m.refs} {
		if f != nil {
			b[1] |= metaEnv << i
			b = binary.AppendUvarint(b, uint64(len(f)))
			b = append(b, f...)
		}
	}
	return b
}

// decodeMeta reads what encode wrote; ok is false for anything else.
func decodeMeta(b []byte) (m msgMeta, ok bool) {
	if len(b) < 2 || b[0] != metaBlobVersion || b[1]&^(metaSized|metaEnv|metaBody|metaBS|metaRefs) != 0 {
		return m, false
	}
	flags := b[1]
	b = b[2:]
	uvarint := func() (uint64, bool) {
		v, n := binary.Uvarint(b)
		if n <= 0 {
			return 0, false
		}
		b = b[n:]
		return v, true
	}
	if flags&metaSized != 0 {
		size, ok1 := uvarint()
		raw, ok2 := uvarint()
		// The CRLF form adds at most one CR per byte.
		if !ok1 || !ok2 || size < raw || size > 2*raw || raw > 1<<50 {
			return m, false
		}
		m.size, m.raw, m.sized = int64(size), int64(raw), true
	}
	for i, f := range []*[]byte{&m.env, &m.body, &m.bs, &m.refs} {
		if flags&(metaEnv<<i) == 0 {
			continue
		}
		n, ok := uvarint()
		if !ok || n > uint64(len(b)) || f != &m.refs && !validValue(b[:n]) {
			return msgMeta{}, false
		}
		*f, b = b[:n:n], b[n:]
	}
	return m, len(b) == 0
}

// validValue reports whether b is one parenthesised list in IMAP response
// syntax (RFC 9051 §4): balanced parentheses outside strings, quoted
// strings without CR, LF or NUL and with only \" and \\ escapes, literals
// whose announced octets are all there, and no CR, LF or NUL elsewhere.
func validValue(b []byte) bool {
	if len(b) < 2 || b[0] != '(' {
		return false
	}
	depth := 0
	for i := 0; i < len(b); i++ {
		switch b[i] {
		case '(':
			if depth++; depth > maxValueDepth {
				return false
			}
		case ')':
			if depth--; depth == 0 {
				return i == len(b)-1
			}
		case '"':
			if i = quotedEnd(b, i+1); i < 0 {
				return false
			}
		case '{':
			if i = literalEnd(b, i+1); i < 0 {
				return false
			}
		case '\r', '\n', 0:
			return false
		}
	}
	return false
}

// quotedEnd returns the index of the '"' that ends a quoted string whose
// content starts at i, or -1.
func quotedEnd(b []byte, i int) int {
	for ; i < len(b); i++ {
		switch b[i] {
		case '"':
			return i
		case '\\':
			if i++; i == len(b) || (b[i] != '"' && b[i] != '\\') {
				return -1
			}
		case '\r', '\n', 0:
			return -1
		}
	}
	return -1
}

// literalEnd returns the index of the last octet of a literal whose
// "n}\r\n" starts at i (just after '{'), or -1.
func literalEnd(b []byte, i int) int {
	n, j := 0, i
	for ; j < len(b) && j-i < 9 && b[j] >= '0' && b[j] <= '9'; j++ {
		n = n*10 + int(b[j]-'0')
	}
	if j == i || len(b)-j < 3 || string(b[j:j+3]) != "}\r\n" || n > len(b)-(j+3) {
		return -1
	}
	return j + 3 + n - 1
}

// storedMeta asks the mailbox's store.MessageCache about a message that
// memory does not know, and keeps what it learns in memory.
func (c *conn) storedMeta(key metaKey, uid store.UID) msgMeta {
	mc, ok := c.sel.mb.(store.MessageCache)
	if !ok || c.srv.meta.max <= 0 {
		return msgMeta{}
	}
	b := mc.CacheGet(c.ctx, c.sel.uidValidity, uid)
	if b == nil {
		return msgMeta{}
	}
	m, ok := decodeMeta(b)
	if !ok {
		return msgMeta{}
	}
	c.srv.meta.put(key, uid, m)
	return m
}

// storeMeta hands what is known of a message to the mailbox's
// store.MessageCache; a failure only costs a recomputation later.
func (c *conn) storeMeta(uid store.UID, m *msgMeta) {
	mc, ok := c.sel.mb.(store.MessageCache)
	if !ok || c.srv.meta.max <= 0 {
		return
	}
	if err := mc.CachePut(c.ctx, c.sel.uidValidity, uid, m.encode()); err != nil {
		c.log.Debug("imap: store cache", "err", err)
	}
}
