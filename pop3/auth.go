package pop3

import (
	"context"
	"fmt"
	"strings"
)

// errInsecure refuses a password on a connection without TLS (RFC 2595
// §6), with the code Dovecot uses.
var errInsecure = &Error{Code: "AUTH", Text: "plaintext authentication disallowed on non-secure connections; use STLS"}

// plaintextAllowed reports whether passwords may be sent on this
// connection: it has TLS, or the server allows insecure authentication.
func (c *conn) plaintextAllowed() bool {
	return c.tlsState != nil || c.srv.AllowInsecureAuth
}

// cmdUSER is RFC 1939 §7 USER. The name is the rest of the line, so it may
// hold spaces, and UTF-8 (RFC 6856 §2 "UTF8 USER").
func (c *conn) cmdUSER(cmd command) {
	if !c.plaintextAllowed() {
		c.err(errInsecure)
		return
	}
	if strings.TrimSpace(cmd.rest) == "" {
		c.protocolError("USER needs a name")
		return
	}
	c.user = cmd.rest
	c.ok("send PASS")
}

// cmdPASS is RFC 1939 §7 PASS: the password is the rest of the line,
// spaces included, as §7 allows.
func (c *conn) cmdPASS(cmd command) {
	if !c.plaintextAllowed() {
		c.err(errInsecure)
		return
	}
	if c.user == "" {
		c.protocolError("send USER first")
		return
	}
	user, pass := c.user, cmd.rest
	c.user = ""
	c.login(user, func(ctx context.Context) (*Maildrop, error) {
		return c.srv.Backend.Login(ctx, c.connInfo(), user, pass)
	})
}

// cmdAPOP is RFC 1939 §7 APOP name digest.
func (c *conn) cmdAPOP(cmd command) {
	ab, ok := c.srv.Backend.(APOPBackend)
	if !ok || c.timestamp == "" {
		c.protocolError("APOP not available")
		return
	}
	if len(cmd.args) != 2 || len(cmd.args[1]) != 32 {
		c.protocolError("usage: APOP name digest")
		return
	}
	user, digest := cmd.args[0], cmd.args[1]
	c.user = ""
	c.login(user, func(ctx context.Context) (*Maildrop, error) {
		return ab.APOPLogin(ctx, c.connInfo(), user, c.timestamp, digest)
	})
}

// login runs an authentication and, when it succeeds, locks and opens the
// maildrop and enters the TRANSACTION state (RFC 1939 §4).
func (c *conn) login(user string, auth func(ctx context.Context) (*Maildrop, error)) {
	ctx, cancel := c.context()
	defer cancel()
	md, err := auth(ctx)
	if err != nil {
		c.authFailed(user, err)
		return
	}
	m, err := c.srv.openMaildrop(ctx, md, user)
	if err != nil {
		e := backendError(err)
		c.log.Info("pop3: maildrop not opened", "user", user, "err", err)
		// RFC 1939 §7: the server stays in the AUTHORIZATION state.
		c.err(e)
		return
	}
	c.md = m
	c.log.Info("pop3: login", "user", user, "messages", len(m.msgs))
	c.ok(fmt.Sprintf("maildrop locked and ready, %d messages", len(m.msgs)))
}

// authFailed answers a failed login and ends the session after
// MaxAuthFailures.
func (c *conn) authFailed(user string, err error) {
	c.log.Info("pop3: login failed", "user", user, "err", err)
	c.err(backendError(err))
	c.nAuthFail++
	if c.nAuthFail >= orDefault(c.srv.MaxAuthFailures, DefaultMaxAuthFailures) {
		c.err(&Error{Code: "AUTH", Text: "too many failed logins, closing"})
		c.done = true
	}
}

// context returns a context for a backend call, bounded by the idle
// timeout and ended by Close.
func (c *conn) context() (context.Context, context.CancelFunc) {
	return context.WithTimeout(c.srv.baseContext(), orDefault(c.srv.IdleTimeout, DefaultIdleTimeout))
}
