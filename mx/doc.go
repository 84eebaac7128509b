// Package mx finds where to deliver mail for a domain: its MX hosts in the
// order to try them, with their addresses, and the TLSA records DANE needs
// to authenticate them. It asks DNS servers itself (with
// github.com/miekg/dns) rather than through the system resolver, so that it
// can tell a domain that does not exist (bounce now) from a DNS server that
// failed (try again later), and see the DNSSEC AD bit.
//
// The shortest use:
//
//	var r mx.Resolver // servers from /etc/resolv.conf
//	res, err := r.Lookup(ctx, "example.org")
//	if err != nil {
//		var e *mx.Error
//		errors.As(err, &e) // e.Reply: 556 5.1.10, 550 5.1.2, 451 4.4.3, ...
//		return err
//	}
//	for _, h := range res.Hosts {
//		// connect to h.Addrs in order; h.Err says why a host has none
//	}
//
// Every failure is an *Error that carries the SMTP reply a mail system
// should give the recipients of the domain — in a bounce, or to RCPT — and
// wraps one of the Err* sentinels. Whether it is permanent is the reply's
// class: a missing domain, a null MX or a domain with no host bounce; a
// DNS server that fails or does not answer defers.
//
// Answers are cached per Resolver, for their TTL (at most MaxTTL, at most
// CacheSize answers). The AD bit is believed only from resolvers on
// loopback (see Resolver.TrustAD).
//
// Package mx/mxtest runs a DNS server on loopback for tests.
//
// # Standards
//
//	RFC 1035        DNS; RCODEs NXDOMAIN and SERVFAIL told apart
//	RFC 2181 §10.3  MX targets that are CNAMEs are followed anyway
//	RFC 2308        negative answers cached for the SOA's negative TTL
//	RFC 3463        enhanced status codes of the errors (X.1.2, X.4.3, X.4.4)
//	RFC 3596        AAAA records
//	RFC 5321 §5.1   MX order, random among equal preferences, implicit MX,
//	                CNAMEs, errors when no host is usable
//	RFC 5891 §5     IDN domains looked up as A-labels (UTS #46 mapping)
//	RFC 6698        TLSA records (DANE)
//	RFC 6840 §5.7   AD bit requested in queries
//	RFC 6891        EDNS0 with the DO bit (RFC 3225), 1232-byte UDP size
//	RFC 7505        null MX: 556 5.1.10
//	RFC 7672        DANE for SMTP: TLSA at _25._tcp.MXHOST, authenticated
//	                answers only
//	RFC 7766 §5     TCP when a UDP answer is truncated
//
// Not done here: the rule that an MTA drops itself and less preferred
// hosts from the list (RFC 5321 §5.1) needs the MTA's own names and is left
// to the caller; so is verifying TLSA records against a certificate.
package mx
