package imap

import (
	"context"
	"errors"
	"slices"
	"sync"

	"github.com/mailstack/mailstack/store"
)

// notifyState is a session's active NOTIFY SET (RFC 5465): the mailboxes
// it watches for message events, and what is pending for the client.
//
// Pending work is bounded: a watched mailbox that changed is one entry
// in dirty however often it changes (its STATUS is computed when the
// session gets to it), and the mailbox-name and subscription events other
// sessions publish queue up to maxNotifyEvents; past that, or past
// Server.MaxNotifyMailboxes watched mailboxes, the session sends
// "* OK [NOTIFICATIONOVERFLOW]" and behaves as after NOTIFY NONE (§5.8).
type notifyState struct {
	spec   *notifySpec
	ctx    context.Context
	cancel context.CancelFunc
	boxes  map[string]*notifyBox // watched for message events, by name
	// wake holds a value while something below is pending.
	wake chan struct{}

	mu       sync.Mutex
	dirty    map[string]bool // watched mailboxes whose Watch fired
	events   []mailboxEvent  // published by sessions of this Server
	overflow bool
}

// notifyBox is a mailbox watched for message events, with the status
// the client was last told of (or that was current when watching began).
type notifyBox struct {
	mb     store.Mailbox
	cancel context.CancelFunc
	events notifyEvents
	last   store.Status
}

// maxNotifyEvents bounds the mailbox-name and subscription events queued
// for one session between two deliveries.
const maxNotifyEvents = 256

// errNotifyOverflow refuses a NOTIFY SET that would watch too many
// mailboxes (RFC 5465 §3.1).
var errNotifyOverflow = no("NOTIFICATIONOVERFLOW", "Too many mailboxes to watch")

func (s *Server) maxNotifyMailboxes() int { return orInt(s.MaxNotifyMailboxes, 256) }

// startNotify replaces the session's NOTIFY state with spec, opening the
// mailboxes it watches, and sends their STATUS if asked (§3.1).
func (c *conn) startNotify(spec *notifySpec) error {
	c.stopNotify()
	ns := &notifyState{spec: spec, boxes: map[string]*notifyBox{},
		wake: make(chan struct{}, 1), dirty: map[string]bool{}}
	ns.ctx, ns.cancel = context.WithCancel(c.ctx)
	c.notify = ns
	c.srv.notifyHub.join(c.user, ns)
	if err := c.rewatch(); err != nil {
		c.stopNotify()
		return err
	}
	if spec.status {
		for _, name := range ns.sortedBoxes() {
			if !c.isSelected(name) {
				c.writeNotifyStatus(name, ns.boxes[name].last)
			}
		}
	}
	return nil
}

// stopNotify ends NOTIFY (NOTIFY NONE, overflow, logout).
func (c *conn) stopNotify() {
	ns := c.notify
	if ns == nil {
		return
	}
	c.notify = nil
	c.srv.notifyHub.leave(c.user, ns)
	ns.cancel()
	for _, b := range ns.boxes {
		b.close()
	}
}

func (b *notifyBox) close() {
	b.cancel()
	b.mb.Close()
}

func (ns *notifyState) sortedBoxes() []string {
	names := make([]string, 0, len(ns.boxes))
	for n := range ns.boxes {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// signal marks work pending without blocking.
func (ns *notifyState) signal() {
	select {
	case ns.wake <- struct{}{}:
	default:
	}
}

// markDirty records that a watched mailbox may have changed.
func (ns *notifyState) markDirty(name string) {
	ns.mu.Lock()
	ns.dirty[name] = true
	ns.mu.Unlock()
	ns.signal()
}

// push queues a mailbox event published by a session of the Server.
func (ns *notifyState) push(ev mailboxEvent) {
	ns.mu.Lock()
	if len(ns.events) >= maxNotifyEvents {
		ns.overflow = true
	} else {
		ns.events = append(ns.events, ev)
	}
	ns.mu.Unlock()
	ns.signal()
}

// take returns and clears what is pending.
func (ns *notifyState) take() (events []mailboxEvent, dirty []string, overflow bool) {
	ns.mu.Lock()
	defer ns.mu.Unlock()
	events, ns.events = ns.events, nil
	for n := range ns.dirty {
		dirty = append(dirty, n)
	}
	clear(ns.dirty)
	overflow, ns.overflow = ns.overflow, false
	slices.Sort(dirty)
	return events, dirty, overflow
}

// isSelected reports whether name is the selected mailbox, whose message
// events the SELECTED group governs, not the others (RFC 5465 §6.1).
func (c *conn) isSelected(name string) bool {
	return c.sel != nil && store.NormalizeInbox(c.sel.name, c.st.Delimiter()) == name
}

// rewatch brings the watched mailboxes in line with the groups and the
// store's mailboxes: at NOTIFY SET, and after a mailbox was created,
// deleted or renamed, or a subscription changed. Mailboxes that other
// programs create are found only here.
func (c *conn) rewatch() error {
	ns := c.notify
	want, err := c.notifyTargets()
	if err != nil {
		return err
	}
	if len(want) > c.srv.maxNotifyMailboxes() {
		return errNotifyOverflow
	}
	for name, b := range ns.boxes {
		if ev, ok := want[name]; ok {
			b.events = ev
			continue
		}
		b.close()
		delete(ns.boxes, name)
	}
	for name, ev := range want {
		if ns.boxes[name] != nil {
			continue
		}
		if err := c.watchBox(name, ev); err != nil && !errors.Is(err, store.ErrNoSuchMailbox) {
			return err
		}
	}
	return nil
}

// notifyTargets returns the mailboxes whose message events the groups
// ask for, with those events.
func (c *conn) notifyTargets() (map[string]notifyEvents, error) {
	ns := c.notify
	delim := c.st.Delimiter()
	boxes, err := c.st.Mailboxes(c.ctx)
	if err != nil {
		return nil, err
	}
	subscribed := map[string]bool{}
	if ns.spec.needsSubscriptions() {
		if subscribed, err = c.subscribedNames(boxes); err != nil {
			return nil, err
		}
	}
	want := map[string]notifyEvents{}
	for _, mb := range boxes {
		if containsFold(mb.Attrs, store.AttrNoSelect) {
			continue
		}
		name := store.NormalizeInbox(mb.Name, delim)
		if ev := ns.spec.eventsFor(name, subscribed[name], delim); ev&evMessage != 0 {
			want[name] = ev & evMessage
		}
	}
	return want, nil
}

// subscribedNames returns the subscription list (RFC 6.4: SUBSCRIBED is
// evaluated against it as it is now).
func (c *conn) subscribedNames(boxes []store.MailboxInfo) (map[string]bool, error) {
	delim := c.st.Delimiter()
	subs := map[string]bool{}
	if sl, ok := c.st.(subscriptionLister); ok {
		names, err := sl.Subscriptions(c.ctx)
		if err != nil {
			return nil, err
		}
		for _, n := range names {
			subs[store.NormalizeInbox(n, delim)] = true
		}
		return subs, nil
	}
	for _, mb := range boxes {
		if mb.Subscribed {
			subs[store.NormalizeInbox(mb.Name, delim)] = true
		}
	}
	return subs, nil
}

// watchBox opens a mailbox, takes its status as the baseline and starts
// forwarding its Watch signals to the session.
func (c *conn) watchBox(name string, ev notifyEvents) error {
	ns := c.notify
	mb, err := c.st.OpenMailbox(ns.ctx, name)
	if err != nil {
		return err
	}
	st, err := mb.Status(ns.ctx)
	if err != nil {
		mb.Close()
		return err
	}
	ctx, cancel := context.WithCancel(ns.ctx)
	ns.boxes[name] = &notifyBox{mb: mb, cancel: cancel, events: ev, last: st}
	ch := mb.Watch(ctx)
	go func() {
		// Ends when cancel or the session closes the channel.
		for range ch {
			ns.markDirty(name)
		}
	}()
	return nil
}

// boxChanged sends the STATUS of a watched mailbox that changed in a way
// the client asked to hear of (RFC 5465 §5.1–5.3): MessageNew and
// MessageExpunge when messages came or went, FlagChange when only flags
// changed (the mailbox's highest modseq moved).
func (c *conn) boxChanged(name string, b *notifyBox) {
	st, err := b.mb.Status(c.ctx)
	if errors.Is(err, store.ErrNoSuchMailbox) || errors.Is(err, store.ErrClosed) {
		// Deleted or renamed, by another process if not by this server.
		b.close()
		delete(c.notify.boxes, name)
		return
	}
	if err != nil {
		c.log.Warn("NOTIFY status failed", "mailbox", name, "err", err)
		return
	}
	prev := b.last
	b.last = st
	if c.isSelected(name) {
		return
	}
	messages := st.UIDValidity != prev.UIDValidity || st.UIDNext != prev.UIDNext || st.Messages != prev.Messages
	flags := st.Unseen != prev.Unseen || st.HighestModSeq != prev.HighestModSeq
	if messages && b.events&evMessageNew != 0 || flags && b.events&evFlagChange != 0 {
		c.writeNotifyStatus(name, st)
	}
}

// writeNotifyStatus writes the STATUS RFC 5465 asks for a mailbox other
// than the selected one: MESSAGES, UIDNEXT and UIDVALIDITY (§3.1, §5.2,
// §5.3), UNSEEN for flag changes, and HIGHESTMODSEQ once CONDSTORE is in
// use (§5.1).
func (c *conn) writeNotifyStatus(name string, st store.Status) {
	c.enc.Raw("* STATUS ").Mailbox(name).Raw(" (MESSAGES ").Number(uint64(st.Messages)).
		Raw(" UIDNEXT ").Number(uint64(st.UIDNext)).
		Raw(" UIDVALIDITY ").Number(uint64(st.UIDValidity)).
		Raw(" UNSEEN ").Number(uint64(st.Unseen))
	if c.condstore {
		c.enc.Raw(" HIGHESTMODSEQ ").Number(uint64(st.HighestModSeq))
	}
	c.enc.Raw(")\r\n")
}
