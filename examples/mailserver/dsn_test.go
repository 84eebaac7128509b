package main

import (
	"strings"
	"testing"

	"github.com/mailstack/mailstack/internal/testpeer"
	"github.com/mailstack/mailstack/mx/mxtest"
)

// TestBounceToSender: mail to a domain with a null MX (RFC 7505) and to
// one that does not exist fails at once, and the DSN (RFC 3464) comes back
// to the sender's INBOX. The DSN travels as any message to a.test does: by
// a.test's MX, which is this server.
func TestBounceToSender(t *testing.T) {
	testpeer.Need(t, "swaks")
	dns, err := mxtest.NewServer(
		"a.test. 60 IN MX 10 mx.a.test.", "mx.a.test. 60 IN A 127.0.0.1",
		"null.test. 60 IN MX 0 .",
	)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { dns.Close() })
	cfg := testConfig(t, "mx.a.test", "a.test", "alice@a.test:{PLAIN}alice-pw")
	cfg.Listen.SMTP = testpeer.FreeAddr(t)
	cfg.DNS.Servers, cfg.Relay.MXPort = []string{dns.Addr}, portOf(t, cfg.Listen.SMTP)
	s := startServer(t, cfg)

	submit(t, s.addr("submission"), "alice@a.test", "alice-pw", "alice@a.test", "u@null.test,v@nx.test",
		"--header", "Subject: into the void")
	// The recipients fail in two deliveries (one per domain), whose
	// failures may be reported in one DSN or in two.
	var msgs []string
	s.events.wait(t, "DSNs about both recipients in alice's INBOX", func(ev qevent) bool {
		if !deliveredTo("alice@a.test")(ev) {
			return false
		}
		msgs = maildirMessages(t, s.maildirPath("alice@a.test", ""))
		all := strings.Join(msgs, "\n")
		return strings.Contains(all, "Final-Recipient: rfc822; u@null.test") && strings.Contains(all, "Final-Recipient: rfc822; v@nx.test")
	})
	if len(msgs) > 2 {
		t.Errorf("%d messages in alice's INBOX, want one or two DSNs", len(msgs))
	}
	all := strings.Join(msgs, "\n")
	for _, want := range []string{"Status: 5.1.10", "Status: 5.1.2"} { // RFC 7505 §4.3; RFC 3463 bad destination system
		if !strings.Contains(all, want) {
			t.Errorf("DSNs lack %q:\n%s", want, all)
		}
	}
	for _, dsn := range msgs {
		for _, want := range []string{
			"Return-Path: <>\r\n", "Delivered-To: alice@a.test\r\n",
			"report-type=delivery-status", "Auto-Submitted: auto-replied",
			"Action: failed", "Subject: into the void",
		} {
			if !strings.Contains(dsn, want) {
				t.Errorf("DSN lacks %q:\n%s", want, dsn)
			}
		}
	}
}
