package imap

import (
	"context"
	"crypto/tls"
	"encoding/base64"
	"errors"
	"time"

	"github.com/emersion/go-sasl"
)

// LOGIN, RFC 9051 §6.2.3.
func cmdLogin(c *conn, cmd *command) error {
	var user, pass string
	if !c.dec.ExpectSP() || !c.dec.ExpectAString(&user) || !c.dec.ExpectSP() ||
		!c.dec.ExpectAString(&pass) || !c.endArgs() {
		return nil
	}
	if !c.authAllowed() {
		return no("PRIVACYREQUIRED", "LOGIN is disabled before STARTTLS")
	}
	return c.login(cmd, user, pass)
}

// login checks credentials and, if they pass, opens the user's store.
func (c *conn) login(cmd *command, user, pass string) error {
	if c.srv.Auth == nil {
		return c.authFailed(ErrAuthFailed)
	}
	if err := c.srv.Auth.Authenticate(c.ctx, user, pass); err != nil {
		return c.authFailed(err)
	}
	st, err := c.srv.Backend.Open(c.ctx, user)
	if err != nil {
		c.log.Warn("opening the store failed", "user", user, "err", err)
		return no("UNAVAILABLE", "Mailbox storage unavailable")
	}
	c.user, c.st, c.state = user, st, stateAuth
	c.log.Info("authenticated", "user", user)
	c.enc.Raw(cmd.tag).Raw(" OK [CAPABILITY ")
	c.writeCaps()
	c.enc.Raw("] Logged in\r\n")
	cmd.replied = true
	return nil
}

// authFailed delays the answer to a failed login and counts failures.
func (c *conn) authFailed(err error) error {
	c.fails++
	if d := c.srv.AuthFailureDelay; d >= 0 {
		if d == 0 {
			d = time.Second
		}
		select {
		case <-time.After(d):
		case <-c.ctx.Done():
		case <-c.srv.group.Done():
		}
	}
	c.log.Info("authentication failed", "err", err)
	if c.fails >= orInt(c.srv.MaxAuthFailures, 3) {
		c.bye("Too many authentication failures")
		return nil
	}
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	if errors.Is(err, context.Canceled) {
		return ErrAuthFailed
	}
	return no("UNAVAILABLE", "Authentication temporarily unavailable")
}

// AUTHENTICATE, RFC 9051 §6.2.2, with SASL-IR (RFC 4959) and PLAIN
// (RFC 4616).
func cmdAuthenticate(c *conn, cmd *command) error {
	var mech, ir string
	hasIR := false
	if !c.dec.ExpectSP() || !c.dec.ExpectAtom(&mech) {
		return nil
	}
	if c.dec.SP() {
		hasIR = true
		if !c.dec.ExpectAString(&ir) {
			return nil
		}
	}
	if !c.endArgs() {
		return nil
	}
	if !c.authAllowed() {
		return no("PRIVACYREQUIRED", "Authentication is disabled before STARTTLS")
	}
	if !equalFold(mech, "PLAIN") {
		return no("CANNOT", "Unsupported mechanism")
	}
	var user, pass string
	var authErr error
	srv := sasl.NewPlainServer(func(identity, username, password string) error {
		if identity != "" && identity != username {
			return errors.New("proxy authorization not supported")
		}
		user, pass = username, password
		return nil
	})
	resp, err := c.saslResponse(hasIR, ir)
	for err == nil {
		var challenge []byte
		var done bool
		challenge, done, authErr = srv.Next(resp)
		if authErr != nil || done {
			break
		}
		c.enc.Raw("+ " + base64.StdEncoding.EncodeToString(challenge) + "\r\n")
		resp, err = c.saslResponse(false, "")
	}
	if err != nil {
		return err
	}
	if authErr != nil {
		return c.authFailed(ErrAuthFailed)
	}
	return c.login(cmd, user, pass)
}

// saslResponse returns the client's next SASL response: the initial
// response when given ("=" is empty, RFC 4959 §3), else a line read after
// an empty challenge. "*" cancels (RFC 9051 §6.2.2).
func (c *conn) saslResponse(hasIR bool, ir string) ([]byte, error) {
	if !hasIR {
		c.enc.Raw("+ \r\n")
		if err := c.enc.Flush(); err != nil {
			return nil, err
		}
		c.trace.secret(true)
		defer c.trace.secret(false)
		if !c.dec.ExpectLine(&ir) {
			return nil, nil // the decoder error is reported by run
		}
	}
	switch ir {
	case "*":
		return nil, bad("", "AUTHENTICATE cancelled")
	case "=":
		return []byte{}, nil
	}
	b, err := base64.StdEncoding.DecodeString(ir)
	if err != nil {
		return nil, bad("", "Invalid base64")
	}
	return b, nil
}

// STARTTLS, RFC 9051 §6.2.1. Bytes the client sent after the command,
// before the handshake, would be plaintext injected into the TLS session:
// the connection is closed instead (RFC 9051 §11.1, CVE-2011-0411 class).
func cmdStartTLS(c *conn, cmd *command) error {
	if !c.endArgs() {
		return nil
	}
	if c.srv.TLSConfig == nil || c.isTLS {
		return no("", "STARTTLS not available")
	}
	if c.br.Buffered() > 0 {
		c.bye("Plaintext after STARTTLS refused")
		return nil
	}
	c.reply(cmd.tag, &Error{Type: "OK", Text: "Begin TLS negotiation now"})
	cmd.replied = true
	if err := c.enc.Flush(); err != nil {
		c.state = stateLogout
		return nil
	}
	tc := tls.Server(c.nc, c.srv.TLSConfig)
	ctx, cancel := context.WithTimeout(c.ctx, time.Minute)
	defer cancel()
	if err := tc.HandshakeContext(ctx); err != nil {
		c.log.Info("TLS handshake failed", "err", err)
		c.state = stateLogout
		return nil
	}
	c.isTLS = true
	c.setupIO(tc)
	return nil
}
