package main

import (
	"context"
	"errors"
	"net/netip"
	"strings"

	"github.com/mailstack/mailstack/envelope"
	"github.com/mailstack/mailstack/mx"
	"github.com/mailstack/mailstack/smtp"
)

// deliverMX sends the message to each recipient domain's MX hosts, in
// order (RFC 5321 §5.1), moving to the next address while the session
// itself fails (connection, greeting, EHLO, a temporary MAIL error).
func deliverMX(ctx context.Context, o *options, from envelope.Path, rcpts []envelope.Path, msg []byte, mp envelope.MailParams) []smtp.RcptResult {
	r := &mx.Resolver{}
	if o.dns != "" {
		r.Servers = []string{o.dns}
	}
	results := make([]smtp.RcptResult, len(rcpts))
	byDomain := map[string][]int{}
	var order []string
	for i, p := range rcpts {
		d := strings.ToLower(p.Mailbox.Domain)
		if _, ok := byDomain[d]; !ok {
			order = append(order, d)
		}
		byDomain[d] = append(byDomain[d], i)
	}
	for _, d := range order {
		idx := byDomain[d]
		sub := make([]envelope.Path, len(idx))
		for k, i := range idx {
			sub[k] = rcpts[i]
		}
		res := deliverDomain(ctx, r, o.mxPort, d, from, sub, msg, mp)
		for k, i := range idx {
			results[i] = res[k]
		}
	}
	return results
}

func deliverDomain(ctx context.Context, r *mx.Resolver, port int, domain string, from envelope.Path, rcpts []envelope.Path, msg []byte, mp envelope.MailParams) []smtp.RcptResult {
	res, err := r.Lookup(ctx, domain)
	if err != nil && (res == nil || len(res.Hosts) == 0) {
		var me *mx.Error
		if errors.As(err, &me) && me.Reply != nil {
			// The mx package's reply says permanent or temporary.
			return failAll(rcpts, &smtp.CommandError{Command: "MX lookup", Reply: me.Reply, Local: true})
		}
		return failAll(rcpts, err)
	}
	last := failAll(rcpts, errors.New("no MX host has an address"))
	for _, h := range res.Hosts {
		for _, a := range h.Addrs {
			addr := netip.AddrPortFrom(a, uint16(port)).String()
			out := sendTo(ctx, addr, &smtp.ClientConfig{}, from, rcpts, msg, mp)
			last = out
			if !sessionFailed(out) {
				return out
			}
		}
	}
	return last
}

// sessionFailed reports whether no recipient got a verdict of its own, so
// that the next host should be tried.
func sessionFailed(res []smtp.RcptResult) bool {
	for _, r := range res {
		if r.Err == nil {
			return false
		}
		var ce *smtp.CommandError
		if errors.As(r.Err, &ce) {
			switch ce.Command {
			case "RCPT", "DATA", "BDAT":
				return false
			case "MAIL":
				if ce.Permanent() {
					return false
				}
			}
			if ce.Local && ce.Permanent() {
				return false
			}
		}
	}
	return true
}
