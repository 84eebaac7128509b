package imap

import (
	"cmp"
	"context"
	"slices"

	"github.com/mailstack/mailstack/imap/internal/imapwire"
	"github.com/mailstack/mailstack/store"
)

// view is a session's picture of its selected mailbox (RFC 9051 §2.3.1.2):
// the UIDs in sequence-number order (compact: see uidList), and what the
// client has not been told yet. The store knows nothing of it.
type view struct {
	mb          store.Mailbox
	name        string
	readOnly    bool // EXAMINE, or a store.ReadOnlyMailbox
	examined    bool // EXAMINE: \Recent is not taken (RFC 3501 §6.3.2)
	uidValidity uint32
	uids        uidList // uids.At(i) has sequence number i+1
	// expunged holds UIDs gone from the store but still in uids, because
	// the client may not be told yet (RFC 9051 §7.5.1); ascending.
	expunged []store.UID
	modseq   store.ModSeq // changes up to here are in the view
	// told is a modseq up to which the client has been told of every
	// change, expunges included: modseq, unless expunges are pending.
	told     store.ModSeq
	keywords []string // keywords announced in FLAGS
	// reported records flag changes this session already sent (its own
	// STORE), so the change stream does not echo them.
	reported map[store.UID]store.ModSeq
	// recent holds the UIDs that are \Recent in this session (RFC 3501
	// §2.3.2), ascending ranges; recentKey names the mailbox for the
	// Server's recentTracker.
	recent    store.UIDSet
	recentKey recentKey
	// holdFlags and heldFlags keep flag changes from a NOTIFY session
	// that did not ask for FlagChange (notify_wait.go).
	holdFlags bool
	heldFlags []store.UID
	watch     <-chan struct{}
	cancel    context.CancelFunc
}

func (v *view) close() {
	v.cancel()
	v.mb.Close()
}

// maxUID returns the largest UID in the view, 0 if empty.
func (v *view) maxUID() store.UID { return v.uids.Max() }

// seq returns the sequence number of uid, 0 if it is not in the view.
func (v *view) seq(uid store.UID) uint32 {
	i, ok := v.uids.Search(uid)
	if !ok {
		return 0
	}
	return uint32(i + 1)
}

// resolve returns the indexes into uids (ascending, no duplicates) that
// a sequence set names: sequence numbers, or UIDs with byUID (RFC 9051
// §6.4.9). Numbers outside the view are ignored. The ranges are merged
// before they are listed, so that a set naming the mailbox many times
// over costs no more than naming it once.
func (v *view) resolve(set imapwire.SeqSet, byUID bool) []int {
	n := v.uids.Len()
	top := uint32(n)
	if byUID {
		top = uint32(v.maxUID())
	}
	bounds := make([][2]uint32, 0, len(set.Ranges))
	for _, r := range set.Ranges {
		lo, hi := r.Bounds(top)
		bounds = append(bounds, [2]uint32{lo, hi})
	}
	if len(bounds) > 1 {
		slices.SortFunc(bounds, func(a, b [2]uint32) int { return cmp.Compare(a[0], b[0]) })
		merged := bounds[:1]
		for _, b := range bounds[1:] {
			if last := &merged[len(merged)-1]; uint64(b[0]) <= uint64(last[1])+1 {
				last[1] = max(last[1], b[1])
				continue
			}
			merged = append(merged, b)
		}
		bounds = merged
	}
	var idx []int
	for _, b := range bounds {
		lo, hi := b[0], b[1]
		if byUID {
			i, _ := v.uids.Search(store.UID(lo))
			for ; i < n && v.uids.At(i) <= store.UID(hi); i++ {
				idx = append(idx, i)
			}
			continue
		}
		if lo == 0 {
			lo = 1
		}
		for s := lo; s <= hi && int(s) <= n; s++ {
			idx = append(idx, int(s-1))
		}
	}
	return idx
}

// uidSet returns the store.UIDSet of the messages at idx (ascending): a
// run of adjacent view entries becomes one range, since UIDs between them
// are no longer in the mailbox.
func (v *view) uidSet(idx []int) store.UIDSet {
	var set store.UIDSet
	for i := 0; i < len(idx); {
		j := i
		for j+1 < len(idx) && idx[j+1] == idx[j]+1 {
			j++
		}
		set = append(set, store.UIDRange{Start: v.uids.At(idx[i]), Stop: v.uids.At(idx[j])})
		i = j + 1
	}
	return set
}

// markExpunged records UIDs known to be gone (ascending), to be
// announced at the next point where EXPUNGE is allowed.
func (v *view) markExpunged(uids []store.UID) {
	for _, u := range uids {
		if v.seq(u) == 0 {
			continue
		}
		if i, found := slices.BinarySearch(v.expunged, u); !found {
			v.expunged = slices.Insert(v.expunged, i, u)
		}
	}
}

// isExpunged reports whether uid is gone but not yet announced.
func (v *view) isExpunged(uid store.UID) bool {
	_, found := slices.BinarySearch(v.expunged, uid)
	return found
}

// applyExpunges removes the pending expunged UIDs and returns the
// sequence numbers to announce, in order: each is the number at the time
// of its EXPUNGE response (RFC 9051 §7.5.1).
func (v *view) applyExpunges() []uint32 {
	seqs := v.uids.Remove(v.expunged)
	v.expunged = v.expunged[:0]
	return seqs
}
