package mx

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"sync"

	"github.com/miekg/dns"
)

// Result is where mail for a domain goes.
type Result struct {
	// Domain is the domain looked up: lower-case A-labels, no trailing
	// dot; for a domain literal, the literal as given.
	Domain string

	// Hosts are the hosts to try, in order: by MX preference, in random
	// order among equal preferences (RFC 5321 §5.1). Each has its
	// addresses, or the error that kept it from having any.
	Hosts []Host

	// Implicit reports that the domain has no MX records, so that its
	// own address is the one host (RFC 5321 §5.1 implicit MX).
	Implicit bool

	// Authenticated reports that the MX answer (and any CNAME leading to
	// it) was DNSSEC-validated by a trusted resolver; see
	// Resolver.TrustAD. DANE (RFC 7672 §2.2.1) needs it to use the MX
	// hosts' TLSA records.
	Authenticated bool
}

// Host is one host to try.
type Host struct {
	// Preference is the MX preference; 0 for an implicit MX.
	Preference int

	// Name is the host name: lower-case, no trailing dot. For an MX
	// target that is an IP address, the address text.
	Name string

	// Addrs are the host's addresses, to try in order: IPv4 first unless
	// Resolver.IPv6First.
	Addrs []netip.Addr

	// Authenticated reports that all the address answers were
	// DNSSEC-validated by a trusted resolver.
	Authenticated bool

	// Err is why Addrs is empty: an *Error. It is nil when at least one
	// address was found, even if one of the A or AAAA lookups failed.
	Err error
}

// Lookup returns the hosts that accept mail for domain, in the order to
// try them (RFC 5321 §5.1). domain may be an IDN in U-labels (it is looked
// up in A-labels, RFC 5891 §5) or an address literal ("[192.0.2.1]").
//
// The error is an *Error: permanent for a domain that does not exist
// (ErrNoSuchDomain), refuses mail (ErrNullMX) or has no host to deliver
// to (ErrNoMailHost), temporary when DNS failed (ErrServerFailure,
// ErrTimeout). When MX records exist but none of their hosts has an
// address, both the Result (with each Host.Err) and an ErrNoUsableHost
// error are returned. One host failing does not fail the lookup.
func (r *Resolver) Lookup(ctx context.Context, domain string) (*Result, error) {
	name, lit, err := normalizeDomain(domain)
	if err != nil {
		return nil, newError(domain, "", err)
	}
	if lit.IsValid() {
		return &Result{Domain: domain, Hosts: []Host{{Name: lit.String(), Addrs: []netip.Addr{lit}}}}, nil
	}
	fqdn := dns.Fqdn(name)
	set, err := r.resolve(ctx, fqdn, dns.TypeMX)
	if err != nil {
		return nil, newError(name, "MX", err)
	}
	if set.nxdom {
		return nil, newError(name, "MX", ErrNoSuchDomain)
	}
	res := &Result{Domain: name, Authenticated: set.auth}
	if len(set.rrs) == 0 {
		return r.implicit(ctx, res)
	}
	var mxs []*dns.MX
	for _, rr := range set.rrs {
		mxs = append(mxs, rr.(*dns.MX))
	}
	hosts, null := orderMX(mxs, r.maxHosts(), r.intn)
	if null {
		return nil, newError(name, "MX", ErrNullMX)
	}
	res.Hosts = hosts
	r.resolveHosts(ctx, res.Hosts)
	if err := noUsableHost(name, res.Hosts); err != nil {
		return res, err
	}
	return res, nil
}

// implicit fills res with the domain itself as the one host, for a domain
// with no MX RRset (RFC 5321 §5.1: "the address is treated as if it was
// associated with an implicit MX RR, with a preference of 0"). A domain
// without addresses either has no mail host at all.
func (r *Resolver) implicit(ctx context.Context, res *Result) (*Result, error) {
	res.Implicit = true
	h := Host{Name: res.Domain}
	h.Addrs, h.Authenticated, h.Err = r.lookupAddrs(ctx, res.Domain)
	if h.Err != nil {
		if errors.Is(h.Err, ErrNoAddress) {
			return nil, newError(res.Domain, "MX", ErrNoMailHost)
		}
		return nil, h.Err
	}
	res.Hosts = []Host{h}
	return res, nil
}

// orderMX sorts MX records into hosts: by preference, shuffled among
// equals with intn (RFC 5321 §5.1), duplicates dropped (the lowest
// preference kept), at most limit of them. null reports a null MX (RFC
// 7505 §3): a lone MX whose target is the root. A "." target among other
// MX records is a broken null MX and is skipped, and so is a target that
// is neither a host name nor an IP address (as Postfix does).
func orderMX(mxs []*dns.MX, limit int, intn func(int) int) (hosts []Host, null bool) {
	if len(mxs) == 1 && mxs[0].Mx == "." {
		// RFC 7505 §3 asks for preference 0 but a lone "." cannot be
		// delivered to whatever its preference.
		return nil, true
	}
	sorted := slices.Clone(mxs)
	slices.SortStableFunc(sorted, func(a, b *dns.MX) int { return cmp.Compare(a.Preference, b.Preference) })
	seen := map[string]bool{}
	for _, mx := range sorted {
		name := strings.ToLower(strings.TrimSuffix(mx.Mx, "."))
		if seen[name] || !validTarget(name) {
			continue
		}
		seen[name] = true
		hosts = append(hosts, Host{Preference: int(mx.Preference), Name: name})
	}
	shuffleEqual(hosts, intn)
	if len(hosts) > limit {
		hosts = hosts[:limit]
	}
	return hosts, false
}

// shuffleEqual puts each run of hosts of equal preference in random order
// (Fisher–Yates), so that load spreads over them (RFC 5321 §5.1).
func shuffleEqual(hosts []Host, intn func(int) int) {
	for start := 0; start < len(hosts); {
		end := start + 1
		for end < len(hosts) && hosts[end].Preference == hosts[start].Preference {
			end++
		}
		run := hosts[start:end]
		for i := len(run) - 1; i > 0; i-- {
			j := intn(i + 1)
			run[i], run[j] = run[j], run[i]
		}
		start = end
	}
}

// maxParallel bounds the address lookups in flight for one Lookup.
const maxParallel = 4

// resolveHosts looks up every host's addresses, a few at a time.
func (r *Resolver) resolveHosts(ctx context.Context, hosts []Host) {
	var wg sync.WaitGroup
	sem := make(chan struct{}, maxParallel)
	for i := range hosts {
		h := &hosts[i]
		if a, ok := targetAddr(h.Name); ok {
			h.Name = a.String()
			h.Addrs = []netip.Addr{a}
			continue
		}
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			h.Addrs, h.Authenticated, h.Err = r.lookupAddrs(ctx, h.Name)
		}()
	}
	wg.Wait()
}

// noUsableHost returns an ErrNoUsableHost error when no host has an
// address: permanent if every host failed permanently.
func noUsableHost(name string, hosts []Host) error {
	temporary := false
	var errs []error
	for _, h := range hosts {
		if len(h.Addrs) > 0 {
			return nil
		}
		temporary = temporary || isTemporary(h.Err)
		errs = append(errs, h.Err)
	}
	// The hosts' errors are told, not wrapped: errors.Is(err,
	// ErrNoSuchDomain) must not be true of a domain that exists.
	e := newError(name, "MX", fmt.Errorf("%w: %v", ErrNoUsableHost, errors.Join(errs...)))
	if temporary {
		e.Reply = reply(451, 4, 4, 3, "No mail host for "+name+" reachable now, try again later")
	} else {
		e.Reply = reply(550, 5, 4, 4, "No usable mail host for "+name)
	}
	return e
}

// validTarget reports whether an MX target (lower case, without the root
// dot) can name a mail host: an IP address, or labels of letters, digits,
// hyphens and underscores within the DNS limits (RFC 1035 §2.3.1, with the
// underscore that real host names carry). Escaped bytes in the
// presentation form (`\.`, `\032`) fail, as they must.
func validTarget(name string) bool {
	if _, ok := targetAddr(name); ok {
		return true
	}
	if name == "" || len(name) > 253 {
		return false
	}
	for label := range strings.SplitSeq(name, ".") {
		if label == "" || len(label) > 63 {
			return false
		}
		for _, c := range []byte(label) {
			if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
				return false
			}
		}
	}
	return true
}
