package mx

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/mailstack/mailstack/mx/mxtest"
	"github.com/miekg/dns"
)

// RFC 5321 §5.1: "the MX records MUST be sorted by preference, lowest
// first"; each host's A and AAAA are looked up.
func TestLookupPreferenceOrder(t *testing.T) {
	_, r := newTestServer(t,
		"example.org. 300 IN MX 20 b.example.org.",
		"example.org. 300 IN MX 10 a.example.org.",
		"example.org. 300 IN MX 30 c.example.org.",
		"a.example.org. 300 IN A 192.0.2.1",
		"a.example.org. 300 IN AAAA 2001:db8::1",
		"b.example.org. 300 IN A 192.0.2.2",
		"b.example.org. 300 IN A 192.0.2.3",
		"c.example.org. 300 IN AAAA 2001:db8::3",
	)
	res, err := r.Lookup(context.Background(), "Example.ORG.")
	if err != nil {
		t.Fatal(err)
	}
	if res.Domain != "example.org" || res.Implicit {
		t.Errorf("Domain = %q, Implicit = %v", res.Domain, res.Implicit)
	}
	want := []Host{
		{Preference: 10, Name: "a.example.org", Addrs: addrs("192.0.2.1", "2001:db8::1")},
		{Preference: 20, Name: "b.example.org", Addrs: addrs("192.0.2.2", "192.0.2.3")},
		{Preference: 30, Name: "c.example.org", Addrs: addrs("2001:db8::3")},
	}
	if len(res.Hosts) != len(want) {
		t.Fatalf("hosts = %v, want %v", hostNames(res.Hosts), hostNames(want))
	}
	for i, h := range res.Hosts {
		w := want[i]
		if h.Preference != w.Preference || h.Name != w.Name || !equalAddrs(h.Addrs, w.Addrs) || h.Err != nil {
			t.Errorf("host %d = %+v, want %+v", i, h, w)
		}
	}

	r6 := &Resolver{Servers: r.Servers, IPv6First: true}
	res, err = r6.Lookup(context.Background(), "example.org")
	if err != nil {
		t.Fatal(err)
	}
	if got := res.Hosts[0].Addrs; !equalAddrs(got, addrs("2001:db8::1", "192.0.2.1")) {
		t.Errorf("IPv6First: addrs = %v", got)
	}
}

// RFC 5321 §5.1: MX records of equal preference are tried in random order;
// with an injected source the order is exactly Fisher–Yates'.
func TestShuffleInjected(t *testing.T) {
	_, r := newTestServer(t,
		"example.org. 300 IN MX 5 first.example.org.",
		"example.org. 300 IN MX 10 a.example.org.",
		"example.org. 300 IN MX 10 b.example.org.",
		"example.org. 300 IN MX 10 c.example.org.",
		"example.org. 300 IN MX 20 last.example.org.",
		"first.example.org. 300 IN A 192.0.2.1",
		"a.example.org. 300 IN A 192.0.2.2",
		"b.example.org. 300 IN A 192.0.2.3",
		"c.example.org. 300 IN A 192.0.2.4",
		"last.example.org. 300 IN A 192.0.2.5",
	)
	cases := []struct {
		rand []int
		want []string
	}{
		// Fisher–Yates over [a b c]: i=2 swaps with j, then i=1 with j.
		{[]int{2, 1}, []string{"first.example.org", "a.example.org", "b.example.org", "c.example.org", "last.example.org"}},
		{[]int{0, 0}, []string{"first.example.org", "b.example.org", "c.example.org", "a.example.org", "last.example.org"}},
		{[]int{1, 0}, []string{"first.example.org", "c.example.org", "a.example.org", "b.example.org", "last.example.org"}},
	}
	for _, c := range cases {
		r.Rand = sequence(c.rand...)
		res, err := r.Lookup(context.Background(), "example.org")
		if err != nil {
			t.Fatal(err)
		}
		if got := hostNames(res.Hosts); !slices.Equal(got, c.want) {
			t.Errorf("rand %v: order %v, want %v", c.rand, got, c.want)
		}
	}
}

// RFC 5321 §5.1 with the default random source: over many lookups each of
// three equal hosts comes first about a third of the time. The chi-square
// bound of 60 (2 degrees of freedom) is exceeded by a fair shuffle with
// probability e^-30, about 1e-13; a biased one (say 1/2, 1/4, 1/4) gives
// around 500.
func TestShuffleStatistical(t *testing.T) {
	_, r := newTestServer(t,
		"example.org. 300 IN MX 10 a.example.org.",
		"example.org. 300 IN MX 10 b.example.org.",
		"example.org. 300 IN MX 10 c.example.org.",
		"a.example.org. 300 IN A 192.0.2.2",
		"b.example.org. 300 IN A 192.0.2.3",
		"c.example.org. 300 IN A 192.0.2.4",
	)
	const n = 3000
	first := map[string]int{}
	for range n {
		res, err := r.Lookup(context.Background(), "example.org")
		if err != nil {
			t.Fatal(err)
		}
		first[res.Hosts[0].Name]++
	}
	chi2 := 0.0
	for _, name := range []string{"a.example.org", "b.example.org", "c.example.org"} {
		d := float64(first[name]) - n/3.0
		chi2 += d * d / (n / 3.0)
	}
	if chi2 > 60 || math.IsNaN(chi2) {
		t.Errorf("first-host counts %v: chi-square %.1f > 60", first, chi2)
	}
}

func TestShuffleEqualKeepsGroups(t *testing.T) {
	hosts := []Host{{Preference: 1, Name: "a"}, {Preference: 2, Name: "b"}, {Preference: 2, Name: "c"}, {Preference: 3, Name: "d"}}
	shuffleEqual(hosts, func(n int) int { return 0 })
	if got := hostNames(hosts); !slices.Equal(got, []string{"a", "c", "b", "d"}) {
		t.Errorf("order %v", got)
	}
}

// RFC 5321 §5.1 implicit MX: only when there is no MX RRset, the domain's
// own A and AAAA, with preference 0.
func TestImplicitMX(t *testing.T) {
	_, r := newTestServer(t,
		"v4.example. 300 IN A 192.0.2.1",
		"v6.example. 300 IN AAAA 2001:db8::6",
		"both.example. 300 IN A 192.0.2.2",
		"both.example. 300 IN AAAA 2001:db8::2",
		"txt.example. 300 IN TXT \"no mail here\"",
		// MX present but its host has no address: no implicit MX.
		"brokenmx.example. 300 IN MX 10 nowhere.example.",
		"brokenmx.example. 300 IN A 192.0.2.9",
	)
	cases := []struct {
		domain string
		want   []string
	}{
		{"v4.example", []string{"192.0.2.1"}},
		{"v6.example", []string{"2001:db8::6"}},
		{"both.example", []string{"192.0.2.2", "2001:db8::2"}},
	}
	for _, c := range cases {
		res, err := r.Lookup(context.Background(), c.domain)
		if err != nil {
			t.Errorf("%s: %v", c.domain, err)
			continue
		}
		if !res.Implicit || len(res.Hosts) != 1 {
			t.Fatalf("%s: Implicit %v, hosts %v", c.domain, res.Implicit, hostNames(res.Hosts))
		}
		h := res.Hosts[0]
		if h.Preference != 0 || h.Name != c.domain || !equalAddrs(h.Addrs, addrs(c.want...)) {
			t.Errorf("%s: host %+v, want addresses %v", c.domain, h, c.want)
		}
	}

	// RFC 3463 X.4.4: only an SOA for the domain is "unable to route".
	_, err := r.Lookup(context.Background(), "txt.example")
	wantError(t, err, ErrNoMailHost, 550, "5.4.4")

	res, err := r.Lookup(context.Background(), "brokenmx.example")
	e := wantError(t, err, ErrNoUsableHost, 550, "5.4.4")
	if res == nil || res.Implicit || len(res.Hosts) != 1 || res.Hosts[0].Err == nil {
		t.Errorf("result %+v with %v", res, e)
	}
}

// RFC 7505 §3 and §4.2: a null MX fails permanently with 556 5.1.10.
func TestNullMX(t *testing.T) {
	_, r := newTestServer(t,
		"null.example. 300 IN MX 0 .",
		"null.example. 300 IN A 192.0.2.1", // not an implicit MX
		"nullpref.example. 300 IN MX 10 .",
		"mixed.example. 300 IN MX 0 .",
		"mixed.example. 300 IN MX 10 mx.mixed.example.",
		"mx.mixed.example. 300 IN A 192.0.2.2",
	)
	for _, d := range []string{"null.example", "nullpref.example"} {
		res, err := r.Lookup(context.Background(), d)
		if res != nil {
			t.Errorf("%s: result %+v", d, res)
		}
		e := wantError(t, err, ErrNullMX, 556, "5.1.10")
		if e.Name != d || e.Type != "MX" {
			t.Errorf("%s: error names %q %q", d, e.Name, e.Type)
		}
	}
	// RFC 7505 §3: a null MX must be alone; one among others is skipped.
	res, err := r.Lookup(context.Background(), "mixed.example")
	if err != nil {
		t.Fatal(err)
	}
	if got := hostNames(res.Hosts); !slices.Equal(got, []string{"mx.mixed.example"}) {
		t.Errorf("hosts %v", got)
	}
}

// One host failing keeps its error and does not fail the lookup; a
// duplicate target keeps its best preference.
func TestPerHostErrors(t *testing.T) {
	srv, r := newTestServer(t,
		"example.org. 300 IN MX 10 nx.example.org.",
		"example.org. 300 IN MX 20 fail.example.org.",
		"example.org. 300 IN MX 30 ok.example.org.",
		"example.org. 300 IN MX 40 ok.example.org.",
		"example.org. 300 IN MX 50 noaddr.example.org.",
		"fail.example.org. 300 IN A 192.0.2.1",
		"ok.example.org. 300 IN A 192.0.2.2",
		"noaddr.example.org. 300 IN TXT \"x\"",
		"temp.example. 300 IN MX 10 fail.example.org.",
		"temp.example. 300 IN MX 10 nx.example.org.",
	)
	srv.Set("fail.example.org", mxtest.ServFail)
	res, err := r.Lookup(context.Background(), "example.org")
	if err != nil {
		t.Fatal(err)
	}
	if got := hostNames(res.Hosts); !slices.Equal(got, []string{"nx.example.org", "fail.example.org", "ok.example.org", "noaddr.example.org"}) {
		t.Fatalf("hosts %v", got)
	}
	wantError(t, res.Hosts[0].Err, ErrNoSuchDomain, 550, "5.1.2")
	wantError(t, res.Hosts[1].Err, ErrServerFailure, 451, "4.4.3")
	if h := res.Hosts[2]; h.Err != nil || h.Preference != 30 || !equalAddrs(h.Addrs, addrs("192.0.2.2")) {
		t.Errorf("ok host %+v", h)
	}
	wantError(t, res.Hosts[3].Err, ErrNoAddress, 550, "5.4.4")

	// No host usable, one of them temporarily: try again later.
	res, err = r.Lookup(context.Background(), "temp.example")
	wantError(t, err, ErrNoUsableHost, 451, "4.4.3")
	if res == nil || len(res.Hosts) != 2 {
		t.Errorf("result %+v", res)
	}
}

// RFC 5321 §5.1: "If a CNAME record is found, the resulting name is
// processed as if it were the initial name"; chains are bounded and loops
// found, whether the server follows the chain or leaves it to the client.
func TestCNAME(t *testing.T) {
	records := []string{
		"alias.example. 300 IN CNAME mid.example.",
		"mid.example. 300 IN CNAME real.example.",
		"real.example. 300 IN MX 10 mx.real.example.",
		"mx.real.example. 300 IN CNAME host.real.example.", // RFC 2181 §10.3 says no; tolerated
		"host.real.example. 300 IN A 192.0.2.10",
		"loop1.example. 300 IN CNAME loop2.example.",
		"loop2.example. 300 IN CNAME loop3.example.",
		"loop3.example. 300 IN CNAME loop1.example.",
		"self.example. 300 IN CNAME self.example.",
		"implicit.example. 300 IN CNAME addr.example.",
		"addr.example. 300 IN A 192.0.2.11",
		"dangling.example. 300 IN CNAME gone.example.",
	}
	// A chain of 9 CNAMEs: one more than DefaultMaxCNAMEHops.
	for i := range 9 {
		records = append(records, fmt.Sprintf("c%d.example. 300 IN CNAME c%d.example.", i, i+1))
	}
	records = append(records, "c9.example. 300 IN MX 10 host.real.example.")

	for _, noChase := range []bool{false, true} {
		t.Run(fmt.Sprintf("noChase=%v", noChase), func(t *testing.T) {
			srv, r := newTestServer(t, records...)
			srv.SetNoChase(noChase)
			ctx := context.Background()

			res, err := r.Lookup(ctx, "alias.example")
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Hosts) != 1 || res.Hosts[0].Name != "mx.real.example" || !equalAddrs(res.Hosts[0].Addrs, addrs("192.0.2.10")) {
				t.Errorf("alias: hosts %+v", res.Hosts)
			}

			res, err = r.Lookup(ctx, "implicit.example")
			if err != nil || !res.Implicit || !equalAddrs(res.Hosts[0].Addrs, addrs("192.0.2.11")) {
				t.Errorf("implicit via CNAME: %+v, %v", res, err)
			}

			_, err = r.Lookup(ctx, "dangling.example")
			wantError(t, err, ErrNoSuchDomain, 550, "5.1.2")

			for _, d := range []string{"loop1.example", "self.example"} {
				_, err = r.Lookup(ctx, d)
				wantError(t, err, ErrCNAMELoop, 451, "4.4.4")
			}

			_, err = r.Lookup(ctx, "c0.example")
			wantError(t, err, ErrCNAMEChain, 451, "4.4.4")
			// Nine hops are fine when allowed.
			r9 := &Resolver{Servers: r.Servers, MaxCNAMEHops: 9}
			if _, err := r9.Lookup(ctx, "c0.example"); err != nil {
				t.Errorf("9 hops with MaxCNAMEHops 9: %v", err)
			}
		})
	}
}

// A domain literal (RFC 5321 §4.1.3) is its own host and asks no DNS.
func TestDomainLiteral(t *testing.T) {
	srv, r := newTestServer(t)
	for _, c := range []struct{ in, want string }{
		{"[127.0.0.1]", "127.0.0.1"},
		{"[IPv6:2001:db8::1]", "2001:db8::1"},
		{"[ipv6:::1]", "::1"},
	} {
		res, err := r.Lookup(context.Background(), c.in)
		if err != nil {
			t.Fatalf("%s: %v", c.in, err)
		}
		if len(res.Hosts) != 1 || !equalAddrs(res.Hosts[0].Addrs, addrs(c.want)) || res.Domain != c.in {
			t.Errorf("%s: %+v", c.in, res)
		}
	}
	if q := srv.Queries(); len(q) != 0 {
		t.Errorf("queries sent: %v", q)
	}
}

// MX targets that are IP addresses are used as the address (as Postfix
// and Exim do), not looked up.
func TestIPLiteralTarget(t *testing.T) {
	srv, r := newTestServer(t,
		"example.org. 300 IN MX 10 192.0.2.25.",
		"example.org. 300 IN MX 20 [192.0.2.26].",
		"example.org. 300 IN MX 30 2001:db8::25.",
	)
	res, err := r.Lookup(context.Background(), "example.org")
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{{"192.0.2.25", "192.0.2.25"}, {"192.0.2.26", "192.0.2.26"}, {"2001:db8::25", "2001:db8::25"}}
	if len(res.Hosts) != len(want) {
		t.Fatalf("hosts %+v", res.Hosts)
	}
	for i, w := range want {
		h := res.Hosts[i]
		if h.Name != w[0] || !equalAddrs(h.Addrs, addrs(w[1])) || h.Err != nil {
			t.Errorf("host %d = %+v, want %v", i, h, w)
		}
	}
	if n := srv.Count("192.0.2.25.", dns.TypeA); n != 0 {
		t.Errorf("%d A queries for an IP target", n)
	}
}

// RFC 5891 §5: a U-label domain is sent as A-labels; bad names fail
// permanently without a query.
func TestIDN(t *testing.T) {
	srv, r := newTestServer(t,
		"xn--bcher-kva.example. 300 IN MX 10 mx.xn--bcher-kva.example.",
		"mx.xn--bcher-kva.example. 300 IN A 192.0.2.1",
	)
	for _, in := range []string{"bücher.example", "BÜCHER.example", "xn--bcher-kva.example", "bücher。example"} {
		res, err := r.Lookup(context.Background(), in)
		if err != nil {
			t.Fatalf("%s: %v", in, err)
		}
		if res.Domain != "xn--bcher-kva.example" || res.Hosts[0].Name != "mx.xn--bcher-kva.example" {
			t.Errorf("%s: %+v", in, res)
		}
	}
	if n := srv.Count("xn--bcher-kva.example.", dns.TypeMX); n != 1 {
		t.Errorf("A-label MX queries = %d, want 1 (then cached)", n)
	}
	for _, q := range srv.Queries() {
		for _, c := range q.Name {
			if c > 0x7f {
				t.Errorf("non-ASCII query %q", q.Name)
			}
		}
	}
	for _, bad := range []string{"", ".", "a..example", "-a.example", "a-.example", "a_b.example",
		"[192.0.2.1", "[300.1.1.1]", "[IPv6:192.0.2.1]", "[2001:db8::1]", strings.Repeat("x", 64) + ".example"} {
		_, err := r.Lookup(context.Background(), bad)
		wantError(t, err, ErrInvalidDomain, 550, "5.1.2")
	}
}

// Targets that are not host names are skipped (as Postfix does); when no
// target is left, the MX RRset still rules out an implicit MX (RFC 5321
// §5.1) and the lookup fails permanently.
func TestInvalidTargets(t *testing.T) {
	_, r := newTestServer(t,
		`example.org. 300 IN MX 10 bad\.label.example.org.`,
		`example.org. 300 IN MX 20 sp\032ace.example.org.`,
		"example.org. 300 IN MX 30 good_host.example.org.",
		"good_host.example.org. 300 IN A 192.0.2.1",
		`allbad.example. 300 IN MX 10 bad\.label.example.org.`,
		"allbad.example. 300 IN A 192.0.2.2",
	)
	res, err := r.Lookup(context.Background(), "example.org")
	if err != nil {
		t.Fatal(err)
	}
	if got := hostNames(res.Hosts); !slices.Equal(got, []string{"good_host.example.org"}) {
		t.Errorf("hosts %v", got)
	}
	res, err = r.Lookup(context.Background(), "allbad.example")
	wantError(t, err, ErrNoUsableHost, 550, "5.4.4")
	if res == nil || res.Implicit || len(res.Hosts) != 0 {
		t.Errorf("result %+v", res)
	}
}
