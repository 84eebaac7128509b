package mx

import (
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"
)

// FuzzNormalizeDomain checks that any accepted domain comes out as
// lower-case ASCII LDH labels within the DNS limits, and that normalizing
// is idempotent; address literals round-trip.
func FuzzNormalizeDomain(f *testing.F) {
	for _, s := range []string{
		"example.org", "Example.ORG.", "bücher.example", "xn--bcher-kva.example",
		"BÜCHER。example", "ドメイン名例.jp", "faß.de", "xn--fa-hia.de", "a.b.c.d.e",
		"[192.0.2.1]", "[IPv6:2001:db8::1]", "[ipv6:::ffff:192.0.2.1]", "[IPv6:fe80::1%eth0]",
		"", ".", "..", "-a.example", "a-.example", "a_b.example", "r3--sn.example",
		"xn--.example", "xn--zz.example", "\u200d.example", "١.example", "a\x00b.example",
		strings.Repeat("a", 63) + ".example", strings.Repeat("a.", 127) + "a",
		"0\x8e", // found by fuzzing: invalid UTF-8 became "xn--0-q10i"
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		name, lit, err := normalizeDomain(in)
		if err != nil {
			return
		}
		if lit.IsValid() {
			text := "[" + lit.String() + "]"
			if lit.Is6() {
				text = "[IPv6:" + lit.String() + "]"
			}
			_, again, err := normalizeDomain(text)
			if err != nil || again != lit {
				t.Fatalf("literal %q -> %v -> %q -> %v, %v", in, lit, text, again, err)
			}
			return
		}
		if len(name) > 253 || strings.HasSuffix(name, ".") {
			t.Fatalf("%q -> %q: too long or trailing dot", in, name)
		}
		for _, label := range strings.Split(name, ".") {
			if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
				t.Fatalf("%q -> %q: bad label %q", in, name, label)
			}
			for _, c := range []byte(label) {
				if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
					t.Fatalf("%q -> %q: byte %q", in, name, c)
				}
			}
		}
		again, _, err := normalizeDomain(name)
		if err != nil || again != name {
			t.Fatalf("not idempotent: %q -> %q -> %q, %v", in, name, again, err)
		}
	})
}

// FuzzAnswer feeds hostile DNS answers to the code that reads them:
// CNAME chains, MX ordering, IP-address targets and TTLs.
func FuzzAnswer(f *testing.F) {
	for _, m := range seedAnswers() {
		b, err := m.Pack()
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b, uint64(1))
	}
	f.Fuzz(func(t *testing.T, wire []byte, seed uint64) {
		m := new(dns.Msg)
		if m.Unpack(wire) != nil || len(m.Question) == 0 {
			return
		}
		q := m.Question[0]
		ch := chain{seen: map[string]bool{}, max: DefaultMaxCNAMEHops}
		final, data, err := ch.follow(q.Name, q.Qtype, m.Answer)
		if ch.hops > DefaultMaxCNAMEHops+1 {
			t.Fatalf("%d hops", ch.hops)
		}
		if err == nil {
			for _, rr := range data {
				if !strings.EqualFold(rr.Header().Name, final) || rr.Header().Rrtype != q.Qtype {
					t.Fatalf("record %v is not %s %d", rr, final, q.Qtype)
				}
			}
		}

		var mxs []*dns.MX
		for _, rr := range m.Answer {
			if mx, ok := rr.(*dns.MX); ok {
				mxs = append(mxs, mx)
			}
		}
		rnd := rand.New(rand.NewPCG(seed, seed))
		hosts, null := orderMX(mxs, DefaultMaxHosts, rnd.IntN)
		if null != (len(mxs) == 1 && mxs[0].Mx == ".") || (null && hosts != nil) {
			t.Fatalf("null %v for %v", null, mxs)
		}
		seen := map[string]bool{}
		for i, h := range hosts {
			if i > 0 && h.Preference < hosts[i-1].Preference {
				t.Fatalf("out of order: %v", hosts)
			}
			if seen[h.Name] || h.Name == "" || strings.HasSuffix(h.Name, ".") || h.Name != strings.ToLower(h.Name) {
				t.Fatalf("bad or duplicate name %q", h.Name)
			}
			seen[h.Name] = true
			if a, ok := targetAddr(h.Name); ok && !a.IsValid() {
				t.Fatalf("invalid address from %q", h.Name)
			}
		}
		if len(hosts) > DefaultMaxHosts {
			t.Fatalf("%d hosts", len(hosts))
		}
		if ttl := ttlOf(m, time.Hour); ttl < 0 || ttl > time.Hour {
			t.Fatalf("ttl %v", ttl)
		}
	})
}

// seedAnswers are answers of the shapes the resolver meets.
func seedAnswers() []*dns.Msg {
	mk := func(qname string, qtype uint16, rcode int, rrs ...string) *dns.Msg {
		m := new(dns.Msg)
		m.SetQuestion(qname, qtype)
		m.Response, m.Rcode = true, rcode
		for _, s := range rrs {
			rr, err := dns.NewRR(s)
			if err != nil {
				panic(err)
			}
			m.Answer = append(m.Answer, rr)
		}
		return m
	}
	soa := mk("example.", dns.TypeMX, dns.RcodeNameError)
	soa.Ns = []dns.RR{&dns.SOA{Hdr: dns.RR_Header{Name: "example.", Rrtype: dns.TypeSOA, Class: dns.ClassINET, Ttl: 60}, Ns: "ns.example.", Mbox: "h.example.", Minttl: 30}}
	return []*dns.Msg{
		mk("example.", dns.TypeMX, 0, "example. 300 IN MX 10 a.example.", "example. 300 IN MX 10 b.example.", "example. 300 IN MX 5 A.Example."),
		mk("example.", dns.TypeMX, 0, "example. 300 IN MX 0 ."),
		mk("example.", dns.TypeMX, 0, "example. 300 IN MX 0 .", "example. 300 IN MX 10 a.example."),
		mk("example.", dns.TypeMX, 0, "example. 300 IN MX 10 192.0.2.1.", "example. 300 IN MX 10 [192.0.2.2].", "example. 300 IN MX 10 2001:db8::1."),
		mk("alias.", dns.TypeMX, 0, "alias. 300 IN CNAME example.", "example. 300 IN MX 10 a.example."),
		mk("a.", dns.TypeMX, 0, "a. 300 IN CNAME b.", "b. 300 IN CNAME a."),
		mk("a.", dns.TypeA, 0, "a. 300 IN CNAME a."),
		mk("a.", dns.TypeA, 0, "a. 300 IN A 192.0.2.1", "other. 300 IN A 192.0.2.66"),
		mk("a.", dns.TypeAAAA, 0, "a. 300 IN AAAA 2001:db8::1", "a. 2147483648 IN AAAA 2001:db8::2"),
		// Found by fuzzing: an escaped dot in a target label.
		mk("example.", dns.TypeMX, 0, `example. 300 IN MX 10 [000.0.a.0\..`, `example. 300 IN MX 20 A\032B.example.`),
		soa,
	}
}
