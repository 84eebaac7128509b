package mx

import (
	"context"
	"fmt"
	"strings"

	"github.com/miekg/dns"
)

// rrset is the outcome of a lookup that followed CNAMEs.
type rrset struct {
	name   string   // the final name of the chain, fully qualified
	rrs    []dns.RR // the records of the asked type owned by name
	nxdom  bool     // the final name does not exist
	auth   bool     // every answer on the way was authenticated
	cnames int      // CNAMEs followed
}

// resolve looks up name's qtype records, following CNAMEs (RFC 5321 §5.1:
// "the resulting name is processed as if it were the initial name") up to
// MaxCNAMEHops and failing on loops. The server's own chasing is used when
// it did the work; where its answer stops at a CNAME, the target is asked
// for again. An empty rrs with nxdom false is NODATA.
func (r *Resolver) resolve(ctx context.Context, name string, qtype uint16) (*rrset, error) {
	ch := chain{seen: map[string]bool{}, max: r.maxHops()}
	set := &rrset{name: name, auth: true}
	for {
		a, err := r.query(ctx, set.name, qtype)
		if err != nil {
			return nil, err
		}
		set.auth = set.auth && a.auth
		final, data, err := ch.follow(set.name, qtype, a.rrs)
		if err != nil {
			return nil, err
		}
		set.cnames = ch.hops
		if len(data) > 0 || a.rcode == dns.RcodeNameError || final == set.name {
			set.name, set.rrs = final, data
			set.nxdom = a.rcode == dns.RcodeNameError && len(data) == 0
			return set, nil
		}
		// The answer ended on a CNAME it did not follow: ask again.
		set.name = final
	}
}

// chain walks CNAME chains, remembering every name seen so that a loop
// spread over several answers is found too.
type chain struct {
	seen map[string]bool
	hops int
	max  int
}

// follow starts at name in an answer section and follows its CNAMEs to
// the final name, returning it and the qtype records it owns there.
// Records of other owners are ignored: a resolver's answer is only
// trusted for the names the question leads to.
func (c *chain) follow(name string, qtype uint16, rrs []dns.RR) (string, []dns.RR, error) {
	cur := strings.ToLower(name)
	for {
		c.seen[cur] = true
		var data []dns.RR
		next := ""
		for _, rr := range rrs {
			h := rr.Header()
			if h.Class != dns.ClassINET || !strings.EqualFold(h.Name, cur) {
				continue
			}
			if h.Rrtype == qtype {
				data = append(data, rr)
			} else if cn, ok := rr.(*dns.CNAME); ok && next == "" {
				next = strings.ToLower(dns.Fqdn(cn.Target))
			}
		}
		if len(data) > 0 || next == "" {
			return cur, data, nil
		}
		if c.seen[next] {
			return "", nil, fmt.Errorf("%w: %s -> %s", ErrCNAMELoop, cur, next)
		}
		c.hops++
		if c.hops > c.max {
			return "", nil, fmt.Errorf("%w: more than %d hops from %s", ErrCNAMEChain, c.max, name)
		}
		cur = next
	}
}
