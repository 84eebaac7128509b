package imap

import (
	"github.com/mailstack/mailstack/store"
)

// OBJECTID, RFC 8474: MAILBOXID in CREATE's tagged OK (§4.1), in SELECT
// and EXAMINE (§4.2) and as a STATUS item (§4.3); EMAILID and THREADID as
// FETCH items (§5.3) and SEARCH keys (§6). The ids are the store's
// (store.Status.MailboxID, store.MessageInfo.EmailID and ThreadID); the
// capability and the items exist only for a store that implements
// store.ObjectIDStore.

// objectIDs reports whether the session's store gives object ids.
func (c *conn) objectIDs() bool {
	o, ok := c.st.(store.ObjectIDStore)
	return ok && o.ObjectIDs()
}

// writeObjectID writes "(" id ")", or NIL for an id that is not an
// objectid. NIL is THREADID's answer when there is no thread (RFC 8474
// §5.2); for EMAILID it only happens with a store that promised ids and
// lacks one, and is better than a malformed id.
func (c *conn) writeObjectID(id string) {
	if !store.IsObjectID(id) {
		c.enc.Raw("NIL")
		return
	}
	c.enc.Byte('(').Raw(id).Byte(')')
}

// writeMailboxIDCode writes the untagged OK [MAILBOXID (id)] of SELECT and
// EXAMINE (RFC 8474 §4.2), when the store gives one.
func (c *conn) writeMailboxIDCode(id string) {
	if store.IsObjectID(id) {
		c.enc.Raw("* OK [MAILBOXID (").Raw(id).Raw(")] Ok\r\n")
	}
}

// createdCode returns the MAILBOXID response code for CREATE's tagged OK
// (RFC 8474 §4.1), or "" if the store has no ids or the new mailbox
// cannot be opened (it was created; the id is a courtesy).
func (c *conn) createdCode(name string) string {
	if !c.objectIDs() {
		return ""
	}
	mb, err := c.st.OpenMailbox(c.ctx, name)
	if err != nil {
		return ""
	}
	defer mb.Close()
	st, err := mb.Status(c.ctx)
	if err != nil || !store.IsObjectID(st.MailboxID) {
		return ""
	}
	return "MAILBOXID (" + st.MailboxID + ")"
}

// objectSearchArgs reads the argument of SEARCH EMAILID or THREADID
// (RFC 8474 §6): an objectid. Both are unknown keys without OBJECTID.
func (c *conn) objectSearchArgs(k *searchKey) bool {
	if !c.objectIDs() || !c.dec.ExpectSP() || !c.dec.ExpectAtom(&k.str) {
		return false
	}
	return store.IsObjectID(k.str)
}

// matchObjectID reports whether m has the EMAILID or THREADID k.str;
// ids are compared exactly (RFC 8474 §3: they are opaque).
func matchObjectID(m *store.MessageInfo, k *searchKey) bool {
	if k.op == "EMAILID" {
		return m.EmailID == k.str
	}
	return m.ThreadID != "" && m.ThreadID == k.str
}
