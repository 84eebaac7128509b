package imap

import (
	"sync"

	"github.com/mailstack/mailstack/store"
)

// A message's content never changes while its UID and the mailbox's
// UIDVALIDITY stay the same (RFC 9051 §2.3.1.1), so what FETCH computes by
// reading and parsing it can be kept: its size with CRLF line ends
// (RFC822.SIZE), the wire form of ENVELOPE, BODY and BODYSTRUCTURE, and
// the References field that THREAD reads.
// Clients ask for these for every message, again at every
// synchronisation; Dovecot answers them from its cache file. metaCache is
// the in-process equivalent: shared by all sessions of a Server, bounded
// (Server.CacheSize), least recently used dropped first, lost at exit;
// behind it, a store that implements store.MessageCache keeps the same
// across restarts (cache_store.go).

// metaKey names a mailbox of a user at one UIDVALIDITY. A mailbox deleted
// and created again gets a new UIDVALIDITY (RFC 9051 §2.3.1.1), so the
// entries of the old one are never served for the new one; they age out.
type metaKey struct {
	recentKey
	uidValidity uint32
}

// msgMeta is what is kept of one message; its byte slices are never
// modified once stored.
type msgMeta struct {
	size          int64 // CRLF size, when sized
	raw           int64 // the stored size that size was learnt for
	sized         bool
	env, body, bs []byte // ENVELOPE, BODY, BODYSTRUCTURE in IMAP syntax
	// refs is the References field value, for THREAD=REFERENCES (no
	// ENVELOPE has it); nil when unknown, empty when the field is absent.
	refs []byte
}

// cost is what an entry is charged: its bytes and about what the entry,
// its list links and its map slot take.
func (m *msgMeta) cost() int64 {
	return int64(len(m.env)+len(m.body)+len(m.bs)+len(m.refs)) + 160
}

type metaEntry struct {
	prev, next *metaEntry // LRU list; the cache's head is the sentinel
	box        *metaBox
	uid        store.UID
	msgMeta
}

type metaBox struct {
	key  metaKey
	msgs map[store.UID]*metaEntry
}

// metaCache is a Server's cache of msgMeta; the zero value with max 0 is
// disabled.
type metaCache struct {
	mu    sync.Mutex
	max   int64
	used  int64
	boxes map[metaKey]*metaBox
	head  metaEntry // head.next is the most recently used
}

func newMetaCache(max int64) *metaCache {
	mc := &metaCache{max: max, boxes: map[metaKey]*metaBox{}}
	mc.head.prev, mc.head.next = &mc.head, &mc.head
	return mc
}

// get returns what is known of a message.
func (mc *metaCache) get(k metaKey, uid store.UID) (msgMeta, bool) {
	if mc.max <= 0 {
		return msgMeta{}, false
	}
	mc.mu.Lock()
	defer mc.mu.Unlock()
	b := mc.boxes[k]
	if b == nil {
		return msgMeta{}, false
	}
	e := b.msgs[uid]
	if e == nil {
		return msgMeta{}, false
	}
	mc.unlink(e)
	mc.pushFront(e)
	return e.msgMeta, true
}

// put records what was learnt of a message, adding to what was known.
func (mc *metaCache) put(k metaKey, uid store.UID, m msgMeta) {
	if mc.max <= 0 || m.cost() > mc.max/4 {
		return
	}
	mc.mu.Lock()
	defer mc.mu.Unlock()
	b := mc.boxes[k]
	if b == nil {
		b = &metaBox{key: k, msgs: map[store.UID]*metaEntry{}}
		mc.boxes[k] = b
	}
	e := b.msgs[uid]
	if e == nil {
		e = &metaEntry{box: b, uid: uid}
		b.msgs[uid] = e
	} else {
		mc.unlink(e)
		mc.used -= e.cost()
	}
	if m.sized {
		e.size, e.raw, e.sized = m.size, m.raw, true
	}
	if m.env != nil {
		e.env = m.env
	}
	if m.body != nil {
		e.body = m.body
	}
	if m.bs != nil {
		e.bs = m.bs
	}
	if m.refs != nil {
		e.refs = m.refs
	}
	mc.used += e.cost()
	mc.pushFront(e)
	for mc.used > mc.max && mc.head.prev != &mc.head {
		mc.evict(mc.head.prev)
	}
}

func (mc *metaCache) evict(e *metaEntry) {
	mc.unlink(e)
	mc.used -= e.cost()
	delete(e.box.msgs, e.uid)
	if len(e.box.msgs) == 0 {
		delete(mc.boxes, e.box.key)
	}
}

func (mc *metaCache) unlink(e *metaEntry) {
	e.prev.next, e.next.prev = e.next, e.prev
	e.prev, e.next = nil, nil
}

func (mc *metaCache) pushFront(e *metaEntry) {
	e.prev, e.next = &mc.head, mc.head.next
	mc.head.next.prev = e
	mc.head.next = e
}

// metaFor returns the cache key of the selected mailbox.
func (v *view) metaKey() metaKey {
	return metaKey{recentKey: v.recentKey, uidValidity: v.uidValidity}
}
