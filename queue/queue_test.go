package queue

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/mail"
	"net/textproto"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	gosmtp "github.com/emersion/go-smtp"
	"github.com/mailstack/mailstack/envelope"
	"github.com/mailstack/mailstack/smtp"
)

// baseConfig is a queue delivering through w with fast retries.
func baseConfig(t testing.TB, w *world, ev *events) Config {
	return Config{
		Dir:         t.TempDir(),
		Hostname:    "queue.test",
		Resolver:    w.Resolver(),
		DialContext: w.Dial,
		Retry:       RetryPolicy{MinBackoff: time.Millisecond, MaxBackoff: 10 * time.Millisecond},
		Hook:        ev.Hook,
	}
}

func enqueue(t testing.TB, q *Queue, from string, msgID string, rcpts ...string) string {
	t.Helper()
	var ps []envelope.Path
	for _, r := range rcpts {
		ps = append(ps, mustPath(t, r))
	}
	id, err := q.Enqueue(context.Background(), mustPath(t, from), ps, strings.NewReader(testMessage(msgID)), nil)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func spoolEmpty(t *testing.T, dir string) {
	t.Helper()
	for _, sub := range []string{"msg", "env"} {
		ents, _ := os.ReadDir(filepath.Join(dir, sub))
		if len(ents) != 0 {
			t.Fatalf("%s/ not empty: %v", sub, ents)
		}
	}
}

func TestQueueTempThenOK(t *testing.T) {
	// A 4xx then 2xx destination gets the message exactly once (RFC 5321
	// §4.5.4: retry after a transient failure). MXPort reaches the MX on
	// 127.0.0.1 directly.
	s := startSink(t, func(s *sink, _ *gosmtp.Server) {
		s.rcpt = func(to string, n int) error {
			if n == 1 {
				return smtpErr(451, [3]int{4, 3, 0}, "try again later")
			}
			return nil
		}
	})
	_, port, _ := strings.Cut(s.Addr, ":")
	w := newWorld(t, "dst.test. 60 IN MX 10 mx.dst.test.", "mx.dst.test. 60 IN A 127.0.0.1")
	ev := newEvents()
	cfg := baseConfig(t, w, ev)
	cfg.DialContext = nil
	cfg.MXPort = atoi(t, port)
	q := runQueue(t, cfg)
	id := enqueue(t, q, "<s@sender.test>", "m1", "<r@dst.test>")
	ev.Wait(t, "removal", removed(id))
	if n := countIn(s.Messages(), "Message-ID: <m1@sender.test>"); n != 1 {
		t.Fatalf("delivered %d times", n)
	}
	evs := ev.List()
	if count(evs, EventDeferred, id) != 1 || count(evs, EventDelivered, id) != 1 || count(evs, EventBounce, "") != 0 {
		t.Fatalf("events %v", evs)
	}
	spoolEmpty(t, cfg.Dir)
}

func TestQueueSecondMX(t *testing.T) {
	// RFC 5321 §5.1: the first MX refuses connections; the second, less
	// preferred, gets the message.
	s := startSink(t, nil)
	w := newWorld(t,
		"dst.test. 60 IN MX 10 mx1.dst.test.", "dst.test. 60 IN MX 20 mx2.dst.test.",
		"mx1.dst.test. 60 IN A 127.0.0.2", "mx2.dst.test. 60 IN A 127.0.0.3")
	w.Map("127.0.0.3", s.Addr)
	ev := newEvents()
	q := runQueue(t, baseConfig(t, w, ev))
	id := enqueue(t, q, "<s@sender.test>", "m2", "<r@dst.test>", "<r2@dst.test>")
	ev.Wait(t, "removal", removed(id))
	msgs := s.Messages()
	if len(msgs) != 1 || strings.Join(msgs[0].Rcpts, ",") != "r@dst.test,r2@dst.test" {
		t.Fatalf("%+v", msgs)
	}
	var hosts []string
	for _, e := range ev.List() {
		if e.Kind == EventAttempt {
			hosts = append(hosts, e.Host)
		}
	}
	if len(hosts) != 2 || !strings.HasPrefix(hosts[0], "mx1.dst.test[127.0.0.2") || !strings.HasPrefix(hosts[1], "mx2.dst.test[127.0.0.3") {
		t.Fatalf("attempts %q", hosts)
	}
}

// dsnParts parses a DSN as RFC 3464 / RFC 6522 and returns its
// per-recipient status groups and the returned original.
func dsnParts(t *testing.T, data string) (perMsg textproto.MIMEHeader, perRcpt []textproto.MIMEHeader, original string) {
	t.Helper()
	m, err := mail.ReadMessage(strings.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	if m.Header.Get("Auto-Submitted") != "auto-replied" {
		t.Error("no Auto-Submitted")
	}
	mt, params, err := mime.ParseMediaType(m.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/report" || params["report-type"] != "delivery-status" {
		t.Fatalf("content type %q %v", mt, params)
	}
	mr := multipart.NewReader(m.Body, params["boundary"])
	var types []string
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		ct, _, _ := mime.ParseMediaType(p.Header.Get("Content-Type"))
		types = append(types, ct)
		body, _ := io.ReadAll(p)
		switch ct {
		case "message/delivery-status":
			tp := textproto.NewReader(bufioReader(string(body)))
			perMsg, err = tp.ReadMIMEHeader()
			if err != nil {
				t.Fatalf("per-message fields: %v", err)
			}
			for {
				h, err := tp.ReadMIMEHeader()
				if len(h) > 0 {
					perRcpt = append(perRcpt, h)
				}
				if err != nil {
					break
				}
			}
		case "message/rfc822", "text/rfc822-headers":
			original = string(body)
		}
	}
	if len(types) != 3 || types[0] != "text/plain" || types[1] != "message/delivery-status" {
		t.Fatalf("parts %q", types)
	}
	return perMsg, perRcpt, original
}

func TestQueueBounceDSN(t *testing.T) {
	// A 5xx destination: the recipient fails at once and one DSN (RFC
	// 3464) from <> reaches the sender's own mailbox, at its own MX.
	dst := startSink(t, func(s *sink, _ *gosmtp.Server) {
		s.rcpt = func(to string, n int) error {
			if strings.HasPrefix(to, "bad") {
				return smtpErr(550, [3]int{5, 1, 1}, "no such user")
			}
			return nil
		}
	})
	home := startSink(t, nil)
	w := newWorld(t,
		"dst.test. 60 IN MX 10 mx.dst.test.", "mx.dst.test. 60 IN A 127.0.0.2",
		"sender.test. 60 IN MX 10 mx.sender.test.", "mx.sender.test. 60 IN A 127.0.0.3",
		"nullmx.test. 60 IN MX 0 .")
	w.Map("127.0.0.2", dst.Addr)
	w.Map("127.0.0.3", home.Addr)
	ev := newEvents()
	q := runQueue(t, baseConfig(t, w, ev))
	ctx := context.Background()
	id, err := q.Enqueue(ctx, mustPath(t, "<s@sender.test>"),
		[]envelope.Path{mustPath(t, "<bad@dst.test>"), mustPath(t, "<ok@dst.test>"), mustPath(t, "<x@nullmx.test>")},
		strings.NewReader(testMessage("m3")),
		&smtp.SendOptions{Mail: envelope.MailParams{EnvID: "env-m3", Ret: envelope.ReturnHeaders},
			Rcpt: []envelope.RcptParams{{ORCPT: &envelope.OriginalRecipient{AddrType: "rfc822", Addr: "bad@dst.test"}}}})
	if err != nil {
		t.Fatal(err)
	}
	ev.Wait(t, "removal", removed(id))
	ev.Wait(t, "DSN removal", func(evs []Event) bool { return count(evs, EventRemoved, "") == 2 })
	if n := countIn(dst.Messages(), "m3@sender.test"); n != 1 {
		t.Fatalf("ok@ got %d copies", n)
	}
	msgs := home.Messages()
	if len(msgs) != 1 || msgs[0].From != "" || msgs[0].Rcpts[0] != "s@sender.test" {
		t.Fatalf("DSNs at the sender: %+v", msgs)
	}
	perMsg, rcpts, orig := dsnParts(t, msgs[0].Data)
	if perMsg.Get("Reporting-Mta") != "dns; queue.test" || perMsg.Get("Original-Envelope-Id") != "env-m3" {
		t.Errorf("per-message %v", perMsg)
	}
	if len(rcpts) != 2 {
		t.Fatalf("recipient groups %v", rcpts)
	}
	bad, null := rcpts[0], rcpts[1]
	if bad.Get("Final-Recipient") != "rfc822; bad@dst.test" || bad.Get("Action") != "failed" || bad.Get("Status") != "5.1.1" ||
		bad.Get("Remote-Mta") != "dns; mx.dst.test" || !strings.Contains(bad.Get("Diagnostic-Code"), "smtp; 550 5.1.1") ||
		bad.Get("Original-Recipient") != "rfc822;bad@dst.test" {
		t.Errorf("bad@ group %v", bad)
	}
	// RFC 7505: null MX, 556 5.1.10, no remote MTA.
	if null.Get("Status") != "5.1.10" || null.Get("Remote-Mta") != "" || !strings.Contains(null.Get("Diagnostic-Code"), "556") {
		t.Errorf("null MX group %v", null)
	}
	// RET=HDRS: headers only.
	if !strings.Contains(orig, "Message-ID: <m3@sender.test>") || strings.Contains(orig, "body of") {
		t.Errorf("returned original %q", orig)
	}
}

func TestQueueNoBounceForNullSender(t *testing.T) {
	// RFC 5321 §6.1: a message from <> that fails is dropped silently.
	dst := startSink(t, func(s *sink, _ *gosmtp.Server) {
		s.rcpt = func(string, int) error { return smtpErr(550, [3]int{5, 1, 1}, "no") }
	})
	w := newWorld(t, "dst.test. 60 IN MX 10 mx.dst.test.", "mx.dst.test. 60 IN A 127.0.0.2")
	w.Map("127.0.0.2", dst.Addr)
	ev := newEvents()
	q := runQueue(t, baseConfig(t, w, ev))
	id := enqueue(t, q, "<>", "m4", "<bad@dst.test>")
	ev.Wait(t, "removal", removed(id))
	if evs := ev.List(); count(evs, EventFailed, id) != 1 || count(evs, EventBounce, "") != 0 || count(evs, EventEnqueued, "") != 1 {
		t.Fatalf("events %v", evs)
	}
}

func TestQueueExpiry(t *testing.T) {
	// RFC 5321 §4.5.4.1: give up after the lifetime; the DSN says 4.4.7
	// and keeps the last reply as Diagnostic-Code.
	dst := startSink(t, func(s *sink, _ *gosmtp.Server) {
		s.rcpt = func(string, int) error { return smtpErr(452, [3]int{4, 2, 2}, "mailbox full") }
	})
	home := startSink(t, nil)
	w := newWorld(t, "dst.test. 60 IN MX 10 mx.dst.test.", "mx.dst.test. 60 IN A 127.0.0.2",
		"sender.test. 60 IN MX 10 mx.sender.test.", "mx.sender.test. 60 IN A 127.0.0.3")
	w.Map("127.0.0.2", dst.Addr)
	w.Map("127.0.0.3", home.Addr)
	ev := newEvents()
	cfg := baseConfig(t, w, ev)
	cfg.Retry.MaxLifetime = time.Nanosecond
	q := runQueue(t, cfg)
	id := enqueue(t, q, "<s@sender.test>", "m5", "<full@dst.test>")
	ev.Wait(t, "removal", removed(id))
	ev.Wait(t, "DSN delivery", func(evs []Event) bool { return count(evs, EventRemoved, "") == 2 })
	_, rcpts, orig := dsnParts(t, home.Messages()[0].Data)
	if rcpts[0].Get("Status") != "4.4.7" || !strings.Contains(rcpts[0].Get("Diagnostic-Code"), "452 4.2.2 mailbox full") {
		t.Fatalf("%v", rcpts)
	}
	if !strings.Contains(orig, "body of m5") {
		t.Fatalf("no full original without RET: %q", orig)
	}
}

func TestQueueDelayWarning(t *testing.T) {
	// RFC 3464 Action: delayed, sent once at the end of the pass that
	// deferred the recipient, while retries go on. The retry waits for
	// Flush, so the warning cannot be overtaken by the delivery.
	dst := startSink(t, func(s *sink, _ *gosmtp.Server) {
		s.rcpt = func(_ string, n int) error {
			if n < 2 {
				return smtpErr(451, [3]int{4, 4, 1}, "later")
			}
			return nil
		}
	})
	home := startSink(t, nil)
	w := newWorld(t, "dst.test. 60 IN MX 10 mx.dst.test.", "mx.dst.test. 60 IN A 127.0.0.2",
		"sender.test. 60 IN MX 10 mx.sender.test.", "mx.sender.test. 60 IN A 127.0.0.3")
	w.Map("127.0.0.2", dst.Addr)
	w.Map("127.0.0.3", home.Addr)
	ev := newEvents()
	cfg := baseConfig(t, w, ev)
	cfg.DelayWarning = time.Nanosecond
	cfg.Retry.MinBackoff, cfg.Retry.MaxBackoff = time.Hour, time.Hour
	q := runQueue(t, cfg)
	id := enqueue(t, q, "<s@sender.test>", "m6", "<slow@dst.test>")
	ev.Wait(t, "warning", func(evs []Event) bool { return count(evs, EventBounce, id) == 1 })
	q.Flush()
	ev.Wait(t, "removal", removed(id))
	ev.Wait(t, "DSN delivery", func(evs []Event) bool { return count(evs, EventRemoved, "") == 2 })
	msgs := home.Messages()
	if len(msgs) != 1 {
		t.Fatalf("%d warnings", len(msgs))
	}
	_, rcpts, _ := dsnParts(t, msgs[0].Data)
	if rcpts[0].Get("Action") != "delayed" || rcpts[0].Get("Status") != "4.4.1" || rcpts[0].Get("Will-Retry-Until") == "" {
		t.Fatalf("%v", rcpts)
	}
	if n := countIn(dst.Messages(), "m6@sender.test"); n != 1 {
		t.Fatalf("delivered %d times", n)
	}
	if n := count(ev.List(), EventBounce, id); n != 1 {
		t.Fatalf("%d warnings queued", n)
	}
}

func TestQueueRestartResumes(t *testing.T) {
	s := startSink(t, nil)
	w := newWorld(t, "dst.test. 60 IN MX 10 mx.dst.test.", "mx.dst.test. 60 IN A 127.0.0.2")
	w.Map("127.0.0.2", s.Addr)
	ev := newEvents()
	cfg := baseConfig(t, w, ev)
	q1, err := Open(cfg)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, m := range []string{"r1", "r2", "r3"} {
		ids = append(ids, enqueue(t, q1, "<s@sender.test>", m, "<r@dst.test>"))
	}
	// Debris of a crash: a half-written temp file and a message without
	// a record.
	os.WriteFile(filepath.Join(cfg.Dir, "tmp", "junk.msg"), []byte("x"), 0o600)
	os.WriteFile(filepath.Join(cfg.Dir, "msg", "orphan"), []byte("x"), 0o600)
	os.WriteFile(filepath.Join(cfg.Dir, "env", "broken"), []byte("MAILSTACK-QUEUE 1\nid \"broken\"\n"), 0o600)
	// A new process, in effect. Count what it resumed before it runs:
	// once running, it may deliver and remove some before Len is read.
	q2, err := Open(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if q2.Len() != 3 {
		t.Fatalf("resumed %d messages", q2.Len())
	}
	startQueue(t, q2)
	for _, id := range ids {
		ev.Wait(t, "removal", removed(id))
	}
	if len(s.Messages()) != 3 {
		t.Fatalf("%d delivered", len(s.Messages()))
	}
	spoolEmpty(t, cfg.Dir)
	if ents, _ := os.ReadDir(filepath.Join(cfg.Dir, "corrupt")); len(ents) != 1 {
		t.Fatalf("corrupt/ holds %v", ents)
	}
}

func TestQueueConcurrencyLimits(t *testing.T) {
	// At most PerDestination sessions to one domain at a time.
	release := make(chan struct{})
	s := startSink(t, func(s *sink, _ *gosmtp.Server) { s.data = func() { <-release } })
	w := newWorld(t, "dst.test. 60 IN MX 10 mx.dst.test.", "mx.dst.test. 60 IN A 127.0.0.2")
	w.Map("127.0.0.2", s.Addr)
	ev := newEvents()
	cfg := baseConfig(t, w, ev)
	cfg.PerDestination = 2
	q := runQueue(t, cfg)
	var ids []string
	for i := range 6 {
		ids = append(ids, enqueue(t, q, "<s@sender.test>", "c"+string(rune('0'+i)), "<r@dst.test>"))
	}
	ev.Wait(t, "two attempts", func(evs []Event) bool { return count(evs, EventAttempt, "") >= 2 })
	close(release)
	for _, id := range ids {
		ev.Wait(t, "removal", removed(id))
	}
	if m := s.MaxActive(); m > 2 {
		t.Fatalf("%d concurrent sessions", m)
	}
}

func TestQueueSmarthost(t *testing.T) {
	// Smarthost mode: all mail to one relay with STARTTLS required
	// (verified against a private CA) and AUTH PLAIN.
	cert, pool := testCert(t)
	s := startSink(t, func(s *sink, srv *gosmtp.Server) {
		s.password = "pw"
		srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}}
	})
	ev := newEvents()
	cfg := Config{Dir: t.TempDir(), Hostname: "queue.test", Hook: ev.Hook,
		Smarthost: &Smarthost{Addr: s.Addr, Auth: sasl.NewPlainClient("", "u", "pw"), TLSConfig: &tls.Config{RootCAs: pool, ServerName: "mx.test"}}}
	q := runQueue(t, cfg)
	id := enqueue(t, q, "<s@sender.test>", "m7", "<a@one.test>", "<b@two.test>")
	ev.Wait(t, "removal", removed(id))
	msgs := s.Messages()
	if len(msgs) != 1 || len(msgs[0].Rcpts) != 2 {
		t.Fatalf("%+v", msgs)
	}
	// Without TLS on offer, a smarthost delivery defers.
	plain := startSink(t, nil)
	ev2 := newEvents()
	cfg2 := Config{Dir: t.TempDir(), Hostname: "queue.test", Hook: ev2.Hook, Smarthost: &Smarthost{Addr: plain.Addr}}
	q2 := runQueue(t, cfg2)
	id2 := enqueue(t, q2, "<s@sender.test>", "m8", "<a@one.test>")
	ev2.Wait(t, "deferral", func(evs []Event) bool { return count(evs, EventDeferred, id2) > 0 })
	if len(plain.Messages()) != 0 {
		t.Fatal("sent without TLS")
	}
	for _, e := range ev2.List() {
		if e.Kind == EventDeferred && (e.Reply == nil || e.Reply.Enhanced.String() != "4.7.10") {
			t.Fatalf("deferral %+v", e)
		}
	}
}

func TestQueueEnqueueID(t *testing.T) {
	// A message named before it is queued keeps its name in the spool,
	// the events and the delivery; names are used once and must be fit
	// for file names.
	s := startSink(t, nil)
	w := newWorld(t, "dst.test. 60 IN MX 10 mx.dst.test.", "mx.dst.test. 60 IN A 127.0.0.2")
	w.Map("127.0.0.2", s.Addr)
	ev := newEvents()
	cfg := baseConfig(t, w, ev)
	q := runQueue(t, cfg)
	ctx := context.Background()
	from, to := mustPath(t, "<s@sender.test>"), []envelope.Path{mustPath(t, "<r@dst.test>")}
	id := q.NewID()
	if id == q.NewID() {
		t.Fatal("NewID repeats itself")
	}
	if err := q.EnqueueID(ctx, id, from, to, strings.NewReader(testMessage("named")), nil); err != nil {
		t.Fatal(err)
	}
	if err := q.EnqueueID(ctx, id, from, to, strings.NewReader(testMessage("again")), nil); !errors.Is(err, ErrBadID) {
		t.Errorf("second use of %s: %v", id, err)
	}
	for _, bad := range []string{"", "../env/x", ".hidden", strings.Repeat("a", 65), "a b"} {
		if err := q.EnqueueID(ctx, bad, from, to, strings.NewReader("x\r\n"), nil); !errors.Is(err, ErrBadID) {
			t.Errorf("ID %q: %v", bad, err)
		}
	}
	ev.Wait(t, "removal", removed(id))
	if evs := ev.List(); eventIndex(evs, EventEnqueued, id, "") < 0 || eventIndex(evs, EventDelivered, id, "") < 0 {
		t.Fatalf("events %v", evs)
	}
	if n := countIn(s.Messages(), "named@sender.test"); n != 1 || countIn(s.Messages(), "again@sender.test") != 0 {
		t.Fatalf("%+v", s.Messages())
	}
	spoolEmpty(t, cfg.Dir)
}
