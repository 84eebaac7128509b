package mx

import (
	"context"
	"testing"
	"time"

	"github.com/mailstack/mailstack/mx/mxtest"
	"github.com/miekg/dns"
)

// clock is a settable time source.
type clock struct{ t time.Time }

func (c *clock) now() time.Time          { return c.t }
func (c *clock) advance(d time.Duration) { c.t = c.t.Add(d) }

// Answers are reused until their TTL runs out (RFC 1035 §3.2.1), and
// negative ones for the SOA's negative TTL (RFC 2308 §5).
func TestCacheHonoursTTL(t *testing.T) {
	srv, r := newTestServer(t,
		"example.org. 300 IN MX 10 mx.example.org.",
		"mx.example.org. 60 IN A 192.0.2.1",
		"long.example. 86400 IN MX 10 mx.example.org.",
		"flaky.example. 300 IN MX 10 mx.example.org.",
	)
	srv.SetNegativeTTL(30)
	c := &clock{t: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)}
	r.Now = c.now
	ctx := context.Background()
	lookup := func(domain string) {
		t.Helper()
		if _, err := r.Lookup(ctx, domain); err != nil {
			t.Fatalf("%s: %v", domain, err)
		}
	}
	count := func(name string, qtype uint16, want int) {
		t.Helper()
		if n := srv.Count(name, qtype); n != want {
			t.Errorf("%s %s: %d queries, want %d", name, dns.TypeToString[qtype], n, want)
		}
	}

	lookup("example.org")
	count("example.org.", dns.TypeMX, 1)
	count("mx.example.org.", dns.TypeA, 1)
	count("mx.example.org.", dns.TypeAAAA, 1)

	c.advance(59 * time.Second)
	lookup("example.org")
	count("example.org.", dns.TypeMX, 1)
	count("mx.example.org.", dns.TypeA, 1)
	count("mx.example.org.", dns.TypeAAAA, 2) // NODATA, cached for the SOA's 30s only

	c.advance(time.Second) // 60s: the A record (TTL 60) expires, the MX (300) not
	lookup("example.org")
	count("example.org.", dns.TypeMX, 1)
	count("mx.example.org.", dns.TypeA, 2)

	c.advance(240 * time.Second) // 300s
	lookup("example.org")
	count("example.org.", dns.TypeMX, 2)

	// NXDOMAIN is cached for min(SOA TTL, MINIMUM) = 30s.
	for range 2 {
		if _, err := r.Lookup(ctx, "nx.example"); err == nil {
			t.Fatal("nx.example found")
		}
	}
	count("nx.example.", dns.TypeMX, 1)
	c.advance(29 * time.Second)
	r.Lookup(ctx, "nx.example")
	count("nx.example.", dns.TypeMX, 1)
	c.advance(time.Second)
	r.Lookup(ctx, "nx.example")
	count("nx.example.", dns.TypeMX, 2)

	// MaxTTL caps a long TTL.
	r.MaxTTL = time.Minute
	lookup("long.example")
	c.advance(time.Minute)
	lookup("long.example")
	count("long.example.", dns.TypeMX, 2)

	// Failures are not cached.
	srv.Set("flaky.example", mxtest.ServFail)
	r.Lookup(ctx, "flaky.example")
	srv.Set("flaky.example", mxtest.Normal)
	lookup("flaky.example")
	count("flaky.example.", dns.TypeMX, 2)
}

func TestCacheDisabled(t *testing.T) {
	srv, r := newTestServer(t, "example.org. 300 IN MX 10 192.0.2.1.")
	r.CacheSize = -1
	for range 3 {
		if _, err := r.Lookup(context.Background(), "example.org"); err != nil {
			t.Fatal(err)
		}
	}
	if n := srv.Count("example.org", dns.TypeMX); n != 3 {
		t.Errorf("%d queries with the cache off, want 3", n)
	}
	if n := r.cache.len(); n != 0 {
		t.Errorf("%d entries cached", n)
	}
}

// The cache holds at most CacheSize answers and evicts the least
// recently used.
func TestCacheBounded(t *testing.T) {
	r := &Resolver{CacheSize: 2}
	now := time.Now()
	key := func(s string) cacheKey { return cacheKey{s, dns.TypeA} }
	a := &answer{}
	r.cache.put(r, key("a."), a, time.Hour, now)
	r.cache.put(r, key("b."), a, time.Hour, now)
	r.cache.get(key("a."), now) // a is now more recent than b
	r.cache.put(r, key("c."), a, time.Hour, now)
	if r.cache.len() != 2 {
		t.Errorf("%d entries, want 2", r.cache.len())
	}
	if r.cache.get(key("b."), now) != nil {
		t.Error("b, the least recently used, was kept")
	}
	if r.cache.get(key("a."), now) == nil || r.cache.get(key("c."), now) == nil {
		t.Error("a or c evicted")
	}
	// Replacing an entry does not grow the cache.
	r.cache.put(r, key("c."), a, time.Hour, now)
	if r.cache.len() != 2 {
		t.Errorf("%d entries after replacing, want 2", r.cache.len())
	}
	// Zero TTL is not cached.
	r.cache.put(r, key("d."), a, 0, now)
	if r.cache.get(key("d."), now) != nil {
		t.Error("zero TTL cached")
	}
}

func TestTTLOf(t *testing.T) {
	soa := func(ttl, minttl uint32) dns.RR {
		return &dns.SOA{Hdr: dns.RR_Header{Name: "example.", Rrtype: dns.TypeSOA, Class: dns.ClassINET, Ttl: ttl}, Minttl: minttl}
	}
	rr := func(s string) dns.RR {
		r, err := dns.NewRR(s)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	msg := func(rcode int, answer, ns []dns.RR) *dns.Msg {
		m := new(dns.Msg)
		m.SetQuestion("example.", dns.TypeMX)
		m.Rcode, m.Answer, m.Ns = rcode, answer, ns
		return m
	}
	cases := []struct {
		name string
		m    *dns.Msg
		want time.Duration
	}{
		{"RFC 2181 §5.2 smallest TTL", msg(0, []dns.RR{rr("example. 300 IN MX 10 a."), rr("example. 100 IN MX 20 b.")}, nil), 100 * time.Second},
		{"RFC 2308 §5 NXDOMAIN SOA TTL", msg(3, nil, []dns.RR{soa(20, 600)}), 20 * time.Second},
		{"RFC 2308 §5 NODATA SOA MINIMUM", msg(0, nil, []dns.RR{soa(600, 40)}), 40 * time.Second},
		{"RFC 2308 §5 no SOA, not cached", msg(3, nil, nil), 0},
		{"CNAME then NODATA", msg(0, []dns.RR{rr("example. 10 IN CNAME other.")}, []dns.RR{soa(600, 40)}), 10 * time.Second},
		{"CNAME not followed", msg(0, []dns.RR{rr("example. 10 IN CNAME other.")}, nil), 10 * time.Second},
		{"capped", msg(0, []dns.RR{rr("example. 2000000 IN MX 10 a.")}, nil), time.Hour},
		{"RFC 2181 §8 top bit set", msg(0, []dns.RR{rr("example. 2147483648 IN MX 10 a.")}, nil), 0},
		{"zero TTL", msg(0, []dns.RR{rr("example. 0 IN MX 10 a.")}, nil), 0},
	}
	for _, c := range cases {
		if got := ttlOf(c.m, time.Hour); got != c.want {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
}
