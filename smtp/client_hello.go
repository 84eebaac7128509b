package smtp

import (
	"context"
	"crypto/tls"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"

	"github.com/emersion/go-sasl"
	"github.com/mailstack/mailstack/envelope"
)

// clientMaxAuthSteps bounds the challenges of one AUTH exchange, so that a
// hostile server cannot keep the client answering forever.
const clientMaxAuthSteps = 16

// Handshake reads the greeting, greets the server with EHLO (HELO if the
// server does not know EHLO; LHLO in LMTP), starts TLS as the TLSPolicy
// says, and authenticates when ClientConfig.Auth is set. Other methods
// call it on first use; calling it again does nothing.
func (c *Client) Handshake(ctx context.Context) error {
	if c.err != nil {
		return c.err
	}
	if c.handshaken {
		return nil
	}
	if err := c.readGreeting(ctx); err != nil {
		return err
	}
	if err := c.hello(ctx); err != nil {
		return err
	}
	if err := c.policyTLS(ctx); err != nil {
		return err
	}
	if c.cfg.Auth != nil {
		if err := c.Auth(ctx, c.cfg.Auth); err != nil {
			return err
		}
	}
	c.handshaken = true
	return nil
}

// readGreeting reads the 220 (RFC 5321 §3.1, §4.5.3.2.1).
func (c *Client) readGreeting(ctx context.Context) error {
	end := c.begin(ctx, c.cfg.Timeouts.Greeting)
	r, err := c.readReply(ctx, "greeting")
	end()
	if err != nil {
		return err
	}
	c.greeting = r
	if r.Code != 220 {
		// RFC 5321 §3.1: after a 554 greeting the client should QUIT.
		if c.err == nil {
			c.simple(ctx, "QUIT", "QUIT", c.cfg.Timeouts.Command)
		}
		c.Close()
		return &CommandError{Command: "greeting", Reply: r}
	}
	return nil
}

// hello sends EHLO, falling back to HELO when the server refuses EHLO with
// a permanent error (RFC 5321 §3.2), or LHLO in LMTP (RFC 2033 §4.1).
func (c *Client) hello(ctx context.Context) error {
	verb := "EHLO"
	if c.cfg.LMTP {
		verb = "LHLO"
	}
	r, err := c.roundTrip(ctx, verb, verb+" "+c.cfg.LocalName, c.cfg.Timeouts.Command)
	if err != nil {
		return err
	}
	if r.Positive() {
		c.esmtp = true
		c.caps = ParseCapabilities(r)
		return nil
	}
	if !r.Permanent() || c.cfg.LMTP || c.err != nil {
		return &CommandError{Command: verb, Reply: r}
	}
	c.esmtp = false
	c.caps = Capabilities{}
	_, err = c.simple(ctx, "HELO", "HELO "+c.cfg.LocalName, c.cfg.Timeouts.Command)
	return err
}

// policyTLS applies the TLSPolicy after the first EHLO.
func (c *Client) policyTLS(ctx context.Context) error {
	if c.tlsOn || c.cfg.TLSPolicy == TLSDisabled {
		return nil
	}
	if !c.caps.StartTLS {
		if c.cfg.TLSPolicy == TLSRequired {
			return clientLocalError("STARTTLS", clientReplyNoTLS)
		}
		return nil
	}
	err := c.StartTLS(ctx)
	var ce *CommandError
	if errors.As(err, &ce) && !ce.Local && c.err == nil && c.cfg.TLSPolicy == TLSOpportunistic {
		// RFC 3207 §4: the server may refuse; opportunistic goes on.
		return nil
	}
	return err
}

// StartTLS sends STARTTLS, performs the TLS handshake and greets the server
// again, forgetting everything learnt before (RFC 3207 §4.2). Octets the
// server sent after its 220 and before the handshake fail the session
// with ErrInjectedPlaintext. Handshake calls it as the TLSPolicy says.
func (c *Client) StartTLS(ctx context.Context) error {
	if c.err != nil {
		return c.err
	}
	if c.tlsOn {
		return fmt.Errorf("%w: TLS already in effect", ErrClientBadSequence)
	}
	r, err := c.roundTrip(ctx, "STARTTLS", "STARTTLS", c.cfg.Timeouts.Command)
	if err != nil {
		return err
	}
	if r.Code != 220 {
		return &CommandError{Command: "STARTTLS", Reply: r}
	}
	// RFC 3207 §4.2 and CVE-2011-1575: anything already buffered was
	// sent before TLS and must not be taken for a protected reply.
	if c.br.Buffered() > 0 {
		return c.fail(ctx, "STARTTLS", ErrInjectedPlaintext)
	}
	tconn := tls.Client(c.conn, c.tlsConfig())
	end := c.begin(ctx, c.cfg.Timeouts.Command)
	err = tconn.HandshakeContext(ctx)
	end()
	if err != nil {
		return c.fail(ctx, "STARTTLS", fmt.Errorf("%w: %w", ErrTLSHandshake, err))
	}
	c.setConn(tconn)
	c.tlsOn = true
	if c.cfg.Logger != nil {
		st := tconn.ConnectionState()
		c.cfg.Logger.Debug("smtp client: TLS started", slog.String("version", tls.VersionName(st.Version)),
			slog.String("cipher", tls.CipherSuiteName(st.CipherSuite)))
	}
	c.caps, c.esmtp = Capabilities{}, false
	return c.hello(ctx)
}

// Auth authenticates with the SASL client a (RFC 4954 §4). The mechanism
// must be one the server offers. Over a connection without TLS to a host
// that is not on loopback it is refused locally unless
// ClientConfig.AllowInsecureAuth is set. Handshake calls it when
// ClientConfig.Auth is set.
func (c *Client) Auth(ctx context.Context, a sasl.Client) error {
	if c.err != nil {
		return c.err
	}
	if !c.tlsOn && !c.cfg.AllowInsecureAuth && !clientIsLoopback(c.conn.RemoteAddr()) {
		return clientLocalError("AUTH", clientReplyInsecureAuth)
	}
	mech, ir, err := a.Start()
	if err != nil {
		return fmt.Errorf("smtp: AUTH: %w", err)
	}
	if !c.caps.HasAuth(mech) {
		return clientLocalError("AUTH", clientReplyNoAuth)
	}
	line := "AUTH " + mech
	if ir != nil {
		// RFC 4954 §4: "=" stands for an empty initial response.
		enc := "="
		if len(ir) > 0 {
			enc = base64.StdEncoding.EncodeToString(ir)
		}
		line += " " + enc
	}
	end := c.begin(ctx, c.cfg.Timeouts.Command)
	defer end()
	if err := c.writeSecret("AUTH "+mech+" [redacted]", line); err != nil {
		return c.fail(ctx, "AUTH", err)
	}
	for step := 0; ; step++ {
		if err := c.bw.Flush(); err != nil {
			return c.fail(ctx, "AUTH", err)
		}
		r, err := c.readReply(ctx, "AUTH")
		if err != nil {
			return err
		}
		if r.Code != 334 {
			if !r.Positive() {
				return &CommandError{Command: "AUTH", Reply: r}
			}
			c.authed = true
			if c.cfg.Logger != nil {
				c.cfg.Logger.Debug("smtp client: authenticated", slog.String("mechanism", mech))
			}
			return nil
		}
		resp, nerr := c.authStep(a, r, step)
		if nerr != nil {
			// RFC 4954 §4: "*" cancels the exchange; the server
			// answers 501.
			c.writeLine("AUTH", "*")
			if err := c.bw.Flush(); err != nil {
				return c.fail(ctx, "AUTH", err)
			}
			if _, err := c.readReply(ctx, "AUTH"); err != nil {
				return err
			}
			return fmt.Errorf("smtp: AUTH: %w", nerr)
		}
		if err := c.writeSecret("[redacted]", base64.StdEncoding.EncodeToString(resp)); err != nil {
			return c.fail(ctx, "AUTH", err)
		}
	}
}

func (c *Client) authStep(a sasl.Client, r *envelope.Reply, step int) ([]byte, error) {
	if step >= clientMaxAuthSteps {
		return nil, errors.New("too many challenges")
	}
	text := ""
	if len(r.Lines) > 0 {
		text = r.Lines[0]
	}
	chal, err := base64.StdEncoding.DecodeString(text)
	if err != nil {
		return nil, fmt.Errorf("malformed challenge: %w", err)
	}
	return a.Next(chal)
}

func clientIsLoopback(a net.Addr) bool {
	if a == nil {
		return false
	}
	ap, err := netip.ParseAddrPort(a.String())
	return err == nil && ap.Addr().Unmap().IsLoopback()
}
