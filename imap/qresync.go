package imap

import (
	"cmp"
	"slices"
	"strings"

	"github.com/mailstack/mailstack/imap/internal/imapwire"
	"github.com/mailstack/mailstack/store"
)

// QRESYNC (RFC 7162 §3.2): SELECT/EXAMINE (QRESYNC (…)) and the
// VANISHED (EARLIER) it answers with, from the store's expunge tombstones
// (store.Changes.Expunged). When the store no longer holds the tombstones
// that far back (Changes.ExpungedIncomplete), the UIDs the client may know
// are compared with the mailbox instead: VANISHED (EARLIER) then names
// every UID of known-uids (or of 1:UIDNEXT-1) above what the
// sequence-match data proves unchanged that is not in the mailbox, which
// may include UIDs the client never saw, as RFC 7162 §3.2.5.2 allows.

// selectParams are SELECT/EXAMINE parameters (RFC 7162 §3.1.8, §3.2.5).
type selectParams struct {
	condstore bool
	qresync   *qresyncParams
}

// qresyncParams is the QRESYNC select parameter:
//
//	"QRESYNC" SP "(" uidvalidity SP mod-sequence-value [SP known-uids]
//	    [SP seq-match-data] ")"
//	seq-match-data = "(" known-sequence-set SP known-uid-set ")"
type qresyncParams struct {
	uidValidity uint32
	modseq      store.ModSeq
	known       imapwire.SeqSet // no ranges: absent
	matchSeqs   imapwire.SeqSet
	matchUIDs   imapwire.SeqSet
}

// maxMatchPairs bounds the sequence-match pairs expanded from one SELECT;
// pairs beyond it are ignored, which only makes VANISHED (EARLIER) longer.
const maxMatchPairs = 1 << 16

// selectParams reads "(" select-param *(SP select-param) ")".
func (c *conn) selectParams(p *selectParams) bool {
	return c.dec.ExpectList(func() bool {
		var a string
		if !c.dec.ExpectAtom(&a) {
			return false
		}
		switch strings.ToUpper(a) {
		case "CONDSTORE":
			p.condstore = true
			return true
		case "QRESYNC":
			p.qresync = &qresyncParams{}
			return c.dec.ExpectSP() && c.qresyncParam(p.qresync)
		}
		return false
	})
}

func (c *conn) qresyncParam(q *qresyncParams) bool {
	d := c.dec
	if !d.ExpectSpecial('(') || !d.ExpectNumber(&q.uidValidity) || !d.ExpectSP() || !c.expectModSeq(&q.modseq) {
		return false
	}
	if q.uidValidity == 0 {
		return d.ExpectSpecial('x') // nz-number
	}
	if d.SP() {
		if b, _ := d.Peek(); b != '(' {
			if !c.expectUIDSet(&q.known) {
				return false
			}
			if !d.SP() {
				return d.ExpectSpecial(')')
			}
		}
		if !d.ExpectSpecial('(') || !c.expectUIDSet(&q.matchSeqs) || !d.ExpectSP() ||
			!c.expectUIDSet(&q.matchUIDs) || !d.ExpectSpecial(')') {
			return false
		}
	}
	return d.ExpectSpecial(')')
}

// expectUIDSet reads a sequence set in which "*" and "$" are not allowed
// (RFC 7162 §7 known-uids, known-sequence-set, known-uid-set).
func (c *conn) expectUIDSet(s *imapwire.SeqSet) bool {
	if !c.dec.ExpectSeqSet(s) {
		return false
	}
	if s.Saved {
		return c.dec.ExpectSpecial('x')
	}
	for _, r := range s.Ranges {
		if r.Start == imapwire.Star || r.Stop == imapwire.Star {
			return c.dec.ExpectSpecial('x')
		}
	}
	return true
}

// qresyncSelect sends what a client that selected with QRESYNC needs
// after SELECT's usual responses (RFC 7162 §3.2.5.2): VANISHED (EARLIER)
// for the known UIDs expunged since its modseq, then FETCH (UID FLAGS
// MODSEQ) for the known messages changed since. Nothing when the
// UIDVALIDITY differs: the client's cache is void.
func (c *conn) qresyncSelect(q *qresyncParams, v *opened) error {
	if q.uidValidity != v.uidValidity {
		return nil
	}
	ch, err := v.mb.Changes(c.ctx, q.modseq)
	if err != nil {
		return err
	}
	if ch.UIDValidity != v.uidValidity {
		return nil // changed since the view was built: the next poll says BYE
	}
	known := normRanges(q.known, store.MaxUID)
	if len(q.known.Ranges) == 0 {
		known = nil
	}
	floor := v.matchFloor(q)
	if ch.ExpungedIncomplete && known == nil && v.uidNext > 1 {
		known = store.UIDSet{{Start: 1, Stop: v.uidNext - 1}}
	}
	if err := c.vanishedEarlier(ch, known, floor); err != nil {
		return err
	}
	for i := range ch.Updated {
		m := &ch.Updated[i]
		seq := v.seq(m.UID)
		if seq == 0 || known != nil && !rangesContain(known, m.UID) {
			continue
		}
		c.enc.Raw("* ").Number(uint64(seq)).Raw(" FETCH (UID ").Number(uint64(m.UID)).Raw(" FLAGS ")
		c.writeMsgFlags(m.UID, m.Flags)
		c.enc.SP()
		c.writeModSeq(m.ModSeq)
		c.enc.Raw(")\r\n")
		if m.ModSeq > v.modseq {
			v.reported[m.UID] = m.ModSeq // the next poll need not repeat it
		}
	}
	return nil
}

// matchFloor returns the highest UID that the sequence-match data proves
// unchanged (RFC 7162 §3.2.5.2): a pair "message n had UID u" that still
// holds means the client's messages up to u are all still there, since
// later messages get larger UIDs; 0 when no pair holds.
func (v *view) matchFloor(q *qresyncParams) store.UID {
	seqs := expandSet(q.matchSeqs, maxMatchPairs)
	uids := expandSet(q.matchUIDs, maxMatchPairs)
	var floor store.UID
	for i := 0; i < len(seqs) && i < len(uids); i++ {
		s := int(seqs[i])
		if s >= 1 && s <= v.uids.Len() && v.uids.At(s-1) == store.UID(uids[i]) {
			floor = max(floor, store.UID(uids[i]))
		}
	}
	return floor
}

// expandSet lists the numbers of a set in the client's order, at most
// limit of them.
func expandSet(s imapwire.SeqSet, limit int) []uint32 {
	var out []uint32
	for _, r := range s.Ranges {
		step := uint32(1)
		if r.Start > r.Stop {
			step = ^uint32(0) // -1: a descending range
		}
		for n := r.Start; len(out) < limit; n += step {
			out = append(out, n)
			if n == r.Stop {
				break
			}
		}
	}
	return out
}

// vanishedEarlier sends VANISHED (EARLIER) (RFC 7162 §3.2.5.2, §3.2.6)
// for the UIDs in scope (nil: any) that were expunged since the modseq ch
// answers, leaving out UIDs still in the view: those are announced by a
// plain VANISHED when the client may be told. When the store's
// tombstones do not reach back that far, every UID in scope above floor
// (what the sequence-match data proves unchanged) not in the view is named
// instead; scope is then never nil: callers bound it. With all the
// tombstones the answer is exact and floor is not used, as in Dovecot: the
// sequence-match data exists for servers that cannot be exact, and a
// client that gets it wrong should not lose expunges.
func (c *conn) vanishedEarlier(ch store.Changes, scope store.UIDSet, floor store.UID) error {
	v := c.sel
	var gone store.UIDSet
	if ch.ExpungedIncomplete {
		if scope == nil {
			return nil
		}
		top, err := v.uidTop(c)
		if err != nil {
			return err
		}
		gone = v.absent(scope, floor, top)
	} else {
		var uids []store.UID
		for _, u := range ch.Expunged {
			if (scope == nil || rangesContain(scope, u)) && v.seq(u) == 0 {
				uids = append(uids, u)
			}
		}
		gone = runsOf(uids)
	}
	writeVanished(c, "* VANISHED (EARLIER) ", gone)
	return nil
}

// uidTop is the largest UID the mailbox has given (UIDNEXT-1): no UID
// above it can have vanished.
func (v *view) uidTop(c *conn) (store.UID, error) {
	st, err := v.mb.Status(c.ctx)
	if err != nil {
		return 0, err
	}
	return max(st.UIDNext, 1) - 1, nil
}

// absent returns the UIDs of scope (normalised: ascending, disjoint) in
// floor+1..top that are not in the view, as ranges: the gaps between the
// view's UIDs, found by binary search, not by listing the scope.
func (v *view) absent(scope store.UIDSet, floor, top store.UID) store.UIDSet {
	var out store.UIDSet
	n := v.uids.Len()
	for _, r := range scope {
		lo, hi := max(r.Start, floor+1), min(r.Stop, top)
		if lo > hi || lo == 0 {
			continue
		}
		cur := uint64(lo)
		i, _ := v.uids.Search(lo)
		for ; i < n; i++ {
			u := v.uids.At(i)
			if u > hi {
				break
			}
			if uint64(u) > cur {
				out = append(out, store.UIDRange{Start: store.UID(cur), Stop: u - 1})
			}
			cur = uint64(u) + 1
		}
		if cur <= uint64(hi) {
			out = append(out, store.UIDRange{Start: store.UID(cur), Stop: hi})
		}
	}
	return out
}

// normRanges turns a client's set into ascending, disjoint, merged UID
// ranges; "*" stands for star.
func normRanges(s imapwire.SeqSet, star store.UID) store.UIDSet {
	out := make(store.UIDSet, 0, len(s.Ranges))
	for _, r := range s.Ranges {
		lo, hi := store.UID(r.Start), store.UID(r.Stop)
		if r.Start == imapwire.Star {
			lo = star
		}
		if r.Stop == imapwire.Star {
			hi = star
		}
		if lo > hi {
			lo, hi = hi, lo
		}
		out = append(out, store.UIDRange{Start: lo, Stop: hi})
	}
	slices.SortFunc(out, func(a, b store.UIDRange) int { return cmp.Compare(a.Start, b.Start) })
	merged := out[:0]
	for _, r := range out {
		if k := len(merged) - 1; k >= 0 && uint64(r.Start) <= uint64(merged[k].Stop)+1 {
			merged[k].Stop = max(merged[k].Stop, r.Stop)
			continue
		}
		merged = append(merged, r)
	}
	return merged
}

// rangesContain reports whether uid is in a normalised set, by binary
// search.
func rangesContain(s store.UIDSet, uid store.UID) bool {
	i, _ := slices.BinarySearchFunc(s, uid, func(r store.UIDRange, u store.UID) int {
		return cmp.Compare(r.Start, u)
	})
	// s[i-1] is the last range starting at or before uid, unless uid
	// starts s[i].
	if i < len(s) && s[i].Start == uid {
		return true
	}
	return i > 0 && s[i-1].Stop >= uid
}

// runsOf turns ascending UIDs into ranges.
func runsOf(uids []store.UID) store.UIDSet {
	var out store.UIDSet
	for _, u := range uids {
		if k := len(out) - 1; k >= 0 && out[k].Stop+1 == u {
			out[k].Stop = u
			continue
		}
		out = append(out, store.UIDRange{Start: u, Stop: u})
	}
	return out
}

// vanishedPerLine bounds the ranges of one VANISHED response, keeping
// lines under about 8 KB (RFC 7162 §4 updates RFC 2683's advice to 8192
// octets).
const vanishedPerLine = 350

// writeVanished writes set (ascending ranges) after prefix, split into
// responses of at most vanishedPerLine ranges.
func writeVanished(c *conn, prefix string, set store.UIDSet) {
	for len(set) > 0 {
		n := min(len(set), vanishedPerLine)
		c.enc.Raw(prefix)
		for i, r := range set[:n] {
			if i > 0 {
				c.enc.Byte(',')
			}
			c.enc.Number(uint64(r.Start))
			if r.Stop != r.Start {
				c.enc.Byte(':').Number(uint64(r.Stop))
			}
		}
		c.enc.CRLF()
		set = set[n:]
	}
}
