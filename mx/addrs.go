package mx

import (
	"context"
	"net/netip"
	"strings"

	"github.com/miekg/dns"
)

// LookupAddrs returns the IPv4 and IPv6 addresses of host (A and AAAA,
// RFC 1035 and RFC 3596), in the order Host.Addrs has them, and whether
// both answers were authenticated. An address literal is returned as is.
// It fails only when no address was found: with ErrNoAddress or
// ErrNoSuchDomain (permanent) or a temporary DNS error.
func (r *Resolver) LookupAddrs(ctx context.Context, host string) ([]netip.Addr, bool, error) {
	name, lit, err := normalizeDomain(host)
	if err != nil {
		return nil, false, newError(host, "", err)
	}
	if lit.IsValid() {
		return []netip.Addr{lit}, false, nil
	}
	return r.lookupAddrs(ctx, name)
}

// family is the outcome of one of the A and AAAA lookups.
type family struct {
	addrs []netip.Addr
	auth  bool
	err   error
}

// lookupAddrs asks for A and AAAA at once. name is a normalized domain.
func (r *Resolver) lookupAddrs(ctx context.Context, name string) ([]netip.Addr, bool, error) {
	fqdn := dns.Fqdn(strings.ToLower(name))
	var v4, v6 family
	done := make(chan struct{})
	go func() {
		v6 = r.lookupFamily(ctx, fqdn, dns.TypeAAAA)
		close(done)
	}()
	v4 = r.lookupFamily(ctx, fqdn, dns.TypeA)
	<-done

	first, second := v4, v6
	if r.IPv6First {
		first, second = v6, v4
	}
	addrs := append(first.addrs, second.addrs...)
	if len(addrs) > 0 {
		// A failure of one family does not hide the other's addresses:
		// the host is reachable on those.
		return addrs, v4.auth && v6.auth && v4.err == nil && v6.err == nil, nil
	}
	// No address: a temporary failure of either family wins, since the
	// addresses may be there once DNS works again.
	for _, f := range []family{v4, v6} {
		if f.err != nil && isTemporary(f.err) {
			return nil, false, f.err
		}
	}
	for _, f := range []family{v4, v6} {
		if f.err != nil {
			return nil, false, f.err
		}
	}
	return nil, false, newError(name, "A", ErrNoAddress)
}

// lookupFamily asks for one address type (dns.TypeA or dns.TypeAAAA).
func (r *Resolver) lookupFamily(ctx context.Context, fqdn string, qtype uint16) family {
	typ := dns.TypeToString[qtype]
	name := strings.TrimSuffix(fqdn, ".")
	set, err := r.resolve(ctx, fqdn, qtype)
	if err != nil {
		return family{err: newError(name, typ, err)}
	}
	if set.nxdom {
		return family{err: newError(name, typ, ErrNoSuchDomain)}
	}
	f := family{auth: set.auth}
	for _, rr := range set.rrs {
		var a netip.Addr
		switch rr := rr.(type) {
		case *dns.A:
			a, _ = netip.AddrFromSlice(rr.A.To4())
		case *dns.AAAA:
			a, _ = netip.AddrFromSlice(rr.AAAA.To16())
		}
		if a.IsValid() && !containsAddr(f.addrs, a) {
			f.addrs = append(f.addrs, a)
		}
	}
	return f
}

func containsAddr(addrs []netip.Addr, a netip.Addr) bool {
	for _, b := range addrs {
		if a == b {
			return true
		}
	}
	return false
}
