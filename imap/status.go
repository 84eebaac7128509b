package imap

import (
	"strings"

	"github.com/mailstack/mailstack/store"
)

var statusItems = []string{"MESSAGES", "UIDNEXT", "UIDVALIDITY", "UNSEEN", "DELETED", "SIZE", "RECENT", "HIGHESTMODSEQ", "MAILBOXID", "DELETED-STORAGE"}

// STATUS, RFC 9051 §6.3.11, with SIZE (RFC 8438).
func cmdStatus(c *conn, cmd *command) error {
	var name string
	var items []string
	if !c.dec.ExpectSP() || !c.dec.ExpectMailbox(&name) || !c.dec.ExpectSP() ||
		!c.dec.ExpectList(func() bool {
			var a string
			if !c.dec.ExpectAtom(&a) {
				return false
			}
			a = strings.ToUpper(a)
			if !c.statusItem(a) {
				return false
			}
			items = append(items, a)
			return true
		}) || !c.endArgs() {
		return nil
	}
	if containsFold(items, "HIGHESTMODSEQ") {
		c.enableCondstore() // RFC 7162 §3.1: an enabling command
	}
	st, err := c.mailboxStatus(name, items)
	if err != nil {
		return err
	}
	c.writeStatus(name, st, items)
	return nil
}

// statusItem reports whether a (upper case) is a status-att the session
// knows: STATUS's, and LIST RETURN (STATUS)'s (RFC 5819 §2).
func (c *conn) statusItem(a string) bool {
	switch a {
	case "MAILBOXID":
		return c.objectIDs()
	case "DELETED-STORAGE": // RFC 9208 §5.1: with QUOTA=RES-STORAGE
		return c.quotaStore() != nil
	}
	return containsFold(statusItems, a)
}

// mailboxStatus is a store.Status with, when items ask for RECENT, the
// number of messages no session has claimed as \Recent, and for
// DELETED-STORAGE the octets EXPUNGE would free (RFC 9208 §4.4).
type mailboxStatus struct {
	store.Status
	recent         int
	deletedStorage int64
}

func (c *conn) mailboxStatus(name string, items []string) (mailboxStatus, error) {
	mb, err := c.st.OpenMailbox(c.ctx, name)
	if err != nil {
		return mailboxStatus{}, err
	}
	defer mb.Close()
	st, err := mb.Status(c.ctx)
	if err != nil {
		return mailboxStatus{}, err
	}
	ms := mailboxStatus{Status: st}
	if containsFold(items, "DELETED-STORAGE") {
		if ms.deletedStorage, err = deletedStorage(c, mb); err != nil {
			return mailboxStatus{}, err
		}
	}
	if !containsFold(items, "RECENT") {
		return ms, nil
	}
	ms.recent = st.Messages
	// RFC 3501 §6.3.10: the messages that would be \Recent to a session
	// selecting the mailbox now.
	switch claimed := c.srv.recent.claimed(c.recentKey(name), st.UIDValidity); {
	case claimed == 0:
	case st.UIDNext == 0 || claimed >= st.UIDNext-1:
		ms.recent = 0
	default:
		infos, err := mb.List(c.ctx, store.UIDSet{{Start: claimed + 1, Stop: store.MaxUID}})
		if err != nil {
			return mailboxStatus{}, err
		}
		ms.recent = len(infos)
	}
	return ms, nil
}

// deletedStorage is the size of the messages flagged \Deleted: what
// EXPUNGE would free (RFC 9208 §4.4), from one listing of the mailbox.
func deletedStorage(c *conn, mb store.Mailbox) (int64, error) {
	infos, err := mb.List(c.ctx, store.All)
	if err != nil {
		return 0, err
	}
	var n int64
	for i := range infos {
		if infos[i].HasFlag(store.FlagDeleted) {
			n += infos[i].Size
		}
	}
	return n, nil
}

func (c *conn) writeStatus(name string, st mailboxStatus, items []string) {
	c.enc.Raw("* STATUS ").Mailbox(name).Raw(" (")
	first := true
	for _, it := range items {
		if it == "MAILBOXID" && !store.IsObjectID(st.MailboxID) {
			// RFC 8474 §8 allows no NIL here: a mailbox the store
			// could not give an id (a read-only Maildir without
			// one) leaves the item out.
			continue
		}
		if !first {
			c.enc.SP()
		}
		first = false
		c.enc.Raw(it).SP()
		switch it {
		case "MESSAGES":
			c.enc.Number(uint64(st.Messages))
		case "UIDNEXT":
			c.enc.Number(uint64(st.UIDNext))
		case "UIDVALIDITY":
			c.enc.Number(uint64(st.UIDValidity))
		case "UNSEEN":
			c.enc.Number(uint64(st.Unseen))
		case "DELETED":
			c.enc.Number(uint64(st.Deleted))
		case "SIZE":
			c.enc.Number(uint64(st.Size))
		case "RECENT":
			c.enc.Number(uint64(st.recent))
		case "HIGHESTMODSEQ": // RFC 7162 §3.1.7
			c.enc.Number(uint64(st.HighestModSeq))
		case "MAILBOXID": // RFC 8474 §4.3
			c.writeObjectID(st.MailboxID)
		case "DELETED-STORAGE":
			c.enc.Number(uint64(st.deletedStorage))
		}
	}
	c.enc.Raw(")\r\n")
}
