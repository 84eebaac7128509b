package imap

import (
	"slices"

	"github.com/mailstack/mailstack/imap/internal/imapwire"
	"github.com/mailstack/mailstack/store"
)

// The saved search result (SEARCHRES, RFC 5182) is kept in conn.saved as
// UIDs, ascending, whichever form of SEARCH saved it: a UID names the same
// message for the whole session (the view's UIDVALIDITY does not change
// while it is selected), so an expunge needs no renumbering, and "$"
// means the same messages to FETCH and to UID FETCH (RFC 5182 §2.1). A
// UID that was expunged simply no longer resolves. The result is emptied
// when a mailbox is selected or closed (conn.deselect).

// resolveSet returns the view indexes (ascending, no duplicates) that a
// command's sequence set names: sequence numbers, UIDs with byUID (RFC
// 9051 §6.4.9), or the saved result for "$", which is an empty set when
// nothing was saved (RFC 5182 §2.1). Every command that takes a set
// resolves it here.
func (c *conn) resolveSet(set imapwire.SeqSet, byUID bool) []int {
	if !set.Saved {
		return c.sel.resolve(set, byUID)
	}
	idx := make([]int, 0, len(c.saved))
	for _, u := range c.saved {
		if i, ok := c.sel.uids.Search(u); ok {
			idx = append(idx, i)
		}
	}
	return idx
}

// setUIDs returns the UIDs a UID command's set names, whether or not
// they are still in the mailbox, for VANISHED (EARLIER) (RFC 7162
// §3.2.6): the saved result's for "$", which keeps expunged UIDs.
func (c *conn) setUIDs(set imapwire.SeqSet) store.UIDSet {
	if set.Saved {
		return store.UIDSetOf(c.saved...)
	}
	return normRanges(set, store.MaxUID)
}

// inSaved reports whether uid is in the saved result: the "$" search key
// (RFC 5182 §2.1), in either its sequence-set or its UID form.
func (c *conn) inSaved(uid store.UID) bool {
	_, ok := slices.BinarySearch(c.saved, uid)
	return ok
}

// saveResult replaces the saved result with the messages at the view
// indexes idx (ascending): what SEARCH RETURN (SAVE) found, or the part
// of it that RFC 5182 §2.4 says to keep. SORT and THREAD with SAVE use
// it too, with the indexes in ascending order.
func (c *conn) saveResult(idx []int) {
	c.saved = c.saved[:0]
	if len(idx) == 0 {
		c.saved = nil
		return
	}
	for _, i := range idx {
		c.saved = append(c.saved, c.sel.uids.At(i))
	}
	slices.Sort(c.saved)
	c.saved = slices.Compact(c.saved)
}

// savedPart returns what SEARCH RETURN (SAVE …) keeps of the matches idx
// (RFC 5182 §2.4): only the MIN and/or MAX message when those are the
// only other options, everything otherwise (ALL, COUNT, or SAVE alone).
func savedPart(o *searchOpts, idx []int) []int {
	if o.all || o.cnt || !(o.min || o.max) || len(idx) == 0 {
		return idx
	}
	var part []int
	if o.min {
		part = append(part, idx[0])
	}
	if o.max && (!o.min || len(idx) > 1) {
		part = append(part, idx[len(idx)-1])
	}
	return part
}
