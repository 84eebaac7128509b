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
	s.events.wait(t, "DSN delivered to alice", deliveredTo("alice@a.test"))

	msgs := maildirMessages(t, s.maildirPath("alice@a.test", ""))
	if len(msgs) != 1 {
		t.Fatalf("alice has %d messages, want the DSN alone", len(msgs))
	}
	dsn := msgs[0]
	for _, want := range []string{
		"Return-Path: <>\r\n", "Delivered-To: alice@a.test\r\n",
		"report-type=delivery-status", "Auto-Submitted: auto-replied",
		"Final-Recipient: rfc822; u@null.test", "Status: 5.1.10", // RFC 7505 §4.3
		"Final-Recipient: rfc822; v@nx.test", "Status: 5.1.2", // RFC 3463: bad destination system
		"Action: failed", "Subject: into the void",
	} {
		if !strings.Contains(dsn, want) {
			t.Errorf("DSN lacks %q:\n%s", want, dsn)
		}
	}
}
