package imap

import (
	"context"
	"slices"
	"strings"

	"github.com/mailstack/mailstack/store"
)

// subscriptionLister is implemented by stores that can list every
// subscribed name, including names whose mailbox no longer exists or never
// did (RFC 9051 §6.3.7: a subscription outlives its mailbox, and the
// server must not remove it on its own). LIST (SUBSCRIBED) and LSUB then
// show them, \NonExistent in LIST (RFC 5258 §3). Without it, only the
// subscribed mailboxes that store.Store.Mailboxes returns are known.
type subscriptionLister interface {
	Subscriptions(ctx context.Context) ([]string, error)
}

// listEntry is one name LIST may return: a mailbox, a level above
// mailboxes that does not exist itself, or a subscribed name.
type listEntry struct {
	name       string
	exists     bool
	attrs      []string // the store's attributes, child attributes removed
	subscribed bool
	children   bool // an existing mailbox lies below (RFC 3348)
	// subBelow: a subscribed name lies below that no pattern of the
	// command matches (RFC 5258 §3.5 RECURSIVEMATCH, CHILDINFO).
	subBelow bool
}

// listTree is the name space a LIST answers from.
type listTree struct {
	m map[string]*listEntry
}

func (t *listTree) entry(name string) *listEntry {
	e := t.m[name]
	if e == nil {
		e = &listEntry{name: name}
		t.m[name] = e
	}
	return e
}

// ancestors calls fn for each level above name: "a", "a/b" for "a/b/c".
func ancestors(name string, delim rune, fn func(string)) {
	for i, r := range name {
		if r == delim && i > 0 {
			fn(name[:i])
		}
	}
}

// listTree gathers the mailboxes, the levels above them and the
// subscribed names; pats are the command's patterns, for subBelow.
func (c *conn) listTree(pats []string) (*listTree, error) {
	boxes, err := c.st.Mailboxes(c.ctx)
	if err != nil {
		return nil, err
	}
	delim := c.st.Delimiter()
	t := &listTree{m: make(map[string]*listEntry, len(boxes))}
	var subs []string
	for _, mb := range boxes {
		e := t.entry(mb.Name)
		e.exists = true
		for _, a := range mb.Attrs {
			if !equalFold(a, store.AttrHasChildren) && !equalFold(a, store.AttrHasNoChild) {
				e.attrs = append(e.attrs, a)
			}
		}
		ancestors(mb.Name, delim, func(a string) { t.entry(a).children = true })
		if mb.Subscribed {
			subs = append(subs, mb.Name)
		}
	}
	if sl, ok := c.st.(subscriptionLister); ok {
		if subs, err = sl.Subscriptions(c.ctx); err != nil {
			return nil, err
		}
	}
	for _, name := range subs {
		name = store.NormalizeInbox(name, delim)
		t.entry(name).subscribed = true
		if !matchAny(pats, name, delim) {
			ancestors(name, delim, func(a string) { t.entry(a).subBelow = true })
		}
	}
	return t, nil
}

// sorted returns the entries, INBOX first, then by name.
func (t *listTree) sorted() []*listEntry {
	out := make([]*listEntry, 0, len(t.m))
	for _, e := range t.m {
		out = append(out, e)
	}
	slices.SortFunc(out, func(a, b *listEntry) int {
		if a.name == "INBOX" || b.name == "INBOX" {
			return boolCmp(b.name == "INBOX", a.name == "INBOX")
		}
		return strings.Compare(a.name, b.name)
	})
	return out
}

func boolCmp(a, b bool) int {
	switch {
	case a == b:
		return 0
	case a:
		return 1
	}
	return -1
}

// listed reports whether the entry meets the selection options (RFC 5258
// §3.1; RFC 9051 §6.3.9 table of \NonExistent and CHILDINFO).
func (e *listEntry) listed(o *listOpts) bool {
	switch {
	case o.subscribedOnly:
		return e.subscribed || (o.recursive && e.subBelow)
	case o.specialUseOnly:
		return e.exists && hasSpecialUse(e.attrs)
	}
	return e.exists || e.children
}

// listAttrs returns the entry's attributes: the store's, \NonExistent (or
// \Noselect for an IMAP4rev1 LIST without RFC 5258 syntax, RFC 3501
// §6.3.8) for a name without a mailbox, \HasChildren or \HasNoChildren
// (RFC 3348, RFC 5258 §4: existing children only) and \Subscribed when
// asked for.
func (e *listEntry) listAttrs(o *listOpts, nonExistent bool) []string {
	attrs := slices.Clone(e.attrs)
	switch {
	case e.exists:
	case nonExistent:
		attrs = append(attrs, `\NonExistent`)
	default:
		attrs = append(attrs, store.AttrNoSelect)
	}
	if e.children {
		attrs = append(attrs, store.AttrHasChildren)
	} else {
		attrs = append(attrs, store.AttrHasNoChild)
	}
	if o.retSubscribed && e.subscribed {
		attrs = append(attrs, `\Subscribed`)
	}
	return attrs
}
