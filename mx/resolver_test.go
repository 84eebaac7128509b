package mx

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/mailstack/mailstack/mx/mxtest"
	"github.com/miekg/dns"
)

// RFC 1035 §4.1.1: NXDOMAIN is an answer (the domain does not exist:
// bounce), SERVFAIL and REFUSED are failures (retry later), and so is no
// answer at all.
func TestFailureKinds(t *testing.T) {
	srv, r := newTestServer(t,
		"servfail.example. 300 IN MX 10 mx.example.",
		"refused.example. 300 IN MX 10 mx.example.",
		"drop.example. 300 IN MX 10 mx.example.",
	)
	srv.Set("servfail.example", mxtest.ServFail)
	srv.Set("refused.example", mxtest.Refused)
	srv.Set("drop.example", mxtest.Drop)
	r.Timeout = 100 * time.Millisecond
	r.Attempts = 2
	ctx := context.Background()

	_, err := r.Lookup(ctx, "nx.example")
	e := wantError(t, err, ErrNoSuchDomain, 550, "5.1.2")
	if e.Name != "nx.example" || e.Type != "MX" {
		t.Errorf("error names %q %q", e.Name, e.Type)
	}
	_, err = r.Lookup(ctx, "servfail.example")
	wantError(t, err, ErrServerFailure, 451, "4.4.3")
	_, err = r.Lookup(ctx, "refused.example")
	wantError(t, err, ErrServerFailure, 451, "4.4.3")
	_, err = r.Lookup(ctx, "drop.example")
	wantError(t, err, ErrTimeout, 451, "4.4.3")

	// Attempts: each failing query was sent twice.
	for _, d := range []string{"servfail.example.", "refused.example.", "drop.example."} {
		if n := srv.Count(d, dns.TypeMX); n != 2 {
			t.Errorf("%s: %d queries, want 2 (Attempts)", d, n)
		}
	}

	// A server that reads nothing at all.
	hole, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer hole.Close()
	rh := &Resolver{Servers: []string{hole.LocalAddr().String()}, Timeout: 50 * time.Millisecond, Attempts: 1}
	_, err = rh.Lookup(ctx, "example.org")
	wantError(t, err, ErrTimeout, 451, "4.4.3")

	// A cancelled context ends the lookup as a temporary failure.
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	_, err = r.Lookup(cctx, "other.example")
	wantError(t, err, ErrTimeout, 451, "4.4.3")
	if !errors.Is(err, context.Canceled) {
		t.Errorf("%v does not wrap context.Canceled", err)
	}
}

// A failing or silent server is skipped for the next one.
func TestServerFallback(t *testing.T) {
	bad, _ := newTestServer(t)
	bad.Set("example.org", mxtest.ServFail)
	bad.Set("mx.example.org", mxtest.Refused)
	good, _ := newTestServer(t,
		"example.org. 300 IN MX 10 mx.example.org.",
		"mx.example.org. 300 IN A 192.0.2.1",
	)
	hole, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer hole.Close()
	r := &Resolver{Servers: []string{hole.LocalAddr().String(), bad.Addr, good.Addr}, Timeout: 50 * time.Millisecond, Attempts: 1}
	res, err := r.Lookup(context.Background(), "example.org")
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Hosts) != 1 || res.Hosts[0].Name != "mx.example.org" {
		t.Errorf("hosts %+v", res.Hosts)
	}
	if n := bad.Count("example.org", dns.TypeMX); n != 1 {
		t.Errorf("bad server got %d queries", n)
	}
}

// RFC 7766 §5 / RFC 6891 §7: an answer larger than the advertised UDP size
// comes back with TC set and is asked again over TCP.
func TestTruncatedRetriesOverTCP(t *testing.T) {
	var records []string
	for i := range 80 {
		records = append(records,
			fmt.Sprintf("big.example. 300 IN MX 10 a-rather-long-mail-exchanger-name-%02d.big.example.", i),
			fmt.Sprintf("a-rather-long-mail-exchanger-name-%02d.big.example. 300 IN A 192.0.2.%d", i, i+1))
	}
	records = append(records, "small.example. 300 IN MX 10 mx.small.example.", "mx.small.example. 300 IN A 192.0.2.200")
	srv, r := newTestServer(t, records...)
	r.MaxHosts = 100
	res, err := r.Lookup(context.Background(), "big.example")
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Hosts) != 80 {
		t.Errorf("%d hosts, want 80", len(res.Hosts))
	}
	var nets []string
	for _, q := range srv.Queries() {
		if q.Name == "big.example." && q.Type == dns.TypeMX {
			nets = append(nets, q.Net)
		}
	}
	if !slices.Equal(nets, []string{"udp", "tcp"}) {
		t.Errorf("MX queries over %v, want udp then tcp", nets)
	}

	// A server that truncates even a small answer.
	srv.Set("small.example", mxtest.Truncate)
	res, err = r.Lookup(context.Background(), "small.example")
	if err != nil || len(res.Hosts) != 1 {
		t.Fatalf("%+v, %v", res, err)
	}

	// MaxHosts keeps the most preferred.
	r16 := &Resolver{Servers: r.Servers}
	res, err = r16.Lookup(context.Background(), "big.example")
	if err != nil || len(res.Hosts) != DefaultMaxHosts {
		t.Errorf("default MaxHosts: %d hosts, %v", len(res.Hosts), err)
	}
}

// RFC 6891 and RFC 3225: queries carry EDNS0 with DO, and the AD bit (RFC
// 6840 §5.7); a server that answers FORMERR to EDNS0 is asked without it.
func TestEDNS(t *testing.T) {
	srv, r := newTestServer(t,
		"example.org. 300 IN MX 10 mx.example.org.",
		"mx.example.org. 300 IN A 192.0.2.1",
		"old.example. 300 IN MX 10 mx.example.org.",
	)
	if _, err := r.Lookup(context.Background(), "example.org"); err != nil {
		t.Fatal(err)
	}
	for _, q := range srv.Queries() {
		if !q.DO || !q.AD {
			t.Errorf("query %+v without DO or AD", q)
		}
	}
	srv.Set("old.example", mxtest.NoEDNS)
	if _, err := r.Lookup(context.Background(), "old.example"); err != nil {
		t.Fatalf("server without EDNS0: %v", err)
	}
	var dos []bool
	for _, q := range srv.Queries() {
		if q.Name == "old.example." {
			dos = append(dos, q.DO)
		}
	}
	if !slices.Equal(dos, []bool{true, false}) {
		t.Errorf("DO bits of the queries to old.example: %v", dos)
	}
}

// The AD bit is believed only from a loopback resolver (or with
// TrustAD), and only when every answer on the way had it.
func TestAuthenticated(t *testing.T) {
	srv, r := newTestServer(t,
		"secure.example. 300 IN MX 10 mx.secure.example.",
		"secure.example. 300 IN MX 20 mx.insecure.example.",
		"mx.secure.example. 300 IN A 192.0.2.1",
		"mx.secure.example. 300 IN AAAA 2001:db8::1",
		"mx.insecure.example. 300 IN A 192.0.2.2",
		"alias.example. 300 IN CNAME secure.example.",
		"insecure.example. 300 IN MX 10 mx.secure.example.",
	)
	srv.SetSecure("secure.example", "mx.secure.example")
	r.Rand = func(int) int { return 0 }
	res, err := r.Lookup(context.Background(), "secure.example")
	if err != nil {
		t.Fatal(err)
	}
	if !res.Authenticated || !res.Hosts[0].Authenticated || res.Hosts[1].Authenticated {
		t.Errorf("Authenticated: result %v, hosts %v %v", res.Authenticated, res.Hosts[0].Authenticated, res.Hosts[1].Authenticated)
	}
	for _, d := range []string{"alias.example", "insecure.example"} {
		res, err := r.Lookup(context.Background(), d)
		if err != nil {
			t.Fatal(err)
		}
		if res.Authenticated {
			t.Errorf("%s: authenticated through an insecure name", d)
		}
	}

	cases := []struct {
		server  string
		trustAD bool
		want    bool
	}{
		{"127.0.0.1:53", false, true},
		{"127.0.0.53:53", false, true},
		{"[::1]:53", false, true},
		{"192.0.2.53:53", false, false},
		{"[2001:db8::53]:53", false, false},
		{"localhost:53", false, false}, // a name: which address answers is unknown
		{"192.0.2.53:53", true, true},
	}
	for _, c := range cases {
		r := &Resolver{TrustAD: c.trustAD}
		if got := r.trusted(c.server); got != c.want {
			t.Errorf("trusted(%q) with TrustAD %v = %v", c.server, c.trustAD, got)
		}
	}
}

func TestConfigFile(t *testing.T) {
	dir := t.TempDir()
	conf := filepath.Join(dir, "resolv.conf")
	data := "# test\nsearch example.net\nnameserver 127.0.0.1\nnameserver ::1\noptions timeout:1 attempts:3 ndots:2\n"
	if err := os.WriteFile(conf, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
	empty := filepath.Join(dir, "empty.conf")
	if err := os.WriteFile(empty, []byte("options ndots:3\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		r    *Resolver
		want config
	}{
		{"file", &Resolver{ConfigFile: conf}, config{[]string{"127.0.0.1:53", "[::1]:53"}, time.Second, 3}},
		{"file, fields override", &Resolver{ConfigFile: conf, Timeout: 7 * time.Second, Attempts: 1}, config{[]string{"127.0.0.1:53", "[::1]:53"}, 7 * time.Second, 1}},
		{"missing file", &Resolver{ConfigFile: filepath.Join(dir, "nope")}, config{[]string{"127.0.0.1:53", "[::1]:53"}, DefaultTimeout, DefaultAttempts}},
		{"no nameserver", &Resolver{ConfigFile: empty}, config{[]string{"127.0.0.1:53", "[::1]:53"}, DefaultTimeout, DefaultAttempts}},
		{"explicit servers", &Resolver{Servers: []string{"127.0.0.1:5353"}, ConfigFile: conf}, config{[]string{"127.0.0.1:5353"}, DefaultTimeout, DefaultAttempts}},
	}
	for _, c := range cases {
		got := c.r.settings()
		if !slices.Equal(got.servers, c.want.servers) || got.timeout != c.want.timeout || got.attempts != c.want.attempts {
			t.Errorf("%s: %+v, want %+v", c.name, *got, c.want)
		}
	}
}

// RFC 5452 §9.1: an answer to another question is not an answer.
func TestCheckResponse(t *testing.T) {
	req := new(dns.Msg)
	req.SetQuestion("example.org.", dns.TypeMX)
	ok := new(dns.Msg)
	ok.SetReply(req)
	ok.Question[0].Name = "EXAMPLE.org." // case may differ (RFC 4343)
	if err := checkResponse(req, ok); err != nil {
		t.Errorf("good response: %v", err)
	}
	mutate := map[string]func(m *dns.Msg){
		"other name":   func(m *dns.Msg) { m.Question[0].Name = "example.com." },
		"other type":   func(m *dns.Msg) { m.Question[0].Qtype = dns.TypeA },
		"other class":  func(m *dns.Msg) { m.Question[0].Qclass = dns.ClassCHAOS },
		"no question":  func(m *dns.Msg) { m.Question = nil },
		"not response": func(m *dns.Msg) { m.Response = false },
		"notify":       func(m *dns.Msg) { m.Opcode = dns.OpcodeNotify },
	}
	for name, f := range mutate {
		m := new(dns.Msg)
		m.SetReply(req)
		f(m)
		if err := checkResponse(req, m); !errors.Is(err, ErrServerFailure) {
			t.Errorf("%s: %v", name, err)
		}
	}
}
