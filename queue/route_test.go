package queue

import (
	"crypto/tls"
	"os"
	"path/filepath"
	"strings"
	"testing"

	gosmtp "github.com/emersion/go-smtp"
	"github.com/mailstack/mailstack/internal/testpeer"
)

func TestQueueLMTPDovecot(t *testing.T) {
	// LMTP mode (RFC 2033): final delivery into Dovecot's Maildir; an
	// unknown user fails at once.
	d := testpeer.StartDovecot(t, testpeer.DovecotConfig{})
	ev := newEvents()
	q := runQueue(t, Config{Dir: t.TempDir(), Hostname: "queue.test", Hook: ev.Hook, LMTP: &LMTPRoute{Addr: d.LMTPAddr}})
	id := enqueue(t, q, "<>", "lmtp1", "<"+d.User+">", "<nobody@example.test>")
	ev.Wait(t, "removal", removed(id))
	evs := ev.List()
	if count(evs, EventDelivered, id) != 1 || count(evs, EventFailed, id) != 1 {
		t.Fatalf("events %v", evs)
	}
	files, _ := filepath.Glob(filepath.Join(d.MailDir, "new", "*"))
	if len(files) != 1 {
		t.Fatalf("%d messages in the Maildir", len(files))
	}
	b, _ := os.ReadFile(files[0])
	if !strings.Contains(string(b), "Message-ID: <lmtp1@sender.test>") {
		t.Fatalf("%s", b)
	}
}

func TestQueueRequireTLSPerDomain(t *testing.T) {
	// A domain whose policy requires TLS gets its mail only over a
	// verified TLS session; without STARTTLS on offer it defers with
	// 4.7.10 (RFC 3463), while other domains go in plaintext.
	cert, pool := testCert(t)
	secure := startSink(t, func(_ *sink, srv *gosmtp.Server) {
		srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}}
	})
	plain := startSink(t, nil)
	w := newWorld(t,
		"secure.test. 60 IN MX 10 mx.test.", "mx.test. 60 IN A 127.0.0.2",
		"plain.test. 60 IN MX 10 mx.plain.test.", "mx.plain.test. 60 IN A 127.0.0.3",
		"open.test. 60 IN MX 10 mx.plain.test.")
	w.Map("127.0.0.2", secure.Addr)
	w.Map("127.0.0.3", plain.Addr)
	ev := newEvents()
	cfg := baseConfig(t, w, ev)
	cfg.TLSConfig = &tls.Config{RootCAs: pool}
	cfg.RequireTLS = func(d string) bool { return d == "secure.test" || d == "plain.test" }
	cfg.Retry.MinBackoff = 1 << 40 // one attempt only
	cfg.Retry.MaxBackoff = 1 << 40
	q := runQueue(t, cfg)
	id := enqueue(t, q, "<s@sender.test>", "tls1", "<a@secure.test>", "<b@plain.test>", "<c@open.test>")
	ev.Wait(t, "outcomes", func(evs []Event) bool {
		return count(evs, EventDelivered, id) == 2 && count(evs, EventDeferred, id) == 1
	})
	for _, e := range ev.List() {
		if e.Kind == EventDeferred && (e.Rcpt.Mailbox.Domain != "plain.test" || e.Reply == nil || e.Reply.Enhanced.String() != "4.7.10") {
			t.Fatalf("deferral %+v", e)
		}
	}
	if len(secure.Messages()) != 1 || len(plain.Messages()) != 1 || plain.Messages()[0].Rcpts[0] != "c@open.test" {
		t.Fatalf("secure %+v plain %+v", secure.Messages(), plain.Messages())
	}
}
