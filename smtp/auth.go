package smtp

import (
	"bytes"
	"encoding/base64"
	"errors"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/mailstack/mailstack/envelope"
	"github.com/mailstack/mailstack/internal/wire"
)

// maxSASLRounds bounds the challenges of one AUTH exchange; PLAIN needs
// one at most and LOGIN two.
const maxSASLRounds = 4

var (
	replyAuthOK          = envelope.NewReply(235, enh(2, 7, 0), "Authentication successful")
	replyAlreadyAuthed   = envelope.NewReply(503, enh(5, 5, 1), "Already authenticated")
	replyAuthInMail      = envelope.NewReply(503, enh(5, 5, 1), "AUTH not permitted during a mail transaction")
	replyAuthNeedsTLS    = envelope.NewReply(538, enh(5, 7, 11), "Encryption required for requested authentication mechanism")
	replyUnknownMech     = envelope.NewReply(504, enh(5, 5, 4), "Unrecognized authentication type")
	replyBadBase64       = envelope.NewReply(501, enh(5, 5, 2), "Cannot decode base64 response")
	replyAuthCancelled   = envelope.NewReply(501, enh(5, 0, 0), "Authentication cancelled")
	replyAuthLineTooLong = envelope.NewReply(500, enh(5, 5, 6), "Authentication exchange line is too long")
	replyBadSASL         = envelope.NewReply(501, enh(5, 5, 2), "Malformed authentication response")
)

// cmdAuth handles AUTH (RFC 4954 §4) with the PLAIN and LOGIN mechanisms.
func (c *conn) cmdAuth(arg []byte) {
	if r := c.authRefusal(); r != nil {
		c.fail(r)
		c.flush()
		return
	}
	mechName, ir, hasIR := bytes.Cut(arg, []byte(" "))
	var authenticated, called bool
	var authErr error
	var identity string
	check := func(id, user, pass string) error {
		called = true
		authErr = c.ext.auth.Auth(c.ctx, id, user, pass)
		if authErr == nil {
			identity = id
			if identity == "" {
				identity = user
			}
			authenticated = true
		}
		return authErr
	}
	var mech string
	var server sasl.Server
	switch {
	case bytes.EqualFold(mechName, []byte("PLAIN")):
		mech, server = "PLAIN", sasl.NewPlainServer(check)
	case bytes.EqualFold(mechName, []byte("LOGIN")):
		mech, server = "LOGIN", &loginServer{check: check}
	default:
		c.fail(replyUnknownMech)
		c.flush()
		return
	}
	var resp []byte
	if hasIR {
		// RFC 4954 §4: "=" is an empty initial response.
		var ok bool
		if resp, ok = decodeSASL(ir); !ok {
			c.fail(replyBadBase64)
			c.flush()
			return
		}
	}
	if !c.saslExchange(server, resp) {
		return
	}
	if !authenticated {
		c.authFailed(called, authErr)
		return
	}
	c.info.AuthIdentity, c.info.AuthMechanism = identity, mech
	c.reply(replyAuthOK)
	c.flush()
}

// authRefusal says why AUTH cannot start now, or returns nil.
func (c *conn) authRefusal() *envelope.Reply {
	switch {
	case c.ext.auth == nil:
		return envelope.ReplyNotImplemented
	case !c.greeted || !c.info.ESMTP:
		return replyNeedEhlo
	case c.info.Authenticated():
		return replyAlreadyAuthed // RFC 4954 §4
	case c.tx != nil:
		return replyAuthInMail // RFC 4954 §4
	case c.info.TLS == nil && !c.srv.AllowInsecureAuth:
		if c.srv.TLSConfig != nil {
			return envelope.ReplyTLSRequired // RFC 3207 §4
		}
		return replyAuthNeedsTLS // RFC 4954 §6
	}
	return nil
}

// decodeSASL decodes a base64 SASL response; "=" is the empty one.
func decodeSASL(b []byte) ([]byte, bool) {
	if len(b) == 1 && b[0] == '=' {
		return []byte{}, true
	}
	out := make([]byte, base64.StdEncoding.DecodedLen(len(b)))
	n, err := base64.StdEncoding.Decode(out, b)
	if err != nil {
		return nil, false
	}
	return out[:n], true
}

// saslExchange runs the challenge-response rounds. It reports false when
// it has already answered (a cancelled or broken exchange).
func (c *conn) saslExchange(server sasl.Server, resp []byte) bool {
	for round := 0; ; round++ {
		challenge, done, err := server.Next(resp)
		if err != nil || done {
			return true
		}
		if round == maxSASLRounds {
			c.fail(replyBadSASL)
			c.flush()
			return false
		}
		c.replyChallenge(challenge)
		line, err := c.readSASLLine()
		switch {
		case errors.Is(err, wire.ErrLineTooLong):
			c.fail(replyAuthLineTooLong)
			c.flush()
			return false
		case err != nil:
			c.readError(err)
			return false
		case len(line) == 1 && line[0] == '*':
			c.fail(replyAuthCancelled) // RFC 4954 §4
			c.flush()
			return false
		}
		var ok bool
		if resp, ok = decodeSASL(line); !ok {
			c.fail(replyBadBase64)
			c.flush()
			return false
		}
	}
}

// replyChallenge sends a server challenge, "334" SP [base64] (RFC 4954
// §4). It is written directly: envelope.Reply drops the space before an
// empty text, which the grammar requires here.
func (c *conn) replyChallenge(challenge []byte) {
	line := "334 " + base64.StdEncoding.EncodeToString(challenge)
	c.traceLine("S", line)
	if c.writeErr == nil {
		c.bw.WriteString(line)
		c.bw.WriteString("\r\n")
	}
	c.flush()
}

// readSASLLine reads one response line of an AUTH exchange.
func (c *conn) readSASLLine() ([]byte, error) {
	c.lr.Max = MaxAuthLineLength
	c.readTimeout = c.lim.command
	line, err := c.lr.ReadLine()
	if err == nil {
		c.traceSecret()
	}
	return line, err
}

// authFailed answers a failed authentication after the delay.
func (c *conn) authFailed(called bool, err error) {
	if !called {
		c.fail(replyBadSASL) // the response did not parse
		c.flush()
		return
	}
	var r *envelope.Reply
	if !errors.As(err, &r) || r == nil || !(r.Temporary() || r.Permanent()) {
		c.log.Error("smtp: authentication backend error", "err", err)
		r = envelope.ReplyTemporaryAuthFailure // RFC 4954 §6
	}
	if r.Permanent() {
		c.delayAuthFailure()
	}
	c.fail(r)
	c.flush()
}

// delayAuthFailure waits Server.AuthFailureDelay, or less if the session
// ends.
func (c *conn) delayAuthFailure() {
	d := c.srv.AuthFailureDelay
	if d == 0 {
		d = DefaultAuthFailureDelay
	}
	if d < 0 {
		return
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-c.ctx.Done():
	}
}

// loginServer is the server side of the LOGIN mechanism
// (draft-murchison-sasl-login): it asks for the user name, then the
// password. go-sasl provides only its client.
type loginServer struct {
	step     int
	username string
	check    func(identity, username, password string) error
}

var (
	loginUsername = []byte("Username:")
	loginPassword = []byte("Password:")
)

// Next implements sasl.Server.
func (s *loginServer) Next(resp []byte) (challenge []byte, done bool, err error) {
	switch s.step {
	case 0:
		s.step = 1
		if resp == nil {
			return loginUsername, false, nil
		}
		// An initial response carries the user name.
		fallthrough
	case 1:
		s.username = string(resp)
		s.step = 2
		return loginPassword, false, nil
	case 2:
		s.step = 3
		return nil, true, s.check("", s.username, string(resp))
	}
	return nil, true, sasl.ErrUnexpectedClientResponse
}
