package imap

import (
	"errors"
	"math"
	"slices"
	"strings"

	"github.com/mailstack/mailstack/imap/internal/imapwire"
	"github.com/mailstack/mailstack/store"
)

// CONDSTORE (RFC 7162 §3.1): MODSEQ in FETCH and SEARCH, the CHANGEDSINCE
// and VANISHED FETCH modifiers, STORE UNCHANGEDSINCE with MODIFIED,
// HIGHESTMODSEQ in SELECT, STATUS and the tagged OK of EXPUNGE. The
// modseqs are the store's (store.MessageInfo.ModSeq); the session keeps
// none of its own.

// enableCondstore marks the session CONDSTORE-aware, as any CONDSTORE
// enabling command does (RFC 7162 §3.1): from now on every untagged FETCH
// of a flag change carries MODSEQ (and UID, as Dovecot does, where the
// command was a UID command, the change another session's, or QRESYNC is
// enabled, RFC 7162 §3.2.4). The first such command issued
// with a mailbox selected gets an untagged OK [HIGHESTMODSEQ] (RFC 7162
// §3.1.2.1). The value is one the client has been told every change up
// to, expunges included, so that a client that resynchronises from it
// misses nothing.
func (c *conn) enableCondstore() {
	if c.condstore {
		return
	}
	c.condstore = true
	if c.sel != nil {
		c.enc.Raw("* OK [HIGHESTMODSEQ ").Number(uint64(c.sel.toldModSeq())).Raw("] Highest\r\n")
	}
}

// toldModSeq is a modseq up to which the client knows every change: the
// view's, unless expunges wait to be announced (RFC 9051 §7.5.1).
func (v *view) toldModSeq() store.ModSeq {
	if len(v.expunged) == 0 {
		return v.modseq
	}
	return v.told
}

// writeModSeq writes the MODSEQ fetch item (RFC 7162 §3.1.4.1).
func (c *conn) writeModSeq(ms store.ModSeq) {
	c.enc.Raw("MODSEQ (").Number(uint64(ms)).Byte(')')
}

// expectModSeq reads a mod-sequence-value (RFC 7162 §7): at most 2^63-1,
// so that it fits the signed 64-bit integers some clients use.
func (c *conn) expectModSeq(ms *store.ModSeq) bool {
	var n uint64
	if !c.dec.ExpectNumber64(&n) {
		return false
	}
	if n > math.MaxInt64 {
		return c.dec.ExpectSpecial('x') // a syntax error
	}
	*ms = store.ModSeq(n)
	return true
}

// fetchMods are FETCH modifiers (RFC 7162 §3.1.4.1, §3.2.6).
type fetchMods struct {
	changedSince bool
	since        store.ModSeq
	vanished     bool
}

// fetchModifiers reads "(" fetch-modifier *(SP fetch-modifier) ")".
func (c *conn) fetchModifiers(m *fetchMods) bool {
	return c.dec.ExpectList(func() bool {
		var a string
		if !c.dec.ExpectAtom(&a) {
			return false
		}
		switch strings.ToUpper(a) {
		case "CHANGEDSINCE":
			m.changedSince = true
			return c.dec.ExpectSP() && c.expectModSeq(&m.since)
		case "VANISHED":
			m.vanished = true
			return true
		}
		return false
	})
}

// changedSince narrows a FETCH to the messages of idx whose modseq is above
// m.since (RFC 7162 §3.1.4.1) and, for the VANISHED modifier, first sends
// VANISHED (EARLIER) for the UIDs of set expunged since (RFC 7162 §3.2.6).
// Both come from one Changes call, not a listing of the whole set.
func (c *conn) changedSince(idx []int, set imapwire.SeqSet, byUID bool, m *fetchMods) ([]int, error) {
	if m.vanished && (!byUID || !c.qresync || !m.changedSince) {
		// RFC 7162 §3.2.6: VANISHED needs UID FETCH, CHANGEDSINCE and
		// ENABLE QRESYNC.
		return nil, bad("", "VANISHED needs UID FETCH, CHANGEDSINCE and ENABLE QRESYNC")
	}
	c.enableCondstore()
	v := c.sel
	ch, err := v.mb.Changes(c.ctx, m.since)
	if err != nil {
		return nil, err
	}
	if m.vanished {
		if err := c.vanishedEarlier(ch, c.setUIDs(set), 0); err != nil {
			return nil, err
		}
	}
	out := idx[:0]
	j := 0
	for _, i := range idx {
		u := v.uids.At(i)
		for j < len(ch.Updated) && ch.Updated[j].UID < u {
			j++
		}
		if j < len(ch.Updated) && ch.Updated[j].UID == u {
			out = append(out, i)
		}
	}
	return out, nil
}

// storeModifiers reads STORE's "(" store-modifier *(SP store-modifier) ")"
// (RFC 7162 §3.1.3): UNCHANGEDSINCE is the only one.
func (c *conn) storeModifiers(opts *store.SetFlagsOptions) bool {
	return c.dec.ExpectList(func() bool {
		var a string
		if !c.dec.ExpectAtom(&a) || !equalFold(a, "UNCHANGEDSINCE") {
			return false
		}
		opts.Conditional = true
		return c.dec.ExpectSP() && c.expectModSeq(&opts.UnchangedSince)
	})
}

// modifiedCode is the MODIFIED response code for the messages a
// conditional STORE left alone (RFC 7162 §3.1.3): sequence numbers, or
// UIDs for UID STORE.
func (c *conn) modifiedCode(uids []store.UID, byUID bool) string {
	nums := make([]uint32, 0, len(uids))
	for _, u := range uids {
		if byUID {
			nums = append(nums, uint32(u))
		} else if s := c.sel.seq(u); s > 0 {
			nums = append(nums, s)
		}
	}
	if len(nums) == 0 {
		return ""
	}
	return "MODIFIED " + imapwire.FormatUIDs(nums)
}

// storeResult turns SetFlags' error into STORE's outcome: a
// *store.ModifiedError is no failure but a MODIFIED code on the tagged OK.
func (c *conn) storeResult(cmd *command, err error) error {
	var mod *store.ModifiedError
	if !errors.As(err, &mod) {
		return err
	}
	cmd.code = c.modifiedCode(mod.UIDs, cmd.uid)
	cmd.text = "Conditional STORE failed"
	return nil
}

// writeStoreFetch writes the untagged FETCH for a message STORE changed
// (RFC 9051 §6.4.6): UID for UID STORE or once QRESYNC is enabled (RFC
// 7162 §3.2.4), MODSEQ once CONDSTORE is enabled (even when silent, RFC
// 7162 §3.1.3), then FLAGS unless silent: Dovecot's items in Dovecot's
// order.
func (c *conn) writeStoreFetch(seq uint32, m *store.MessageInfo, byUID, silent bool) {
	c.enc.Raw("* ").Number(uint64(seq)).Raw(" FETCH (")
	sep := false
	if byUID || c.qresync {
		c.enc.Raw("UID ").Number(uint64(m.UID))
		sep = true
	}
	if c.condstore {
		if sep {
			c.enc.SP()
		}
		c.writeModSeq(m.ModSeq)
		sep = true
	}
	if !silent {
		if sep {
			c.enc.SP()
		}
		c.enc.Raw("FLAGS ")
		c.writeMsgFlags(m.UID, m.Flags)
	}
	c.enc.Raw(")\r\n")
}

// searchModSeqArgs reads the arguments of the MODSEQ search key (RFC 7162
// §3.1.5): an optional entry name and type, which are read and ignored
// (one modseq per message covers all its flags, as in Dovecot), then the
// modseq.
func (c *conn) searchModSeqArgs(k *searchKey) bool {
	d := c.dec
	if !d.ExpectSP() {
		return false
	}
	if b, _ := d.Peek(); b == '"' {
		var name, typ string
		if !d.ExpectString(&name) || !d.ExpectSP() || !d.ExpectAtom(&typ) || !d.ExpectSP() {
			return false
		}
		if !equalFold(typ, "priv") && !equalFold(typ, "shared") && !equalFold(typ, "all") {
			return d.ExpectSpecial('x')
		}
	}
	var ms store.ModSeq
	if !c.expectModSeq(&ms) {
		return false
	}
	k.num = int64(ms)
	c.enableCondstore()
	return true
}

// hasModSeqKey reports whether a search program uses MODSEQ.
func hasModSeqKey(k *searchKey) bool {
	if k.op == "MODSEQ" {
		return true
	}
	for _, kid := range k.kids {
		if hasModSeqKey(kid) {
			return true
		}
	}
	return false
}

// searchModSeq is the highest modseq of the messages a SEARCH with a
// MODSEQ key returns (RFC 7162 §3.1.5): of those matched, or only of the
// MIN and MAX ones when ESEARCH returns nothing else (RFC 7162 §3.1.5,
// RFC 4731). 0 when none.
func (c *conn) searchModSeq(o *searchOpts, idx []int) (store.ModSeq, error) {
	if len(idx) == 0 {
		return 0, nil
	}
	pick := idx
	if o.esearch && !o.all && !o.cnt {
		pick = nil
		if o.min {
			pick = append(pick, idx[0])
		}
		if o.max && (!o.min || len(idx) > 1) {
			pick = append(pick, idx[len(idx)-1])
		}
	}
	pick = slices.Clone(pick) // SORT gives them in sort order
	slices.Sort(pick)
	infos, err := c.sel.mb.List(c.ctx, c.sel.uidSet(slices.Compact(pick)))
	if err != nil {
		return 0, err
	}
	var top store.ModSeq
	for i := range infos {
		top = max(top, infos[i].ModSeq)
	}
	return top, nil
}

// sortModSeq sets o.modseq for a SORT whose keys include MODSEQ (RFC 7162
// §3.1.9): as for SEARCH, over the sorted results (MIN and MAX being the
// first and last in sort order).
func (c *conn) sortModSeq(root *searchKey, o *searchOpts, sorted []int) error {
	if !hasModSeqKey(root) {
		return nil
	}
	eff := *o
	eff.all = o.all || !o.anyOpt // RETURN () means ALL
	ms, err := c.searchModSeq(&eff, sorted)
	o.modseq = uint64(ms)
	return err
}
