package smtp

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strings"
	"time"

	"github.com/mailstack/mailstack/envelope"
)

// clientState is where a Client is in the mail transaction.
type clientState uint8

const (
	clientReady  clientState = iota // no transaction: MAIL may follow
	clientMailed                    // MAIL accepted
	clientRcpted                    // at least one RCPT accepted
	clientInData                    // a MessageWriter is open
)

// Client is an SMTP client session (RFC 5321), or an LMTP one (RFC 2033)
// when ClientConfig.LMTP is set. It speaks to one server over one
// connection and may carry many transactions in turn. It is not safe for
// concurrent use.
//
// Dial connects and returns a Client whose greeting, EHLO, STARTTLS and
// AUTH happen on first use (or on an explicit Handshake). Send carries a
// whole transaction; Mail, Rcpt and Data do it a step at a time. Quit ends
// the session politely.
//
// Every reply that is not a success comes back as a *CommandError naming
// the command and wrapping the *envelope.Reply. Any other error (network,
// timeout, a malformed reply, the context ending) closes the connection,
// and every later call returns an error wrapping ErrClientClosed.
//
// # Standards
//
//	RFC 5321  SMTP: session, EHLO with HELO fallback, MAIL, RCPT, DATA,
//	          RSET, NOOP, QUIT; timeouts of §4.5.3.2
//	RFC 2033  LMTP: LHLO, one reply per recipient after the data
//	RFC 1870  SIZE: the message size checked against the server's limit
//	RFC 2034  ENHANCEDSTATUSCODES
//	RFC 2920  PIPELINING of MAIL, RCPT and DATA
//	RFC 3030  CHUNKING (BDAT) and BINARYMIME
//	RFC 3207  STARTTLS, discarding plaintext state and refusing data
//	          injected before the handshake
//	RFC 3461  DSN parameters RET, ENVID, NOTIFY, ORCPT
//	RFC 4954  AUTH, through github.com/emersion/go-sasl
//	RFC 6152  8BITMIME
//	RFC 6531  SMTPUTF8, used only when an address or the caller needs it
//	RFC 8314  implicit TLS
//	RFC 8689  REQUIRETLS
type Client struct {
	cfg        ClientConfig
	conn       net.Conn
	br         *bufio.Reader
	bw         *bufio.Writer
	serverName string // the host Dial was given, for TLS

	greeting   *envelope.Reply
	caps       Capabilities
	esmtp      bool
	tlsOn      bool
	authed     bool
	handshaken bool

	state      clientState
	smtputf8   bool // the current transaction carries SMTPUTF8
	bodyBinary bool // the current transaction is BODY=BINARYMIME
	accepted   int  // recipients accepted in the current transaction

	// dataCtx and blockTimeout are set while message data is written, so
	// that each write of data gets its own deadline (RFC 5321 §4.5.3.2.5).
	dataCtx      context.Context
	blockTimeout time.Duration

	err error // sticky: the connection is gone
}

// Dial connects to addr ("host:port") and returns a Client. With
// ClientConfig.ImplicitTLS the TLS handshake happens here; the greeting,
// EHLO, STARTTLS and AUTH happen on first use or in Handshake. cfg may be
// nil.
func Dial(ctx context.Context, addr string, cfg *ClientConfig) (*Client, error) {
	var c ClientConfig
	if cfg != nil {
		c = *cfg
	}
	timeouts := c.Timeouts.withDefaults()
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("smtp: dial %s: %w", addr, err)
	}
	dctx, cancel := context.WithTimeout(ctx, timeouts.Connect)
	defer cancel()
	dial := c.DialContext
	if dial == nil {
		d := &net.Dialer{}
		dial = d.DialContext
	}
	conn, err := dial(dctx, "tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("smtp: dial %s: %w", addr, err)
	}
	cl := newClient(conn, c, host)
	if c.ImplicitTLS {
		tconn := tls.Client(conn, cl.tlsConfig())
		if err := tconn.HandshakeContext(dctx); err != nil {
			conn.Close()
			return nil, fmt.Errorf("%w with %s: %w", ErrTLSHandshake, addr, err)
		}
		cl.setConn(tconn)
		cl.tlsOn = true
	}
	return cl, nil
}

// NewClient returns a Client speaking over conn, which may already be a
// *tls.Conn. Nothing is read or written until the first call. cfg may be
// nil. ServerName for STARTTLS comes from cfg.TLSConfig, or else from the
// remote address of conn.
func NewClient(conn net.Conn, cfg *ClientConfig) *Client {
	var c ClientConfig
	if cfg != nil {
		c = *cfg
	}
	host := ""
	if conn.RemoteAddr() != nil {
		host, _, _ = net.SplitHostPort(conn.RemoteAddr().String())
	}
	cl := newClient(conn, c, host)
	if _, ok := conn.(*tls.Conn); ok {
		cl.tlsOn = true
	}
	return cl
}

func newClient(conn net.Conn, cfg ClientConfig, host string) *Client {
	cfg.Timeouts = cfg.Timeouts.withDefaults()
	if cfg.LocalName == "" {
		cfg.LocalName = "localhost"
	}
	if cfg.ChunkSize <= 0 {
		cfg.ChunkSize = DefaultClientChunkSize
	}
	c := &Client{cfg: cfg, serverName: host}
	c.setConn(conn)
	return c
}

func (c *Client) setConn(conn net.Conn) {
	c.conn = conn
	if c.br == nil {
		c.br = bufio.NewReader(conn)
		c.bw = bufio.NewWriter(clientDeadlineWriter{c})
	} else {
		c.br.Reset(conn)
		c.bw.Reset(clientDeadlineWriter{c})
	}
}

// tlsConfig returns the TLS configuration for this server.
func (c *Client) tlsConfig() *tls.Config {
	var tc *tls.Config
	if c.cfg.TLSConfig != nil {
		tc = c.cfg.TLSConfig.Clone()
	} else {
		tc = &tls.Config{}
		// RFC 7435: opportunistic TLS encrypts without authenticating.
		tc.InsecureSkipVerify = c.cfg.TLSPolicy == TLSOpportunistic
	}
	if tc.ServerName == "" {
		// An IP address here makes crypto/tls check the certificate's
		// IP SANs and leave SNI out.
		tc.ServerName = c.serverName
	}
	return tc
}

// Greeting returns the server's greeting, or nil before Handshake.
func (c *Client) Greeting() *envelope.Reply { return c.greeting }

// Capabilities returns the extensions the server announced in its last
// reply to EHLO or LHLO (after STARTTLS, the new ones); the zero value
// after HELO or before Handshake.
func (c *Client) Capabilities() Capabilities { return c.caps }

// ESMTP reports whether the server accepted EHLO (or LHLO) rather than
// needing HELO.
func (c *Client) ESMTP() bool { return c.esmtp }

// TLSConnectionState returns the TLS state of the connection, and false
// when it is not TLS.
func (c *Client) TLSConnectionState() (tls.ConnectionState, bool) {
	if tc, ok := c.conn.(*tls.Conn); ok {
		return tc.ConnectionState(), true
	}
	return tls.ConnectionState{}, false
}

// Authenticated reports whether AUTH succeeded in this session.
func (c *Client) Authenticated() bool { return c.authed }

// Conn returns the underlying connection (a *tls.Conn once TLS is on).
func (c *Client) Conn() net.Conn { return c.conn }

// Close closes the connection without QUIT.
func (c *Client) Close() error {
	if c.err != nil && errors.Is(c.err, ErrClientClosed) {
		return nil
	}
	c.err = ErrClientClosed
	return c.conn.Close()
}

// Quit sends QUIT (RFC 5321 §4.1.1.10) and closes the connection. The
// connection is closed even when QUIT fails.
func (c *Client) Quit(ctx context.Context) error {
	if c.err != nil {
		return c.err
	}
	_, err := c.simple(ctx, "QUIT", "QUIT", c.cfg.Timeouts.Command)
	c.Close()
	return err
}

// Noop sends NOOP (RFC 5321 §4.1.1.9), to check that the session is alive.
func (c *Client) Noop(ctx context.Context) error {
	if err := c.Handshake(ctx); err != nil {
		return err
	}
	_, err := c.simple(ctx, "NOOP", "NOOP", c.cfg.Timeouts.Command)
	return err
}

// Reset sends RSET (RFC 5321 §4.1.1.5), abandoning the current
// transaction.
func (c *Client) Reset(ctx context.Context) error {
	if err := c.Handshake(ctx); err != nil {
		return err
	}
	if c.state == clientInData {
		return ErrClientBadSequence
	}
	_, err := c.simple(ctx, "RSET", "RSET", c.cfg.Timeouts.Command)
	if err == nil {
		c.endTransaction()
	}
	return err
}

func (c *Client) endTransaction() {
	c.state, c.smtputf8, c.bodyBinary, c.accepted = clientReady, false, false, 0
}

// simple sends one command and reads its reply, which must be 2xx.
func (c *Client) simple(ctx context.Context, cmd, line string, timeout time.Duration) (*envelope.Reply, error) {
	r, err := c.roundTrip(ctx, cmd, line, timeout)
	if err != nil {
		return nil, err
	}
	if !r.Positive() {
		return r, &CommandError{Command: cmd, Reply: r}
	}
	return r, nil
}

// roundTrip sends line and reads the reply.
func (c *Client) roundTrip(ctx context.Context, cmd, line string, timeout time.Duration) (*envelope.Reply, error) {
	end := c.begin(ctx, timeout)
	defer end()
	if err := c.writeLine(cmd, line); err != nil {
		return nil, c.fail(ctx, cmd, err)
	}
	if err := c.bw.Flush(); err != nil {
		return nil, c.fail(ctx, cmd, err)
	}
	return c.readReply(ctx, cmd)
}

// begin arms the deadline of one phase: timeout from now, or the context's
// deadline if sooner; cancelling ctx interrupts any blocked I/O.
func (c *Client) begin(ctx context.Context, timeout time.Duration) (end func()) {
	d := time.Now().Add(timeout)
	if dl, ok := ctx.Deadline(); ok && dl.Before(d) {
		d = dl
	}
	c.conn.SetDeadline(d)
	stop := context.AfterFunc(ctx, func() {
		c.conn.SetDeadline(time.Unix(1, 0))
	})
	return func() { stop() }
}

// writeLine buffers one command line. The line must not hold CR or LF:
// callers build it from validated parts.
func (c *Client) writeLine(cmd, line string) error {
	if c.err != nil {
		return c.err
	}
	if strings.ContainsAny(line, "\r\n") {
		return fmt.Errorf("smtp: %s: command line holds CR or LF", cmd)
	}
	c.trace("C: ", line)
	_, err := c.bw.WriteString(line + "\r\n")
	return err
}

// writeSecret is writeLine for AUTH exchanges: the trace shows only
// what is not secret.
func (c *Client) writeSecret(shown, line string) error {
	if c.err != nil {
		return c.err
	}
	c.trace("C: ", shown)
	_, err := c.bw.WriteString(line + "\r\n")
	return err
}

// readReply reads one reply within the deadline already armed.
func (c *Client) readReply(ctx context.Context, cmd string) (*envelope.Reply, error) {
	if c.err != nil {
		return nil, c.err
	}
	r, err := envelope.ReadReply(c.br, &c.cfg.ReplyLimits)
	if err != nil {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF // the server hung up instead of replying
		}
		return nil, c.fail(ctx, cmd, err)
	}
	if c.cfg.Trace != nil {
		var b strings.Builder
		r.WriteTo(&b)
		for _, l := range strings.SplitAfter(strings.TrimSuffix(b.String(), "\r\n"), "\r\n") {
			c.trace("S: ", strings.TrimSuffix(l, "\r\n"))
		}
	}
	// RFC 5321 §3.8: 421 means the server is closing the channel.
	if r.Code == 421 {
		c.conn.Close()
		c.err = fmt.Errorf("%w: server closed the session: %v", ErrClientClosed, r)
	}
	return r, nil
}

func (c *Client) trace(prefix, line string) {
	if c.cfg.Trace != nil {
		io.WriteString(c.cfg.Trace, prefix+line+"\n")
	}
}

// fail closes the connection after an I/O or protocol error and returns it
// wrapped with the command; the Client is unusable afterwards.
func (c *Client) fail(ctx context.Context, cmd string, err error) error {
	if c.err != nil && !errors.Is(err, c.err) {
		return c.err
	}
	if ctx != nil && ctx.Err() != nil {
		err = context.Cause(ctx)
	}
	err = fmt.Errorf("smtp: %s: %w", cmd, err)
	if c.cfg.Logger != nil {
		c.cfg.Logger.Debug("smtp client: connection failed", slog.String("command", cmd), slog.Any("error", err))
	}
	c.conn.Close()
	c.err = fmt.Errorf("%w: %w", ErrClientClosed, err)
	return err
}

// clientDeadlineWriter writes to the connection. While message data is
// written it gives each write of up to 64 KiB its own deadline, so that a
// large message on a slow link is not cut off by a deadline meant for one
// block (RFC 5321 §4.5.3.2.5).
type clientDeadlineWriter struct{ c *Client }

const clientBlock = 64 << 10

func (w clientDeadlineWriter) Write(p []byte) (int, error) {
	c := w.c
	if c.blockTimeout == 0 {
		return c.conn.Write(p)
	}
	n := 0
	for len(p) > 0 {
		b := p
		if len(b) > clientBlock {
			b = b[:clientBlock]
		}
		d := time.Now().Add(c.blockTimeout)
		if dl, ok := c.dataCtx.Deadline(); ok && dl.Before(d) {
			d = dl
		}
		c.conn.SetWriteDeadline(d)
		if err := c.dataCtx.Err(); err != nil {
			return n, err
		}
		k, err := c.conn.Write(b)
		n += k
		if err != nil {
			return n, err
		}
		p = p[k:]
	}
	return n, nil
}
