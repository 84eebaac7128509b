package pop3

import (
	"bufio"
	"crypto/rand"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"sync/atomic"
	"time"

	"github.com/mailstack/mailstack/internal/wire"
)

// Connection states, for Shutdown: only an idle session (waiting for a
// command) may be closed from outside.
const (
	connBusy int32 = iota
	connIdle
	connClosed
)

// conn is one POP3 session.
type conn struct {
	srv *Server
	nc  net.Conn // the TCP connection, or the TLS one over it
	// raw is the accepted connection, never replaced: other goroutines
	// (Shutdown, Close) close it, while the session's own goroutine may
	// be swapping nc for its TLS layer.
	raw         net.Conn
	id          uint64
	implicitTLS bool
	state       atomic.Int32

	tlsState *tls.ConnectionState
	lr       *wire.LineReader
	bw       *bufio.Writer
	log      *slog.Logger

	user      string // from USER, waiting for PASS
	timestamp string // APOP timestamp of the greeting; empty if no APOP
	utf8      bool   // RFC 6856 UTF8 command given
	md        *maildrop
	nErrors   int
	nCommands int
	nAuthFail int
	done      bool // close after the current command
}

// handler runs one command.
type handler struct {
	fn      func(c *conn, cmd command)
	auth    bool // valid in the AUTHORIZATION state
	trans   bool // valid in the TRANSACTION state
	secrets bool // the arguments are secret: redact in the trace
}

// handlers maps keywords to their handlers (RFC 1939 §4-§7, RFC 2449
// §5, RFC 2595 §4, RFC 5034 §4, RFC 6856 §3).
var handlers map[string]handler

func init() {
	handlers = map[string]handler{
		"CAPA": {fn: (*conn).cmdCAPA, auth: true, trans: true},
		"QUIT": {fn: (*conn).cmdQUIT, auth: true, trans: true},
		"USER": {fn: (*conn).cmdUSER, auth: true},
		"PASS": {fn: (*conn).cmdPASS, auth: true, secrets: true},
		"APOP": {fn: (*conn).cmdAPOP, auth: true, secrets: true},
		"AUTH": {fn: (*conn).cmdAUTH, auth: true, secrets: true},
		"STLS": {fn: (*conn).cmdSTLS, auth: true},
		"UTF8": {fn: (*conn).cmdUTF8, auth: true},
		"STAT": {fn: (*conn).cmdSTAT, trans: true},
		"LIST": {fn: (*conn).cmdLIST, trans: true},
		"UIDL": {fn: (*conn).cmdUIDL, trans: true},
		"RETR": {fn: (*conn).cmdRETR, trans: true},
		"TOP":  {fn: (*conn).cmdTOP, trans: true},
		"DELE": {fn: (*conn).cmdDELE, trans: true},
		"RSET": {fn: (*conn).cmdRSET, trans: true},
		"NOOP": {fn: (*conn).cmdNOOP, trans: true},
	}
}

// serve runs the session until QUIT, a dropped connection, a limit or the
// server's end.
func (c *conn) serve() {
	c.log = c.srv.logger().With("session", c.id, "remote", c.nc.RemoteAddr().String())
	defer c.close()
	if c.implicitTLS {
		if err := c.handshake(); err != nil {
			c.log.Info("pop3: TLS handshake failed", "err", err)
			return
		}
	}
	c.setStream()
	c.log.Debug("pop3: session started")
	c.greet()
	for !c.done {
		line, err, ok := c.readCommand()
		if !ok {
			return
		}
		if err != nil {
			if !c.readError(err) {
				return
			}
			continue
		}
		c.dispatch(line)
		if c.srv.group.Closing() {
			c.done = true // Shutdown: leave without UPDATE
		}
	}
	c.bw.Flush()
}

// close ends the session. A maildrop still open was not QUIT: nothing is
// deleted (RFC 1939 §6).
func (c *conn) close() {
	if c.md != nil {
		c.md.release()
		c.md = nil
	}
	c.nc.Close()
	c.srv.group.Remove(c)
	c.log.Debug("pop3: session ended")
}

// closeIfIdle closes the session if it is waiting for a command, for
// Shutdown; a busy one ends after its command.
func (c *conn) closeIfIdle() {
	if c.state.CompareAndSwap(connIdle, connClosed) {
		c.raw.Close()
	}
}

// setStream (re)creates the reader and writer over c.nc.
func (c *conn) setStream() {
	c.lr = wire.NewLineReader(c.nc, orDefault(c.srv.MaxLineLength, DefaultMaxLineLength))
	c.bw = bufio.NewWriterSize(deadlineWriter{c.nc, c.srv.writeTimeout()}, 16<<10)
}

func (c *conn) handshake() error {
	tc := tls.Server(c.nc, c.srv.TLSConfig)
	tc.SetDeadline(time.Now().Add(orDefault(c.srv.TLSHandshakeTimeout, DefaultTLSHandshakeTimeout)))
	if err := tc.Handshake(); err != nil {
		return err
	}
	tc.SetDeadline(time.Time{})
	st := tc.ConnectionState()
	c.nc, c.tlsState = tc, &st
	return nil
}

func (c *conn) greet() {
	text := c.srv.Greeting
	if text == "" {
		text = "POP3 server ready"
	}
	if _, ok := c.srv.Backend.(APOPBackend); ok {
		host := c.srv.Hostname
		if host == "" {
			host = "localhost"
		}
		// RFC 1939 §7: a timestamp unique to this greeting.
		c.timestamp = fmt.Sprintf("<%d.%d.%d@%s>", time.Now().UnixNano(), c.id, randUint32(), host)
		text += " " + c.timestamp
	}
	c.ok(text)
}

// readCommand waits for the next command line. ok is false when the
// session must end at once (Shutdown closed it while idle).
func (c *conn) readCommand() (line []byte, err error, ok bool) {
	if !c.state.CompareAndSwap(connBusy, connIdle) {
		return nil, nil, false
	}
	if c.lr.Buffered() == 0 {
		// Responses to pipelined commands go out together (RFC 2449
		// §6.6); flush only when no command is waiting.
		if c.bw.Flush() != nil {
			return nil, nil, false
		}
	}
	c.nc.SetReadDeadline(time.Now().Add(orDefault(c.srv.IdleTimeout, DefaultIdleTimeout)))
	line, err = c.lr.ReadLine()
	if !c.state.CompareAndSwap(connIdle, connBusy) {
		return nil, nil, false
	}
	return line, err, true
}

// readError answers a line that could not be read, and reports whether
// the session goes on.
func (c *conn) readError(err error) bool {
	if errors.Is(err, wire.ErrLineTooLong) {
		c.trace("C: <line too long>")
		c.protocolError("line too long")
		return !c.done
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		// RFC 1939 §3 autologout: close without entering UPDATE.
		c.log.Info("pop3: autologout after idle timeout")
		c.bw.WriteString("-ERR autologout: idle for too long\r\n")
		c.bw.Flush()
	}
	return false
}

func (c *conn) dispatch(line []byte) {
	cmd, err := parseCommand(line)
	if err != nil {
		c.trace("C: <malformed>")
		c.protocolError("malformed command")
		return
	}
	h, known := handlers[cmd.name]
	if h.secrets && len(cmd.args) > 0 {
		c.trace("C: " + cmd.name + " " + redactArgs(cmd))
	} else {
		c.trace("C: " + string(line))
	}
	if c.md == nil {
		c.nCommands++
		if c.nCommands > orDefault(c.srv.MaxCommandsBeforeAuth, DefaultMaxCommandsBeforeAuth) {
			c.err(&Error{Text: "too many commands without logging in"})
			c.done = true
			return
		}
	}
	switch {
	case !known:
		c.protocolError("unknown command")
	case c.md == nil && !h.auth, c.md != nil && !h.trans:
		c.protocolError("command not valid in this state")
	default:
		h.fn(c, cmd)
	}
}

// redactArgs keeps what a trace may show of a secret-bearing command: the
// APOP user name and the AUTH mechanism.
func redactArgs(cmd command) string {
	switch cmd.name {
	case "APOP", "AUTH":
		if len(cmd.args) > 1 {
			return cmd.args[0] + " <redacted>"
		}
		return cmd.args[0]
	}
	return "<redacted>"
}

// protocolError answers a bad command and counts it against MaxErrors.
func (c *conn) protocolError(text string) {
	c.err(&Error{Text: text})
	c.nErrors++
	if c.nErrors >= orDefault(c.srv.MaxErrors, DefaultMaxErrors) {
		c.err(&Error{Text: "too many errors, closing"})
		c.done = true
	}
}

// ok writes a +OK response; text may be empty.
func (c *conn) ok(text string) {
	if text == "" {
		c.writeLine("+OK")
		return
	}
	c.writeLine("+OK " + text)
}

// err writes a -ERR response with e's code.
func (c *conn) err(e *Error) {
	var b strings.Builder
	b.WriteString("-ERR")
	if e.Code != "" {
		b.WriteString(" [" + e.Code + "]")
	}
	if e.Text != "" {
		b.WriteString(" " + e.Text)
	}
	c.writeLine(b.String())
}

// writeLine writes one line and its CRLF, tracing it.
func (c *conn) writeLine(s string) {
	c.trace("S: " + s)
	c.bw.WriteString(s)
	c.bw.WriteString("\r\n")
}

// trace writes a transcript line if the server has a Trace writer.
func (c *conn) trace(s string) {
	w := c.srv.Trace
	if w == nil {
		return
	}
	c.srv.traceMu.Lock()
	defer c.srv.traceMu.Unlock()
	fmt.Fprintf(w, "%d %s\n", c.id, s)
}

func (c *conn) connInfo() *ConnInfo {
	return &ConnInfo{RemoteAddr: c.nc.RemoteAddr(), LocalAddr: c.nc.LocalAddr(), TLS: c.tlsState}
}

// deadlineWriter sets a write deadline before each write, so a client
// that stops reading cannot hold a session forever.
type deadlineWriter struct {
	nc      net.Conn
	timeout time.Duration
}

func (w deadlineWriter) Write(p []byte) (int, error) {
	w.nc.SetWriteDeadline(time.Now().Add(w.timeout))
	return w.nc.Write(p)
}

// randUint32 returns a random number for the APOP timestamp.
func randUint32() uint32 {
	var b [4]byte
	rand.Read(b[:])
	return uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
}
