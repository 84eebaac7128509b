package imap

import (
	"errors"
	"slices"
	"strings"

	"github.com/mailstack/mailstack/store"
)

// poll brings the view up to date with the store and sends the untagged
// responses allowed now: EXPUNGE only when allowExpunge (RFC 9051 §7.5.1),
// then EXISTS for new messages, FLAGS/PERMANENTFLAGS before a new keyword
// appears (RFC 9051 §7.3.5), and FETCH FLAGS for changed messages.
//
// Nothing is queued per change: the pending state is the store's modseq
// cursor plus the expunged-but-unannounced UIDs, bounded by the view's
// size, however many changes happen between two polls. When the store
// dropped tombstones the view needs (ExpungedIncomplete), the fallback
// compares the whole view with the store's UID list.
func (v *view) poll(c *conn, allowExpunge bool) error {
	ch, err := v.mb.Changes(c.ctx, v.modseq)
	if errors.Is(err, store.ErrNoSuchMailbox) || errors.Is(err, store.ErrClosed) {
		// Deleted or renamed by another session: nothing the client
		// holds is valid any more.
		c.bye("Selected mailbox was deleted or renamed")
		return nil
	}
	if err != nil {
		return err
	}
	if ch.UIDValidity != v.uidValidity {
		// RFC 9051 §2.3.1.1: the client's UIDs are void; it must
		// reselect.
		c.bye("[UIDVALIDITY] Mailbox UIDVALIDITY changed")
		return nil
	}
	if ch.ExpungedIncomplete {
		if err := v.resync(c); err != nil {
			return err
		}
	}
	v.markExpunged(ch.Expunged)
	top := v.maxUID()
	var added []store.UID
	var changed []store.MessageInfo
	for _, m := range ch.Updated {
		switch {
		case m.UID > top:
			// Expunged is ascending: a binary search keeps a poll
			// after heavy churn linear in what changed.
			if _, gone := slices.BinarySearch(ch.Expunged, m.UID); !gone {
				added = append(added, m.UID)
			}
		case v.reported[m.UID] >= m.ModSeq, v.isExpunged(m.UID):
		default:
			changed = append(changed, m)
		}
	}
	if allowExpunge {
		v.announceExpunges(c) // EXPUNGE, or VANISHED with QRESYNC
	}
	if len(added) > 0 {
		v.uids.Append(added...)
		c.takeRecent(v, added)
		c.enc.Raw("* ").Number(uint64(v.uids.Len())).Raw(" EXISTS\r\n")
		if !c.rev2 {
			c.enc.Raw("* ").Number(uint64(v.recentCount())).Raw(" RECENT\r\n") // RFC 3501 §7.3.2
		}
	}
	changed = v.heldFlagChanges(c, changed)
	v.announceKeywords(c, changed)
	for _, m := range changed {
		if s := v.seq(m.UID); s > 0 {
			c.enc.Raw("* ").Number(uint64(s)).Raw(" FETCH (UID ").Number(uint64(m.UID)).SP()
			if c.condstore { // RFC 7162 §3.1.4.1, in Dovecot's order
				c.writeModSeq(m.ModSeq)
				c.enc.SP()
			}
			c.enc.Raw("FLAGS ")
			c.writeMsgFlags(m.UID, m.Flags)
			c.enc.Raw(")\r\n")
		}
	}
	if ch.HighestModSeq > v.modseq {
		v.modseq = ch.HighestModSeq
	}
	if len(v.expunged) == 0 {
		v.told = v.modseq
	}
	clear(v.reported)
	return nil
}

// resync finds expunged messages by comparing the view with the store,
// when the store's tombstones do not reach back far enough.
func (v *view) resync(c *conn) error {
	infos, err := v.mb.List(c.ctx, store.All)
	if err != nil {
		return err
	}
	var gone []store.UID
	j := 0
	v.uids.Each(func(_ int, u store.UID) bool {
		for j < len(infos) && infos[j].UID < u {
			j++
		}
		if j == len(infos) || infos[j].UID != u {
			gone = append(gone, u)
		}
		return true
	})
	v.markExpunged(gone)
	return nil
}

// announceKeywords sends FLAGS and PERMANENTFLAGS when msgs carry a
// keyword the client has not been told of.
func (v *view) announceKeywords(c *conn, msgs []store.MessageInfo) {
	grew := false
	for _, m := range msgs {
		for _, f := range m.Flags {
			if !strings.HasPrefix(f, `\`) && !containsFold(v.keywords, f) {
				v.keywords = append(v.keywords, f)
				grew = true
			}
		}
	}
	if grew {
		v.writeFlagsResponses(c)
	}
}

// writeFlagsResponses writes FLAGS and PERMANENTFLAGS (RFC 9051 §7.3.5,
// §7.1).
func (v *view) writeFlagsResponses(c *conn) {
	sys := []string{store.FlagSeen, store.FlagAnswered, store.FlagFlagged, store.FlagDeleted, store.FlagDraft}
	all := append(slices.Clone(sys), v.keywords...)
	c.enc.Raw("* FLAGS ")
	writeFlags(c, all)
	c.enc.CRLF()
	if v.readOnly {
		c.enc.Raw("* OK [PERMANENTFLAGS ()] Read-only mailbox\r\n")
		return
	}
	c.enc.Raw("* OK [PERMANENTFLAGS (")
	for _, f := range all {
		c.enc.Raw(f).SP()
	}
	c.enc.Raw(`\*)] Flags permitted` + "\r\n")
}

// writeMsgFlags writes a message's flag list, with \Recent for an
// IMAP4rev1 session it is recent in (RFC 3501 §2.3.2).
func (c *conn) writeMsgFlags(uid store.UID, flags []string) {
	if c.rev2 || !c.sel.isRecent(uid) {
		writeFlags(c, flags)
		return
	}
	c.enc.Byte('(')
	for _, f := range flags {
		c.enc.Raw(f).SP()
	}
	c.enc.Raw(`\Recent)`)
}

func writeFlags(c *conn, flags []string) {
	c.enc.Byte('(')
	for i, f := range flags {
		if i > 0 {
			c.enc.SP()
		}
		c.enc.Raw(f)
	}
	c.enc.Byte(')')
}

func containsFold(list []string, s string) bool {
	for _, x := range list {
		if equalFold(x, s) {
			return true
		}
	}
	return false
}
