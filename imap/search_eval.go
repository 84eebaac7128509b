package imap

import (
	"time"

	"github.com/mailstack/mailstack/message"
	"github.com/mailstack/mailstack/store"
)

// searchMsg is a message being tested, its content opened on demand.
type searchMsg struct {
	c    *conn
	idx  int
	info *store.MessageInfo
	fm   *fetchMsg
	hdr  *message.Header
	err  error
	text *textSearch // the command's scratch for BODY and TEXT
	// indexed holds the header fields a store.HeaderIndex gave for the
	// search (search_index.go); nil without one.
	indexed map[store.UID][]byte
}

// search returns the view indexes (ascending) of the messages matching
// root. Flags, sizes and dates come from one List; only header and text
// criteria open messages.
func (c *conn) search(root *searchKey) ([]int, error) {
	v := c.sel
	infos, err := v.mb.List(c.ctx, store.All)
	if err != nil {
		return nil, err
	}
	var out []int
	text := &textSearch{}
	indexed := c.searchIndex(root)
	j := 0
	var ctxErr error
	v.uids.Each(func(i int, u store.UID) bool {
		for j < len(infos) && infos[j].UID < u {
			j++
		}
		if j == len(infos) || infos[j].UID != u {
			return true // expunged, not yet announced: matches nothing
		}
		sm := &searchMsg{c: c, idx: i, info: &infos[j], text: text, indexed: indexed}
		ok := sm.match(root)
		if sm.fm != nil {
			sm.fm.content.Close()
		}
		if sm.err != nil && c.ctx.Err() != nil {
			ctxErr = sm.err
			return false
		}
		if ok {
			out = append(out, i)
		}
		return true
	})
	return out, ctxErr
}

func (sm *searchMsg) match(k *searchKey) bool {
	m := sm.info
	switch k.op {
	case "AND":
		for _, kid := range k.kids {
			if !sm.match(kid) {
				return false
			}
		}
		return true
	case "NOT":
		return !sm.match(k.kids[0])
	case "OR":
		return sm.match(k.kids[0]) || sm.match(k.kids[1])
	case "SEQ":
		if k.set.Saved {
			return sm.c.inSaved(m.UID) // RFC 5182 §2.1
		}
		return k.set.Contains(uint32(sm.idx+1), uint32(sm.c.sel.uids.Len()))
	case "UID":
		if k.set.Saved {
			return sm.c.inSaved(m.UID)
		}
		return k.set.Contains(uint32(m.UID), uint32(sm.c.sel.maxUID()))
	case "ALL":
		return true
	case "MODSEQ": // RFC 7162 §3.1.5
		return m.ModSeq >= store.ModSeq(k.num)
	case "RECENT": // RFC 3501 §6.4.4
		return sm.c.sel.isRecent(m.UID)
	case "NEW":
		return sm.c.sel.isRecent(m.UID) && !m.HasFlag(store.FlagSeen)
	case "OLD":
		return !sm.c.sel.isRecent(m.UID)
	case "ANSWERED", "DELETED", "DRAFT", "FLAGGED", "SEEN":
		return m.HasFlag(`\` + k.op)
	case "UNANSWERED", "UNDELETED", "UNDRAFT", "UNFLAGGED", "UNSEEN":
		return !m.HasFlag(`\` + k.op[2:])
	case "KEYWORD":
		return m.HasFlag(k.str)
	case "UNKEYWORD":
		return !m.HasFlag(k.str)
	case "LARGER", "SMALLER":
		size := sm.size()
		if k.op == "LARGER" {
			return size > k.num
		}
		return size < k.num
	case "SAVEDBEFORE", "SAVEDON", "SAVEDSINCE", "SAVEDATESUPPORTED":
		return matchSaveDate(m, k)
	case "EMAILID", "THREADID":
		return matchObjectID(m, k)
	case "BEFORE", "ON", "SINCE":
		return cmpDate(m.InternalDate, k.date, k.op[len(k.op)-2:])
	case "SENTBEFORE", "SENTON", "SENTSINCE":
		d, err := message.ParseDate(sm.header().Get("Date"))
		if err != nil {
			return false
		}
		return cmpDate(d, k.date, k.op[len(k.op)-2:])
	case "BCC", "CC", "FROM", "SUBJECT", "TO":
		return sm.headerHas(k.op, k.needle)
	case "HEADER":
		return sm.headerHas(k.str, k.needle)
	case "BODY", "TEXT":
		return sm.textHas(k.op == "TEXT", k.needle)
	}
	return false
}

// cmpDate compares the day of t (in its own zone) with day: "RE" (before),
// "ON", "CE" (since), disregarding time (RFC 9051 §6.4.4).
func cmpDate(t, day time.Time, op string) bool {
	y, mo, d := t.Date()
	td := time.Date(y, mo, d, 0, 0, 0, 0, time.UTC)
	switch op {
	case "RE":
		return td.Before(day)
	case "ON":
		return td.Equal(day)
	}
	return !td.Before(day)
}

func (sm *searchMsg) open() *fetchMsg {
	if sm.fm == nil && sm.err == nil {
		sm.fm, sm.err = sm.c.openMsg(sm.info.UID, openIndexed, -1)
	}
	return sm.fm
}

// size is the RFC822.SIZE, in CRLF form.
func (sm *searchMsg) size() int64 {
	if meta, ok := sm.c.srv.meta.get(sm.c.sel.metaKey(), sm.info.UID); ok && meta.sized {
		return meta.size
	}
	if sm.info.CRLFSize > 0 { // as FETCH RFC822.SIZE reports it
		return sm.info.CRLFSize
	}
	if fm := sm.open(); fm != nil {
		return fm.size
	}
	return sm.info.Size
}

func (sm *searchMsg) header() *message.Header {
	if sm.hdr == nil {
		h := message.Header{}
		if b, ok := sm.indexed[sm.info.UID]; ok {
			h, _ = message.ParseHeader(b)
		} else if fm := sm.open(); fm != nil {
			if hh, err := fm.msg.Header(fm.msg.Root); err == nil {
				h = hh
			}
		}
		sm.hdr = &h
	}
	return sm.hdr
}

// headerHas reports whether a field named name holds needle (folded) in
// its RFC 2047 decoded text; an empty needle matches any message with the
// field (RFC 9051 §6.4.4 HEADER). As Dovecot, the raw value is not
// searched: "iso" should not find every =?ISO-8859-1?…?= word.
func (sm *searchMsg) headerHas(name string, needle []byte) bool {
	h := sm.header()
	for _, f := range h.Fields() {
		if f.Is(name) && (len(needle) == 0 || containsFolded(f.Text(), needle)) {
			return true
		}
	}
	return false
}
