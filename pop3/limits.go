package pop3

import "time"

// Defaults for the Server's zero-valued fields.
const (
	// DefaultMaxLineLength is the longest command line accepted, in
	// octets including CRLF. RFC 2449 §4 lets a command reach 255 octets;
	// real clients send longer passwords and user names, so the default
	// is four times that.
	DefaultMaxLineLength = 1024
	// DefaultMaxAuthLineLength is the longest line accepted while a SASL
	// exchange runs (RFC 5034 §4 lets responses exceed 255 octets).
	DefaultMaxAuthLineLength = 12288
	// DefaultMaxErrors is how many -ERR responses to unknown, malformed or
	// out-of-state commands a session gets before it is closed.
	DefaultMaxErrors = 10
	// DefaultMaxCommandsBeforeAuth is how many commands a client may send
	// before it logs in.
	DefaultMaxCommandsBeforeAuth = 50
	// DefaultMaxAuthFailures is how many failed logins a session gets.
	DefaultMaxAuthFailures = 3
	// DefaultMaxConnections is how many sessions a Server runs at once.
	DefaultMaxConnections = 1000
	// DefaultIdleTimeout is the autologout timer: RFC 1939 §3 requires at
	// least 10 minutes.
	DefaultIdleTimeout = 10 * time.Minute
	// DefaultWriteTimeout bounds each write to a client.
	DefaultWriteTimeout = 10 * time.Minute
	// DefaultTLSHandshakeTimeout bounds a TLS handshake (implicit TLS or
	// after STLS).
	DefaultTLSHandshakeTimeout = time.Minute
	// MaxUIDLLength is the longest unique-id RFC 1939 §7 allows.
	MaxUIDLLength = 70
)

func orDefault[T int | time.Duration](v, def T) T {
	if v <= 0 {
		return def
	}
	return v
}
