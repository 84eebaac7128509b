package queue

import (
	"context"
	"io"
	"net"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mailstack/mailstack/envelope"
	"github.com/mailstack/mailstack/lmtp"
	"github.com/mailstack/mailstack/smtp"
)

// lmtpSink is an LMTP server on loopback (package lmtp) that records what
// it receives, one sinkMsg per transaction.
type lmtpSink struct {
	Addr string
	mu   sync.Mutex
	msgs []sinkMsg
}

func startLMTPSink(t testing.TB) *lmtpSink {
	t.Helper()
	s := &lmtpSink{}
	srv := &lmtp.Server{Hostname: "mda.test", OmitReceived: true,
		Backend: lmtp.DataFunc(func(ctx context.Context, tx *smtp.Transaction, r io.Reader, st *lmtp.Status) error {
			b, err := io.ReadAll(r)
			if err != nil {
				return err
			}
			m := sinkMsg{From: tx.From.Mailbox.String(), Data: string(b)}
			for _, rc := range tx.Rcpts {
				m.Rcpts = append(m.Rcpts, rc.Path.Mailbox.String())
			}
			s.mu.Lock()
			s.msgs = append(s.msgs, m)
			s.mu.Unlock()
			return nil
		})}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s.Addr = ln.Addr().String()
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return s
}

func (s *lmtpSink) Messages() []sinkMsg {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]sinkMsg(nil), s.msgs...)
}

// localRoute routes the domain local.test over LMTP to addr, and the
// others by MX.
func localRoute(addr string) func(envelope.Path) Route {
	lr := &LMTPRoute{Addr: addr}
	return func(p envelope.Path) Route {
		if strings.EqualFold(p.Mailbox.Domain, "local.test") {
			return Route{LMTP: lr}
		}
		return Route{}
	}
}

func TestQueueRoutePerRecipient(t *testing.T) {
	// One queue, two routes: the local domain's recipients go over LMTP
	// (RFC 2033) in one session, the others to their MX (RFC 5321 §5.1),
	// and the DSN about a null MX (RFC 7505) goes back to the local
	// sender by the local route — local.test has no DNS records at all.
	mda := startLMTPSink(t)
	mxs := startSink(t, nil)
	w := newWorld(t, "dst.test. 60 IN MX 10 mx.dst.test.", "mx.dst.test. 60 IN A 127.0.0.2",
		"nullmx.test. 60 IN MX 0 .")
	w.Map("127.0.0.2", mxs.Addr)
	ev := newEvents()
	cfg := baseConfig(t, w, ev)
	cfg.Route = localRoute(mda.Addr)
	q := runQueue(t, cfg)
	id := enqueue(t, q, "<s@local.test>", "rt1", "<a@local.test>", "<b@dst.test>", "<c@LOCAL.test>", "<d@nullmx.test>")
	ev.Wait(t, "removal of both", func(evs []Event) bool { return count(evs, EventRemoved, "") == 2 })

	msgs := mda.Messages()
	if len(msgs) != 2 {
		t.Fatalf("LMTP got %d transactions: %+v", len(msgs), msgs)
	}
	if msgs[0].From != "s@local.test" || strings.Join(msgs[0].Rcpts, ",") != "a@local.test,c@LOCAL.test" || !strings.Contains(msgs[0].Data, "rt1@sender.test") {
		t.Errorf("local delivery %+v", msgs[0])
	}
	if msgs[1].From != "" || strings.Join(msgs[1].Rcpts, ",") != "s@local.test" || !strings.Contains(msgs[1].Data, "Final-Recipient: rfc822; d@nullmx.test") {
		t.Errorf("DSN %+v", msgs[1])
	}
	if m := mxs.Messages(); len(m) != 1 || strings.Join(m[0].Rcpts, ",") != "b@dst.test" {
		t.Errorf("MX delivery %+v", m)
	}
	for _, e := range ev.List() {
		if e.Kind != EventDelivered {
			continue
		}
		want := "dst.test"
		if strings.EqualFold(e.Rcpt.Mailbox.Domain, "local.test") {
			want = "lmtp:" + mda.Addr
		}
		if e.Destination != want {
			t.Errorf("%v delivered to destination %q, want %q", e.Rcpt, e.Destination, want)
		}
	}
	if count(ev.List(), EventBounce, id) != 1 {
		t.Errorf("events %v", ev.List())
	}
}

func TestQueueRouteSmarthostPerRecipient(t *testing.T) {
	// Route may send some domains through a smarthost and leave the rest
	// to MX; the smarthost's own settings (here plaintext allowed) apply.
	relay := startSink(t, nil)
	mxs := startSink(t, nil)
	w := newWorld(t, "dst.test. 60 IN MX 10 mx.dst.test.", "mx.dst.test. 60 IN A 127.0.0.2")
	w.Map("127.0.0.2", mxs.Addr)
	ev := newEvents()
	cfg := baseConfig(t, w, ev)
	sh := &Smarthost{Addr: relay.Addr, AllowPlaintext: true}
	cfg.Route = func(p envelope.Path) Route {
		if p.Mailbox.Domain == "far.test" {
			return Route{Smarthost: sh}
		}
		return Route{}
	}
	q := runQueue(t, cfg)
	id := enqueue(t, q, "<s@sender.test>", "rt2", "<a@far.test>", "<b@dst.test>", "<c@far.test>")
	ev.Wait(t, "removal", removed(id))
	if m := relay.Messages(); len(m) != 1 || strings.Join(m[0].Rcpts, ",") != "a@far.test,c@far.test" {
		t.Errorf("smarthost got %+v", m)
	}
	if m := mxs.Messages(); len(m) != 1 || strings.Join(m[0].Rcpts, ",") != "b@dst.test" {
		t.Errorf("MX got %+v", m)
	}
}

func TestQueueSkipSelfMX(t *testing.T) {
	// RFC 5321 §5.1: this MTA (named me.test, or reached at 127.0.0.9 on
	// the MX port) drops itself and every host as preferred or less from
	// the MX list; when none is left, the recipient fails with 5.4.6
	// (RFC 3463 routing loop), as Postfix's "loops back to myself".
	good := startSink(t, nil)
	w := newWorld(t,
		// best MX is another host; we are the backup; a third is worse.
		"backup.test. 60 IN MX 10 mx.good.test.", "backup.test. 60 IN MX 20 me.test.", "backup.test. 60 IN MX 30 mx.worse.test.",
		// the first MX refuses connections: the backup roles stop there.
		"down.test. 60 IN MX 10 mx.down.test.", "down.test. 60 IN MX 20 me.test.", "down.test. 60 IN MX 30 mx.good.test.",
		// we are the best MX by name.
		"loop.test. 60 IN MX 10 me.test.", "loop.test. 60 IN MX 20 mx.good.test.",
		// we share the best preference with another host, by address.
		"tie.test. 60 IN MX 10 mx.good.test.", "tie.test. 60 IN MX 10 alias.test.",
		// no MX: the domain's own address (an implicit MX) is ours.
		"implicit.test. 60 IN A 127.0.0.9",
		// our name, though it has no address: still a loop, not 5.1.x.
		"byname.test. 60 IN MX 10 other.me.test.",
		"me.test. 60 IN A 127.0.0.9", "alias.test. 60 IN A 127.0.0.9",
		"mx.good.test. 60 IN A 127.0.0.2", "mx.worse.test. 60 IN A 127.0.0.2", "mx.down.test. 60 IN A 127.0.0.3",
	)
	w.Map("127.0.0.2", good.Addr)
	w.Map("127.0.0.9", good.Addr) // reaching "us" would deliver too: the test would see it
	ev := newEvents()
	cfg := baseConfig(t, w, ev)
	cfg.Retry.MinBackoff, cfg.Retry.MaxBackoff = time.Hour, time.Hour // one pass
	self := netip.MustParseAddrPort("127.0.0.9:25")
	cfg.IsSelf = func(host string, addr netip.AddrPort) bool {
		return host == "me.test" || host == "other.me.test" || addr == self
	}
	q := runQueue(t, cfg)
	id := enqueue(t, q, "<>", "self1", "<a@backup.test>", "<b@down.test>", "<c@loop.test>", "<d@tie.test>", "<e@implicit.test>", "<f@byname.test>")
	ev.Wait(t, "one pass", func(evs []Event) bool {
		return count(evs, EventDelivered, id)+count(evs, EventDeferred, id)+count(evs, EventFailed, id) == 6
	})
	kinds := map[string]EventKind{}
	hosts := map[string][]string{}
	for _, e := range ev.List() {
		switch e.Kind {
		case EventDelivered, EventDeferred, EventFailed:
			kinds[e.Rcpt.Mailbox.Local] = e.Kind
			if e.Kind == EventFailed && (e.Reply == nil || e.Reply.Code != 554 || e.Reply.Enhanced.String() != "5.4.6" ||
				!strings.Contains(e.Reply.Error(), "loops back to myself")) {
				t.Errorf("failure %+v", e)
			}
		case EventAttempt:
			hosts[e.Destination] = append(hosts[e.Destination], strings.SplitN(e.Host, "[", 2)[0])
		}
	}
	want := map[string]EventKind{"a": EventDelivered, "b": EventDeferred, "c": EventFailed, "d": EventFailed, "e": EventFailed, "f": EventFailed}
	for k, v := range want {
		if kinds[k] != v {
			t.Errorf("%s@: %v, want %v", k, kinds[k], v)
		}
	}
	if got := strings.Join(hosts["backup.test"], ","); got != "mx.good.test" {
		t.Errorf("backup.test tried %q", got)
	}
	if got := strings.Join(hosts["down.test"], ","); got != "mx.down.test" {
		t.Errorf("down.test tried %q, want only the host preferred to us", got)
	}
	for _, d := range []string{"loop.test", "tie.test", "implicit.test", "byname.test"} {
		if len(hosts[d]) != 0 {
			t.Errorf("%s tried %q", d, hosts[d])
		}
	}
	if n := len(good.Messages()); n != 1 {
		t.Errorf("%d deliveries", n)
	}
}
