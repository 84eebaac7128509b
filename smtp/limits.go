package smtp

import "time"

// Defaults of Limits and Timeouts, applied to fields left zero.
const (
	// DefaultMaxMessageBytes is 32 MiB, more than the 10 MB of Postfix's
	// message_size_limit and room for the 25 MB attachments common
	// providers allow once base64 has grown them.
	DefaultMaxMessageBytes int64 = 32 << 20

	// DefaultMaxRecipients is the 100 recipients per transaction RFC 5321
	// §4.5.3.1.8 requires a server to accept.
	DefaultMaxRecipients = 100

	// DefaultMaxLineLength is 2048 octets including CRLF: RFC 5321
	// §4.5.3.1.4 sets 512 for a command line but lets each extension add
	// to it (RFC 1870, RFC 3461 and RFC 6531 parameters all do), and
	// Postfix reads 2048 (line_length_limit).
	DefaultMaxLineLength = 2048

	// MaxAuthLineLength is the limit on an AUTH command and on each SASL
	// response line: 12288 octets (RFC 4954 §4).
	MaxAuthLineLength = 12288

	// DefaultMaxErrors is how many erroneous commands a session may send
	// before it is closed with 421: 20, Postfix's smtpd_hard_error_limit.
	DefaultMaxErrors = 20

	// DefaultMaxConnections is the number of connections served at once;
	// more are answered 421 4.7.0 and closed.
	DefaultMaxConnections = 1024

	// DefaultMaxCommandsBeforeAuth is how many commands a client may send
	// without authenticating when Server.RequireAuth is set.
	DefaultMaxCommandsBeforeAuth = 20

	// DefaultCommandTimeout is how long the server waits for a command:
	// 5 minutes (RFC 5321 §4.5.3.2.7).
	DefaultCommandTimeout = 5 * time.Minute

	// DefaultDataTimeout is how long the server waits for each block of
	// message data: 3 minutes, the data block timeout of RFC 5321
	// §4.5.3.2.5.
	DefaultDataTimeout = 3 * time.Minute

	// DefaultWriteTimeout is how long a reply may take to be sent.
	DefaultWriteTimeout = 5 * time.Minute

	// DefaultAuthFailureDelay is how long a failed AUTH waits before its
	// reply, to slow password guessing down.
	DefaultAuthFailureDelay = time.Second
)

// Limits bounds what one client may make the server do. The zero value
// applies every default; a negative value removes the limit where the
// field says so.
type Limits struct {
	// MaxMessageBytes is the largest message accepted, counted after
	// dot-stuffing is removed and without the Received field. It is
	// advertised with SIZE and enforced early at MAIL (RFC 1870 §6.2) and
	// while reading DATA or BDAT, whose excess is read and discarded so
	// that the session stays in step, then answered 552 5.3.4. Default
	// DefaultMaxMessageBytes; negative means no limit (SIZE is then
	// advertised without a value).
	MaxMessageBytes int64

	// MaxRecipients is the number of recipients accepted per transaction;
	// more are answered 452 4.5.3 (RFC 5321 §4.5.3.1.10). Default
	// DefaultMaxRecipients; negative means no limit.
	MaxRecipients int

	// MaxLineLength is the longest command line, in octets including
	// CRLF; longer lines are answered 500 5.5.2 and skipped. AUTH lines
	// may be MaxAuthLineLength long whatever this says. Default
	// DefaultMaxLineLength; values under 512 (RFC 5321 §4.5.3.1.4) are
	// raised to 512.
	MaxLineLength int

	// MaxDataLineLength is the longest line of message text, in octets
	// including CRLF. A message with a longer line is read to its end and
	// answered 554 5.6.0. Default 0: no limit, as real mail often breaks
	// the 1000 octets of RFC 5321 §4.5.3.1.6 and the server never buffers
	// a line; set 1000 to enforce the RFC.
	MaxDataLineLength int

	// MaxErrors is how many erroneous commands (syntax errors, commands
	// out of sequence, unknown commands, failed AUTH) a session may send;
	// the last one is answered, then 421 4.7.0 closes the connection.
	// Default DefaultMaxErrors; negative means no limit.
	MaxErrors int

	// MaxConnections is how many connections a Server serves at once;
	// beyond it new connections get 421 4.7.0 and are closed. Default
	// DefaultMaxConnections; negative means no limit.
	MaxConnections int

	// MaxCommandsBeforeAuth is how many commands a client may send before
	// it authenticates, when Server.RequireAuth is set; the next is
	// answered 421 4.7.0 and the connection closed. Default
	// DefaultMaxCommandsBeforeAuth; negative means no limit.
	MaxCommandsBeforeAuth int
}

// Timeouts bounds how long the server waits for a client. The zero value
// applies the defaults of RFC 5321 §4.5.3.2.
type Timeouts struct {
	// Command is how long the server waits for the next command line,
	// and for a TLS handshake. Default DefaultCommandTimeout. It ends an
	// idle session with 421 4.4.2.
	Command time.Duration

	// Data is how long the server waits for each read of message data
	// after 354 or within a BDAT chunk. Default DefaultDataTimeout.
	Data time.Duration

	// Write is how long the server waits for a reply to be sent. Default
	// DefaultWriteTimeout.
	Write time.Duration
}

// limits holds Limits with the defaults applied; -1 means no limit.
type limits struct {
	maxMessage    int64
	maxRcpts      int
	maxLine       int
	maxDataLine   int
	maxErrors     int
	maxConns      int
	maxBeforeAuth int
	command       time.Duration
	data          time.Duration
	write         time.Duration
}

// resolveLimits applies the defaults.
func resolveLimits(l Limits, t Timeouts) limits {
	r := limits{
		maxMessage:    orDefault64(l.MaxMessageBytes, DefaultMaxMessageBytes),
		maxRcpts:      orDefault(l.MaxRecipients, DefaultMaxRecipients),
		maxLine:       orDefault(l.MaxLineLength, DefaultMaxLineLength),
		maxDataLine:   max(l.MaxDataLineLength, 0),
		maxErrors:     orDefault(l.MaxErrors, DefaultMaxErrors),
		maxConns:      orDefault(l.MaxConnections, DefaultMaxConnections),
		maxBeforeAuth: orDefault(l.MaxCommandsBeforeAuth, DefaultMaxCommandsBeforeAuth),
		command:       orDefaultDuration(t.Command, DefaultCommandTimeout),
		data:          orDefaultDuration(t.Data, DefaultDataTimeout),
		write:         orDefaultDuration(t.Write, DefaultWriteTimeout),
	}
	if r.maxLine < 512 { // RFC 5321 §4.5.3.1.4
		r.maxLine = 512
	}
	return r
}

// orDefault returns v, def for zero, or -1 for negative (no limit).
func orDefault(v, def int) int {
	switch {
	case v == 0:
		return def
	case v < 0:
		return -1
	}
	return v
}

func orDefault64(v, def int64) int64 {
	switch {
	case v == 0:
		return def
	case v < 0:
		return -1
	}
	return v
}

func orDefaultDuration(v, def time.Duration) time.Duration {
	if v <= 0 {
		return def
	}
	return v
}
