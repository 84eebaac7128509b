package imap

import (
	"errors"

	"github.com/mailstack/mailstack/imap/internal/imapwire"
	"github.com/mailstack/mailstack/store"
)

// COPY (RFC 9051 §6.4.7) and MOVE (RFC 6851), with COPYUID (RFC 4315 §3).
func cmdCopy(c *conn, cmd *command) error {
	var set imapwire.SeqSet
	var dest string
	if !c.dec.ExpectSP() || !c.dec.ExpectSeqSet(&set) || !c.dec.ExpectSP() ||
		!c.dec.ExpectMailbox(&dest) || !c.endArgs() {
		return nil
	}
	move := cmd.name == "MOVE"
	if move && c.sel.readOnly {
		return no("CANNOT", "Mailbox is read-only")
	}
	if err := c.checkName(dest); err != nil {
		return err
	}
	idx := c.resolveSet(set, cmd.uid)
	if len(idx) == 0 {
		return nil
	}
	uids := c.sel.uidSet(idx)
	var res store.CopyResult
	var err error
	if move {
		res, err = c.sel.mb.Move(c.ctx, uids, dest)
	} else {
		res, err = c.sel.mb.Copy(c.ctx, uids, dest)
	}
	if errors.Is(err, store.ErrNoSuchMailbox) {
		return no("TRYCREATE", "No such mailbox") // RFC 9051 §6.4.7
	}
	if err != nil {
		return err
	}
	code := ""
	if len(res.SourceUIDs) > 0 {
		code = "COPYUID " + itoa(uint64(res.UIDValidity)) + " " + formatUIDs(res.SourceUIDs) + " " + formatUIDs(res.DestUIDs)
	}
	if !move {
		cmd.code = code
		return nil
	}
	// RFC 6851 §4.3: COPYUID comes in an untagged OK before the
	// EXPUNGEs, which the poll after the command sends.
	if code != "" {
		c.enc.Raw("* OK [").Raw(code).Raw("] Moved\r\n")
	}
	c.sel.markExpunged(res.SourceUIDs)
	return nil
}

func formatUIDs(uids []store.UID) string {
	n := make([]uint32, len(uids))
	for i, u := range uids {
		n[i] = uint32(u)
	}
	return imapwire.FormatUIDs(n)
}
