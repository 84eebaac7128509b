package pop3

import (
	"fmt"
	"strings"
)

// capabilities returns the CAPA lines for the session's state (RFC 2449
// §5): what a client may use now, and in the TRANSACTION state what it
// may use there.
func (c *conn) capabilities() []string {
	caps := []string{"TOP", "UIDL", "RESP-CODES", "AUTH-RESP-CODE", "PIPELINING"}
	if c.md == nil {
		if c.plaintextAllowed() {
			caps = append(caps, "USER", "SASL "+strings.Join(mechanisms, " "))
		}
		if c.srv.TLSConfig != nil && c.tlsState == nil {
			caps = append(caps, "STLS")
		}
		caps = append(caps, "UTF8 USER") // RFC 6856 §2
	}
	if c.srv.Expire != "" {
		caps = append(caps, "EXPIRE "+c.srv.Expire)
	}
	if d := c.srv.LoginDelay; d > 0 {
		caps = append(caps, fmt.Sprintf("LOGIN-DELAY %d", int64(d.Seconds())))
	}
	if c.srv.Implementation != "" {
		caps = append(caps, "IMPLEMENTATION "+c.srv.Implementation)
	}
	return caps
}

// cmdCAPA is RFC 2449 §5 CAPA.
func (c *conn) cmdCAPA(command) {
	c.ok("capability list follows")
	for _, s := range c.capabilities() {
		c.writeLine(s)
	}
	c.writeLine(".")
}

// cmdSTLS is RFC 2595 §4 STLS.
func (c *conn) cmdSTLS(command) {
	switch {
	case c.srv.TLSConfig == nil:
		c.protocolError("STLS not available")
		return
	case c.tlsState != nil:
		c.protocolError("TLS already active")
		return
	}
	// Anything the client sent after STLS was sent in plaintext and
	// could have been injected by an attacker (the STARTTLS command
	// injection of CVE-2011-0411): drop it unread.
	if n := c.lr.Buffered(); n > 0 {
		c.lr.Reader().Discard(n)
		c.log.Info("pop3: discarded data pipelined after STLS", "octets", n)
	}
	c.ok("begin TLS negotiation")
	if c.bw.Flush() != nil {
		c.done = true
		return
	}
	if err := c.handshake(); err != nil {
		c.log.Info("pop3: STLS handshake failed", "err", err)
		c.done = true
		return
	}
	c.setStream()
	// RFC 2595 §4: the session starts afresh, forgetting USER.
	c.user = ""
}

// cmdUTF8 is RFC 6856 §3 UTF8. Messages are sent as stored in either
// mode: the server does not downgrade them.
func (c *conn) cmdUTF8(command) {
	c.utf8 = true
	c.ok("UTF8 enabled")
}

// cmdQUIT is RFC 1939 §5 and §6 QUIT: in the TRANSACTION state it enters
// the UPDATE state and removes the deleted messages.
func (c *conn) cmdQUIT(command) {
	c.done = true
	if c.md == nil {
		c.ok("bye")
		return
	}
	ctx, cancel := c.context()
	defer cancel()
	err := c.md.update(ctx, c.srv.NoFlagUpdates)
	// Unlock before answering, so the client may log in again at once.
	c.md.release()
	c.md = nil
	if err != nil {
		c.log.Warn("pop3: update failed", "err", err)
		c.err(&Error{Code: "SYS/TEMP", Text: "some deleted messages not removed"})
		return
	}
	c.ok("bye")
}
