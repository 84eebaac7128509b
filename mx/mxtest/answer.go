package mxtest

import (
	"net"
	"strings"

	"github.com/miekg/dns"
)

// maxChase bounds how many CNAMEs the server follows for one answer.
const maxChase = 16

// serve answers one query.
func (s *Server) serve(w dns.ResponseWriter, req *dns.Msg) {
	if len(req.Question) != 1 {
		m := new(dns.Msg)
		m.SetRcode(req, dns.RcodeFormatError)
		w.WriteMsg(m)
		return
	}
	q := req.Question[0]
	name := strings.ToLower(q.Name)
	network := "udp"
	if _, ok := w.RemoteAddr().(*net.TCPAddr); ok {
		network = "tcp"
	}
	opt := req.IsEdns0()
	s.mu.Lock()
	s.queries = append(s.queries, Query{
		Name: name, Type: q.Qtype, Net: network,
		DO: opt != nil && opt.Do(), AD: req.AuthenticatedData,
	})
	b := s.behaviors[name]
	s.mu.Unlock()

	m := new(dns.Msg)
	m.SetReply(req)
	m.RecursionAvailable = true
	switch b {
	case Drop:
		return
	case ServFail:
		m.Rcode = dns.RcodeServerFailure
	case Refused:
		m.Rcode = dns.RcodeRefused
	case NoEDNS:
		if opt != nil {
			m.Rcode = dns.RcodeFormatError
			opt = nil // and no OPT in the answer
			break
		}
		s.answer(m, name, q.Qtype, req.AuthenticatedData)
	default:
		s.answer(m, name, q.Qtype, req.AuthenticatedData || (opt != nil && opt.Do()))
	}
	size := dns.MinMsgSize
	if opt != nil {
		m.SetEdns0(1232, opt.Do())
		size = max(int(opt.UDPSize()), dns.MinMsgSize)
	}
	if network == "udp" {
		if b == Truncate {
			m.Answer, m.Ns, m.Extra = nil, nil, nil
			m.Truncated = true
		} else {
			m.Truncate(size) // sets TC when the answer does not fit (RFC 6891 §7)
		}
	}
	w.WriteMsg(m)
}

// answer fills m with the records for name and qtype, following CNAMEs as
// a recursive resolver does.
func (s *Server) answer(m *dns.Msg, name string, qtype uint16, wantAD bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	secure := true
	seen := map[string]bool{}
	cur := name
	for range maxChase {
		seen[cur] = true
		secure = secure && s.secure[cur]
		var found []dns.RR
		var cname *dns.CNAME
		for _, rr := range s.records[cur] {
			if rr.Header().Rrtype == qtype || qtype == dns.TypeANY {
				found = append(found, dns.Copy(rr))
			} else if c, ok := rr.(*dns.CNAME); ok {
				cname = c
			}
		}
		if len(found) > 0 {
			m.Answer = append(m.Answer, found...)
			m.AuthenticatedData = wantAD && secure
			return
		}
		if cname == nil {
			break
		}
		m.Answer = append(m.Answer, dns.Copy(cname))
		next := strings.ToLower(cname.Target)
		if s.noChase || seen[next] {
			m.AuthenticatedData = wantAD && secure
			return
		}
		cur = next
	}
	// Negative answer: NXDOMAIN when nothing exists at or below the name
	// (RFC 8020), NODATA otherwise; both with an SOA (RFC 2308 §3).
	if !s.exists(cur) {
		m.Rcode = dns.RcodeNameError
	}
	m.Ns = append(m.Ns, &dns.SOA{
		Hdr:    dns.RR_Header{Name: ".", Rrtype: dns.TypeSOA, Class: dns.ClassINET, Ttl: s.negTTL},
		Ns:     "ns.invalid.",
		Mbox:   "hostmaster.invalid.",
		Serial: 1, Refresh: 3600, Retry: 600, Expire: 86400,
		Minttl: s.negTTL,
	})
	m.AuthenticatedData = wantAD && secure
}

// exists reports whether name owns records or is an empty non-terminal.
func (s *Server) exists(name string) bool {
	if len(s.records[name]) > 0 {
		return true
	}
	for owner := range s.records {
		if dns.IsSubDomain(name, owner) {
			return true
		}
	}
	return false
}
