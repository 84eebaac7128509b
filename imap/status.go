package imap

import (
	"strings"

	"github.com/mailstack/mailstack/store"
)

var statusItems = []string{"MESSAGES", "UIDNEXT", "UIDVALIDITY", "UNSEEN", "DELETED", "SIZE", "RECENT"}

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
			if !containsFold(statusItems, a) {
				return false
			}
			items = append(items, a)
			return true
		}) || !c.endArgs() {
		return nil
	}
	st, err := c.mailboxStatus(name)
	if err != nil {
		return err
	}
	c.writeStatus(name, st, items)
	return nil
}

func (c *conn) mailboxStatus(name string) (store.Status, error) {
	mb, err := c.st.OpenMailbox(c.ctx, name)
	if err != nil {
		return store.Status{}, err
	}
	defer mb.Close()
	return mb.Status(c.ctx)
}

func (c *conn) writeStatus(name string, st store.Status, items []string) {
	c.enc.Raw("* STATUS ").Mailbox(name).Raw(" (")
	for i, it := range items {
		if i > 0 {
			c.enc.SP()
		}
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
			c.enc.Number(0)
		}
	}
	c.enc.Raw(")\r\n")
}
