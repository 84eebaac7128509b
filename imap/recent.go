package imap

import (
	"slices"
	"sync"

	"github.com/mailstack/mailstack/store"
)

// \Recent (RFC 3501 §2.3.2) marks a message that arrived since the last
// session was told of the mailbox: exactly one read-write session sees it
// as recent. RFC 9051 removed it (Appendix E); IMAP4rev1 clients still
// ask. Stores know nothing of it (package store: session state belongs to
// the server), so a Server keeps, per user and mailbox, the highest UID it
// has handed out as recent, as Dovecot keeps a "first recent UID": a
// session that learns of messages above it (at SELECT, or as they arrive)
// claims them. EXAMINE sessions (RFC 3501 §6.3.2: they must not take
// \Recent away) and IMAP4rev2 sessions (which never show it) see the
// unclaimed messages as recent without claiming them.
//
// The record lives in the process. A second process serving the same
// mailboxes, or this one after a restart, cannot know what was claimed, so
// its first session sees every message as recent, as RFC 3501 §2.3.2
// requires when it "is not possible to determine whether or not this
// session is the first session to be notified about a message".

// maxRecentMailboxes bounds the records a Server keeps. When it is full an
// arbitrary record is dropped; that mailbox's messages become recent again
// for the next session, which RFC 3501 §2.3.2 allows.
const maxRecentMailboxes = 1 << 16

type recentKey struct {
	user, mailbox string
}

type recentMark struct {
	uidValidity uint32
	claimed     store.UID // messages with a greater UID are unclaimed
}

// recentTracker is a Server's record of claimed UIDs.
type recentTracker struct {
	mu    sync.Mutex
	marks map[recentKey]recentMark
}

// claim returns the range of uids (ascending) that are recent for a session
// learning of them: those above the mailbox's claimed UID. With take, the
// session claims them, and no later session will see them as recent.
func (t *recentTracker) claim(key recentKey, uidValidity uint32, uids []store.UID, take bool) (store.UIDRange, bool) {
	if len(uids) == 0 {
		return store.UIDRange{}, false
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	mark := t.marks[key]
	if mark.uidValidity != uidValidity {
		mark = recentMark{uidValidity: uidValidity} // RFC 9051 §2.3.1.1: old UIDs mean nothing
	}
	top := uids[len(uids)-1]
	if top <= mark.claimed {
		return store.UIDRange{}, false
	}
	i, _ := slices.BinarySearch(uids, mark.claimed+1)
	if take {
		mark.claimed = top
		if t.marks == nil {
			t.marks = map[recentKey]recentMark{}
		}
		if _, ok := t.marks[key]; !ok && len(t.marks) >= maxRecentMailboxes {
			for k := range t.marks {
				delete(t.marks, k)
				break
			}
		}
		t.marks[key] = mark
	}
	return store.UIDRange{Start: uids[i], Stop: top}, true
}

// claimed returns the mailbox's highest claimed UID, for STATUS RECENT.
func (t *recentTracker) claimed(key recentKey, uidValidity uint32) store.UID {
	t.mu.Lock()
	defer t.mu.Unlock()
	if m := t.marks[key]; m.uidValidity == uidValidity {
		return m.claimed
	}
	return 0
}

// recentKey returns the tracker key of a mailbox of the session's user.
func (c *conn) recentKey(name string) recentKey {
	return recentKey{user: c.user, mailbox: store.NormalizeInbox(name, c.st.Delimiter())}
}

// takeRecent records which of uids (ascending, the last ones of the view,
// just added to it) are recent for this session, claiming them when the
// session may.
func (c *conn) takeRecent(v *view, uids []store.UID) {
	take := !v.examined && !c.rev2
	r, ok := c.srv.recent.claim(v.recentKey, v.uidValidity, uids, take)
	if !ok {
		return
	}
	from := v.uids.Len() - len(uids)
	if n := len(v.recent); n > 0 && from > 0 && v.recent[n-1].Stop == v.uids.At(from-1) && r.Start == uids[0] {
		// No message of the view lies between: one range.
		v.recent[n-1].Stop = r.Stop
		return
	}
	v.recent = append(v.recent, r)
}

// isRecent reports whether uid is \Recent in this session.
func (v *view) isRecent(uid store.UID) bool {
	i, _ := slices.BinarySearchFunc(v.recent, uid, func(r store.UIDRange, u store.UID) int {
		if r.Stop < u {
			return -1
		}
		return 1
	})
	return i < len(v.recent) && v.recent[i].Start <= uid
}

// recentCount is the number of messages in the view that are \Recent,
// for the RECENT response (RFC 3501 §7.3.2).
func (v *view) recentCount() int {
	n := 0
	for _, r := range v.recent {
		lo, _ := v.uids.Search(r.Start)
		hi, found := v.uids.Search(r.Stop)
		if found {
			hi++
		}
		n += hi - lo
	}
	return n
}
