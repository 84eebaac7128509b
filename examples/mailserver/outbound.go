package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"path/filepath"
	"strings"

	"github.com/mailstack/mailstack/envelope"
	"github.com/mailstack/mailstack/mx"
	"github.com/mailstack/mailstack/queue"
	"github.com/mailstack/mailstack/smtp"
)

// openQueue opens the spool, DATA_DIR/queue, with one route per recipient
// (queue.Config.Route): the local domains over LMTP to this server's own
// LMTP listener, the others to the smarthost or to their domains' MX
// hosts. DSNs take the same routes, so a bounce to a local sender lands in
// the sender's INBOX whatever the DNS says about the local domains.
// Messages an earlier run left in the spool are delivered once run starts.
func (s *server) openQueue() error {
	local := &queue.LMTPRoute{Network: "tcp", Addr: s.lmtpAddr}
	var relay *queue.Smarthost
	if s.cfg.Relay.Smarthost != "" {
		relay = &queue.Smarthost{Addr: s.cfg.Relay.Smarthost}
	}
	self := s.selfMatcher()
	c := queue.Config{
		Dir:      filepath.Join(s.cfg.DataDir, "queue"),
		Hostname: s.cfg.Hostname,
		Logger:   s.log,
		Resolver: &mx.Resolver{Servers: s.cfg.DNS.Servers},
		MXPort:   s.cfg.Relay.MXPort,
		Hook:     s.hook,
		IsSelf:   self,
		Route: func(rcpt envelope.Path) queue.Route {
			switch {
			case s.cfg.isLocal(rcpt.Mailbox.Domain):
				return queue.Route{LMTP: local}
			case relay != nil:
				return queue.Route{Smarthost: relay}
			}
			return queue.Route{} // MX
		},
	}
	q, err := queue.Open(c)
	if err != nil {
		return fmt.Errorf("queue: %w", err)
	}
	s.queue = q
	return nil
}

// selfMatcher returns the queue's IsSelf: an MX host is this server when
// it bears the server's hostname or is reached at the address and port of
// its smtp listener (the port matters: tests run several servers on
// 127.0.0.1). Mail for a remote domain whose best MX is this server then
// bounces with 5.4.6 instead of looping (RFC 5321 §5.1).
func (s *server) selfMatcher() func(string, netip.AddrPort) bool {
	host := strings.TrimSuffix(s.cfg.Hostname, ".")
	var own netip.AddrPort
	var anyAddr bool
	if a, err := netip.ParseAddrPort(s.addr("smtp")); err == nil {
		own = netip.AddrPortFrom(a.Addr().Unmap(), a.Port())
		anyAddr = own.Addr().IsUnspecified()
	}
	return func(name string, ap netip.AddrPort) bool {
		if strings.EqualFold(strings.TrimSuffix(name, "."), host) {
			return true
		}
		if !own.IsValid() || ap.Port() != own.Port() {
			return false
		}
		a := ap.Addr().Unmap()
		return a == own.Addr() || anyAddr && isLocalAddr(a)
	}
}

// isLocalAddr reports whether a is an address of this host, for a
// listener bound to all of them.
func isLocalAddr(a netip.Addr) bool {
	if a.IsLoopback() {
		return true
	}
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		return false
	}
	for _, ia := range addrs {
		if n, ok := ia.(*net.IPNet); ok {
			if ip, ok := netip.AddrFromSlice(n.IP); ok && ip.Unmap() == a {
				return true
			}
		}
	}
	return false
}

// accept queues a message received over SMTP under the queue ID id (from
// queue.NewID), keeping the MAIL and RCPT parameters (DSN requests above
// all), and returns once it is on disk.
func (s *server) accept(ctx context.Context, id string, from envelope.Path, mp envelope.MailParams, rcpts []rcpt, r io.Reader) error {
	paths := make([]envelope.Path, len(rcpts))
	opts := &smtp.SendOptions{Mail: mp, Rcpt: make([]envelope.RcptParams, len(rcpts))}
	for i, rc := range rcpts {
		paths[i], opts.Rcpt[i] = rc.path, rc.params
	}
	err := s.queue.EnqueueID(ctx, id, from, paths, r, opts)
	if errors.Is(err, queue.ErrMessageTooLarge) {
		return envelope.ReplyMessageTooBig
	}
	return err
}
