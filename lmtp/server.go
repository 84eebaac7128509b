package lmtp

import (
	"context"
	"crypto/tls"
	"io"
	"log/slog"
	"net"
	"sync"
	"time"

	"github.com/mailstack/mailstack/smtp"
)

// Server is an LMTP server (RFC 2033). Its zero value with a Backend is
// ready to use; the fields mean what they mean on smtp.Server, with the
// same defaults. Fields must not be changed once the server has started.
// It serves TCP and Unix domain sockets alike.
type Server struct {
	// Hostname is the name in the greeting, LHLO reply and Received
	// fields. Default: os.Hostname().
	Hostname string

	// TLSConfig enables STARTTLS, which LMTP over a network may use.
	// Default nil: no TLS.
	TLSConfig *tls.Config

	// Limits and Timeouts are smtp.Server's; the zero values apply its
	// defaults.
	Limits   smtp.Limits
	Timeouts smtp.Timeouts

	// AllowInsecureAuth offers AUTH without TLS when the Session
	// implements smtp.AuthSession. Default false.
	AllowInsecureAuth bool

	// AuthFailureDelay is how long a failed AUTH waits. Default
	// smtp.DefaultAuthFailureDelay; negative means none.
	AuthFailureDelay time.Duration

	// AcceptBareLineEndings converts bare CR or LF in messages to CRLF
	// instead of refusing them. Default false.
	AcceptBareLineEndings bool

	// OmitReceived stops the Received field ("with LMTP") from being
	// prepended. Default false.
	OmitReceived bool

	// Logger receives connection events and backend errors. Default nil:
	// nothing is logged.
	Logger *slog.Logger

	// Trace receives the protocol dialogue, AUTH secrets redacted.
	// Default nil.
	Trace io.Writer

	// Backend receives the sessions. It must be set.
	Backend Backend

	once sync.Once
	srv  *smtp.Server
}

// smtpServer builds, once, the smtp.Server that does the work.
func (s *Server) smtpServer() *smtp.Server {
	s.once.Do(func() {
		s.srv = &smtp.Server{
			Hostname:              s.Hostname,
			TLSConfig:             s.TLSConfig,
			Limits:                s.Limits,
			Timeouts:              s.Timeouts,
			AllowInsecureAuth:     s.AllowInsecureAuth,
			AuthFailureDelay:      s.AuthFailureDelay,
			AcceptBareLineEndings: s.AcceptBareLineEndings,
			OmitReceived:          s.OmitReceived,
			Logger:                s.Logger,
			Trace:                 s.Trace,
			Backend:               backendAdapter{s.Backend},
		}
	})
	return s.srv
}

// Serve accepts connections on l, a TCP or Unix domain socket listener,
// and serves each in its own goroutine, as smtp.Server.Serve does. It
// returns smtp.ErrServerClosed after Shutdown or Close.
func (s *Server) Serve(l net.Listener) error { return s.smtpServer().Serve(l) }

// ServeConn serves one connection in the calling goroutine, such as a
// pipe to a process that speaks LMTP on its standard input.
func (s *Server) ServeConn(c net.Conn) error { return s.smtpServer().ServeConn(c) }

// ListenAndServe listens on network ("tcp" or "unix") at address and
// serves it. For "unix", address is the socket's path; a file left there
// by an earlier run must be removed first.
func (s *Server) ListenAndServe(network, address string) error {
	l, err := net.Listen(network, address)
	if err != nil {
		return err
	}
	return s.Serve(l)
}

// Shutdown stops the server gracefully, as smtp.Server.Shutdown does.
func (s *Server) Shutdown(ctx context.Context) error { return s.smtpServer().Shutdown(ctx) }

// Close stops the server at once, as smtp.Server.Close does.
func (s *Server) Close() error { return s.smtpServer().Close() }
