package main

import (
	"strings"
	"testing"

	"github.com/mailstack/mailstack/internal/testpeer"
	"github.com/mailstack/mailstack/mx/mxtest"
	"github.com/mailstack/mailstack/queue"
)

// waitDSN waits for the first DSN the server queues: until the message it
// reports on has left the queue and the DSN is in user's INBOX; it
// returns what the INBOX holds then.
func waitDSN(t *testing.T, s *testServer, user string) []string {
	t.Helper()
	bounce := s.events.wait(t, "a DSN queued", func(ev qevent) bool { return ev.Kind == queue.EventBounce })
	s.events.wait(t, "the bounced message removed", func(ev qevent) bool {
		return ev.Kind == queue.EventRemoved && ev.ID == bounce.ID
	})
	s.events.wait(t, "the DSN delivered", func(ev qevent) bool {
		return deliveredTo(user)(ev) && ev.ID == bounce.DSNID
	})
	return maildirMessages(t, s.maildirPath(user, ""))
}

// checkDSN checks a DSN (RFC 3464) as delivered into a Maildir, with a
// "Status: " line for each want.
func checkDSN(t *testing.T, dsn, user, subject string, want ...string) {
	t.Helper()
	for _, w := range append([]string{
		"Return-Path: <>\r\n", "Delivered-To: " + user + "\r\n",
		"report-type=delivery-status", "Auto-Submitted: auto-replied",
		"Action: failed", "Subject: " + subject,
	}, want...) {
		if !strings.Contains(dsn, w) {
			t.Errorf("DSN lacks %q:\n%s", w, dsn)
		}
	}
}

// TestBounceToSender: a server set up as the embedded default is (domain
// and hostname "localhost", which no DNS names as an MX) sends to a domain
// with a null MX (RFC 7505), to one that does not exist and to one whose
// MX is this server by name; all three fail at once, and one DSN (RFC
// 3464) reports them in the sender's INBOX, delivered by the queue's local
// route rather than by MX.
func TestBounceToSender(t *testing.T) {
	testpeer.Need(t, "swaks")
	dns, err := mxtest.NewServer(
		"null.test. 60 IN MX 0 .",
		"loop.test. 60 IN MX 10 localhost.", "localhost. 60 IN A 127.0.0.1",
	)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { dns.Close() })
	cfg := testConfig(t, "localhost", "localhost", "demo@localhost:{PLAIN}demo-pw")
	cfg.DNS.Servers = []string{dns.Addr}
	s := startServer(t, cfg)

	submit(t, s.addr("submission"), "demo@localhost", "demo-pw", "demo@localhost", "u@null.test,v@nx.test,w@loop.test",
		"--header", "Subject: into the void")
	msgs := waitDSN(t, s, "demo@localhost")
	if len(msgs) != 1 {
		t.Fatalf("%d messages in demo's INBOX, want one DSN:\n%s", len(msgs), strings.Join(msgs, "\n"))
	}
	checkDSN(t, msgs[0], "demo@localhost", "into the void",
		"Final-Recipient: rfc822; u@null.test", "Status: 5.1.10", // RFC 7505 §4.3
		"Final-Recipient: rfc822; v@nx.test", "Status: 5.1.2", // RFC 3463: bad destination system
		"Final-Recipient: rfc822; w@loop.test", "Status: 5.4.6", "loops back to myself", // RFC 5321 §5.1
	)
}

// TestBounceTwoServers: in the two-server layout, where a.test's MX (seen
// from server A) is server B, alice@a.test writes to a domain that does not
// exist; the DSN goes back to alice's INBOX on A, not to B (which would
// refuse to relay it).
func TestBounceTwoServers(t *testing.T) {
	testpeer.Need(t, "swaks")
	a, b := twoServers(t)
	submit(t, a.addr("submission"), "alice@a.test", "alice-pw", "alice@a.test", "bob@nonexistent.test",
		"--header", "Subject: nowhere")
	msgs := waitDSN(t, a, "alice@a.test")
	if len(msgs) != 1 {
		t.Fatalf("%d messages in alice's INBOX, want one DSN", len(msgs))
	}
	checkDSN(t, msgs[0], "alice@a.test", "nowhere", "Final-Recipient: rfc822; bob@nonexistent.test", "Status: 5.1.2")
	b.events.mu.Lock()
	defer b.events.mu.Unlock()
	if len(b.events.all) != 0 {
		t.Errorf("server B queued something: %v", b.events.all)
	}
}
