package imap

import (
	"slices"
	"sort"

	"github.com/mailstack/mailstack/store"
)

// uidList is the ascending list of UIDs of a session's view, indexed by
// sequence number - 1. Mailboxes mostly hold runs of consecutive UIDs
// (messages arrive in order; expunges cut a few holes), so the list is kept
// as runs when that is smaller, 12 bytes a run whatever its length, and as
// a plain slice, 4 bytes a message, when holes make runs the larger form.
// An idle session on a 100 000-message mailbox then holds a few hundred
// bytes, not 400 KB.
type uidList struct {
	runs []uidRun    // when flat is nil
	flat []store.UID // when runs would be larger
	n    int
}

// uidRun is the UIDs start … start+n-1, at indexes before … before+n-1.
type uidRun struct {
	start  store.UID
	n      uint32
	before uint32
}

// newUIDList builds the list from ascending UIDs.
func newUIDList(uids []store.UID) uidList {
	var l uidList
	l.appendAll(uids)
	l.compact()
	return l
}

// Len returns the number of UIDs.
func (l *uidList) Len() int { return l.n }

// At returns the UID at index i (sequence number i+1).
func (l *uidList) At(i int) store.UID {
	if l.flat != nil {
		return l.flat[i]
	}
	k := sort.Search(len(l.runs), func(k int) bool { return int(l.runs[k].before) > i }) - 1
	r := l.runs[k]
	return r.start + store.UID(i-int(r.before))
}

// Max returns the largest UID, 0 when empty.
func (l *uidList) Max() store.UID {
	if l.n == 0 {
		return 0
	}
	return l.At(l.n - 1)
}

// Search returns the index of the first UID ≥ uid and whether it is uid.
func (l *uidList) Search(uid store.UID) (int, bool) {
	if l.flat != nil {
		return slices.BinarySearch(l.flat, uid)
	}
	k := sort.Search(len(l.runs), func(k int) bool { return l.runs[k].start+store.UID(l.runs[k].n) > uid })
	if k == len(l.runs) {
		return l.n, false
	}
	r := l.runs[k]
	if uid < r.start {
		return int(r.before), false
	}
	return int(r.before) + int(uid-r.start), true
}

// Append adds UIDs greater than Max, ascending.
func (l *uidList) Append(uids ...store.UID) {
	l.appendAll(uids)
	switch {
	case l.flat != nil && len(l.flat) > 3*l.runCount():
		l.compact() // a long run arrived: runs are now smaller
	case l.flat == nil && 12*len(l.runs) > 4*l.n+64:
		l.compact() // scattered UIDs arrived: flat is now smaller
	}
}

func (l *uidList) appendAll(uids []store.UID) {
	for _, u := range uids {
		if l.flat != nil {
			l.flat = append(l.flat, u)
		} else if k := len(l.runs) - 1; k >= 0 && l.runs[k].start+store.UID(l.runs[k].n) == u {
			l.runs[k].n++
		} else {
			l.runs = append(l.runs, uidRun{start: u, n: 1, before: uint32(l.n)})
		}
		l.n++
	}
}

// runCount is how many runs the UIDs make.
func (l *uidList) runCount() int {
	if l.flat == nil {
		return len(l.runs)
	}
	k := 0
	for i, u := range l.flat {
		if i == 0 || l.flat[i-1]+1 != u {
			k++
		}
	}
	return k
}

// compact picks the smaller form: runs (12 bytes each) or flat (4 bytes
// a UID).
func (l *uidList) compact() {
	wantRuns := 12*l.runCount() <= 4*l.n
	switch {
	case wantRuns && l.flat != nil:
		flat := l.flat
		*l = uidList{}
		l.appendAll(flat)
		l.runs = slices.Clip(l.runs)
	case !wantRuns && l.flat == nil:
		flat := make([]store.UID, 0, l.n)
		l.Each(func(_ int, u store.UID) bool { flat = append(flat, u); return true })
		l.runs, l.flat = nil, flat
	}
}

// Each calls fn for every index and UID in order until fn returns false.
func (l *uidList) Each(fn func(i int, uid store.UID) bool) {
	if l.flat != nil {
		for i, u := range l.flat {
			if !fn(i, u) {
				return
			}
		}
		return
	}
	for _, r := range l.runs {
		for j := uint32(0); j < r.n; j++ {
			if !fn(int(r.before+j), r.start+store.UID(j)) {
				return
			}
		}
	}
}

// Remove deletes the given UIDs (ascending, each present) and returns the
// sequence number each had when it was removed, in order: the numbers
// EXPUNGE responses carry (RFC 9051 §7.4.1).
func (l *uidList) Remove(gone []store.UID) []uint32 {
	if len(gone) == 0 {
		return nil
	}
	seqs := make([]uint32, 0, len(gone))
	kept := make([]store.UID, 0, l.n-len(gone))
	k := 0
	l.Each(func(i int, u store.UID) bool {
		if k < len(gone) && gone[k] == u {
			seqs = append(seqs, uint32(i+1-k))
			k++
		} else {
			kept = append(kept, u)
		}
		return true
	})
	*l = uidList{flat: kept, n: len(kept)}
	l.compact()
	return seqs
}
