package imap

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"log/slog"
	"net"
	"sync"
	"time"

	"github.com/mailstack/mailstack/internal/serve"
	"github.com/mailstack/mailstack/store"
)

// Authenticator checks a user's credentials (LOGIN, AUTHENTICATE PLAIN).
// It returns nil to accept, ErrAuthFailed (or an *Error) to refuse; any
// other error is reported as a temporary failure.
type Authenticator interface {
	Authenticate(ctx context.Context, username, password string) error
}

// AuthenticatorFunc adapts a function to Authenticator.
type AuthenticatorFunc func(ctx context.Context, username, password string) error

// Authenticate calls f.
func (f AuthenticatorFunc) Authenticate(ctx context.Context, username, password string) error {
	return f(ctx, username, password)
}

// Server is an IMAP server. Its zero value needs only Backend and Auth to
// serve; every other field has a working default. A Server must not be
// copied after first use.
type Server struct {
	// Backend opens each authenticated user's store. Required.
	Backend store.Backend
	// Auth checks credentials. Default nil: every login fails.
	Auth Authenticator

	// TLSConfig enables STARTTLS (RFC 9051 §6.2.1) and is used by
	// ListenAndServeTLS. Default nil: no STARTTLS.
	TLSConfig *tls.Config
	// AllowInsecureAuth permits LOGIN and AUTHENTICATE over a
	// connection without TLS. Default false: LOGINDISABLED is advertised
	// before TLS (RFC 9051 §6.2.3), and authentication is refused.
	AllowInsecureAuth bool

	// MaxCommandSize bounds one command's bytes, its string literals
	// included and APPEND's message excluded. Default 64 KiB.
	MaxCommandSize int
	// AppendLimit bounds an appended message, advertised as APPENDLIMIT
	// (RFC 7889). Default 64 MiB.
	AppendLimit int64
	// MaxAppendMessages bounds the messages of one APPEND (RFC 3502
	// MULTIAPPEND): a command with more fails with NO [LIMIT], and none
	// of its messages is added. Default 1000.
	MaxAppendMessages int
	// MaxDepth bounds list nesting in commands. Default 32.
	MaxDepth int
	// MaxBadCommands is how many BAD replies a connection gets before it
	// is closed. Default 20.
	MaxBadCommands int
	// MaxPreAuthCommands is how many commands a connection may send
	// before it authenticates. Default 50.
	MaxPreAuthCommands int
	// MaxAuthFailures is how many failed logins a connection may make
	// before it is closed. Default 3.
	MaxAuthFailures int
	// AuthFailureDelay is waited before answering a failed login, to slow
	// password guessing. Default 1 s; negative for none.
	AuthFailureDelay time.Duration

	// IdleTimeout closes an authenticated connection after this long
	// without a command, IDLE included (RFC 9051 §5.4: at least 30
	// minutes). Default 30 min.
	IdleTimeout time.Duration
	// PreAuthTimeout is IdleTimeout before authentication. Default 1 min.
	PreAuthTimeout time.Duration
	// WriteTimeout bounds the sending of one response. Default 5 min.
	WriteTimeout time.Duration

	// CacheSize bounds the memory, shared by all sessions, that keeps
	// what FETCH computes from a message's content and that never
	// changes for a UID: its size with CRLF line ends (RFC822.SIZE) and
	// its ENVELOPE, BODY and BODYSTRUCTURE. Least recently used entries
	// go first; the cache lives as long as the Server, and what it
	// learns is also handed to mailboxes that implement
	// store.MessageCache, to outlive it. Default 32 MiB; negative
	// disables both.
	CacheSize int64

	// MaxNotifyMailboxes bounds the mailboxes one session's NOTIFY
	// (RFC 5465) watches for message events; each is an open mailbox
	// with a Watch. A NOTIFY SET that would watch more is refused with
	// NO [NOTIFICATIONOVERFLOW], and a session whose watched set grows
	// past it (mailboxes created later) gets "* OK
	// [NOTIFICATIONOVERFLOW]" and NOTIFY is turned off (§5.8). What a
	// watch costs is the store's: package maildir holds three inotify
	// watches per watched folder on Linux, else stats it twice every
	// Config.PollInterval. Default 256.
	MaxNotifyMailboxes int

	// DisableCompress withdraws COMPRESS=DEFLATE (RFC 4978). Default
	// false: it is advertised after authentication. Compression costs
	// CPU and, for as long as a compressed session lives, memory: its
	// decompressor's window, as large as what the client sent, up to
	// 32 KiB. Under TLS, compressing secrets next to text an attacker
	// chooses can leak them (RFC 4978 §6).
	DisableCompress bool

	// MaxConnections is how many connections the Server serves at once;
	// one more gets "* BYE [UNAVAILABLE]" and is closed. Default
	// DefaultMaxConnections; negative means no limit.
	MaxConnections int

	// Logger receives connection events. Default nil: discard.
	Logger *slog.Logger
	// Trace, when set, receives the protocol dialog ("C: "/"S: "
	// lines) with passwords and SASL data redacted. Default nil.
	Trace io.Writer

	mu        sync.Mutex // guards meta's creation
	group     serve.Group[*conn]
	recent    recentTracker
	notifyHub notifyHub
	meta      *metaCache
}

// ErrServerClosed is returned by Serve after Shutdown or Close.
var ErrServerClosed = errors.New("imap: server closed")

func (s *Server) appendLimit() int64 {
	if s.AppendLimit <= 0 {
		return 64 << 20
	}
	return s.AppendLimit
}

func orInt(v, def int) int {
	if v <= 0 {
		return def
	}
	return v
}

func orDur(v, def time.Duration) time.Duration {
	if v <= 0 {
		return def
	}
	return v
}

func (s *Server) logger() *slog.Logger {
	if s.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return s.Logger
}

func (s *Server) init() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.meta == nil {
		size := s.CacheSize
		if size == 0 {
			size = 32 << 20
		}
		s.meta = newMetaCache(size)
	}
}

// ListenAndServe listens on the TCP address addr and serves plaintext
// IMAP with STARTTLS when TLSConfig is set (port 143).
func (s *Server) ListenAndServe(addr string) error {
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	return s.Serve(l)
}

// ListenAndServeTLS listens on addr and serves IMAP over implicit TLS
// (port 993, RFC 8314 §3.2) with TLSConfig.
func (s *Server) ListenAndServeTLS(addr string) error {
	if s.TLSConfig == nil {
		return errors.New("imap: ListenAndServeTLS needs TLSConfig")
	}
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	return s.Serve(tls.NewListener(l, s.TLSConfig))
}

// Serve accepts connections on l and serves each in its own goroutine.
// Connections from a listener made by tls.NewListener count as TLS. It
// returns ErrServerClosed after Shutdown or Close.
func (s *Server) Serve(l net.Listener) error {
	s.init()
	err := s.group.Serve(l, s.retryAccept, func(nc net.Conn) {
		c := &conn{srv: s, nc: nc, raw: nc}
		ok, full := s.group.Add(c, s.maxConnections())
		switch {
		case !ok:
			nc.Close() // Shutdown has closed l: Serve returns next
			return
		case full:
			s.group.Remove(c) // a refused client does not count
			go s.refuse(nc)
			return
		}
		c.start()
		go c.serve()
	})
	if err == serve.ErrClosed {
		return ErrServerClosed
	}
	return err
}

// DefaultMaxConnections is Server.MaxConnections's default. A client may
// hold several connections (one per mailbox it watches), so it is as
// generous as smtp's.
const DefaultMaxConnections = 1024

// track registers c, whatever the limit, until its session ends; false
// after Shutdown or Close. For connections a test builds by hand.
func (s *Server) track(c *conn) bool {
	ok, _ := s.group.Add(c, -1)
	return ok
}

// maxConnections is MaxConnections with its default; negative: no limit.
func (s *Server) maxConnections() int {
	if s.MaxConnections == 0 {
		return DefaultMaxConnections
	}
	return s.MaxConnections
}

// refuse tells a client over the connection limit to come back later
// with a BYE instead of the greeting (RFC 9051 §7.1.5; UNAVAILABLE, RFC
// 5530 §3). Over implicit TLS it only closes: a handshake is what an
// overloaded server should not spend.
func (s *Server) refuse(nc net.Conn) {
	if _, ok := nc.(*tls.Conn); !ok {
		nc.SetWriteDeadline(time.Now().Add(orDur(s.WriteTimeout, 5*time.Minute)))
		io.WriteString(nc, "* BYE [UNAVAILABLE] Too many connections, try again later\r\n")
	}
	nc.Close()
}

// retryAccept retries, and logs, an accept error worth retrying, such as
// EMFILE: running out of descriptors for a moment must not stop the
// server.
func (s *Server) retryAccept(err error, delay time.Duration) bool {
	if !serve.Temporary(err) {
		return false
	}
	s.logger().Warn("imap: accept failed; retrying", "err", err, "delay", delay)
	return true
}

// Shutdown stops accepting connections, asks every session to end (each
// gets "* BYE" once its current command completes; an IDLE ends at once)
// and waits for them until ctx is done, when it closes the rest.
func (s *Server) Shutdown(ctx context.Context) error {
	s.init()
	return s.group.Shutdown(ctx, wakeReader, s.Close)
}

// wakeReader ends a read blocked between commands or in IDLE: the
// session then sees the server closing and says BYE.
func wakeReader(c *conn) { c.raw.SetReadDeadline(time.Now()) }

// Close closes the listeners and every connection at once, without BYE.
func (s *Server) Close() error {
	s.init()
	s.group.Stop()
	s.group.Each(func(c *conn) { c.raw.Close() })
	return nil
}
