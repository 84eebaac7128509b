package pop3

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"

	"github.com/mailstack/mailstack/internal/wire"
)

// MessageSize is one line of a LIST response.
type MessageSize struct {
	Number int
	Size   int64
}

// UniqueID is one line of a UIDL response.
type UniqueID struct {
	Number int
	UID    string
}

// Stat sends STAT (RFC 1939 §5) and returns the number of messages and
// their total size.
func (c *Client) Stat(ctx context.Context) (count int, size int64, err error) {
	r, err := c.cmd(ctx, "STAT")
	if err != nil {
		return 0, 0, err
	}
	count, size, err = parseScanListing(r.text)
	return count, size, err
}

// parseScanListing parses "n size" (RFC 1939 §5 scan listing, also STAT's
// answer), ignoring anything after.
func parseScanListing(s string) (int, int64, error) {
	f := strings.Fields(s)
	if len(f) >= 2 {
		n, err1 := strconv.Atoi(f[0])
		size, err2 := strconv.ParseInt(f[1], 10, 64)
		if err1 == nil && err2 == nil && n >= 0 && size >= 0 {
			return n, size, nil
		}
	}
	return 0, 0, fmt.Errorf("%w: bad listing %q", ErrMalformedResponse, truncate([]byte(s)))
}

// List sends LIST (RFC 1939 §5) and returns the size of every message
// not marked deleted.
func (c *Client) List(ctx context.Context) ([]MessageSize, error) {
	lines, err := c.multi(ctx, "LIST")
	if err != nil {
		return nil, err
	}
	out := make([]MessageSize, 0, len(lines))
	for _, l := range lines {
		n, size, err := parseScanListing(l)
		if err != nil {
			return nil, err
		}
		out = append(out, MessageSize{n, size})
	}
	return out, nil
}

// ListMessage sends LIST n and returns message n's size.
func (c *Client) ListMessage(ctx context.Context, n int) (int64, error) {
	r, err := c.cmd(ctx, "LIST "+strconv.Itoa(n))
	if err != nil {
		return 0, err
	}
	_, size, err := parseScanListing(r.text)
	return size, err
}

// UIDL sends UIDL (RFC 1939 §7) and returns the unique-id of every
// message not marked deleted.
func (c *Client) UIDL(ctx context.Context) ([]UniqueID, error) {
	lines, err := c.multi(ctx, "UIDL")
	if err != nil {
		return nil, err
	}
	out := make([]UniqueID, 0, len(lines))
	for _, l := range lines {
		u, err := parseUniqueID(l)
		if err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	return out, nil
}

// UIDLMessage sends UIDL n and returns message n's unique-id.
func (c *Client) UIDLMessage(ctx context.Context, n int) (string, error) {
	r, err := c.cmd(ctx, "UIDL "+strconv.Itoa(n))
	if err != nil {
		return "", err
	}
	u, err := parseUniqueID(r.text)
	return u.UID, err
}

// parseUniqueID parses "n unique-id" (RFC 1939 §7): the id is 1 to 70
// characters 0x21-0x7E.
func parseUniqueID(s string) (UniqueID, error) {
	f := strings.Fields(s)
	if len(f) >= 2 {
		n, err := strconv.Atoi(f[0])
		if err == nil && n >= 0 && len(f[1]) <= MaxUIDLLength {
			return UniqueID{n, f[1]}, nil
		}
	}
	return UniqueID{}, fmt.Errorf("%w: bad unique-id listing %q", ErrMalformedResponse, truncate([]byte(s)))
}

// multi sends a command whose +OK is followed by lines.
func (c *Client) multi(ctx context.Context, line string) ([]string, error) {
	var lines []string
	err := c.do(ctx, func() error {
		if err := c.send(line); err != nil {
			return err
		}
		if _, err := c.readResponse(); err != nil {
			return err
		}
		var err error
		lines, err = c.readLines()
		return err
	})
	return lines, err
}

// Retr sends RETR n (RFC 1939 §5) and returns a reader of the message,
// with byte-stuffing removed and CRLF line endings. Read it to the end or
// Close it before the next call; Close discards the rest. ctx bounds the
// reading too, until Close.
func (c *Client) Retr(ctx context.Context, n int) (io.ReadCloser, error) {
	return c.message(ctx, "RETR "+strconv.Itoa(n))
}

// Top sends TOP n lines (RFC 1939 §7) and returns a reader of the header
// and the first lines of the body, as Retr does.
func (c *Client) Top(ctx context.Context, n, lines int) (io.ReadCloser, error) {
	return c.message(ctx, "TOP "+strconv.Itoa(n)+" "+strconv.Itoa(lines))
}

func (c *Client) message(ctx context.Context, line string) (io.ReadCloser, error) {
	if c.err != nil {
		return nil, c.err
	}
	if c.reading != nil {
		return nil, ErrClientBusy
	}
	stop := c.watch(ctx)
	if err := c.send(line); err != nil {
		stop()
		c.err = err
		return nil, err
	}
	if _, err := c.readResponse(); err != nil {
		stop()
		var pe *Error
		if !errors.As(err, &pe) {
			c.err = err
		}
		return nil, err
	}
	c.trace("S: <message data>")
	max := c.opts.MaxMessageSize
	if max == 0 {
		max = DefaultMaxMessageSize
	}
	m := &messageReader{c: c, stop: stop, dr: wire.NewDataReader(c.lr.Reader(), wire.DataOptions{
		BareLineEndings: wire.NormalizeBareLineEndings, // be lenient with LF-only servers
		MaxSize:         max,
	})}
	c.reading = m
	return m, nil
}

// messageReader reads one multi-line message response.
type messageReader struct {
	c    *Client
	dr   *wire.DataReader
	stop func()
	done bool
}

// Read reads the message.
func (m *messageReader) Read(p []byte) (int, error) {
	if m.done {
		return 0, io.EOF
	}
	n, err := m.dr.Read(p)
	if err != nil {
		m.finish(err)
	}
	return n, err
}

// Close discards what was not read, so that the client can go on.
func (m *messageReader) Close() error {
	if m.done {
		return nil
	}
	err := m.dr.Drain()
	m.finish(err)
	return err
}

func (m *messageReader) finish(err error) {
	if m.done {
		return
	}
	m.done = true
	m.stop()
	m.c.reading = nil
	if err == nil || err == io.EOF || errors.Is(err, wire.ErrDataTooLarge) {
		m.c.trace("S: .")
		return
	}
	m.c.err = fmt.Errorf("pop3: reading message: %w", err)
}

// Dele marks messages deleted (RFC 1939 §5); the server removes them at
// Quit. With several numbers and a server that pipelines (RFC 2449 §6.6,
// learnt from Capabilities), the commands go out together. The first
// error is returned; the other messages are still marked.
func (c *Client) Dele(ctx context.Context, nums ...int) error {
	lines := make([]string, len(nums))
	for i, n := range nums {
		lines[i] = "DELE " + strconv.Itoa(n)
	}
	return c.batch(ctx, lines)
}

// batch sends commands with single-line answers, pipelined if allowed.
func (c *Client) batch(ctx context.Context, lines []string) error {
	return c.do(ctx, func() error {
		var first error
		step := 1
		if c.pipelining() {
			step = len(lines)
		}
		for i := 0; i < len(lines); i += step {
			group := lines[i:min(i+step, len(lines))]
			if err := c.send(group...); err != nil {
				return err
			}
			for range group {
				_, err := c.readResponse()
				var pe *Error
				if err != nil && !errors.As(err, &pe) {
					return err
				}
				if first == nil {
					first = err
				}
			}
		}
		return first
	})
}

// Rset sends RSET (RFC 1939 §5): no message stays marked deleted.
func (c *Client) Rset(ctx context.Context) error {
	_, err := c.cmd(ctx, "RSET")
	return err
}

// Noop sends NOOP (RFC 1939 §5).
func (c *Client) Noop(ctx context.Context) error {
	_, err := c.cmd(ctx, "NOOP")
	return err
}

// Quit sends QUIT (RFC 1939 §6), so that the server removes the messages
// marked deleted, and closes the connection. An *Error means the server
// could not remove them all.
func (c *Client) Quit(ctx context.Context) error {
	_, err := c.cmd(ctx, "QUIT")
	c.nc.Close()
	if c.err == nil {
		c.err = net.ErrClosed
	}
	return err
}
