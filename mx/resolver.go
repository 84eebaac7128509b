package mx

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/netip"
	"strings"
	"sync"
	"time"

	"github.com/miekg/dns"
)

// Defaults of the Resolver fields.
const (
	DefaultConfigFile   = "/etc/resolv.conf"
	DefaultTimeout      = 5 * time.Second // resolv.conf(5)'s default
	DefaultAttempts     = 2               // resolv.conf(5)'s default
	DefaultUDPSize      = 1232            // DNS Flag Day 2020: no IP fragmentation
	DefaultMaxCNAMEHops = 8
	DefaultMaxHosts     = 16
	DefaultCacheSize    = 1024
	DefaultMaxTTL       = time.Hour
)

// Resolver looks up where to deliver mail. Its zero value asks the servers
// of /etc/resolv.conf with the defaults below. A Resolver is safe for
// concurrent use and must not be copied after first use; its cache is its
// own, so two Resolvers share nothing. Servers, ConfigFile, Timeout and
// Attempts are read once, at first use.
type Resolver struct {
	// Servers are the DNS servers to ask, "IP:port" ("[::1]:53" for
	// IPv6), tried in order. If empty, the nameservers of ConfigFile are
	// used, and if it names none, 127.0.0.1:53 and [::1]:53 (as Go's net
	// package does).
	Servers []string

	// ConfigFile is the resolv.conf(5) read when Servers is empty;
	// default DefaultConfigFile. It is read once, at first use. Only
	// nameserver, timeout and attempts matter: a mail domain is always
	// absolute, so search and ndots do not apply (RFC 5321 §2.3.5).
	ConfigFile string

	// Timeout bounds one query to one server (the UDP query, and the TCP
	// retry after a truncated answer, each get this long). Default: the
	// timeout of ConfigFile when Servers is empty, else DefaultTimeout.
	// The context passed to each method can only shorten it.
	Timeout time.Duration

	// Attempts is how many times the whole server list is tried before
	// a lookup fails as ErrTimeout or ErrServerFailure. Default: the
	// attempts of ConfigFile when Servers is empty, else DefaultAttempts.
	Attempts int

	// UDPSize is the EDNS0 UDP payload size advertised (RFC 6891 §6.2.5);
	// default DefaultUDPSize. A larger answer comes back truncated and is
	// asked again over TCP (RFC 7766 §5).
	UDPSize uint16

	// MaxCNAMEHops is how many CNAMEs a lookup follows before it fails
	// with ErrCNAMEChain; default DefaultMaxCNAMEHops.
	MaxCNAMEHops int

	// MaxHosts is how many MX hosts Lookup returns (and resolves), the
	// most preferred first; default DefaultMaxHosts.
	MaxHosts int

	// CacheSize is how many answers the cache holds, least recently used
	// evicted first; default DefaultCacheSize. A negative value disables
	// the cache.
	CacheSize int

	// MaxTTL caps how long an answer is cached, whatever its TTL says;
	// default DefaultMaxTTL. Negative answers are cached for their SOA's
	// negative TTL (RFC 2308 §5), also capped; SERVFAIL and timeouts are
	// never cached.
	MaxTTL time.Duration

	// TrustAD makes the resolver believe the AD bit from every server.
	// By default it is believed only from servers on a loopback address:
	// the AD bit says the server validated DNSSEC, but nothing protects
	// the bit on its way from a remote server, so anyone on the path
	// could set it (RFC 6698 §4.1, RFC 7672 §2.1.1, RFC 4035 §4.9.3).
	// Set TrustAD only when the path to the servers is secured otherwise.
	TrustAD bool

	// IPv6First puts a host's IPv6 addresses before its IPv4 ones in
	// Host.Addrs; by default IPv4 comes first.
	IPv6First bool

	// Rand returns a uniform random integer in [0, n). It orders MX hosts
	// of equal preference (RFC 5321 §5.1); default math/rand/v2.IntN.
	// Concurrent lookups call it concurrently.
	Rand func(n int) int

	// Now is the cache's clock; default time.Now. Concurrent lookups call
	// it concurrently.
	Now func() time.Time

	confOnce sync.Once
	conf     config
	cache    cache
}

// config is what the resolver settled on at first use.
type config struct {
	servers  []string
	timeout  time.Duration
	attempts int
}

// settings reads ConfigFile if needed, once.
func (r *Resolver) settings() *config {
	r.confOnce.Do(func() {
		c := config{servers: r.Servers, timeout: DefaultTimeout, attempts: DefaultAttempts}
		if len(c.servers) == 0 {
			c.servers, c.timeout, c.attempts = readConfig(r.ConfigFile)
		}
		if r.Timeout > 0 {
			c.timeout = r.Timeout
		}
		if r.Attempts > 0 {
			c.attempts = r.Attempts
		}
		r.conf = c
	})
	return &r.conf
}

// readConfig returns the servers, timeout and attempts of a resolv.conf.
func readConfig(file string) ([]string, time.Duration, int) {
	if file == "" {
		file = DefaultConfigFile
	}
	fallback := []string{"127.0.0.1:53", "[::1]:53"}
	cc, err := dns.ClientConfigFromFile(file)
	if err != nil {
		return fallback, DefaultTimeout, DefaultAttempts
	}
	var servers []string
	for _, s := range cc.Servers {
		servers = append(servers, net.JoinHostPort(s, cc.Port))
	}
	if len(servers) == 0 {
		servers = fallback
	}
	timeout := time.Duration(cc.Timeout) * time.Second
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	attempts := cc.Attempts
	if attempts <= 0 {
		attempts = DefaultAttempts
	}
	return servers, timeout, attempts
}

func (r *Resolver) maxHops() int {
	if r.MaxCNAMEHops > 0 {
		return r.MaxCNAMEHops
	}
	return DefaultMaxCNAMEHops
}

func (r *Resolver) maxHosts() int {
	if r.MaxHosts > 0 {
		return r.MaxHosts
	}
	return DefaultMaxHosts
}

func (r *Resolver) intn(n int) int {
	if r.Rand != nil {
		return r.Rand(n)
	}
	return rand.IntN(n)
}

func (r *Resolver) now() time.Time {
	if r.Now != nil {
		return r.Now()
	}
	return time.Now()
}

// answer is what one query returned, as kept in the cache.
type answer struct {
	rcode int      // dns.RcodeSuccess or dns.RcodeNameError
	rrs   []dns.RR // the answer section
	auth  bool     // AD set by a trusted server
}

// query asks for name's qtype records, from the cache or the servers.
// name is fully qualified and lower case. Only NOERROR and NXDOMAIN
// answers are returned; anything else is an error wrapping ErrTimeout or
// ErrServerFailure.
func (r *Resolver) query(ctx context.Context, name string, qtype uint16) (*answer, error) {
	key := cacheKey{name, qtype}
	if a := r.cache.get(key, r.now()); a != nil {
		return a, nil
	}
	conf := r.settings()
	var lastErr error
	timedOut := false
	for range conf.attempts {
		for _, server := range conf.servers {
			if err := ctx.Err(); err != nil {
				return nil, fmt.Errorf("%w: %w", ErrTimeout, err)
			}
			msg, err := r.exchange(ctx, conf.timeout, server, name, qtype)
			if err != nil {
				var ne net.Error
				if errors.As(err, &ne) && ne.Timeout() {
					timedOut = true
				}
				lastErr = fmt.Errorf("%s: %w", server, err)
				continue
			}
			a := &answer{rcode: msg.Rcode, rrs: msg.Answer, auth: msg.AuthenticatedData && r.trusted(server)}
			r.cache.put(r, key, a, ttlOf(msg, r.maxTTL()), r.now())
			return a, nil
		}
	}
	switch {
	case errors.Is(lastErr, ErrServerFailure):
		return nil, lastErr
	case timedOut:
		return nil, fmt.Errorf("%w: %w", ErrTimeout, lastErr)
	default: // e.g. connection refused
		return nil, fmt.Errorf("%w: %w", ErrServerFailure, lastErr)
	}
}

func (r *Resolver) maxTTL() time.Duration {
	if r.MaxTTL > 0 {
		return r.MaxTTL
	}
	return DefaultMaxTTL
}

// trusted reports whether the AD bit from server may be believed.
func (r *Resolver) trusted(server string) bool {
	if r.TrustAD {
		return true
	}
	ap, err := netip.ParseAddrPort(server)
	return err == nil && ap.Addr().IsLoopback()
}

// exchange sends one query to one server: over UDP, then over TCP if the
// answer was truncated (RFC 7766 §5), and once more without EDNS0 if the
// server does not understand it (RFC 6891 §7). It returns a NOERROR or
// NXDOMAIN answer to the question asked, or an error.
func (r *Resolver) exchange(ctx context.Context, timeout time.Duration, server, name string, qtype uint16) (*dns.Msg, error) {
	edns := true
	for {
		req := r.newQuery(name, qtype, edns)
		resp, err := exchangeOne(ctx, "udp", timeout, server, req)
		if err == nil && resp.Truncated {
			resp, err = exchangeOne(ctx, "tcp", timeout, server, req)
		}
		if err != nil {
			return nil, err
		}
		if err := checkResponse(req, resp); err != nil {
			return nil, err
		}
		switch resp.Rcode {
		case dns.RcodeSuccess, dns.RcodeNameError:
			return resp, nil
		case dns.RcodeFormatError:
			if edns {
				edns = false
				continue
			}
		}
		return nil, fmt.Errorf("%w: %s", ErrServerFailure, dns.RcodeToString[resp.Rcode])
	}
}

// newQuery builds a recursive query asking for DNSSEC status: EDNS0 with
// the DO bit (RFC 3225) and the AD bit (RFC 6840 §5.7).
func (r *Resolver) newQuery(name string, qtype uint16, edns bool) *dns.Msg {
	m := new(dns.Msg)
	m.SetQuestion(name, qtype)
	m.RecursionDesired = true
	m.AuthenticatedData = true
	if edns {
		size := r.UDPSize
		if size == 0 {
			size = DefaultUDPSize
		}
		m.SetEdns0(max(size, dns.MinMsgSize), true)
	}
	return m
}

// exchangeOne sends req to server over network and reads the answer. The
// connection is closed when ctx ends, so cancellation stops the wait.
func exchangeOne(ctx context.Context, network string, timeout time.Duration, server string, req *dns.Msg) (*dns.Msg, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	c := &dns.Client{Net: network, Timeout: timeout}
	conn, err := c.DialContext(ctx, server)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	resp, _, err := c.ExchangeWithConnContext(ctx, req, conn)
	if err != nil && ctx.Err() != nil {
		return nil, fmt.Errorf("%w (%w)", ctx.Err(), err)
	}
	return resp, err
}

// checkResponse rejects an answer that is not a response to req's
// question (RFC 5452 §9.1: ID, question name, type and class must match).
func checkResponse(req, resp *dns.Msg) error {
	if !resp.Response || resp.Opcode != dns.OpcodeQuery || len(resp.Question) != 1 {
		return fmt.Errorf("%w: malformed response", ErrServerFailure)
	}
	q, rq := req.Question[0], resp.Question[0]
	if !strings.EqualFold(q.Name, rq.Name) || q.Qtype != rq.Qtype || q.Qclass != rq.Qclass {
		return fmt.Errorf("%w: response to another question (%s)", ErrServerFailure, rq.String())
	}
	return nil
}
