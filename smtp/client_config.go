package smtp

import (
	"context"
	"crypto/tls"
	"io"
	"log/slog"
	"net"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/mailstack/mailstack/envelope"
)

// TLSPolicy says when a Client uses TLS through STARTTLS (RFC 3207).
type TLSPolicy int

const (
	// TLSOpportunistic starts TLS when the server offers STARTTLS and
	// goes on in plaintext when it does not or when it refuses the
	// command (RFC 7435 opportunistic security, Postfix's "may"). The
	// zero value and the default. With a nil ClientConfig.TLSConfig the
	// server's certificate is not verified, since an unauthenticated
	// encrypted channel still beats plaintext; a failed handshake leaves
	// the connection unusable and is returned wrapped in ErrTLSHandshake,
	// so that the caller may reconnect with TLSDisabled.
	TLSOpportunistic TLSPolicy = iota
	// TLSRequired fails the session unless TLS is in effect before
	// anything else is sent after EHLO (Postfix's "encrypt"). The
	// certificate is verified by crypto/tls against ServerName unless
	// TLSConfig says otherwise.
	TLSRequired
	// TLSDisabled never sends STARTTLS.
	TLSDisabled
)

// String returns the policy's name.
func (p TLSPolicy) String() string {
	switch p {
	case TLSOpportunistic:
		return "opportunistic"
	case TLSRequired:
		return "required"
	case TLSDisabled:
		return "disabled"
	}
	return "TLSPolicy(?)"
}

// Default timeouts, from RFC 5321 §4.5.3.2 (the connect timeout is
// Postfix's smtp_connect_timeout).
const (
	DefaultClientConnectTimeout   = 30 * time.Second
	DefaultClientGreetingTimeout  = 5 * time.Minute  // §4.5.3.2.1 initial 220
	DefaultClientCommandTimeout   = 5 * time.Minute  // EHLO, STARTTLS, AUTH, RSET, NOOP, QUIT
	DefaultClientMailTimeout      = 5 * time.Minute  // §4.5.3.2.2
	DefaultClientRcptTimeout      = 5 * time.Minute  // §4.5.3.2.3
	DefaultClientDataInitTimeout  = 2 * time.Minute  // §4.5.3.2.4 the 354
	DefaultClientDataBlockTimeout = 3 * time.Minute  // §4.5.3.2.5 each send
	DefaultClientDataTermTimeout  = 10 * time.Minute // §4.5.3.2.6 reply after "."
)

// DefaultClientChunkSize is the size of the BDAT chunks a Client sends when
// ClientConfig.ChunkSize is zero.
const DefaultClientChunkSize = 1 << 20

// ClientTimeouts bound each phase of a session (RFC 5321 §4.5.3.2). A zero
// field takes its default. A context deadline shorter than a phase's
// timeout wins.
type ClientTimeouts struct {
	// Connect bounds Dial's TCP connect and implicit TLS handshake;
	// default DefaultClientConnectTimeout.
	Connect time.Duration
	// Greeting bounds the wait for the 220 greeting; default
	// DefaultClientGreetingTimeout.
	Greeting time.Duration
	// Command bounds the other commands and a STARTTLS handshake;
	// default DefaultClientCommandTimeout.
	Command time.Duration
	// Mail bounds the reply to MAIL; default DefaultClientMailTimeout.
	Mail time.Duration
	// Rcpt bounds the reply to each RCPT; default DefaultClientRcptTimeout.
	Rcpt time.Duration
	// DataInit bounds the 354 reply to DATA; default
	// DefaultClientDataInitTimeout.
	DataInit time.Duration
	// DataBlock bounds each write of message data (at most 64 KiB) and
	// the reply to each BDAT chunk but the last; default
	// DefaultClientDataBlockTimeout.
	DataBlock time.Duration
	// DataTerm bounds the reply after the final "." or BDAT LAST (each
	// of the replies, in LMTP); default DefaultClientDataTermTimeout.
	DataTerm time.Duration
}

func (t ClientTimeouts) withDefaults() ClientTimeouts {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&t.Connect, DefaultClientConnectTimeout)
	def(&t.Greeting, DefaultClientGreetingTimeout)
	def(&t.Command, DefaultClientCommandTimeout)
	def(&t.Mail, DefaultClientMailTimeout)
	def(&t.Rcpt, DefaultClientRcptTimeout)
	def(&t.DataInit, DefaultClientDataInitTimeout)
	def(&t.DataBlock, DefaultClientDataBlockTimeout)
	def(&t.DataTerm, DefaultClientDataTermTimeout)
	return t
}

// ClientConfig configures a Client. The zero value (or nil) works: EHLO
// localhost, STARTTLS when offered without verifying the certificate,
// PIPELINING and CHUNKING used when offered, RFC 5321 timeouts, default
// reply limits. A ClientConfig may be shared by many Clients and must not be
// modified while they use it.
type ClientConfig struct {
	// LocalName is the name given in EHLO, HELO or LHLO: the client
	// host's fully qualified domain name or an address literal (RFC 5321
	// §4.1.1.1). Default "localhost".
	LocalName string

	// TLSConfig configures TLS, both implicit and after STARTTLS. When
	// its ServerName is empty, it is filled with the host part of the
	// address Dial was given (or of the connection's remote address for
	// NewClient). Default nil: a config with
	// that ServerName, verifying the certificate unless the policy is
	// TLSOpportunistic.
	TLSConfig *tls.Config

	// TLSPolicy says when to use STARTTLS; default TLSOpportunistic.
	// It does not apply when the connection already is TLS.
	TLSPolicy TLSPolicy

	// ImplicitTLS makes Dial start TLS at once, before the greeting,
	// as on the submissions port 465 (RFC 8314 §3.3). Default false.
	ImplicitTLS bool

	// Auth, when set, authenticates every session after EHLO (and after
	// STARTTLS) with the mechanism it names (RFC 4954). It is started
	// afresh for each session, so it must be reusable, as go-sasl's
	// PLAIN and LOGIN clients are. Default nil: no AUTH.
	Auth sasl.Client

	// AllowInsecureAuth permits AUTH over a connection without TLS to a
	// server that is not on a loopback address. Default false: such an
	// AUTH fails with a local 454 4.7.10, so that credentials are not
	// sent in the clear by mistake.
	AllowInsecureAuth bool

	// DisablePipelining sends each command only after the previous
	// reply even when the server offers PIPELINING (RFC 2920). Default
	// false.
	DisablePipelining bool

	// DisableChunking uses DATA even when the server offers CHUNKING
	// (RFC 3030). Default false: BDAT when offered. BODY=BINARYMIME
	// always needs BDAT.
	DisableChunking bool

	// ChunkSize is the size of each BDAT chunk; default DefaultClientChunkSize.
	ChunkSize int

	// NormalizeLineEndings converts a bare LF or CR in the message to
	// CRLF, for callers holding text with Unix line endings. Default
	// false: a bare line ending fails the message with an error matching
	// ErrBareLineEnding, since RFC 5321 §2.3.8 allows none and relays
	// that guess differently enable SMTP smuggling.
	NormalizeLineEndings bool

	// Timeouts bound each phase of the session; see ClientTimeouts.
	Timeouts ClientTimeouts

	// ReplyLimits bound each reply read from the server (line length,
	// number of lines); the zero value gives envelope's defaults, 2048
	// octets and 100 lines.
	ReplyLimits envelope.ReadReplyOptions

	// DialContext opens the connection for Dial. Default: a net.Dialer
	// with Timeouts.Connect.
	DialContext func(ctx context.Context, network, addr string) (net.Conn, error)

	// Logger receives a record per session milestone at debug level
	// (connected, TLS, authenticated) and per failure. Default nil:
	// nothing is logged.
	Logger *slog.Logger

	// Trace, when set, receives the protocol dialogue: "C: " lines sent,
	// "S: " lines received. AUTH exchanges are redacted and message data
	// is summarised, never copied. Default nil.
	Trace io.Writer

	// LMTP makes the client speak LMTP (RFC 2033): LHLO instead of EHLO,
	// no HELO fallback, and one reply per accepted recipient after the
	// data. Package lmtp sets it; use lmtp.Client rather than setting it
	// by hand.
	LMTP bool
}
