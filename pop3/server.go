package pop3

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"sync"
	"time"

	"github.com/mailstack/mailstack/internal/serve"
	"github.com/mailstack/mailstack/store"
)

// Server is a POP3 server. Its zero value, given a Backend, serves
// plaintext POP3 with USER/PASS refused (there is no TLS to protect the
// password); set TLSConfig for STLS and implicit TLS. Fields must not be
// changed after Serve is called.
type Server struct {
	// Addr is the address ListenAndServe and ListenAndServeTLS listen
	// on. Default ":pop3" (110) and ":pop3s" (995).
	Addr string

	// Backend authenticates users and opens their maildrops. Required.
	Backend Backend

	// TLSConfig enables STLS (RFC 2595 §4) and is used by ServeTLS and
	// ListenAndServeTLS. Default nil: no TLS.
	TLSConfig *tls.Config

	// AllowInsecureAuth lets USER/PASS and SASL PLAIN/LOGIN run on a
	// connection without TLS. Default false: they are refused with
	// -ERR [AUTH] and not advertised until STLS (RFC 2595 §6).
	AllowInsecureAuth bool

	// Hostname appears in the APOP timestamp (RFC 1939 §7). Default
	// "localhost".
	Hostname string

	// Greeting is the text of the +OK greeting. Default "POP3 server
	// ready".
	Greeting string

	// Implementation is advertised as CAPA IMPLEMENTATION (RFC 2449
	// §6.9). Default: not advertised.
	Implementation string

	// Expire is advertised as CAPA EXPIRE (RFC 2449 §6.7): "NEVER", or a
	// number of days, optionally followed by " USER". The server deletes
	// nothing by itself; the value tells clients the site's policy.
	// Default: not advertised.
	Expire string

	// LoginDelay is advertised as CAPA LOGIN-DELAY (RFC 2449 §6.8), in
	// whole seconds. The Backend enforces it by returning ErrLoginDelay.
	// Default 0: not advertised.
	LoginDelay time.Duration

	// NoFlagUpdates stops the server from setting \Seen on the messages
	// a session retrieved with RETR (done in the UPDATE state, as
	// Dovecot does). Default false.
	NoFlagUpdates bool

	// UIDL returns a message's unique-id (RFC 1939 §7): 1 to 70
	// characters 0x21-0x7E, the same in every session while the
	// mailbox's UIDVALIDITY holds. Default DovecotUIDL, so clients moving
	// between Dovecot and this server on one Maildir download nothing
	// twice.
	UIDL func(uidValidity uint32, uid store.UID) string

	// MaxLineLength is the longest command line, in octets including
	// CRLF. Default DefaultMaxLineLength.
	MaxLineLength int
	// MaxAuthLineLength is the longest SASL response line. Default
	// DefaultMaxAuthLineLength.
	MaxAuthLineLength int
	// MaxErrors is how many erroneous commands a session may send before
	// it is closed. Default DefaultMaxErrors.
	MaxErrors int
	// MaxCommandsBeforeAuth is how many commands a session may send
	// before logging in. Default DefaultMaxCommandsBeforeAuth.
	MaxCommandsBeforeAuth int
	// MaxAuthFailures is how many failed logins end a session. Default
	// DefaultMaxAuthFailures.
	MaxAuthFailures int
	// MaxConnections is how many sessions run at once; one more is
	// greeted with -ERR [SYS/TEMP] and closed. Default
	// DefaultMaxConnections.
	MaxConnections int

	// IdleTimeout closes a session that sends no command for this long
	// (RFC 1939 §3 autologout: the session is not UPDATEd). Default
	// DefaultIdleTimeout; values under 10 minutes break RFC 1939 but are
	// honoured.
	IdleTimeout time.Duration
	// WriteTimeout bounds each write to the client. Default
	// DefaultWriteTimeout.
	WriteTimeout time.Duration
	// TLSHandshakeTimeout bounds a TLS handshake. Default
	// DefaultTLSHandshakeTimeout.
	TLSHandshakeTimeout time.Duration

	// Logger receives connection-level events. Default nil: discarded.
	Logger *slog.Logger

	// Trace, if set, receives a transcript of every session, each line
	// prefixed with a session number and "C: " or "S: ". Passwords, APOP
	// digests and SASL responses are replaced by "<redacted>", and
	// message bodies by their size. Writes are serialised. Default nil.
	Trace io.Writer

	group   serve.Group[*conn]
	mu      sync.Mutex // guards locks, ctx and cancel
	locks   map[string]struct{}
	traceMu sync.Mutex
	ctx     context.Context // ended by Close; backend calls derive from it
	cancel  context.CancelFunc
}

// DovecotUIDL formats a unique-id as Dovecot's default pop3_uidl_format
// "%08Xu%08Xv" does: the UID then the UIDVALIDITY, each as eight
// hexadecimal digits. Despite the "X", Dovecot 2.3 writes lower-case
// digits; TestDovecotClient checks this against a real Dovecot.
func DovecotUIDL(uidValidity uint32, uid store.UID) string {
	return fmt.Sprintf("%08x%08x", uint32(uid), uidValidity)
}

// ListenAndServe listens on Addr (default ":pop3") and serves plaintext
// POP3, with STLS if TLSConfig is set.
func (s *Server) ListenAndServe() error {
	addr := s.Addr
	if addr == "" {
		addr = ":pop3"
	}
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("pop3: %w", err)
	}
	return s.Serve(l)
}

// ListenAndServeTLS listens on Addr (default ":pop3s") and serves POP3
// over implicit TLS (RFC 8314 §3.3), using TLSConfig.
func (s *Server) ListenAndServeTLS() error {
	addr := s.Addr
	if addr == "" {
		addr = ":pop3s"
	}
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("pop3: %w", err)
	}
	return s.ServeTLS(l)
}

// ServeTLS serves POP3 over implicit TLS on l (port 995, RFC 8314 §3.3):
// every connection starts with a TLS handshake using TLSConfig.
func (s *Server) ServeTLS(l net.Listener) error {
	if s.TLSConfig == nil {
		l.Close()
		return errors.New("pop3: ServeTLS needs Server.TLSConfig")
	}
	return s.serve(l, true)
}

// Serve accepts connections on l and serves plaintext POP3 on each, with
// STLS if TLSConfig is set. It returns ErrServerClosed after Shutdown or
// Close, and otherwise the listener's error. l is closed on return.
func (s *Server) Serve(l net.Listener) error { return s.serve(l, false) }

func (s *Server) serve(l net.Listener, implicitTLS bool) error {
	if s.Backend == nil {
		l.Close()
		return errors.New("pop3: Server.Backend is nil")
	}
	err := s.group.Serve(l, s.retryAccept, func(nc net.Conn) {
		if c := s.newConn(nc, implicitTLS); c != nil {
			go c.serve()
		}
	})
	if err == serve.ErrClosed {
		return ErrServerClosed
	}
	return fmt.Errorf("pop3: accept: %w", err)
}

// retryAccept retries, and logs, an accept error worth retrying, such as
// EMFILE: running out of descriptors for a moment must not stop the
// server.
func (s *Server) retryAccept(err error, delay time.Duration) bool {
	if !serve.Temporary(err) {
		return false
	}
	s.logger().Warn("pop3: accept failed; retrying", "err", err, "delay", delay)
	return true
}

// newConn registers a connection, or refuses it when the server is full
// or closed, in which case it returns nil.
func (s *Server) newConn(nc net.Conn, implicitTLS bool) *conn {
	c := &conn{srv: s, nc: nc, raw: nc, implicitTLS: implicitTLS}
	ok, full := s.group.Add(c, orDefault(s.MaxConnections, DefaultMaxConnections))
	switch {
	case !ok:
		nc.Close()
		return nil
	case full:
		s.group.Remove(c) // a refused client does not count
		if implicitTLS {
			nc.Close() // a plaintext answer would be noise before TLS
		} else {
			go refuse(nc, s.writeTimeout())
		}
		return nil
	}
	c.id = s.group.NextID()
	return c
}

// refuse tells a client the server is full.
func refuse(nc net.Conn, timeout time.Duration) {
	nc.SetWriteDeadline(time.Now().Add(timeout))
	io.WriteString(nc, "-ERR [SYS/TEMP] too many connections\r\n")
	nc.Close()
}

// Shutdown stops the server gracefully: it closes the listeners, closes
// every session waiting for a command (a dropped session deletes nothing,
// RFC 1939 §6), lets each session finish the command it is running, and
// waits until all are gone or ctx ends, when it closes the rest and
// returns ctx's error.
func (s *Server) Shutdown(ctx context.Context) error {
	return s.group.Shutdown(ctx, (*conn).closeIfIdle, s.Close)
}

// Close stops the server at once: listeners and every session are closed,
// backend calls see their context end, and sessions in progress are not
// UPDATEd.
func (s *Server) Close() error {
	s.group.Stop()
	s.mu.Lock()
	if s.cancel != nil {
		s.cancel()
	}
	s.mu.Unlock()
	s.group.Each(func(c *conn) {
		c.state.Store(connClosed)
		c.raw.Close()
	})
	return nil
}

// lock takes the in-process maildrop lock for key.
func (s *Server) lock(key string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, held := s.locks[key]; held {
		return false
	}
	if s.locks == nil {
		s.locks = map[string]struct{}{}
	}
	s.locks[key] = struct{}{}
	return true
}

func (s *Server) unlock(key string) {
	s.mu.Lock()
	delete(s.locks, key)
	s.mu.Unlock()
}

func (s *Server) writeTimeout() time.Duration {
	return orDefault(s.WriteTimeout, DefaultWriteTimeout)
}

func (s *Server) logger() *slog.Logger {
	if s.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return s.Logger
}

func (s *Server) uidl(v uint32, uid store.UID) string {
	if s.UIDL == nil {
		return DovecotUIDL(v, uid)
	}
	return s.UIDL(v, uid)
}

// baseContext returns the context backend calls derive from.
func (s *Server) baseContext() context.Context {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ctx == nil {
		s.ctx, s.cancel = context.WithCancel(context.Background())
		if s.group.Closing() {
			s.cancel()
		}
	}
	return s.ctx
}
