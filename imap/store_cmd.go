package imap

import (
	"strings"

	"github.com/mailstack/mailstack/imap/internal/imapwire"
	"github.com/mailstack/mailstack/store"
)

// STORE, RFC 9051 §6.4.6: FLAGS, +FLAGS, -FLAGS, each with .SILENT, and
// the UNCHANGEDSINCE modifier (RFC 7162 §3.1.3).
func cmdStore(c *conn, cmd *command) error {
	var set imapwire.SeqSet
	var item string
	var flags []string
	var opts store.SetFlagsOptions
	if !c.dec.ExpectSP() || !c.dec.ExpectSeqSet(&set) || !c.dec.ExpectSP() {
		return nil
	}
	if b, _ := c.dec.Peek(); b == '(' && (!c.storeModifiers(&opts) || !c.dec.ExpectSP()) {
		return nil // RFC 7162 §3.1.3 UNCHANGEDSINCE
	}
	op := store.FlagsReplace
	if c.dec.Special('+') {
		op = store.FlagsAdd
	} else if c.dec.Special('-') {
		op = store.FlagsRemove
	}
	if !c.dec.ExpectWord(&item) || !c.dec.ExpectSP() {
		return nil
	}
	item = strings.ToUpper(item)
	if item != "FLAGS" && item != "FLAGS.SILENT" {
		c.dec.ExpectSpecial('x') // syntax error
		return nil
	}
	if !c.storeFlagArgs(&flags) || !c.endArgs() {
		return nil
	}
	if c.sel.readOnly {
		return no("CANNOT", "Mailbox is read-only")
	}
	flags, err := storeFlags(flags)
	if err != nil {
		return err
	}
	if opts.Conditional {
		c.enableCondstore()
	}
	idx := c.resolveSet(set, cmd.uid)
	if len(idx) == 0 {
		return nil
	}
	upd, err := c.sel.mb.SetFlags(c.ctx, c.sel.uidSet(idx), op, flags, &opts)
	if err = c.storeResult(cmd, err); err != nil {
		return err
	}
	silent := item == "FLAGS.SILENT"
	c.sel.announceKeywords(c, upd)
	for i := range upd {
		m := &upd[i]
		c.sel.reported[m.UID] = m.ModSeq
		seq := c.sel.seq(m.UID)
		if silent && !c.condstore || seq == 0 {
			continue
		}
		c.writeStoreFetch(seq, m, cmd.uid, silent)
	}
	return nil
}

// storeFlagArgs reads a flag list, with or without parentheses (RFC 9051
// §9 store-att-flags).
func (c *conn) storeFlagArgs(flags *[]string) bool {
	if b, _ := c.dec.Peek(); b == '(' {
		return c.dec.ExpectFlagList(flags)
	}
	for {
		var f string
		if !c.dec.ExpectFlag(&f) {
			return false
		}
		*flags = append(*flags, f)
		if !c.dec.SP() {
			return true
		}
	}
}

// storeFlags canonicalises STORE's flags; \Recent cannot be changed
// (RFC 3501 §2.3.2) and is ignored.
func storeFlags(flags []string) ([]string, error) {
	return appendFlags(flags)
}
