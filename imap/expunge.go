package imap

import (
	"github.com/mailstack/mailstack/imap/internal/imapwire"
	"github.com/mailstack/mailstack/store"
)

// EXPUNGE (RFC 9051 §6.4.3) and UID EXPUNGE (RFC 4315 §2.1). The EXPUNGE
// (or, with QRESYNC, VANISHED) responses are sent by the update poll that
// follows every command.
func cmdExpunge(c *conn, cmd *command) error {
	uids := store.All
	if cmd.uid {
		var set imapwire.SeqSet
		if !c.dec.ExpectSP() || !c.dec.ExpectSeqSet(&set) {
			return nil
		}
		idx := c.resolveSet(set, true)
		uids = c.sel.uidSet(idx)
		if len(idx) == 0 {
			c.endArgs()
			return nil
		}
	}
	if !c.endArgs() {
		return nil
	}
	if c.sel.readOnly {
		return no("CANNOT", "Mailbox is read-only")
	}
	gone, err := c.sel.mb.Expunge(c.ctx, uids)
	if err != nil {
		return err
	}
	c.sel.markExpunged(gone)
	if c.condstore {
		// RFC 7162 §3.2.10 (example): the tagged OK carries the
		// HIGHESTMODSEQ after the expunges, which are sent now.
		if err := c.sel.poll(c, true); err != nil || c.sel == nil {
			return err
		}
		cmd.code = "HIGHESTMODSEQ " + itoa(uint64(c.sel.modseq))
	}
	return nil
}
