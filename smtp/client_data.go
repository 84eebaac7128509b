package smtp

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/mailstack/mailstack/envelope"
	"github.com/mailstack/mailstack/internal/wire"
)

// MessageWriter writes the message of a transaction, returned by
// Client.Data. With DATA it dot-stuffs (RFC 5321 §4.5.2); with BDAT it sends
// chunks of ClientConfig.ChunkSize (RFC 3030). Close ends the message and
// reads the server's verdict.
type MessageWriter struct {
	c       *Client
	ctx     context.Context
	stop    func() bool // context.AfterFunc's stop
	dw      *wire.DataWriter
	bdat    bool
	binary  bool // BODY=BINARYMIME: octets sent as they are
	chunk   []byte
	le      clientLineEndings
	n       int64 // message octets written by the caller
	replies []*envelope.Reply
	err     error
	closed  bool
}

// Data sends DATA (RFC 5321 §4.1.1.4), or prepares BDAT when the server
// offers CHUNKING (RFC 3030), and returns the writer for the message. At
// least one recipient must have been accepted. The message must use CRLF
// line endings unless ClientConfig.NormalizeLineEndings is set. A refused
// DATA is a *CommandError; the transaction is then reset.
func (c *Client) Data(ctx context.Context) (*MessageWriter, error) {
	if c.err != nil {
		return nil, c.err
	}
	if c.state != clientRcpted {
		return nil, fmt.Errorf("%w: DATA without an accepted recipient", ErrClientBadSequence)
	}
	if c.useBDAT() {
		return c.openData(ctx, true), nil
	}
	r, err := c.roundTrip(ctx, "DATA", "DATA", c.cfg.Timeouts.DataInit)
	if err != nil {
		return nil, err
	}
	if r.Code != 354 {
		c.resetAfterFailure(ctx)
		return nil, &CommandError{Command: "DATA", Reply: r}
	}
	return c.openData(ctx, false), nil
}

func (c *Client) useBDAT() bool {
	return c.caps.Chunking && !c.cfg.DisableChunking
}

// openData returns the writer once the server is ready for the data.
func (c *Client) openData(ctx context.Context, bdat bool) *MessageWriter {
	w := &MessageWriter{c: c, ctx: ctx, bdat: bdat}
	c.state = clientInData
	c.dataCtx, c.blockTimeout = ctx, c.cfg.Timeouts.DataBlock
	w.stop = context.AfterFunc(ctx, func() { c.conn.SetDeadline(c.pastDeadline()) })
	if bdat {
		w.binary = c.bodyBinary
		w.le.normalize = c.cfg.NormalizeLineEndings
		w.chunk = make([]byte, 0, min(c.cfg.ChunkSize, 64<<10))
	} else {
		opts := wire.DataWriterOptions{}
		if c.cfg.NormalizeLineEndings {
			opts.BareLineEndings = wire.NormalizeBareLineEndings
		}
		w.dw = wire.NewDataWriter(c.bw, opts)
	}
	return w
}

// Write writes message octets.
func (w *MessageWriter) Write(p []byte) (int, error) {
	if w.closed {
		return 0, fmt.Errorf("smtp: write after Close: %w", ErrClientBadSequence)
	}
	if w.err != nil {
		return 0, w.err
	}
	if !w.bdat {
		n, err := w.dw.Write(p)
		w.n += int64(n)
		if err != nil {
			w.err = w.dataErr(err)
		}
		return n, w.err
	}
	for i := 0; i < len(p); {
		k := len(p) - i
		if room := w.c.cfg.ChunkSize - len(w.chunk); k > room {
			k = room
		}
		var err error
		if w.binary {
			w.chunk = append(w.chunk, p[i:i+k]...)
		} else {
			w.chunk, err = w.le.append(w.chunk, p[i:i+k], w.n+int64(i))
		}
		if err != nil {
			w.err = w.dataErr(err)
			return i, w.err
		}
		i += k
		if len(w.chunk) >= w.c.cfg.ChunkSize {
			if err := w.sendChunk(false); err != nil {
				w.n += int64(i)
				return i, err
			}
		}
	}
	w.n += int64(len(p))
	return len(p), nil
}

// dataErr turns a writer error into the error the caller sees and closes
// the connection, since the data cannot be completed.
func (w *MessageWriter) dataErr(err error) error {
	cmd := "DATA"
	if w.bdat {
		cmd = "BDAT"
	}
	if errors.Is(err, wire.ErrBareLineEnding) {
		err = fmt.Errorf("%w: %w", ErrMessageBareLineEnding, err)
	}
	return w.c.fail(w.ctx, cmd, err)
}

// sendChunk sends the buffered chunk as one BDAT command and reads its
// reply (RFC 3030 §2).
func (w *MessageWriter) sendChunk(last bool) error {
	c := w.c
	timeout := c.cfg.Timeouts.DataBlock
	if last {
		timeout = c.cfg.Timeouts.DataTerm
	}
	if err := c.writeLine("BDAT", clientBDATLine(len(w.chunk), last)); err != nil {
		w.err = c.fail(w.ctx, "BDAT", err)
		return w.err
	}
	c.trace("C: ", fmt.Sprintf("[%d octets]", len(w.chunk)))
	if _, err := c.bw.Write(w.chunk); err != nil {
		w.err = c.fail(w.ctx, "BDAT", err)
		return w.err
	}
	w.chunk = w.chunk[:0]
	if err := c.bw.Flush(); err != nil {
		w.err = c.fail(w.ctx, "BDAT", err)
		return w.err
	}
	if last {
		return w.readFinal("BDAT", timeout)
	}
	end := c.begin(w.ctx, timeout)
	r, err := c.readReply(w.ctx, "BDAT")
	end()
	if err != nil {
		w.err = err
		return err
	}
	if !r.Positive() {
		w.replies = []*envelope.Reply{r}
		w.err = &CommandError{Command: "BDAT", Reply: r}
		return w.err
	}
	return nil
}

// readFinal reads the verdict on the message: one reply in SMTP, one per
// accepted recipient in LMTP (RFC 2033 §4.2).
func (w *MessageWriter) readFinal(cmd string, timeout time.Duration) error {
	c := w.c
	n := 1
	if c.cfg.LMTP {
		n = c.accepted
	}
	for range n {
		end := c.begin(w.ctx, timeout)
		r, err := c.readReply(w.ctx, cmd)
		end()
		if err != nil {
			w.err = err
			return err
		}
		w.replies = append(w.replies, r)
	}
	for _, r := range w.replies {
		if !r.Positive() && !c.cfg.LMTP {
			w.err = &CommandError{Command: cmd, Reply: r}
		}
	}
	return w.err
}

// Close ends the message (the "." line, or BDAT LAST) and reads the
// server's reply: nil when the message was accepted, a *CommandError when
// it was refused. In LMTP, Close returns nil once every reply was read;
// look at Replies for each recipient's.
func (w *MessageWriter) Close() error {
	if w.closed {
		return w.err
	}
	w.closed = true
	c := w.c
	defer func() {
		w.stop()
		c.dataCtx, c.blockTimeout = nil, 0
		if c.err == nil {
			c.conn.SetDeadline(time.Time{})
		}
		if c.state == clientInData {
			c.endTransaction()
		}
	}()
	if w.err != nil {
		var ce *CommandError
		if errors.As(w.err, &ce) && c.err == nil {
			// A BDAT chunk was refused: the server discards the
			// rest; RSET ends the transaction on both sides.
			c.resetAfterFailure(w.ctx)
		}
		return w.err
	}
	if !w.bdat {
		if err := w.dw.Close(); err != nil {
			w.err = w.dataErr(err)
			return w.err
		}
		c.trace("C: ", fmt.Sprintf("[%d octets of data]", w.n))
		c.trace("C: ", ".")
		return w.readFinal("DATA", c.cfg.Timeouts.DataTerm)
	}
	if !w.binary {
		var err error
		if w.chunk, err = w.le.finish(w.chunk, w.n); err != nil {
			w.err = w.dataErr(err)
			return w.err
		}
	}
	return w.sendChunk(true)
}

// Replies returns the replies to the message after Close: one in SMTP,
// one per accepted recipient in the order they were accepted in LMTP.
func (w *MessageWriter) Replies() []*envelope.Reply { return w.replies }

// resetAfterFailure sends RSET after a failed DATA or BDAT so that the
// next transaction starts clean (RFC 5321 §4.1.1.5).
func (c *Client) resetAfterFailure(ctx context.Context) {
	c.endTransaction()
	if c.err == nil {
		c.simple(ctx, "RSET", "RSET", c.cfg.Timeouts.Command)
	}
}

func (c *Client) pastDeadline() time.Time { return time.Unix(1, 0) }

// clientLineEndings checks or normalises line endings of BDAT data, which
// unlike DATA is not dot-stuffed but must still use CRLF unless it is
// BINARYMIME (RFC 3030 §3).
type clientLineEndings struct {
	normalize bool
	cr        bool // the previous octet was a CR, not yet written
	last      byte // the last octet written
	any       bool // anything written
}

func (l *clientLineEndings) append(dst, p []byte, off int64) ([]byte, error) {
	for i, b := range p {
		if l.cr {
			l.cr = false
			if b == '\n' {
				dst = l.put(dst, '\r', '\n')
				continue
			}
			if !l.normalize {
				return dst, &wire.BareLineEndingError{Char: '\r', Offset: off + int64(i) - 1}
			}
			dst = l.put(dst, '\r', '\n')
		}
		switch b {
		case '\r':
			l.cr = true
		case '\n':
			if !l.normalize {
				return dst, &wire.BareLineEndingError{Char: '\n', Offset: off + int64(i)}
			}
			dst = l.put(dst, '\r', '\n')
		default:
			dst = append(dst, b)
			l.last, l.any = b, true
		}
	}
	return dst, nil
}

func (l *clientLineEndings) put(dst []byte, a, b byte) []byte {
	l.last, l.any = b, true
	return append(dst, a, b)
}

// finish ends the data: a pending CR, and a final CRLF when the message
// does not end with one (RFC 5322 §2.1 messages are lines).
func (l *clientLineEndings) finish(dst []byte, off int64) ([]byte, error) {
	if l.cr {
		l.cr = false
		if !l.normalize {
			return dst, &wire.BareLineEndingError{Char: '\r', Offset: off - 1}
		}
		return l.put(dst, '\r', '\n'), nil
	}
	if l.any && l.last != '\n' {
		dst = l.put(dst, '\r', '\n')
	}
	return dst, nil
}
