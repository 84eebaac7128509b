package smtp

import (
	"bufio"
	"context"
	"crypto/tls"
	"encoding/base32"
	"encoding/binary"
	"errors"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"github.com/mailstack/mailstack/envelope"
	"github.com/mailstack/mailstack/internal/lmtpmark"
	"github.com/mailstack/mailstack/internal/wire"
)

// errShutdown interrupts the read of a session waiting for a command while
// the server shuts down.
var errShutdown = errors.New("smtp: server shutting down")

// Buffer sizes. The reader is larger than the writer because it carries
// message data; both come from pools so idle connections stay cheap.
const (
	readBufferSize  = 8 << 10
	writeBufferSize = 4 << 10
)

var (
	readerPool = sync.Pool{New: func() any { return bufio.NewReaderSize(nil, readBufferSize) }}
	writerPool = sync.Pool{New: func() any { return bufio.NewWriterSize(nil, writeBufferSize) }}
)

// conn is one session. Everything but mu, nc and idle belongs to the
// connection's goroutine.
type conn struct {
	srv *Server
	lim *limits
	log *slog.Logger

	mu   sync.Mutex // guards nc, idle and readSet against Shutdown and Close
	nc   net.Conn   // the connection, a *tls.Conn once TLS is on
	idle bool       // waiting for a command: Shutdown may interrupt

	// readSet and writeSet are when the read and write deadlines were
	// last set, to timeouts readFor and writeFor; see refreshed.
	readSet, writeSet time.Time
	readFor           time.Duration

	br          *bufio.Reader
	lr          *wire.LineReader
	bw          *bufio.Writer
	readTimeout time.Duration
	writeErr    error

	ctx    context.Context
	cancel context.CancelFunc
	info   ConnInfo
	sess   Session
	ext    sessionExt
	lmtp   bool
	full   bool // over Limits.MaxConnections: answered 421 and closed

	greeted    bool // HELO, EHLO or LHLO accepted
	rejected   bool // the greeting was 5xx: only QUIT is served
	tx         *transaction
	errors     int    // erroneous commands so far
	unauthCmds int    // commands before AUTH, under RequireAuth
	quit       bool   // stop serving after the current command
	started    bool   // the first command has been read from
	pending    []byte // a command read while reading BDAT chunks
	pendingErr error  // a read error met there
	msgs       int    // messages received, for IDs
	dr         wire.DataReader
}

// sessionExt holds the optional interfaces the session implements.
type sessionExt struct {
	auth       AuthSession
	helo       HeloSession
	dsn        bool
	binary     bool
	requireTLS bool
	traceID    TraceIDSession
	// lmtpData delivers a message in LMTP mode, one result per recipient.
	lmtpData func(ctx context.Context, r io.Reader, rcpts []Rcpt) []error
}

// transaction is a mail transaction in progress (RFC 5321 §3.3).
type transaction struct {
	from   envelope.Path
	params envelope.MailParams
	rcpts  []Rcpt
	bdat   bool // BDAT has been used: DATA is out of sequence
}

// idEncoding writes connection IDs with characters that are atext, so
// they appear unchanged in Received fields.
var idEncoding = base32.NewEncoding("0123456789ABCDEFGHJKMNPQRSTVWXYZ").WithPadding(base32.NoPadding)

func newConn(s *Server, nc net.Conn) *conn {
	c := &conn{srv: s, lim: &s.lim, log: s.log, nc: nc, lmtp: s.lmtp}
	var id [8]byte
	binary.BigEndian.PutUint64(id[:], rand.Uint64())
	c.info = ConnInfo{
		ID:         idEncoding.EncodeToString(id[:]),
		RemoteAddr: nc.RemoteAddr(),
		LocalAddr:  nc.LocalAddr(),
		LMTP:       s.lmtp,
	}
	if s.Logger != nil {
		c.log = s.log.With("conn", c.info.ID)
	}
	c.br = readerPool.Get().(*bufio.Reader)
	c.br.Reset(connReader{c})
	c.bw = writerPool.Get().(*bufio.Writer)
	c.bw.Reset(connWriter{c})
	c.lr = wire.NewLineReader(c.br, c.lim.maxLine)
	c.lr.Strict = true    // RFC 5321 §2.3.8
	c.lr.RejectNUL = true // RFC 5321 §4.1.1: commands are text
	c.readTimeout = c.lim.command
	c.ctx, c.cancel = context.WithCancel(s.ctx)
	return c
}

// serve runs the session to its end. A panic in a backend hook ends
// this session only, as in net/http.
func (c *conn) serve() {
	defer c.finish()
	defer func() {
		if p := recover(); p != nil {
			c.log.Error("smtp: panic serving connection", "panic", p, "stack", string(debug.Stack()))
		}
	}()
	c.log.Debug("smtp: connection", "remote", c.info.RemoteAddr)
	if !c.start() {
		return
	}
	for !c.quit {
		line, err := c.nextCommand()
		if err != nil {
			c.readError(err)
			continue
		}
		c.dispatch(line)
	}
}

// start checks the connection limit, completes an implicit TLS handshake,
// creates the session and greets the client. It reports whether to go on.
func (c *conn) start() bool {
	if c.full {
		c.reply(replyTooManyConns)
		return false
	}
	if tc, ok := c.nc.(*tls.Conn); ok && !c.handshake(tc) {
		return false
	}
	sess, err := c.srv.Backend.NewSession(c.ctx, &c.info)
	if err == nil && sess == nil {
		err = errors.New("smtp: Backend.NewSession returned no session")
	}
	if err != nil {
		return c.refuseGreeting(err)
	}
	c.sess = sess
	c.ext = detectExtensions(sess)
	c.writeWire(c.srv.greeting)
	return true
}

// refuseGreeting answers a connection the backend refused. After a 5xx
// greeting RFC 5321 §3.1 has the server wait for QUIT.
func (c *conn) refuseGreeting(err error) bool {
	var r *envelope.Reply
	if !errors.As(err, &r) || r == nil || !r.Permanent() && !r.Temporary() {
		c.log.Error("smtp: backend refused the connection", "err", err)
		r = envelope.ReplyServiceNotAvailable
	}
	c.reply(r)
	if r.Permanent() {
		c.rejected = true
		return true
	}
	return false
}

// detectExtensions finds the optional interfaces of a session once.
func detectExtensions(sess Session) sessionExt {
	var opt any = sess
	var ext sessionExt
	if l, ok := sess.(interface {
		LMTPSession(lmtpmark.Token) (any, func(context.Context, io.Reader, []Rcpt) []error)
	}); ok {
		opt, ext.lmtpData = l.LMTPSession(lmtpmark.Token{})
	}
	ext.auth, _ = opt.(AuthSession)
	ext.helo, _ = opt.(HeloSession)
	_, ext.dsn = opt.(DSNSession)
	_, ext.binary = opt.(BinaryMIMESession)
	_, ext.requireTLS = opt.(RequireTLSSession)
	ext.traceID, _ = opt.(TraceIDSession)
	return ext
}

// handshake completes a TLS handshake within the command timeout.
func (c *conn) handshake(tc *tls.Conn) bool {
	ctx, cancel := context.WithTimeout(c.ctx, c.lim.command)
	defer cancel()
	if err := tc.HandshakeContext(ctx); err != nil {
		c.log.Debug("smtp: TLS handshake failed", "err", err)
		return false
	}
	state := tc.ConnectionState()
	c.info.TLS = &state
	return true
}

// finish ends the session: it flushes pending replies, calls Logout and
// closes the connection.
func (c *conn) finish() {
	c.flush()
	if c.sess != nil {
		if err := c.sess.Logout(c.ctx); err != nil {
			c.log.Warn("smtp: logout failed", "err", err)
		}
	}
	c.cancel()
	c.mu.Lock()
	c.nc.Close()
	c.mu.Unlock()
	c.br.Reset(nil)
	readerPool.Put(c.br)
	c.bw.Reset(nil)
	writerPool.Put(c.bw)
	c.log.Debug("smtp: connection closed")
}

// nextCommand reads the next command line, or returns the one the BDAT
// reader already read.
func (c *conn) nextCommand() ([]byte, error) {
	if c.pending != nil || c.pendingErr != nil {
		line, err := c.pending, c.pendingErr
		c.pending, c.pendingErr = nil, nil
		return line, err
	}
	if c.srv.group.Closing() {
		return nil, errShutdown
	}
	c.lr.Max = c.lineLimit()
	c.readTimeout = c.lim.command
	c.setIdle(true)
	if !c.started {
		c.started = true
		if err := c.checkTLSHello(); err != nil {
			c.setIdle(false)
			return nil, err
		}
	}
	line, err := c.lr.ReadLine()
	c.setIdle(false)
	return line, err
}

// errTLSHello reports a TLS ClientHello sent in place of the first
// command, by a client that expected implicit TLS (RFC 8314).
var errTLSHello = errors.New("smtp: TLS handshake on a plaintext port")

// checkTLSHello looks at the first octet the client sends: 0x16 begins a
// TLS handshake record (RFC 8446 §5.1), which would otherwise wait, with
// no line end, for the command timeout.
func (c *conn) checkTLSHello() error {
	b, err := c.br.Peek(1)
	if err != nil {
		return err
	}
	if b[0] == 0x16 && c.info.TLS == nil {
		return errTLSHello
	}
	return nil
}

// lineLimit is the longest command line accepted now: AUTH lines may be
// longer than others (RFC 4954 §4), so while AUTH is possible the reader
// takes them and dispatch checks the others.
func (c *conn) lineLimit() int {
	if c.ext.auth != nil && !c.info.Authenticated() {
		return max(c.lim.maxLine, MaxAuthLineLength)
	}
	return c.lim.maxLine
}

// readError answers a failed command read. Over-long lines, bare line
// endings and NULs leave the stream in step (package wire consumes the
// whole line), so the session goes on; anything else ends it.
func (c *conn) readError(err error) {
	var ne net.Error
	timeout := errors.As(err, &ne) && ne.Timeout()
	switch {
	case errors.Is(err, wire.ErrLineTooLong):
		c.fail(envelope.ReplyLineTooLong)
	case errors.Is(err, wire.ErrBareLineEnding):
		c.fail(replyBareCommand)
	case errors.Is(err, wire.ErrNUL):
		c.fail(replyNULCommand)
	case errors.Is(err, errShutdown) || timeout && c.srv.group.Closing():
		c.reply(replyShuttingDown)
	case timeout:
		c.log.Debug("smtp: timeout")
		c.reply(envelope.ReplyTimeout)
	case errors.Is(err, errTLSHello):
		c.log.Info("smtp: TLS handshake on a plaintext port, closing")
		c.quit = true
	default:
		if err != io.EOF {
			c.log.Debug("smtp: read failed", "err", err)
		}
		c.quit = true
	}
}

// isRecoverable reports a read error after which the stream is in step.
func isRecoverable(err error) bool {
	return errors.Is(err, wire.ErrLineTooLong) || errors.Is(err, wire.ErrBareLineEnding) || errors.Is(err, wire.ErrNUL)
}

// fail answers an erroneous command and counts it; past Limits.MaxErrors
// the session is closed with 421 (RFC 5321 §4.2.2 allows 421 at any time).
func (c *conn) fail(r *envelope.Reply) {
	c.reply(r)
	c.errors++
	if c.errorLimitReached() {
		c.log.Info("smtp: too many errors")
		c.reply(replyTooManyErrors)
	}
}

func (c *conn) errorLimitReached() bool {
	return c.lim.maxErrors >= 0 && c.errors >= c.lim.maxErrors
}

// reply writes r. A 421 reply ends the session (RFC 5321 §3.8).
func (c *conn) reply(r *envelope.Reply) {
	if r.Code == 421 {
		c.quit = true
	}
	if c.writeErr != nil {
		return
	}
	if w, ok := cannedWire[r]; ok {
		c.writeWire(w)
		return
	}
	var b strings.Builder
	if _, err := r.WriteTo(&b); err != nil {
		// A backend's reply with a code outside RFC 5321 §4.2.
		c.log.Error("smtp: invalid reply", "err", err)
		b.Reset()
		envelope.ReplyLocalError.WriteTo(&b)
	}
	c.writeWire(b.String())
}

// writeWire writes a reply already in wire form.
func (c *conn) writeWire(w string) {
	if c.srv.Trace != nil {
		c.traceWire(w)
	}
	if _, err := c.bw.WriteString(w); err != nil {
		c.writeErr = err
		c.quit = true
	}
}

// flush sends the buffered replies.
func (c *conn) flush() {
	if c.writeErr == nil && c.bw.Buffered() > 0 {
		if err := c.bw.Flush(); err != nil {
			c.writeErr = err
			c.quit = true
		}
	}
}

func (c *conn) setIdle(idle bool) {
	c.mu.Lock()
	c.idle = idle
	c.mu.Unlock()
}

// setConn replaces the connection after a TLS handshake.
func (c *conn) setConn(nc net.Conn) {
	c.mu.Lock()
	c.nc = nc
	c.readSet, c.writeSet = time.Time{}, time.Time{}
	c.mu.Unlock()
}

// wakeIfIdle makes a read waiting for a command return at once, for
// Shutdown.
func (c *conn) wakeIfIdle() {
	c.mu.Lock()
	if c.idle {
		c.nc.SetReadDeadline(time.Unix(1, 0))
		c.readSet = time.Time{} // the next read must set its own
	}
	c.mu.Unlock()
}

// closeNow closes the connection from another goroutine, for Close.
func (c *conn) closeNow() {
	c.mu.Lock()
	c.nc.Close()
	c.mu.Unlock()
}

// connReader reads from the connection with the current read timeout. It
// first sends the replies buffered so far: the server reads only when the
// client's pipelined commands are used up, which is when RFC 2920 §3.1
// wants the replies flushed.
type connReader struct{ c *conn }

func (r connReader) Read(p []byte) (int, error) {
	c := r.c
	c.flush()
	if c.writeErr != nil {
		return 0, c.writeErr
	}
	c.mu.Lock()
	if c.idle && c.srv.group.Closing() {
		c.mu.Unlock()
		return 0, errShutdown
	}
	nc := c.nc
	if now := time.Now(); !refreshed(c.readSet, now, c.readFor, c.readTimeout) {
		nc.SetReadDeadline(now.Add(c.readTimeout))
		c.readSet, c.readFor = now, c.readTimeout
	}
	c.mu.Unlock()
	return nc.Read(p)
}

// deadlineSlack is how stale a deadline may be before it is set again:
// a second, or a sixteenth of the timeout if that is less. Setting one
// costs a timer update per read or write; a session's many small reads
// share one, at the price of timeouts up to this much shorter than
// configured.
const deadlineSlack = time.Second

// refreshed reports whether a deadline set at set for timeout was, at
// now, set recently enough for the same timeout.
func refreshed(set, now time.Time, was, timeout time.Duration) bool {
	return was == timeout && !set.IsZero() && now.Sub(set) < min(deadlineSlack, timeout/16)
}

// connWriter writes to the connection with the write timeout.
type connWriter struct{ c *conn }

func (w connWriter) Write(p []byte) (int, error) {
	c := w.c
	nc := c.nc // changed only by this goroutine
	if now := time.Now(); !refreshed(c.writeSet, now, c.lim.write, c.lim.write) {
		nc.SetWriteDeadline(now.Add(c.lim.write))
		c.writeSet = now
	}
	return nc.Write(p)
}
