package imap

import (
	"strings"
	"sync"
)

// notifyHub carries mailbox-name and subscription events (RFC 5465 §5.4,
// §5.5) from the session that made them to the NOTIFY sessions of the
// same user on the same Server. Stores have no such events, so this is
// in-process only: a mailbox created, deleted or renamed, or a
// subscription changed, by another process (or another Server) is not
// reported, though the next NOTIFY SET sees the new mailbox list.
type notifyHub struct {
	mu   sync.Mutex
	subs map[string]map[*notifyState]struct{} // by user
}

// mailboxEvent is a change to the mailbox list or the subscriptions.
type mailboxEvent struct {
	kind    notifyEvents // evMailboxName or evSubscriptionChange
	name    string       // the mailbox (after a rename, the new name)
	old     string       // a rename's old name
	deleted bool
}

func (h *notifyHub) join(user string, ns *notifyState) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.subs == nil {
		h.subs = map[string]map[*notifyState]struct{}{}
	}
	if h.subs[user] == nil {
		h.subs[user] = map[*notifyState]struct{}{}
	}
	h.subs[user][ns] = struct{}{}
}

func (h *notifyHub) leave(user string, ns *notifyState) {
	h.mu.Lock()
	defer h.mu.Unlock()
	delete(h.subs[user], ns)
	if len(h.subs[user]) == 0 {
		delete(h.subs, user)
	}
}

// publish hands ev to the user's NOTIFY sessions but from.
func (h *notifyHub) publish(user string, from *notifyState, ev mailboxEvent) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for ns := range h.subs[user] {
		if ns != from {
			ns.push(ev)
		}
	}
}

// published tells the other NOTIFY sessions of a successful CREATE,
// DELETE, RENAME, SUBSCRIBE or UNSUBSCRIBE. The session that made it is
// not told (RFC 5465 §5: it knows), but what it watches changes before
// the command completes, so that what follows is reported.
func (c *conn) published(ev mailboxEvent) {
	c.srv.notifyHub.publish(c.user, c.notify, ev)
	if c.notify == nil {
		return
	}
	if err := c.rewatch(); err == errNotifyOverflow {
		c.notifyOverflow()
	} else if err != nil {
		c.log.Warn("NOTIFY rewatch failed", "err", err)
	}
}

// mailboxEvents reports events from the hub that the groups ask for, as
// LIST responses, and re-evaluates the watched mailboxes.
func (c *conn) mailboxEvents(events []mailboxEvent) error {
	tree, err := c.listTree(nil)
	if err != nil {
		return err
	}
	for _, ev := range events {
		c.mailboxEvent(tree, ev)
	}
	return c.rewatch()
}

// mailboxEvent writes the LIST responses of one event: RFC 5465 §5.4 (a
// new name, \NonExistent for a deleted one, OLDNAME for each renamed one)
// or §5.5 (\Subscribed if and only if subscribed now).
func (c *conn) mailboxEvent(tree *listTree, ev mailboxEvent) {
	spec, delim := c.notify.spec, c.st.Delimiter()
	wants := func(name string) bool {
		e := tree.m[name]
		return spec.eventsFor(name, e != nil && e.subscribed, delim)&ev.kind != 0
	}
	switch {
	case ev.kind == evSubscriptionChange || !ev.deleted && ev.old == "":
		if wants(ev.name) {
			c.writeNotifyList(tree, ev.name, "")
		}
	case ev.deleted:
		if wants(ev.name) {
			c.enc.Raw(`* LIST (\NonExistent) `).String(string(delim)).SP().Mailbox(ev.name).CRLF()
		}
	default: // a rename moves the children too (RFC 9051 §6.3.6)
		for _, e := range tree.sorted() {
			if !e.exists || e.name != ev.name && !strings.HasPrefix(e.name, ev.name+string(delim)) {
				continue
			}
			old := ev.old + e.name[len(ev.name):]
			if wants(e.name) || wants(old) {
				c.writeNotifyList(tree, e.name, old)
			}
		}
	}
}

// writeNotifyList writes the LIST response of name as it is now, with
// \Subscribed when subscribed and, after a rename, OLDNAME (RFC 5465
// §5.4, RFC 5258 extended data).
func (c *conn) writeNotifyList(tree *listTree, name, old string) {
	attrs := []string{`\NonExistent`}
	if e := tree.m[name]; e != nil {
		attrs = e.listAttrs(&listOpts{retSubscribed: true}, true)
	}
	delim := string(c.st.Delimiter())
	c.enc.Raw("* LIST (").Raw(strings.Join(attrs, " ")).Raw(") ").String(delim).SP().Mailbox(name)
	if old != "" {
		c.enc.Raw(` ("OLDNAME" (`).Mailbox(old).Raw("))")
	}
	c.enc.CRLF()
}
