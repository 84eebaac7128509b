package mx

import (
	"context"
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/miekg/dns"
)

// TLSA is one TLSA record (RFC 6698 §2.1), the DANE description of a
// certificate or key that a TLS server may present.
type TLSA struct {
	Usage        uint8  // RFC 6698 §2.1.1; mail uses 2 (DANE-TA) and 3 (DANE-EE), RFC 7672 §3.1
	Selector     uint8  // RFC 6698 §2.1.2: 0 full certificate, 1 SubjectPublicKeyInfo
	MatchingType uint8  // RFC 6698 §2.1.3: 0 exact, 1 SHA-256, 2 SHA-512
	Data         []byte // the certificate association data
}

// LookupTLSA returns the TLSA records of a service ("_PORT._PROTO.HOST",
// RFC 6698 §3), following CNAMEs (RFC 7671 §7), and whether the answer was
// DNSSEC-validated by a trusted resolver (see Resolver.TrustAD). Records
// that were not authenticated must not be used for DANE (RFC 7672 §2.2):
// the caller then falls back to its non-DANE TLS policy. No records (NODATA
// or NXDOMAIN) is not an error. A DNS failure is a temporary *Error: RFC
// 7672 §2.2 wants delivery deferred when the TLSA lookup of a host with
// secure addresses fails.
//
// For SMTP, port is 25, proto "tcp" and host the MX host name (RFC 7672
// §2.2.3).
func (r *Resolver) LookupTLSA(ctx context.Context, port int, proto, host string) ([]TLSA, bool, error) {
	name, lit, err := normalizeDomain(host)
	if err != nil || lit.IsValid() || port <= 0 || port > 65535 || proto == "" {
		return nil, false, newError(host, "TLSA", fmt.Errorf("%w: bad TLSA owner", ErrInvalidDomain))
	}
	owner := fmt.Sprintf("_%d._%s.%s.", port, strings.ToLower(proto), name)
	set, err := r.resolve(ctx, owner, dns.TypeTLSA)
	if err != nil {
		return nil, false, newError(strings.TrimSuffix(owner, "."), "TLSA", err)
	}
	var out []TLSA
	for _, rr := range set.rrs {
		t := rr.(*dns.TLSA)
		data, err := hex.DecodeString(t.Certificate)
		if err != nil {
			continue // unusable record (RFC 7672 §2.2: ignored)
		}
		out = append(out, TLSA{Usage: t.Usage, Selector: t.Selector, MatchingType: t.MatchingType, Data: data})
	}
	return out, set.auth, nil
}
