package pop3

import (
	"context"
	"encoding/base64"
	"errors"
	"strings"

	"github.com/emersion/go-sasl"

	"github.com/mailstack/mailstack/internal/wire"
)

// maxSASLSteps bounds the challenges of one AUTH exchange.
const maxSASLSteps = 10

// mechanisms lists the SASL mechanisms offered, in CAPA and AUTH order.
var mechanisms = []string{"PLAIN", "LOGIN"}

// cmdAUTH is RFC 5034 AUTH, with an initial response ("=" for an empty
// one, §4). Without arguments it lists the mechanisms, as Dovecot and most
// servers do (the older RFC 1734 usage clients still probe with).
func (c *conn) cmdAUTH(cmd command) {
	if len(cmd.args) == 0 {
		c.ok("list of SASL mechanisms follows")
		if c.plaintextAllowed() {
			for _, m := range mechanisms {
				c.writeLine(m)
			}
		}
		c.writeLine(".")
		return
	}
	if len(cmd.args) > 2 {
		c.protocolError("usage: AUTH mechanism [initial-response]")
		return
	}
	if !c.plaintextAllowed() {
		c.err(errInsecure)
		return
	}
	var (
		user       string
		backendErr error
		md         *Maildrop
	)
	check := func(username, password string) error {
		user = username
		ctx, cancel := c.context()
		defer cancel()
		md, backendErr = c.srv.Backend.Login(ctx, c.connInfo(), username, password)
		return backendErr
	}
	var srv sasl.Server
	switch strings.ToUpper(cmd.args[0]) {
	case "PLAIN":
		srv = sasl.NewPlainServer(func(identity, username, password string) error {
			if identity != "" && identity != username {
				// No proxy authorization: an identity other than the
				// user's own is refused.
				user = username
				backendErr = ErrAuthFailed
				return backendErr
			}
			return check(username, password)
		})
	case "LOGIN":
		srv = &loginServer{auth: check}
	default:
		c.protocolError("unsupported authentication mechanism")
		return
	}
	if err := c.saslExchange(srv, cmd.args[1:]); err != nil {
		if backendErr == nil && !errors.Is(err, errSASLCancelled) {
			err = &Error{Code: "AUTH", Text: "invalid SASL exchange"}
		}
		c.authFailed(user, err)
		return
	}
	c.login(user, func(context.Context) (*Maildrop, error) { return md, nil })
}

// errSASLCancelled reports a client's "*" (RFC 5034 §4).
var errSASLCancelled = &Error{Code: "AUTH", Text: "authentication cancelled"}

// saslExchange runs srv to completion: ir holds the initial response, if
// any. Challenges go out as "+ base64" lines and responses come back one a
// line (RFC 5034 §4).
func (c *conn) saslExchange(srv sasl.Server, ir []string) error {
	var resp []byte
	if len(ir) == 1 {
		resp = []byte{}
		if ir[0] != "=" {
			var err error
			if resp, err = base64.StdEncoding.DecodeString(ir[0]); err != nil {
				return err
			}
		}
	}
	for step := 0; ; step++ {
		chal, done, err := srv.Next(resp)
		if err != nil || done {
			return err
		}
		if step >= maxSASLSteps {
			return errors.New("pop3: too many SASL steps")
		}
		c.writeLine("+ " + base64.StdEncoding.EncodeToString(chal))
		if resp, err = c.readSASLResponse(); err != nil {
			return err
		}
	}
}

// readSASLResponse reads one client response of a SASL exchange, with the
// longer limit SASL needs.
func (c *conn) readSASLResponse() ([]byte, error) {
	if err := c.bw.Flush(); err != nil {
		c.done = true
		return nil, err
	}
	c.lr.Max = orDefault(c.srv.MaxAuthLineLength, DefaultMaxAuthLineLength)
	defer func() { c.lr.Max = orDefault(c.srv.MaxLineLength, DefaultMaxLineLength) }()
	line, err, ok := c.readCommand()
	if !ok {
		c.done = true
		return nil, errSASLCancelled
	}
	if err != nil {
		if !errors.Is(err, wire.ErrLineTooLong) {
			c.done = true // the stream is out of step
		}
		return nil, err
	}
	c.trace("C: <redacted>")
	if string(line) == "*" {
		return nil, errSASLCancelled
	}
	return base64.StdEncoding.DecodeString(string(line))
}

// loginServer is the server side of the LOGIN mechanism
// (draft-murchison-sasl-login), which go-sasl provides only as a client.
// The client may send the user name as the initial response.
type loginServer struct {
	auth func(username, password string) error
	step int
	user string
}

// Next implements sasl.Server.
func (l *loginServer) Next(resp []byte) (challenge []byte, done bool, err error) {
	switch l.step {
	case 0:
		l.step = 1
		if len(resp) == 0 {
			return []byte("Username:"), false, nil
		}
		fallthrough
	case 1:
		l.user = string(resp)
		l.step = 2
		return []byte("Password:"), false, nil
	default:
		return nil, true, l.auth(l.user, string(resp))
	}
}
