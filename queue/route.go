package queue

import (
	"errors"
	"fmt"
	"net/netip"
	"strings"

	"github.com/mailstack/mailstack/envelope"
	"github.com/mailstack/mailstack/mx"
)

// Route is the way to a recipient's next hop: over LMTP to a delivery
// agent (final delivery), through a smarthost, or — the zero Route — to
// the MX hosts of the recipient's domain (RFC 5321 §5.1).
type Route struct {
	// LMTP, when set, delivers over LMTP (RFC 2033); it wins over
	// Smarthost.
	LMTP *LMTPRoute
	// Smarthost, when set, relays through one host.
	Smarthost *Smarthost
}

// Destination prefixes of the routes that are not MX lookups; a domain
// never contains ':', so they cannot be mistaken for one.
const (
	lmtpPrefix      = "lmtp:"
	smarthostPrefix = "smarthost:"
)

// destSettle is the pseudo-destination of a message being settled (DSNs
// queued, the message removed): while it is busy, no delivery of the
// message starts.
const destSettle = ""

// ErrLoop is the error of a recipient whose domain's most preferred MX
// host is this MTA itself (Config.IsSelf) although the domain is not
// routed here: relaying would send the message to ourselves. The
// recipient fails with 554 5.4.6 (RFC 3463: routing loop detected), as
// Postfix's "mail for DOMAIN loops back to myself".
var ErrLoop = errors.New("queue: mail loops back to this MTA")

// routed is a recipient's route and the destination its deliveries are
// grouped and limited by.
type routed struct {
	dest  string
	route Route
}

// routeOf chooses p's route: Config.Route, else the queue-wide LMTP or
// Smarthost, else MX. Routes naming the same address share a destination.
func (q *Queue) routeOf(p envelope.Path) routed {
	r := Route{LMTP: q.cfg.LMTP, Smarthost: q.cfg.Smarthost}
	if q.cfg.Route != nil {
		r = q.cfg.Route(p)
	}
	switch {
	case r.LMTP != nil:
		return routed{dest: lmtpPrefix + r.LMTP.Addr, route: Route{LMTP: r.LMTP}}
	case r.Smarthost != nil:
		return routed{dest: smarthostPrefix + r.Smarthost.Addr, route: Route{Smarthost: r.Smarthost}}
	}
	d, err := envelope.DomainToASCII(p.Mailbox.Domain)
	if err != nil {
		d = p.Mailbox.Domain
	}
	return routed{dest: strings.ToLower(d)}
}

// routesOf returns the route of each recipient of rec.
func (q *Queue) routesOf(rec *Record) []routed {
	out := make([]routed, len(rec.Rcpts))
	for i, rc := range rec.Rcpts {
		out[i] = q.routeOf(rc.Path)
	}
	return out
}

// dropSelf applies RFC 5321 §5.1: "if the SMTP client ... appears as an MX
// host, ... it MUST discard all MX RRs with the same or higher preference
// value than its own", leaving only the hosts preferred to this MTA. loop
// reports that none is left: this MTA is the best MX, which only a domain
// routed here (Config.Route) may have.
func (q *Queue) dropSelf(hosts []mx.Host) (kept []mx.Host, loop bool) {
	if q.cfg.IsSelf == nil {
		return hosts, false
	}
	for i, h := range hosts {
		if !q.isSelf(h) {
			continue
		}
		j := i
		for j > 0 && hosts[j-1].Preference >= h.Preference {
			j--
		}
		return hosts[:j], j == 0
	}
	return hosts, false
}

// isSelf asks Config.IsSelf about each address of h on the MX port, or
// about its name alone when it has none.
func (q *Queue) isSelf(h mx.Host) bool {
	if len(h.Addrs) == 0 {
		return q.cfg.IsSelf(h.Name, netip.AddrPort{})
	}
	for _, a := range h.Addrs {
		if q.cfg.IsSelf(h.Name, netip.AddrPortFrom(a, uint16(q.cfg.MXPort))) {
			return true
		}
	}
	return false
}

// loopOutcome fails the recipients of a domain whose best MX is this MTA.
func loopOutcome(domain string) outcome {
	r := envelope.Replyf(554, envelope.EnhancedCode{Class: 5, Subject: 4, Detail: 6}, "mail for %s loops back to myself", domain)
	return outcome{kind: outFailed, reply: r, err: fmt.Errorf("%w: %s", ErrLoop, domain)}
}
