package main

import (
	"context"
	"net"
	"strings"
	"testing"

	"github.com/mailstack/mailstack/envelope"
	"github.com/mailstack/mailstack/lmtp"
)

// quotaScript logs in over IMAP with STARTTLS (python3's imaplib) and
// prints the answer to GETQUOTAROOT INBOX.
const quotaScript = `
import imaplib, ssl, sys
ctx = ssl.create_default_context()
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
M = imaplib.IMAP4(sys.argv[1], int(sys.argv[2]))
M.starttls(ssl_context=ctx)
M.login(sys.argv[3], sys.argv[4])
typ, data = M.getquotaroot('INBOX')
assert typ == 'OK', data
for d in data:
    print(d[0].decode() if isinstance(d, list) else d.decode())
M.logout()
`

// TestMailboxQuota: [mailbox] limits reach the user's Maildir, IMAP QUOTA
// reports them (RFC 9208), and LMTP refuses mail for a full mailbox with
// 552 5.2.2 (RFC 3463 §3.3) while another recipient of the same message
// gets it.
func TestMailboxQuota(t *testing.T) {
	cfg := testConfig(t, "mx.a.test", "a.test", "alice@a.test:{PLAIN}alice-pw", "bob@a.test:{PLAIN}bob-pw")
	cfg.Mailbox = Mailbox{QuotaMessages: 1, QuotaStorage: 1 << 20}
	s := startServer(t, cfg)
	ctx := context.Background()
	c, err := lmtp.Dial(ctx, "tcp", s.addr("lmtp"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	send := func(rcpts ...string) []string {
		t.Helper()
		paths := make([]envelope.Path, len(rcpts))
		for i, r := range rcpts {
			paths[i] = mustPath(t, r)
		}
		res, err := c.Send(ctx, mustPath(t, "<x@outside.test>"), paths, strings.NewReader("Subject: q\r\n\r\nbody\r\n"), nil)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, r := range res {
			out = append(out, replyOf(r.Err))
		}
		return out
	}
	if got := send("<alice@a.test>"); got[0] != "" {
		t.Fatalf("first delivery: %q", got)
	}
	got := send("<alice@a.test>", "<bob@a.test>")
	if !strings.HasPrefix(got[0], "552 5.2.2") || got[1] != "" {
		t.Fatalf("second delivery: %q, want 552 5.2.2 for alice and success for bob", got)
	}
	if n := len(maildirMessages(t, s.maildirPath("alice@a.test", ""))); n != 1 {
		t.Errorf("alice has %d messages, want 1", n)
	}
	host, port, _ := net.SplitHostPort(s.addr("imap"))
	out := command(t, "python3", "-c", quotaScript, host, port, "alice@a.test", "alice-pw")
	if !strings.Contains(out, `"" (STORAGE 1 1024 MESSAGE 1 1)`) {
		t.Errorf("GETQUOTAROOT:\n%s", out)
	}
}
