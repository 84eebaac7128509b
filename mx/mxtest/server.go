// Package mxtest runs a DNS server on loopback for tests of mail routing,
// in the manner of net/http/httptest: a test starts one, puts records in
// it in zone-file syntax, points a resolver at Addr, and closes it at the
// end.
//
//	srv, err := mxtest.NewServer(
//		"example.org. 300 IN MX 10 mx.example.org.",
//		"mx.example.org. 300 IN A 127.0.0.1",
//	)
//	...
//	defer srv.Close()
//	r := &mx.Resolver{Servers: []string{srv.Addr}}
//
// The server behaves like a recursive resolver: it follows CNAME chains
// within its records, answers NXDOMAIN for names it does not know and
// NODATA (with an SOA in the authority section, RFC 2308) for names that
// exist without the asked type, honours the EDNS0 buffer size by setting
// TC on UDP answers that do not fit (RFC 6891 §7), and can be told to fail
// per name (SERVFAIL, REFUSED, silence, forced truncation) and which names
// it vouches for with the AD bit. It listens on 127.0.0.1 only, on a port
// the kernel picks, for UDP and TCP alike.
package mxtest

import (
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"

	"github.com/miekg/dns"
)

// Behavior is a way the server misbehaves for one name.
type Behavior int

const (
	// Normal answers from the records.
	Normal Behavior = iota
	// ServFail answers SERVFAIL (RFC 1035 §4.1.1 RCODE 2).
	ServFail
	// Refused answers REFUSED (RFC 1035 §4.1.1 RCODE 5).
	Refused
	// Drop never answers, as a server behind a black hole.
	Drop
	// Truncate answers every UDP query with TC set and no records, so
	// that only TCP gets the answer.
	Truncate
	// NoEDNS answers FORMERR to queries with EDNS0, as servers from
	// before RFC 6891 do, and normally to the others.
	NoEDNS
)

// Query is one question the server received.
type Query struct {
	Name string // as it arrived, lower-cased, fully qualified
	Type uint16 // dns.TypeMX, dns.TypeA, ...
	Net  string // "udp" or "tcp"
	DO   bool   // the query carried EDNS0 with the DO bit (RFC 3225)
	AD   bool   // the query had the AD bit set (RFC 6840 §5.7)
}

// Server is a DNS server on loopback serving records from memory. Its
// methods may be called while it serves.
type Server struct {
	// Addr is "127.0.0.1:PORT", the same port for UDP and TCP.
	Addr string

	udp, tcp *dns.Server

	mu        sync.Mutex
	records   map[string][]dns.RR // by lower-case owner name
	behaviors map[string]Behavior
	secure    map[string]bool
	noChase   bool
	negTTL    uint32
	queries   []Query
}

// NewServer starts a server holding records, each one line of zone-file
// syntax with a fully qualified owner name.
func NewServer(records ...string) (*Server, error) {
	s := &Server{
		records:   make(map[string][]dns.RR),
		behaviors: make(map[string]Behavior),
		secure:    make(map[string]bool),
		negTTL:    60,
	}
	if err := s.Add(records...); err != nil {
		return nil, err
	}
	if err := s.listen(); err != nil {
		return nil, err
	}
	return s, nil
}

// listen binds UDP and TCP to one free loopback port. The kernel picks the
// UDP port; the TCP one may be taken by someone else, so try a few times.
func (s *Server) listen() error {
	mux := dns.NewServeMux()
	mux.HandleFunc(".", s.serve)
	var lastErr error
	for range 20 {
		pc, err := net.ListenPacket("udp", "127.0.0.1:0")
		if err != nil {
			return err
		}
		l, err := net.Listen("tcp", pc.LocalAddr().String())
		if err != nil {
			pc.Close()
			lastErr = err
			continue
		}
		s.Addr = pc.LocalAddr().String()
		s.udp = &dns.Server{PacketConn: pc, Handler: mux}
		s.tcp = &dns.Server{Listener: l, Handler: mux}
		if err := start(s.udp); err != nil {
			l.Close()
			return err
		}
		if err := start(s.tcp); err != nil {
			s.udp.Shutdown()
			return err
		}
		return nil
	}
	return fmt.Errorf("mxtest: no free port for UDP and TCP: %w", lastErr)
}

// start serves in the background and returns once the server is ready.
func start(srv *dns.Server) error {
	started := make(chan struct{})
	srv.NotifyStartedFunc = func() { close(started) }
	failed := make(chan error, 1)
	go func() { failed <- srv.ActivateAndServe() }()
	select {
	case <-started:
		return nil
	case err := <-failed:
		return err
	}
}

// Close stops the server.
func (s *Server) Close() error {
	return errors.Join(s.udp.Shutdown(), s.tcp.Shutdown())
}

// Add adds records, each one line of zone-file syntax.
func (s *Server) Add(records ...string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, line := range records {
		rr, err := dns.NewRR(line)
		if err != nil {
			return fmt.Errorf("mxtest: %q: %w", line, err)
		}
		if rr == nil {
			continue
		}
		name := strings.ToLower(rr.Header().Name)
		s.records[name] = append(s.records[name], rr)
	}
	return nil
}

// Set makes the server behave as b for queries of name.
func (s *Server) Set(name string, b Behavior) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.behaviors[canonical(name)] = b
}

// SetSecure marks names as DNSSEC-secure: an answer whose records all
// belong to secure names (or, for a negative answer, whose name is secure)
// carries the AD bit when the query asked for it with DO or AD.
func (s *Server) SetSecure(names ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, n := range names {
		s.secure[canonical(n)] = true
	}
}

// SetNoChase makes the server answer a CNAME without following it, as an
// authoritative server for the CNAME's zone alone would, so the client has
// to ask again for the target.
func (s *Server) SetNoChase(noChase bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.noChase = noChase
}

// SetNegativeTTL sets the TTL and MINIMUM of the SOA sent with negative
// answers (RFC 2308 §5); the default is 60 seconds.
func (s *Server) SetNegativeTTL(ttl uint32) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.negTTL = ttl
}

// Queries returns the questions received so far, oldest first.
func (s *Server) Queries() []Query {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Query(nil), s.queries...)
}

// Count returns how many queries for name and type arrived.
func (s *Server) Count(name string, qtype uint16) int {
	name = canonical(name)
	n := 0
	for _, q := range s.Queries() {
		if q.Name == name && q.Type == qtype {
			n++
		}
	}
	return n
}

func canonical(name string) string {
	return strings.ToLower(dns.Fqdn(name))
}
