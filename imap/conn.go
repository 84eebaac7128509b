package imap

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"io"
	"log/slog"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/mailstack/mailstack/imap/internal/imapwire"
	"github.com/mailstack/mailstack/imap/internal/inflate"
	"github.com/mailstack/mailstack/store"
)

// state is a session state (RFC 9051 §3).
type state int

const (
	stateNotAuth state = iota
	stateAuth
	stateSelected
	stateLogout
)

// conn is one client connection and its session.
type conn struct {
	srv *Server
	nc  net.Conn
	// raw is the accepted connection, never replaced: Shutdown and Close
	// reach it from other goroutines while the session may be swapping
	// nc for its TLS layer (STARTTLS).
	raw   net.Conn
	rd    io.Reader     // nc, or the tracer reading it
	br    *bufio.Reader // from readerPool; nil while waiting for a command
	first firstByte     // what br reads: a byte read while waiting, then rd
	dec   *imapwire.Decoder
	enc   *imapwire.Encoder
	trace *tracer
	log   *slog.Logger
	ctx   context.Context
	stop  context.CancelFunc

	state state
	isTLS bool
	user  string
	st    store.Store
	sel   *view
	rev2  bool // ENABLE IMAP4rev2
	utf8  bool // ENABLE UTF8=ACCEPT
	// condstore is set once the client used CONDSTORE (RFC 7162 §3.1:
	// ENABLE, SELECT (CONDSTORE), a MODSEQ item or modifier); qresync by
	// ENABLE QRESYNC, which implies it.
	condstore bool
	qresync   bool
	// saved is the SEARCHRES result ($, RFC 5182 §2.1), as UIDs.
	saved []store.UID
	// notify holds the NOTIFY SET state (RFC 5465), nil without one.
	notify *notifyState
	// compressed is the stream once COMPRESS DEFLATE is active (RFC
	// 4978), nil before.
	compressed *deflateStream
	bads       int
	preAuth    int
	fails      int

	pendingKey string // SEARCH: a key name read while looking for CHARSET
	badCharset bool   // SEARCH: an unknown CHARSET was given
}

func (s *Server) newConn(nc net.Conn) *conn {
	c := &conn{srv: s, nc: nc, raw: nc}
	c.start()
	return c
}

// start readies a registered connection for its session: context, logger
// and I/O.
func (c *conn) start() {
	s, nc := c.srv, c.nc
	c.ctx, c.stop = context.WithCancel(context.Background())
	c.log = s.logger().With("conn", s.group.NextID(), "remote", nc.RemoteAddr().String())
	_, c.isTLS = nc.(*tls.Conn)
	c.setupIO(nc)
}

// setupIO (re)builds the reader, writer and codec over nc, as after
// STARTTLS.
func (c *conn) setupIO(nc net.Conn) {
	c.nc = nc
	var rw interface {
		Read([]byte) (int, error)
		Write([]byte) (int, error)
	} = nc
	if c.srv.Trace != nil {
		c.trace = newTracer(c.srv.Trace, nc)
		rw = c.trace
	}
	c.rd = rw
	c.first = firstByte{r: rw}
	if c.br == nil {
		c.br = readerPool.Get().(*bufio.Reader)
	}
	c.br.Reset(&c.first)
	c.dec = imapwire.NewDecoder(c.br, imapwire.Limits{
		MaxCommand: orInt(c.srv.MaxCommandSize, 64<<10),
		MaxDepth:   orInt(c.srv.MaxDepth, 32),
	})
	c.dec.Continue = c.continueLiteral
	c.enc = imapwire.NewPooledEncoder(rw)
	c.dec.UTF8, c.enc.UTF8 = c.utf8, c.utf8
}

func (c *conn) continueLiteral() error {
	c.enc.Raw("+ Ready for literal data\r\n")
	return c.enc.Flush()
}

func (c *conn) serve() {
	defer c.srv.group.Remove(c)
	defer c.close()
	c.log.Debug("connected")
	c.setWriteDeadline()
	c.enc.Raw("* OK [CAPABILITY ")
	c.writeCaps()
	c.enc.Raw("] mailstack IMAP ready\r\n")
	if c.enc.Flush() != nil {
		return
	}
	for c.state != stateLogout {
		if !c.readCommand() {
			return
		}
	}
}

func (c *conn) close() {
	c.stop()
	c.enc.Release()
	if c.br != nil {
		c.br.Reset(nil)
		readerPool.Put(c.br)
		c.br = nil
	}
	if c.sel != nil {
		c.sel.close()
		c.sel = nil
	}
	c.stopNotify()
	if c.st != nil {
		c.st.Close()
	}
	c.nc.Close()
	c.log.Debug("closed")
}

func (c *conn) timeout() time.Duration {
	if c.state == stateNotAuth {
		return orDur(c.srv.PreAuthTimeout, time.Minute)
	}
	return orDur(c.srv.IdleTimeout, 30*time.Minute)
}

func (c *conn) setWriteDeadline() {
	c.nc.SetWriteDeadline(time.Now().Add(orDur(c.srv.WriteTimeout, 5*time.Minute)))
}

// bye sends an untagged BYE (RFC 9051 §7.1.5) and ends the session.
func (c *conn) bye(text string) {
	c.setWriteDeadline()
	c.enc.Raw("* BYE " + text + "\r\n")
	c.enc.Flush()
	c.state = stateLogout
}

// readCommand reads and runs one command; false ends the connection.
func (c *conn) readCommand() bool {
	c.nc.SetReadDeadline(time.Now().Add(c.timeout()))
	if c.srv.group.Closing() {
		c.bye("Server shutting down")
		return false
	}
	c.enc.Release()
	if !c.awaitCommand() {
		return false
	}
	c.dec.Reset()
	var tag, name string
	if !c.dec.ExpectTag(&tag) || !c.dec.ExpectSP() || !c.dec.ExpectAtom(&name) {
		return c.decodeFailed(tag)
	}
	name = strings.ToUpper(name)
	uid := false
	if name == "UID" {
		uid = true
		if !c.dec.ExpectSP() || !c.dec.ExpectAtom(&name) {
			return c.decodeFailed(tag)
		}
		name = strings.ToUpper(name)
	}
	c.setWriteDeadline()
	return c.run(&command{tag: tag, name: name, uid: uid})
}

// decodeFailed answers a command whose syntax or limits failed.
func (c *conn) decodeFailed(tag string) bool {
	err := c.dec.Err()
	var tooBig *imapwire.LiteralTooBigError
	switch {
	case errors.As(err, &tooBig) && !tooBig.Sync:
		// RFC 7888 §4: the literal is on its way; we will not read it.
		c.bye("[TOOBIG] Literal too big")
		return false
	case errors.As(err, &tooBig):
		c.reply(tag, no("TOOBIG", "Literal too big"))
	case imapwire.IsSyntax(err) || errors.Is(err, imapwire.ErrCommandTooLong) || errors.Is(err, imapwire.ErrTooDeep):
		if c.dec.Discard() != nil {
			return false
		}
		if tag == "" {
			tag = "*"
		}
		c.reply(tag, bad("", syntaxText(err)))
		return c.countBad()
	case errors.Is(err, inflate.ErrCorrupt): // after COMPRESS
		c.bye("Invalid compressed data")
		return false
	default: // I/O error or timeout
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			if c.srv.group.Closing() {
				c.bye("Server shutting down")
			} else {
				c.bye("Autologout; idle for too long")
			}
		}
		return false
	}
	return c.enc.Flush() == nil
}

func syntaxText(err error) string {
	switch {
	case errors.Is(err, imapwire.ErrCommandTooLong):
		return "Command line too long"
	case errors.Is(err, imapwire.ErrTooDeep):
		return "Lists nested too deep"
	}
	return "Syntax error"
}

func (c *conn) countBad() bool {
	c.bads++
	if c.bads >= orInt(c.srv.MaxBadCommands, 20) {
		c.bye("Too many invalid commands")
		return false
	}
	return c.enc.Flush() == nil
}

// reply writes a tagged status response.
func (c *conn) reply(tag string, e *Error) {
	typ := e.Type
	if typ == "" {
		typ = "NO"
	}
	c.enc.Raw(tag).SP().Raw(typ).SP()
	if e.Code != "" {
		c.enc.Byte('[').Raw(e.Code).Raw("] ")
	}
	c.enc.Raw(e.Text).CRLF()
}

// Buffers are what an idle session would mostly hold: between commands
// (and while it IDLEs) a session gives its read and write buffers back,
// and blocks reading a single byte into firstByte instead.
var readerPool = sync.Pool{New: func() any { return bufio.NewReaderSize(nil, 4096) }}

// firstByte is the reader under a session's bufio.Reader: a byte read
// while the session waited for a command, then the connection.
type firstByte struct {
	r   io.Reader
	b   [1]byte
	has bool
}

func (f *firstByte) Read(p []byte) (int, error) {
	if f.has && len(p) > 0 {
		p[0], f.has = f.b[0], false
		return 1, nil
	}
	return f.r.Read(p)
}

// awaitInput waits for the client's next line without holding the read
// buffer: unless the client has already sent more (pipelining), the buffer
// goes back to its pool and a one-byte read blocks until the client
// speaks. An error of that read (timeout, EOF) is met again by the decoder,
// which handles it. Callers give the write buffer back first
// (Encoder.Release).
func (c *conn) awaitInput() {
	if c.br != nil && c.br.Buffered() > 0 {
		return
	}
	if c.br != nil {
		c.br.Reset(nil)
		readerPool.Put(c.br)
		c.br = nil
	}
	if c.compressed != nil {
		c.compressed.in.lean = true // no input buffer either (compress.go)
	}
	if n, _ := c.rd.Read(c.first.b[:]); n == 1 {
		c.first.has = true
	}
	c.br = readerPool.Get().(*bufio.Reader)
	c.br.Reset(&c.first)
	c.dec.SetReader(c.br)
}
