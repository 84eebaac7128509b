package imap

import (
	"cmp"
	"slices"

	"github.com/mailstack/mailstack/store"
)

// RFC 5465 §1: with NOTIFY the server sends events "even when no command
// is in progress". A session without NOTIFY waits for its next command
// as awaitInput does: holding no buffers, blocked in a one-byte read. A
// NOTIFY session runs that same awaitInput in a goroutine, as IDLE does,
// while the session's goroutine waits for store and hub events and
// writes their responses: it stays the only writer, and the reader
// goroutine touches nothing but the read side until it is done.

// awaitCommand waits for the client's next command; with NOTIFY active
// it sends notifications meanwhile. False means the session is over.
func (c *conn) awaitCommand() bool {
	if c.notify == nil {
		c.awaitInput()
		return true
	}
	// What came in while the last command ran.
	select {
	case <-c.notify.wake:
		c.setWriteDeadline()
		c.notifyPending()
	default:
	}
	if c.state == stateLogout || c.enc.Release() != nil {
		return false
	}
	if c.br != nil && c.br.Buffered() > 0 {
		return true // pipelined: the command is here already
	}
	done := make(chan struct{})
	go func() {
		// The read deadline set by readCommand, or Shutdown's, ends it.
		c.awaitInput()
		close(done)
	}()
	for {
		watch, wake := c.eventChans()
		select {
		case <-done:
			return c.state != stateLogout
		case <-watch:
			c.setWriteDeadline()
			if err := c.selectedChanged(false); err != nil {
				c.log.Warn("NOTIFY poll failed", "err", err)
			}
		case <-wake:
			c.setWriteDeadline()
			c.notifyPending()
		}
		if c.state == stateLogout || c.enc.Release() != nil {
			// Closing unblocks the reader.
			c.state = stateLogout
			c.nc.Close()
			<-done
			return false
		}
	}
}

// eventChans returns what a waiting session listens to besides the
// client: the selected mailbox's Watch, unless NOTIFY asked for no
// events from it (RFC 5465 §3.1: no SELECTED group is SELECTED NONE),
// and the NOTIFY wake-up.
func (c *conn) eventChans() (watch, wake <-chan struct{}) {
	if c.sel != nil && (c.notify == nil || c.notify.spec.sel != 0) {
		watch = c.sel.watch
	}
	if c.notify != nil {
		wake = c.notify.wake
	}
	return watch, wake
}

// selectedChanged reports the selected mailbox's changes: as IDLE always
// did without NOTIFY, and as the SELECTED group asks with it. Between
// commands (idle false) SELECTED-DELAYED holds EXPUNGE back (RFC 5465
// §6.1.2); IDLE allows it (RFC 9051 §6.3.13).
func (c *conn) selectedChanged(idle bool) error {
	if c.notify == nil {
		return c.sel.poll(c, true)
	}
	spec, v := c.notify.spec, c.sel
	top := v.maxUID()
	v.holdFlags = spec.sel&evFlagChange == 0
	err := v.poll(c, idle || !spec.delayed)
	v.holdFlags = false
	if err != nil || c.state == stateLogout {
		return err
	}
	return c.fetchNew(top)
}

// pollAfter is the poll that ends a command (RFC 9051 §7.5.1), followed
// with NOTIFY by the FETCH that MessageNew asks for (RFC 5465 §5.2) for
// messages that came meanwhile; not after APPEND, COPY or MOVE, whose
// new messages are the client's own (§5.2: it SHOULD NOT be sent).
func (c *conn) pollAfter(cmd *command, allowExpunge bool) error {
	if c.notify == nil || len(c.notify.spec.fetch) == 0 ||
		cmd.name == "APPEND" || cmd.name == "COPY" || cmd.name == "MOVE" {
		return c.sel.poll(c, allowExpunge)
	}
	top := c.sel.maxUID()
	if err := c.sel.poll(c, allowExpunge); err != nil || c.state == stateLogout {
		return err
	}
	if err := c.fetchNew(top); err != nil {
		// Not the command's failure: the FETCH of a message that
		// cannot be answered (BINARY of an unknown encoding) is left
		// out, as between commands.
		c.log.Warn("NOTIFY fetch failed", "err", err)
	}
	return nil
}

// fetchNew sends, after their EXISTS, the FETCH of MessageNew's
// fetch-atts for the selected mailbox's messages above UID top (RFC 5465
// §5.2).
func (c *conn) fetchNew(top store.UID) error {
	items := c.notify.spec.fetch
	if len(items) == 0 {
		return nil
	}
	v := c.sel
	first, _ := v.uids.Search(top + 1)
	var idx []int
	for i := first; i < v.uids.Len(); i++ {
		idx = append(idx, i)
	}
	return c.fetch(idx, items, true)
}

// notifyPending delivers what the hub and the watched mailboxes left
// pending.
func (c *conn) notifyPending() {
	ns := c.notify
	events, dirty, overflow := ns.take()
	if !overflow && len(events) > 0 {
		if err := c.mailboxEvents(events); err == errNotifyOverflow {
			overflow = true
		} else if err != nil {
			c.log.Warn("NOTIFY mailbox event failed", "err", err)
		}
	}
	if overflow {
		c.notifyOverflow()
		return
	}
	for _, name := range dirty {
		if b := ns.boxes[name]; b != nil {
			c.boxChanged(name, b)
		}
	}
}

// heldFlagChanges implements FlagChange's absence for the selected
// mailbox (RFC 5465 §5.1): a poll made for a NOTIFY event while
// holdFlags is set keeps flag changes for the next poll, made for a
// command, which reports them with their flags as they are then. What is
// held is bounded by the view's size.
func (v *view) heldFlagChanges(c *conn, changed []store.MessageInfo) []store.MessageInfo {
	if v.holdFlags {
		for _, m := range changed {
			if i, found := slices.BinarySearch(v.heldFlags, m.UID); !found {
				v.heldFlags = slices.Insert(v.heldFlags, i, m.UID)
			}
		}
		return nil
	}
	if len(v.heldFlags) == 0 {
		return changed
	}
	var set store.UIDSet
	for _, u := range v.heldFlags {
		if _, found := slices.BinarySearchFunc(changed, u, byUID); !found {
			set = append(set, store.UIDRange{Start: u, Stop: u})
		}
	}
	if len(set) > 0 {
		infos, err := v.mb.List(c.ctx, set)
		if err != nil {
			return changed // held until a later poll
		}
		for _, m := range infos {
			if v.seq(m.UID) > 0 && !v.isExpunged(m.UID) {
				changed = append(changed, m)
			}
		}
		slices.SortFunc(changed, func(a, b store.MessageInfo) int { return cmp.Compare(a.UID, b.UID) })
	}
	v.heldFlags = v.heldFlags[:0]
	return changed
}

// byUID compares a message with a UID, for searches in lists ascending by
// UID (store.Changes.Updated).
func byUID(m store.MessageInfo, u store.UID) int { return cmp.Compare(m.UID, u) }

// notifyOverflow ends NOTIFY when there is more than it may keep up
// with, and says so (RFC 5465 §5.8: then behave as after NOTIFY NONE).
func (c *conn) notifyOverflow() {
	c.enc.Raw("* OK [NOTIFICATIONOVERFLOW] Too many notifications; NOTIFY is off\r\n")
	c.stopNotify()
}
