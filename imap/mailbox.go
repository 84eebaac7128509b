package imap

import (
	"strings"

	"github.com/mailstack/mailstack/store"
)

// checkName validates a mailbox name the client gave, so that no name can
// escape the store's root (store.ValidateName: no "..", control
// characters or empty hierarchy parts).
func (c *conn) checkName(name string) error {
	if store.IsInbox(name) {
		return nil
	}
	if err := store.ValidateName(name, c.st.Delimiter()); err != nil {
		return no("CANNOT", "Invalid mailbox name")
	}
	return nil
}

// CREATE, RFC 9051 §6.3.4.
func cmdCreate(c *conn, cmd *command) error {
	var name string
	if !c.dec.ExpectSP() || !c.dec.ExpectMailbox(&name) || !c.endArgs() {
		return nil
	}
	// A trailing delimiter declares the intent to create children.
	name = strings.TrimSuffix(name, string(c.st.Delimiter()))
	name = store.NormalizeInbox(name, c.st.Delimiter())
	if name == "INBOX" {
		return no("ALREADYEXISTS", "INBOX always exists")
	}
	if err := c.checkName(name); err != nil {
		return err
	}
	if err := c.st.CreateMailbox(c.ctx, name, nil); err != nil {
		return err
	}
	c.published(mailboxEvent{kind: evMailboxName, name: name})
	cmd.code = c.createdCode(name)
	return nil
}

// DELETE, RFC 9051 §6.3.5.
func cmdDelete(c *conn, cmd *command) error {
	var name string
	if !c.dec.ExpectSP() || !c.dec.ExpectMailbox(&name) || !c.endArgs() {
		return nil
	}
	name = store.NormalizeInbox(name, c.st.Delimiter())
	if name == "INBOX" {
		return no("CANNOT", "INBOX cannot be deleted")
	}
	if err := c.checkName(name); err != nil {
		return err
	}
	if err := c.st.DeleteMailbox(c.ctx, name); err != nil {
		return err
	}
	c.published(mailboxEvent{kind: evMailboxName, name: name, deleted: true})
	return nil
}

// RENAME, RFC 9051 §6.3.6: renaming INBOX moves its messages and leaves
// it empty; nothing can be renamed to INBOX.
func cmdRename(c *conn, cmd *command) error {
	var from, to string
	if !c.dec.ExpectSP() || !c.dec.ExpectMailbox(&from) || !c.dec.ExpectSP() ||
		!c.dec.ExpectMailbox(&to) || !c.endArgs() {
		return nil
	}
	d := c.st.Delimiter()
	from, to = store.NormalizeInbox(from, d), store.NormalizeInbox(to, d)
	if to == "INBOX" {
		return no("ALREADYEXISTS", "INBOX always exists")
	}
	if err := c.checkName(from); err != nil {
		return err
	}
	if err := c.checkName(to); err != nil {
		return err
	}
	if err := c.st.RenameMailbox(c.ctx, from, to); err != nil {
		return err
	}
	ev := mailboxEvent{kind: evMailboxName, name: to, old: from}
	if from == "INBOX" {
		// RFC 9051 §6.3.6: INBOX stays, empty; the new name is new.
		ev.old = ""
	}
	c.published(ev)
	return nil
}

// SUBSCRIBE and UNSUBSCRIBE, RFC 9051 §6.3.7 and §6.3.8.
func cmdSubscribe(c *conn, cmd *command) error {
	var name string
	if !c.dec.ExpectSP() || !c.dec.ExpectMailbox(&name) || !c.endArgs() {
		return nil
	}
	name = store.NormalizeInbox(name, c.st.Delimiter())
	if err := c.checkName(name); err != nil {
		return err
	}
	if err := c.st.SetSubscribed(c.ctx, name, cmd.name == "SUBSCRIBE"); err != nil {
		return err
	}
	c.published(mailboxEvent{kind: evSubscriptionChange, name: name})
	return nil
}
