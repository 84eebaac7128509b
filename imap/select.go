package imap

import (
	"context"

	"github.com/mailstack/mailstack/store"
)

// SELECT and EXAMINE, RFC 9051 §6.3.2 and §6.3.3, with the CONDSTORE and
// QRESYNC parameters (RFC 7162 §3.1.8, §3.2.5).
func cmdSelect(c *conn, cmd *command) error {
	var name string
	var params selectParams
	if !c.dec.ExpectSP() || !c.dec.ExpectMailbox(&name) ||
		c.dec.SP() && !c.selectParams(&params) || !c.endArgs() {
		return nil
	}
	if params.qresync != nil && !c.qresync {
		return bad("", "QRESYNC is not enabled") // RFC 7162 §3.2.5
	}
	if c.sel != nil {
		// RFC 9051 §6.3.2: the previous mailbox is closed first, even
		// if this SELECT fails; rev2 and QRESYNC (RFC 7162 §3.2.11)
		// announce it with [CLOSED].
		c.deselect()
		if c.rev2 || c.qresync {
			c.enc.Raw("* OK [CLOSED] Previous mailbox closed\r\n")
		}
	}
	v, unseen, err := c.open(name, cmd.name == "EXAMINE")
	if err != nil {
		return err
	}
	c.enc.Raw("* ").Number(uint64(v.uids.Len())).Raw(" EXISTS\r\n")
	if !c.rev2 {
		// RFC 3501 §7.3.2; RFC 9051 §E removed it from IMAP4rev2.
		c.enc.Raw("* ").Number(uint64(v.recentCount())).Raw(" RECENT\r\n")
	}
	c.enc.Raw("* OK [UIDVALIDITY ").Number(uint64(v.uidValidity)).Raw("] UIDs valid\r\n")
	c.enc.Raw("* OK [UIDNEXT ").Number(uint64(v.uidNext)).Raw("] Predicted next UID\r\n")
	if params.condstore {
		c.enableCondstore() // no mailbox is selected: no untagged OK
	}
	if c.condstore { // RFC 7162 §3.1.2.1
		c.enc.Raw("* OK [HIGHESTMODSEQ ").Number(uint64(v.modseq)).Raw("] Highest\r\n")
	}
	c.writeMailboxIDCode(v.mailboxID)
	v.writeFlagsResponses(c)
	if !c.rev2 && unseen > 0 {
		c.enc.Raw("* OK [UNSEEN ").Number(uint64(unseen)).Raw("] First unseen\r\n")
	}
	if c.rev2 {
		c.enc.Raw(`* LIST () `).String(string(c.st.Delimiter())).SP().Mailbox(name).CRLF()
	}
	c.sel, c.state = &v.view, stateSelected
	if params.qresync != nil {
		if err := c.qresyncSelect(params.qresync, v); err != nil {
			return err
		}
	}
	cmd.code = "READ-WRITE"
	if v.readOnly {
		cmd.code = "READ-ONLY"
	}
	return nil
}

// opened is a view just built, with what SELECT reports once.
type opened struct {
	view
	uidNext   store.UID
	mailboxID string // RFC 8474 §4.2
}

// open builds the view of a mailbox: Status first, then List, so that a
// change between the two is reported again by Changes rather than lost.
func (c *conn) open(name string, readOnly bool) (*opened, uint32, error) {
	mb, err := c.st.OpenMailbox(c.ctx, name)
	if err != nil {
		return nil, 0, err
	}
	st, err := mb.Status(c.ctx)
	if err != nil {
		mb.Close()
		return nil, 0, err
	}
	infos, err := mb.List(c.ctx, store.All)
	if err != nil {
		mb.Close()
		return nil, 0, err
	}
	v := &opened{uidNext: st.UIDNext, mailboxID: st.MailboxID}
	v.mb, v.name, v.readOnly, v.examined = mb, name, readOnly, readOnly
	if ro, ok := mb.(store.ReadOnlyMailbox); ok && ro.ReadOnly() {
		// RFC 9051 §6.3.2: [READ-ONLY] and PERMANENTFLAGS () even to
		// SELECT, when nothing can be changed.
		v.readOnly = true
	}
	v.uidValidity, v.modseq = st.UIDValidity, st.HighestModSeq
	v.keywords = append([]string(nil), st.Keywords...)
	v.reported = map[store.UID]store.ModSeq{}
	uids := make([]store.UID, len(infos))
	var unseen uint32
	for i := range infos {
		uids[i] = infos[i].UID
		if unseen == 0 && !infos[i].HasFlag(store.FlagSeen) {
			unseen = uint32(i + 1)
		}
		v.announceKeywordsQuiet(infos[i].Flags)
	}
	v.uids = newUIDList(uids)
	v.recentKey = c.recentKey(name)
	c.takeRecent(&v.view, uids)
	var ctx context.Context
	ctx, v.cancel = context.WithCancel(c.ctx)
	v.watch = mb.Watch(ctx)
	return v, unseen, nil
}

// announceKeywordsQuiet adds keywords found on messages to the FLAGS list
// sent at SELECT, for stores that do not list them in Status.
func (v *view) announceKeywordsQuiet(flags []string) {
	for _, f := range flags {
		if len(f) > 0 && f[0] != '\\' && !containsFold(v.keywords, f) {
			v.keywords = append(v.keywords, f)
		}
	}
}

func (c *conn) deselect() {
	if c.sel != nil {
		c.sel.close()
		c.sel = nil
	}
	c.saved = nil // RFC 5182 §2.1: no result survives SELECT or CLOSE
	c.state = stateAuth
}

// CLOSE (RFC 9051 §6.4.1: expunge silently, unless read-only) and
// UNSELECT (RFC 3691).
func cmdClose(c *conn, cmd *command) error {
	if !c.endArgs() {
		return nil
	}
	var err error
	if cmd.name == "CLOSE" && !c.sel.readOnly {
		// No EXPUNGE responses: the mailbox is being closed.
		_, err = c.sel.mb.Expunge(c.ctx, store.All)
	}
	c.deselect()
	return err
}
