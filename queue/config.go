package queue

import (
	"context"
	"crypto/tls"
	"log/slog"
	"net"
	"net/netip"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/mailstack/mailstack/envelope"
	"github.com/mailstack/mailstack/mx"
	"github.com/mailstack/mailstack/smtp"
)

// Defaults of Config.
const (
	DefaultConcurrency    = 20                 // Postfix default_process_limit is 100; 20 suits a small MTA
	DefaultPerDestination = 5                  // Postfix's initial destination concurrency
	DefaultMXPort         = 25                 // RFC 5321 §4.5.4.2
	DefaultMinBackoff     = 5 * time.Minute    // Postfix minimal_backoff_time (300s)
	DefaultMaxBackoff     = 4 * time.Hour      // the backoff doubles up to this
	DefaultMaxLifetime    = 5 * 24 * time.Hour // Postfix maximal_queue_lifetime, RFC 5321 §4.5.4.1 "at least 4-5 days"
	DefaultMaxMessageSize = 64 << 20           // Enqueue refuses larger messages
	DefaultReturnFullMax  = 1 << 20            // larger originals come back as headers only
)

// Config configures a Queue. Dir is required; the zero value of every other
// field works: direct MX delivery on port 25 with opportunistic STARTTLS,
// DefaultConcurrency deliveries at once and DefaultPerDestination per
// domain, retries from DefaultMinBackoff doubling to DefaultMaxBackoff for
// DefaultMaxLifetime, no delay warnings.
type Config struct {
	// Dir is the spool directory; it is created if missing. One Queue
	// at a time may use it.
	Dir string

	// Hostname names this MTA in EHLO, in DSNs (Reporting-MTA and the
	// MAILER-DAEMON address) and in Message-IDs. Default: os.Hostname.
	Hostname string

	// Resolver finds MX hosts; default a zero mx.Resolver (the servers
	// of /etc/resolv.conf).
	Resolver *mx.Resolver

	// MXPort is the port MX hosts are contacted on; default DefaultMXPort.
	// Tests set it to reach servers on loopback.
	MXPort int

	// DialContext opens every connection (MX hosts, smarthost, LMTP).
	// Default: a net.Dialer.
	DialContext func(ctx context.Context, network, addr string) (net.Conn, error)

	// Client is the base configuration of the SMTP and LMTP clients:
	// timeouts, reply limits, trace. LocalName defaults to Hostname;
	// TLSPolicy, TLSConfig, Auth, ImplicitTLS and DialContext are set
	// per route and ignored here. Line endings are always normalised
	// (a bare LF in a queued message goes out as CRLF).
	Client smtp.ClientConfig

	// RequireTLS reports the domains whose mail must go over TLS with a
	// certificate valid for the MX host name; delivery to them defers
	// otherwise. Default nil: opportunistic STARTTLS everywhere, without
	// verification (RFC 7435).
	RequireTLS func(domain string) bool

	// TLSConfig is the base TLS configuration for MX delivery (RootCAs,
	// minimum version); ServerName is set per host. Default nil.
	TLSConfig *tls.Config

	// Smarthost, when set, sends all mail to one relay instead of the
	// recipients' MX hosts (unless Route is set).
	Smarthost *Smarthost

	// LMTP, when set, delivers all mail over LMTP (final delivery to a
	// local store such as Dovecot); it wins over Smarthost. Ignored when
	// Route is set.
	LMTP *LMTPRoute

	// Route, when set, chooses each recipient's route, so that one Queue
	// delivers the recipients of local domains over LMTP and the others
	// to their MX hosts or a smarthost. It is called once per recipient
	// when a message is queued (DSNs included: a DSN to a local sender
	// goes by the local route) and when Open loads it, so it must be
	// quick and safe for concurrent use, and must not call the Queue.
	// Recipients whose routes name the same LMTP or smarthost address
	// share one destination (one session, one PerDestination limit).
	// Default nil: Route{LMTP: LMTP, Smarthost: Smarthost} for everyone,
	// which is MX delivery when both are nil.
	Route func(rcpt envelope.Path) Route

	// IsSelf reports whether an MX host is this MTA: host is the MX host
	// name and addr one of its addresses with MXPort (the zero AddrPort
	// when the host has no address), so a server may compare its own
	// names, listening addresses and ports. RFC 5321 §5.1: hosts as
	// preferred as the first that is this MTA, or less, are not tried;
	// when that leaves none, this MTA is the domain's best MX although
	// Route does not route the domain here, and its recipients fail with
	// 554 5.4.6 (ErrLoop). Default nil: no host is this MTA.
	IsSelf func(host string, addr netip.AddrPort) bool

	// Concurrency is the most deliveries in progress at once; default
	// DefaultConcurrency.
	Concurrency int

	// PerDestination is the most deliveries in progress to one
	// destination: a domain, a smarthost or an LMTP server. A delivery
	// holds its place until its sessions are closed (QUIT answered), so
	// the destination never sees more connections at once. Default
	// DefaultPerDestination.
	PerDestination int

	// Retry is the schedule of retries after temporary failures.
	Retry RetryPolicy

	// DelayWarning, when positive, sends the sender one "delayed" DSN
	// (RFC 3464 Action: delayed) for recipients still pending this long
	// after the message was queued. Default 0: none (as Postfix's
	// delay_warning_time).
	DelayWarning time.Duration

	// MaxMessageSize is the largest message Enqueue accepts; default
	// DefaultMaxMessageSize.
	MaxMessageSize int64

	// ReturnFullMax is the largest original message a DSN carries in
	// full (RET=FULL, or no RET); larger ones come back as headers only.
	// Default DefaultReturnFullMax.
	ReturnFullMax int64

	// Hook, when set, is called for every Event. It runs on the delivery
	// goroutines, so it must be quick and safe for concurrent use.
	Hook func(Event)

	// Logger receives one record per event. Default nil: nothing logged.
	Logger *slog.Logger

	// Now is the clock; default time.Now.
	Now func() time.Time
}

// RetryPolicy is the schedule of retries after a temporary failure, in the
// manner of Postfix: the wait starts at MinBackoff and doubles after each
// failed attempt up to MaxBackoff; a recipient still not delivered
// MaxLifetime after the message was queued fails.
type RetryPolicy struct {
	MinBackoff  time.Duration // default DefaultMinBackoff
	MaxBackoff  time.Duration // default DefaultMaxBackoff
	MaxLifetime time.Duration // default DefaultMaxLifetime
}

// Backoff returns the wait after the attempt-th deferral (1 for the first).
func (p RetryPolicy) Backoff(attempt int) time.Duration {
	d := p.MinBackoff
	for i := 1; i < attempt && d < p.MaxBackoff; i++ {
		d *= 2
	}
	return min(d, p.MaxBackoff)
}

// Smarthost relays mail through one host (Postfix's relayhost), with
// authentication and TLS.
type Smarthost struct {
	// Addr is the relay's "host:port", e.g. "smtp.example.com:587".
	Addr string
	// Auth authenticates each session (RFC 4954); nil for none.
	Auth sasl.Client
	// ImplicitTLS connects with TLS from the start (port 465, RFC 8314).
	ImplicitTLS bool
	// AllowPlaintext permits a session without TLS. Default false:
	// STARTTLS is required and the certificate verified against the host
	// of Addr (with TLSConfig's roots).
	AllowPlaintext bool
	// TLSConfig overrides the TLS configuration, e.g. to trust a private
	// CA; ServerName defaults to the host of Addr.
	TLSConfig *tls.Config
}

// LMTPRoute delivers mail over LMTP (RFC 2033).
type LMTPRoute struct {
	// Network is "tcp" or "unix"; default "tcp".
	Network string
	// Addr is "host:port" or a socket path.
	Addr string
}

func (c *Config) withDefaults() {
	if c.Concurrency <= 0 {
		c.Concurrency = DefaultConcurrency
	}
	if c.PerDestination <= 0 {
		c.PerDestination = DefaultPerDestination
	}
	if c.MXPort <= 0 {
		c.MXPort = DefaultMXPort
	}
	if c.Retry.MinBackoff <= 0 {
		c.Retry.MinBackoff = DefaultMinBackoff
	}
	if c.Retry.MaxBackoff <= 0 {
		c.Retry.MaxBackoff = DefaultMaxBackoff
	}
	if c.Retry.MaxBackoff < c.Retry.MinBackoff {
		c.Retry.MaxBackoff = c.Retry.MinBackoff
	}
	if c.Retry.MaxLifetime <= 0 {
		c.Retry.MaxLifetime = DefaultMaxLifetime
	}
	if c.MaxMessageSize <= 0 {
		c.MaxMessageSize = DefaultMaxMessageSize
	}
	if c.ReturnFullMax <= 0 {
		c.ReturnFullMax = DefaultReturnFullMax
	}
	if c.Resolver == nil {
		c.Resolver = &mx.Resolver{}
	}
	if c.Now == nil {
		c.Now = time.Now
	}
}
