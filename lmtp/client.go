package lmtp

import (
	"context"
	"fmt"
	"io"
	"net"

	"github.com/mailstack/mailstack/envelope"
	"github.com/mailstack/mailstack/smtp"
)

// Client is an LMTP client session (RFC 2033): the SMTP client of package
// smtp greeting with LHLO, with no HELO fallback, and reading one reply per
// accepted recipient after the message, so that each recipient's delivery
// succeeds or fails on its own. It is not safe for concurrent use.
//
// Send carries a whole transaction and returns each recipient's result;
// Mail, Rcpt and Data do it a step at a time, and the MessageWriter's
// Replies then hold the per-recipient replies.
//
// # Standards
//
//	RFC 2033  LMTP: LHLO, PIPELINING required of the server, one reply per
//	          recipient after DATA (§4.2)
//	RFC 3030  BDAT, when the server offers CHUNKING (one reply per
//	          recipient after BDAT LAST)
//
// and everything package smtp's Client implements.
type Client struct {
	c *smtp.Client
}

// lmtpConfig returns a copy of cfg in LMTP mode.
func lmtpConfig(cfg *smtp.ClientConfig) *smtp.ClientConfig {
	var c smtp.ClientConfig
	if cfg != nil {
		c = *cfg
	}
	c.LMTP = true
	return &c
}

// Dial connects to an LMTP server at addr on network ("tcp", with addr
// "host:port", or "unix", with addr a socket path, as Dovecot and Postfix
// usually listen). cfg may be nil; its LMTP field is set for you. The
// greeting and LHLO happen on first use or in Handshake.
func Dial(ctx context.Context, network, addr string, cfg *smtp.ClientConfig) (*Client, error) {
	cfg = lmtpConfig(cfg)
	if network == "tcp" || network == "tcp4" || network == "tcp6" {
		c, err := smtp.Dial(ctx, addr, cfg)
		if err != nil {
			return nil, err
		}
		return &Client{c: c}, nil
	}
	timeout := cfg.Timeouts.Connect
	if timeout <= 0 {
		timeout = smtp.DefaultClientConnectTimeout
	}
	dctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	dial := cfg.DialContext
	if dial == nil {
		dial = (&net.Dialer{}).DialContext
	}
	conn, err := dial(dctx, network, addr)
	if err != nil {
		return nil, fmt.Errorf("lmtp: dial %s %s: %w", network, addr, err)
	}
	return &Client{c: smtp.NewClient(conn, cfg)}, nil
}

// NewClient returns a Client speaking LMTP over conn. cfg may be nil.
func NewClient(conn net.Conn, cfg *smtp.ClientConfig) *Client {
	return &Client{c: smtp.NewClient(conn, lmtpConfig(cfg))}
}

// Handshake reads the greeting and sends LHLO (RFC 2033 §4.1), then
// STARTTLS and AUTH as the configuration says.
func (c *Client) Handshake(ctx context.Context) error { return c.c.Handshake(ctx) }

// Capabilities returns what the server announced in its reply to LHLO.
func (c *Client) Capabilities() smtp.Capabilities { return c.c.Capabilities() }

// Send carries one transaction and returns one result per recipient, in
// order, duplicates included: a refused RCPT, or the recipient's own reply
// after the message (RFC 2033 §4.2). The error is nil when at least one
// recipient got the message. See smtp.Client.Send.
func (c *Client) Send(ctx context.Context, from envelope.Path, rcpts []envelope.Path, msg io.Reader, opts *smtp.SendOptions) ([]smtp.RcptResult, error) {
	return c.c.Send(ctx, from, rcpts, msg, opts)
}

// Mail sends MAIL FROM; see smtp.Client.Mail.
func (c *Client) Mail(ctx context.Context, from envelope.Path, p *envelope.MailParams) error {
	return c.c.Mail(ctx, from, p)
}

// Rcpt sends RCPT TO; see smtp.Client.Rcpt.
func (c *Client) Rcpt(ctx context.Context, to envelope.Path, p *envelope.RcptParams) error {
	return c.c.Rcpt(ctx, to, p)
}

// Data starts the message. After the writer's Close, its Replies hold one
// reply per accepted recipient, in the order they were accepted; Close
// itself returns nil once they were all read.
func (c *Client) Data(ctx context.Context) (*smtp.MessageWriter, error) { return c.c.Data(ctx) }

// Reset sends RSET.
func (c *Client) Reset(ctx context.Context) error { return c.c.Reset(ctx) }

// Noop sends NOOP.
func (c *Client) Noop(ctx context.Context) error { return c.c.Noop(ctx) }

// Quit sends QUIT and closes the connection.
func (c *Client) Quit(ctx context.Context) error { return c.c.Quit(ctx) }

// Close closes the connection without QUIT.
func (c *Client) Close() error { return c.c.Close() }
