package pop3

import (
	"errors"
	"fmt"
	"io"

	"github.com/mailstack/mailstack/internal/wire"
)

// cmdRETR is RFC 1939 §5 RETR msg: the message, streamed from the store
// with dot-stuffing and CRLF line endings.
func (c *conn) cmdRETR(cmd command) {
	_, msg, ok := c.msgArg(cmd)
	if !ok {
		return
	}
	if c.sendMessage(msg, -1) {
		msg.retrieved = true
	}
}

// cmdTOP is RFC 1939 §7 TOP msg n: the header, the blank line and the
// first n lines of the body.
func (c *conn) cmdTOP(cmd command) {
	if len(cmd.args) != 2 {
		c.protocolError("usage: TOP msg n")
		return
	}
	lines, ok := parseNumber(cmd.args[1])
	if !ok {
		c.protocolError("invalid line count")
		return
	}
	_, msg, ok := c.msgArg(command{name: cmd.name, args: cmd.args[:1]})
	if !ok {
		return
	}
	c.sendMessage(msg, lines)
}

// sendMessage sends msg as a multi-line response, whole if lines < 0 and
// otherwise as TOP does. It reports whether the message went out whole;
// after a failure half way the session is closed, since a multi-line
// response cannot be taken back (the client sees no terminator).
func (c *conn) sendMessage(msg *message, lines int) bool {
	ctx, cancel := c.context()
	defer cancel()
	size, err := c.md.size(ctx, msg)
	if err != nil {
		c.storeError(err)
		return false
	}
	content, err := c.md.mb.Open(ctx, msg.uid)
	if err != nil {
		c.storeError(err)
		return false
	}
	defer content.Close()
	c.ok(fmt.Sprintf("%d octets", size))
	c.trace(fmt.Sprintf("S: <message data, %d octets>", size))
	// Stored messages often end lines with LF alone: normalise to CRLF,
	// as crlfSize counted (RFC 1939 §3).
	dw := wire.NewDataWriter(c.bw, wire.DataWriterOptions{BareLineEndings: wire.NormalizeBareLineEndings})
	var w io.Writer = dw
	if lines >= 0 {
		w = &topWriter{w: dw, lines: lines, header: true}
	}
	src := io.NewSectionReader(content, 0, content.Size())
	if _, err := io.CopyBuffer(w, src, make([]byte, 32<<10)); err != nil && !errors.Is(err, errTopDone) {
		c.log.Warn("pop3: message not sent whole", "uid", msg.uid, "err", err)
		c.done = true
		return false
	}
	if err := dw.Close(); err != nil {
		c.done = true
		return false
	}
	c.trace("S: .")
	return true
}

// errTopDone stops the copy once TOP has sent all it should.
var errTopDone = errors.New("pop3: TOP complete")

// topWriter passes on the header, the blank line that ends it and lines
// lines of the body, then fails with errTopDone. A line ends at LF.
type topWriter struct {
	w       io.Writer
	lines   int  // body lines still to send
	header  bool // still in the header
	lineLen int  // octets of the current line, CR not counted
}

func (t *topWriter) Write(p []byte) (int, error) {
	for i, b := range p {
		if b != '\n' {
			if b != '\r' {
				t.lineLen++
			}
			continue
		}
		blank := t.lineLen == 0
		t.lineLen = 0
		if t.header {
			if !blank {
				continue
			}
			t.header = false // the blank line is sent too
		} else {
			t.lines--
		}
		if t.lines <= 0 {
			n, err := t.w.Write(p[:i+1])
			if err == nil {
				err = errTopDone
			}
			return n, err
		}
	}
	return t.w.Write(p)
}
