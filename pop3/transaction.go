package pop3

import (
	"errors"
	"fmt"
	"strconv"

	"github.com/mailstack/mailstack/store"
)

// errNoSuchMessage answers a message number that does not exist or is
// marked deleted (RFC 1939 §5).
var errNoSuchMessage = &Error{Text: "no such message"}

// msgArg parses the single message-number argument of LIST, UIDL, RETR
// and DELE; ok is false after answering a bad one.
func (c *conn) msgArg(cmd command) (int, *message, bool) {
	if len(cmd.args) != 1 {
		c.protocolError("usage: " + cmd.name + " msg")
		return 0, nil, false
	}
	n, ok := parseNumber(cmd.args[0])
	if !ok {
		c.protocolError("invalid message number")
		return 0, nil, false
	}
	msg, ok := c.md.get(n)
	if !ok {
		c.err(errNoSuchMessage)
		return 0, nil, false
	}
	return n, msg, true
}

// storeError answers a store failure during a command.
func (c *conn) storeError(err error) {
	if errors.Is(err, store.ErrNoSuchMessage) {
		// Expunged by another program (an IMAP client) since login.
		c.err(&Error{Text: "message was removed by another session"})
		return
	}
	c.log.Warn("pop3: store error", "err", err)
	c.err(ErrSysTemp)
}

// cmdSTAT is RFC 1939 §5 STAT.
func (c *conn) cmdSTAT(cmd command) {
	if len(cmd.args) != 0 {
		c.protocolError("usage: STAT")
		return
	}
	ctx, cancel := c.context()
	defer cancel()
	n, size, err := c.md.totals(ctx)
	if err != nil {
		c.storeError(err)
		return
	}
	c.ok(fmt.Sprintf("%d %d", n, size))
}

// cmdLIST is RFC 1939 §5 LIST [msg].
func (c *conn) cmdLIST(cmd command) {
	ctx, cancel := c.context()
	defer cancel()
	if len(cmd.args) > 0 {
		n, msg, ok := c.msgArg(cmd)
		if !ok {
			return
		}
		size, err := c.md.size(ctx, msg)
		if err != nil {
			c.storeError(err)
			return
		}
		c.ok(fmt.Sprintf("%d %d", n, size))
		return
	}
	count, total, err := c.md.totals(ctx)
	if err != nil {
		c.storeError(err)
		return
	}
	c.ok(fmt.Sprintf("%d messages (%d octets)", count, total))
	for i := range c.md.msgs {
		if m := &c.md.msgs[i]; !m.deleted {
			c.writeLine(strconv.Itoa(i+1) + " " + strconv.FormatInt(m.size, 10))
		}
	}
	c.writeLine(".")
}

// cmdUIDL is RFC 1939 §7 UIDL [msg].
func (c *conn) cmdUIDL(cmd command) {
	if len(cmd.args) > 0 {
		n, msg, ok := c.msgArg(cmd)
		if ok {
			c.ok(strconv.Itoa(n) + " " + c.srv.uidl(c.md.uidValidity, msg.uid))
		}
		return
	}
	c.ok("unique-id listing follows")
	for i, m := range c.md.msgs {
		if !m.deleted {
			c.writeLine(strconv.Itoa(i+1) + " " + c.srv.uidl(c.md.uidValidity, m.uid))
		}
	}
	c.writeLine(".")
}

// cmdDELE is RFC 1939 §5 DELE: the message is only marked; QUIT removes it.
func (c *conn) cmdDELE(cmd command) {
	n, msg, ok := c.msgArg(cmd)
	if !ok {
		return
	}
	msg.deleted = true
	c.ok(fmt.Sprintf("message %d deleted", n))
}

// cmdRSET is RFC 1939 §5 RSET: unmark every deleted message.
func (c *conn) cmdRSET(cmd command) {
	if len(cmd.args) != 0 {
		c.protocolError("usage: RSET")
		return
	}
	for i := range c.md.msgs {
		c.md.msgs[i].deleted = false
	}
	c.ok(fmt.Sprintf("maildrop has %d messages", len(c.md.msgs)))
}

// cmdNOOP is RFC 1939 §5 NOOP.
func (c *conn) cmdNOOP(cmd command) {
	c.ok("")
}
