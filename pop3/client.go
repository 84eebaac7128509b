package pop3

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"time"

	"github.com/mailstack/mailstack/internal/wire"
)

// Client defaults.
const (
	// DefaultClientMaxLineLength is the longest response line a Client
	// reads, in octets with CRLF. RFC 2449 §4 caps responses at 512
	// octets; real servers send longer greetings and texts.
	DefaultClientMaxLineLength = 4096
	// DefaultMaxListLength is the most lines of a LIST, UIDL or CAPA
	// response a Client accepts.
	DefaultMaxListLength = 1 << 20
	// DefaultMaxMessageSize is the most octets a message reader from Retr
	// or Top delivers.
	DefaultMaxMessageSize = 1 << 30
)

// ClientOptions configures a Client. The zero value works.
type ClientOptions struct {
	// TLSConfig is used by DialTLS, DialStartTLS and StartTLS when they
	// are given none. Default: a config whose ServerName is the host
	// dialled.
	TLSConfig *tls.Config
	// Dialer dials the connection. Default: a zero net.Dialer.
	Dialer *net.Dialer
	// MaxLineLength is the longest status or list line accepted. Default
	// DefaultClientMaxLineLength.
	MaxLineLength int
	// MaxListLength is the most lines of a multi-line LIST, UIDL or CAPA
	// response. Default DefaultMaxListLength.
	MaxListLength int
	// MaxMessageSize is the most octets Retr and Top deliver before the
	// reader fails with an error matching wire's data-too-large error
	// (the rest is still read and discarded). Default
	// DefaultMaxMessageSize; negative means no limit. Message lines are
	// never buffered, so their length needs no limit.
	MaxMessageSize int64
	// Trace, if set, receives a transcript: "C: " and "S: " lines, with
	// passwords and SASL responses redacted and message bodies replaced
	// by a note. Default nil.
	Trace io.Writer
}

// Client is a POP3 client connection (RFC 1939). Its methods must not be
// called concurrently. The context of each call bounds that call; after a
// call fails with a network error or an ended context, the connection is
// out of step and every later call returns the same error.
type Client struct {
	nc        net.Conn
	lr        *wire.LineReader
	bw        *bufio.Writer
	opts      ClientOptions
	host      string
	greeting  string
	timestamp string
	caps      Capabilities
	isTLS     bool
	reading   *messageReader // an open Retr or Top reader
	err       error          // sticky: the connection is unusable
}

// Dial connects to a POP3 server on addr ("host:port") in plaintext and
// reads its greeting.
func Dial(ctx context.Context, addr string, opts *ClientOptions) (*Client, error) {
	nc, err := dial(ctx, addr, opts)
	if err != nil {
		return nil, err
	}
	return newClient(ctx, nc, addr, opts, false)
}

// DialTLS connects to a POP3 server over implicit TLS (port 995, RFC 8314
// §3.3) and reads its greeting.
func DialTLS(ctx context.Context, addr string, opts *ClientOptions) (*Client, error) {
	nc, err := dial(ctx, addr, opts)
	if err != nil {
		return nil, err
	}
	tc := tls.Client(nc, tlsConfigFor(opts, hostOf(addr)))
	if err := tc.HandshakeContext(ctx); err != nil {
		nc.Close()
		return nil, fmt.Errorf("pop3: TLS handshake: %w", err)
	}
	return newClient(ctx, tc, addr, opts, true)
}

// DialStartTLS connects in plaintext and upgrades the connection with STLS
// (RFC 2595 §4) before anything else is sent.
func DialStartTLS(ctx context.Context, addr string, opts *ClientOptions) (*Client, error) {
	c, err := Dial(ctx, addr, opts)
	if err != nil {
		return nil, err
	}
	if err := c.StartTLS(ctx, nil); err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}

// NewClient starts a session on an established connection and reads the
// greeting. host is used as the TLS server name by StartTLS.
func NewClient(ctx context.Context, nc net.Conn, host string, opts *ClientOptions) (*Client, error) {
	_, isTLS := nc.(*tls.Conn)
	return newClient(ctx, nc, host, opts, isTLS)
}

func dial(ctx context.Context, addr string, opts *ClientOptions) (net.Conn, error) {
	d := &net.Dialer{}
	if opts != nil && opts.Dialer != nil {
		d = opts.Dialer
	}
	nc, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("pop3: %w", err)
	}
	return nc, nil
}

func newClient(ctx context.Context, nc net.Conn, addr string, opts *ClientOptions, isTLS bool) (*Client, error) {
	c := &Client{nc: nc, host: hostOf(addr), isTLS: isTLS}
	if opts != nil {
		c.opts = *opts
	}
	c.setStream()
	err := c.do(ctx, func() error {
		r, err := c.readResponse()
		if err != nil {
			return err
		}
		c.greeting = r.text
		c.timestamp = apopTimestamp(r.text)
		return nil
	})
	if err != nil {
		nc.Close()
		return nil, err
	}
	return c, nil
}

func hostOf(addr string) string {
	if h, _, err := net.SplitHostPort(addr); err == nil {
		return h
	}
	return addr
}

func tlsConfigFor(opts *ClientOptions, host string) *tls.Config {
	var cfg *tls.Config
	if opts != nil && opts.TLSConfig != nil {
		cfg = opts.TLSConfig.Clone()
	} else {
		cfg = &tls.Config{}
	}
	if cfg.ServerName == "" && !cfg.InsecureSkipVerify {
		cfg.ServerName = host
	}
	return cfg
}

// apopTimestamp returns the <...> timestamp of a greeting (RFC 1939 §7),
// or "".
func apopTimestamp(text string) string {
	i := strings.IndexByte(text, '<')
	if i < 0 {
		return ""
	}
	j := strings.IndexByte(text[i:], '>')
	if j < 0 || !strings.Contains(text[i:i+j], "@") {
		return ""
	}
	return text[i : i+j+1]
}

func (c *Client) setStream() {
	c.lr = wire.NewLineReader(c.nc, orDefault(c.opts.MaxLineLength, DefaultClientMaxLineLength))
	c.bw = bufio.NewWriter(c.nc)
}

// Greeting returns the text of the server's greeting.
func (c *Client) Greeting() string { return c.greeting }

// IsTLS reports whether the connection is protected by TLS.
func (c *Client) IsTLS() bool { return c.isTLS }

// Close closes the connection without QUIT: the server deletes nothing
// (RFC 1939 §6).
func (c *Client) Close() error {
	if c.err == nil {
		c.err = net.ErrClosed
	}
	return c.nc.Close()
}

// do runs fn with the connection's deadline tied to ctx. An error that
// leaves the stream out of step becomes sticky.
func (c *Client) do(ctx context.Context, fn func() error) error {
	if c.err != nil {
		return c.err
	}
	if c.reading != nil {
		return ErrClientBusy
	}
	stop := c.watch(ctx)
	err := fn()
	stop()
	if err != nil && ctx.Err() != nil {
		err = fmt.Errorf("pop3: %w (%w)", ctx.Err(), err)
	}
	var pe *Error
	if err != nil && !errors.As(err, &pe) {
		c.err = err
	}
	return err
}

// watch sets the connection's deadline from ctx and interrupts I/O when
// ctx ends; the returned func undoes both.
func (c *Client) watch(ctx context.Context) func() {
	dl, _ := ctx.Deadline()
	c.nc.SetDeadline(dl)
	stop := context.AfterFunc(ctx, func() { c.nc.SetDeadline(time.Unix(1, 0)) })
	return func() {
		stop()
		c.nc.SetDeadline(time.Time{})
	}
}

// send writes command lines and flushes them. redact[i] hides line i's
// arguments in the trace.
func (c *Client) send(lines ...string) error {
	for _, l := range lines {
		c.trace("C: " + redactClientLine(l))
		c.bw.WriteString(l)
		c.bw.WriteString("\r\n")
	}
	if err := c.bw.Flush(); err != nil {
		return fmt.Errorf("pop3: %w", err)
	}
	return nil
}

// redactClientLine hides passwords and digests in a traced command.
func redactClientLine(l string) string {
	name, rest, _ := strings.Cut(l, " ")
	switch strings.ToUpper(name) {
	case "PASS":
		return "PASS <redacted>"
	case "APOP", "AUTH":
		if first, _, more := strings.Cut(rest, " "); more {
			return name + " " + first + " <redacted>"
		}
	}
	return l
}

// readLine reads one response line.
func (c *Client) readLine() ([]byte, error) {
	line, err := c.lr.ReadLine()
	if err != nil {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return nil, fmt.Errorf("pop3: reading response: %w", err)
	}
	return line, nil
}

// readResponse reads a status line; a -ERR comes back as *Error.
func (c *Client) readResponse() (response, error) {
	line, err := c.readLine()
	if err != nil {
		return response{}, err
	}
	c.trace("S: " + string(line))
	r, err := parseResponse(line)
	if err != nil {
		return r, err
	}
	if !r.ok {
		return r, r.err()
	}
	return r, nil
}

// cmd sends one command and reads its status line.
func (c *Client) cmd(ctx context.Context, line string) (response, error) {
	var r response
	err := c.do(ctx, func() error {
		if err := c.send(line); err != nil {
			return err
		}
		var err error
		r, err = c.readResponse()
		return err
	})
	return r, err
}

// readLines reads the body of a multi-line response up to its ".",
// removing byte-stuffing (RFC 1939 §3).
func (c *Client) readLines() ([]string, error) {
	var lines []string
	max := orDefault(c.opts.MaxListLength, DefaultMaxListLength)
	for {
		line, err := c.readLine()
		if err != nil {
			return nil, err
		}
		if len(line) > 0 && line[0] == '.' {
			if len(line) == 1 {
				return lines, nil
			}
			line = line[1:]
		}
		if len(lines) >= max {
			return nil, fmt.Errorf("%w: more than %d lines", ErrMalformedResponse, max)
		}
		c.trace("S: " + string(line))
		lines = append(lines, string(line))
	}
}

func (c *Client) trace(s string) {
	if c.opts.Trace != nil {
		fmt.Fprintf(c.opts.Trace, "%s\n", s)
	}
}
