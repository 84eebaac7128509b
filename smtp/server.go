package smtp

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"log/slog"
	"net"
	"os"
	"sync"
	"time"

	"github.com/mailstack/mailstack/envelope"
	"github.com/mailstack/mailstack/internal/lmtpmark"
	"github.com/mailstack/mailstack/internal/serve"
)

// ErrServerClosed is returned by Serve and the ListenAndServe methods after
// Shutdown or Close.
var ErrServerClosed = errors.New("smtp: server closed")

// ErrNoTLSConfig is returned by ServeTLS and ListenAndServeTLS when the
// Server has no TLSConfig.
var ErrNoTLSConfig = errors.New("smtp: implicit TLS needs Server.TLSConfig")

// Server is an SMTP server (RFC 5321 with the extensions listed in the
// package documentation). Its zero value with a Backend is ready to use;
// every field's comment gives its default. Fields must not be changed once
// the server has started serving. Two Servers share nothing.
type Server struct {
	// Hostname is the name the server gives in its greeting, in EHLO
	// replies and in Received fields. Default: os.Hostname(), or
	// "localhost" if that fails.
	Hostname string

	// TLSConfig enables STARTTLS (RFC 3207) and implicit TLS (ServeTLS,
	// RFC 8314). Default nil: no TLS, and no STARTTLS advertised.
	TLSConfig *tls.Config

	// Limits bounds messages, recipients, lines, errors and connections.
	// The zero value applies the defaults documented on Limits.
	Limits Limits

	// Timeouts bounds how long the server waits for a client. The zero
	// value applies RFC 5321 §4.5.3.2's values.
	Timeouts Timeouts

	// RequireAuth refuses MAIL with 530 5.7.0 until the client has
	// authenticated, as a submission server must (RFC 6409 §4.3), and
	// applies Limits.MaxCommandsBeforeAuth. The Backend's sessions must
	// implement AuthSession, or no mail can ever be sent. Default false.
	RequireAuth bool

	// AllowInsecureAuth offers AUTH on connections without TLS. Default
	// false: AUTH is advertised only under TLS and refused before it with
	// 530 5.7.0 (RFC 4954 §4), so passwords never cross in clear text.
	AllowInsecureAuth bool

	// AuthFailureDelay is how long a failed AUTH waits before its 535
	// reply. Default DefaultAuthFailureDelay; negative means no delay.
	AuthFailureDelay time.Duration

	// AcceptBareLineEndings converts a bare CR or LF in message data to
	// CRLF instead of rejecting the message. Data still ends only at
	// CRLF.CRLF, so this does not open the way to SMTP smuggling, but the
	// message is no longer what the client sent. Default false: such a
	// message is read to its end and answered 554 5.5.2 (RFC 5321 §2.3.8).
	AcceptBareLineEndings bool

	// OmitReceived stops the server from prepending its Received field
	// (RFC 5321 §4.4) to each message. Default false: a Received field
	// naming the client, this host, the protocol (RFC 3848, such as
	// ESMTPSA) and, for a single recipient, the recipient, comes first.
	OmitReceived bool

	// Logger receives connection events and backend errors. Default nil:
	// nothing is logged.
	Logger *slog.Logger

	// Trace, when set, receives the protocol dialogue of every
	// connection, one line per command or reply, prefixed with the
	// connection ID and "C:" or "S:". AUTH secrets are replaced with
	// "<redacted>" and message data is summarised. Writes are serialised.
	// Default nil: no trace.
	Trace io.Writer

	// Backend receives the sessions. It must be set.
	Backend Backend

	initOnce sync.Once
	hostname string
	greeting string // the 220 greeting in wire form
	heloWire string // the HELO reply in wire form
	lim      limits
	log      *slog.Logger
	lmtp     bool
	ctx      context.Context
	cancel   context.CancelFunc

	group   serve.Group[*conn]
	traceMu sync.Mutex
}

// init resolves the defaults once.
func (s *Server) init() {
	s.initOnce.Do(func() {
		s.hostname = s.Hostname
		if s.hostname == "" {
			h, err := os.Hostname()
			if err != nil || h == "" {
				h = "localhost"
			}
			s.hostname = h
		}
		s.lim = resolveLimits(s.Limits, s.Timeouts)
		kind := "ESMTP"
		if _, ok := s.Backend.(interface{ LMTPBackend(lmtpmark.Token) }); ok {
			s.lmtp, kind = true, "LMTP"
		}
		s.greeting = wireOf(envelope.NewReply(220, envelope.EnhancedCode{}, s.hostname+" "+kind+" ready"))
		s.heloWire = wireOf(envelope.NewReply(250, envelope.EnhancedCode{}, s.hostname))
		s.log = s.Logger
		if s.log == nil {
			s.log = slog.New(slog.DiscardHandler)
		}
		s.ctx, s.cancel = context.WithCancel(context.Background())
	})
}

// ListenAndServe listens on the TCP address addr (":25" if empty) and
// serves it. It always returns a non-nil error; after Shutdown or Close,
// ErrServerClosed.
func (s *Server) ListenAndServe(addr string) error {
	if addr == "" {
		addr = ":25"
	}
	if s.group.Closing() {
		return ErrServerClosed
	}
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	return s.Serve(l)
}

// ListenAndServeTLS listens on the TCP address addr (":465" if empty) and
// serves implicit TLS on it, as submissions does (RFC 8314 §3.3).
func (s *Server) ListenAndServeTLS(addr string) error {
	if addr == "" {
		addr = ":465"
	}
	if s.TLSConfig == nil {
		return ErrNoTLSConfig
	}
	if s.group.Closing() {
		return ErrServerClosed
	}
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	return s.ServeTLS(l)
}

// ServeTLS serves implicit TLS (RFC 8314) on l with TLSConfig: each
// connection completes its handshake before the greeting.
func (s *Server) ServeTLS(l net.Listener) error {
	if s.TLSConfig == nil {
		return ErrNoTLSConfig
	}
	return s.Serve(tls.NewListener(l, s.TLSConfig))
}

// Serve accepts connections on l and serves each in its own goroutine. It
// closes l when it returns, which is on an accept error other than a
// temporary one, or with ErrServerClosed after Shutdown or Close.
// Connections that tls.NewListener wraps are served as implicit TLS.
func (s *Server) Serve(l net.Listener) error {
	s.init()
	err := s.group.Serve(l, s.retryAccept, func(nc net.Conn) { go s.ServeConn(nc) })
	if err == serve.ErrClosed {
		return ErrServerClosed
	}
	return err
}

// retryAccept retries, and logs, an accept error worth retrying, such as
// EMFILE.
func (s *Server) retryAccept(err error, delay time.Duration) bool {
	if !serve.Temporary(err) {
		return false
	}
	s.log.Warn("smtp: accept failed; retrying", "err", err, "delay", delay)
	return true
}

// ServeConn serves one connection in the calling goroutine and returns
// when the session ends, closing nc. A *tls.Conn is served as implicit TLS.
// It is how a program serves a connection it accepted itself (from inetd,
// a socket activation, or a net.Pipe in tests). After Shutdown or Close it
// closes nc and returns ErrServerClosed.
func (s *Server) ServeConn(nc net.Conn) error {
	s.init()
	c := newConn(s, nc)
	ok, full := s.group.Add(c, s.lim.maxConns)
	if !ok {
		nc.Close()
		return ErrServerClosed
	}
	defer s.group.Remove(c)
	c.full = full
	c.serve()
	return nil
}

// Shutdown stops the server gracefully: it closes the listeners, answers
// 421 4.3.2 to every session waiting for a command (at once, or as soon as
// the command in progress, such as a message being received and stored,
// has been answered) and waits for the sessions to end. If ctx ends first,
// Shutdown closes the remaining connections as Close does and returns
// ctx's error.
func (s *Server) Shutdown(ctx context.Context) error {
	s.init()
	return s.group.Shutdown(ctx, (*conn).wakeIfIdle, s.Close)
}

// Close stops the server at once: it closes the listeners and every
// connection, and cancels the contexts given to the Backend. Messages
// being received are lost to the server, but never acknowledged.
func (s *Server) Close() error {
	s.init()
	err := s.group.Stop()
	s.cancel()
	s.group.Each((*conn).closeNow)
	return err
}
