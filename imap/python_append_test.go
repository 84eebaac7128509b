package imap

import (
	"context"
	"os/exec"
	"strings"
	"testing"

	"github.com/mailstack/mailstack/internal/testpeer"
	"github.com/mailstack/mailstack/store"
	"github.com/mailstack/mailstack/store/memstore"
)

// python3's imaplib sends a MULTIAPPEND (as a raw argument: imaplib knows
// one literal per command, LITERAL+ carries the others) and reads
// APPENDUID, then GETQUOTAROOT through its own method.
func TestPythonMultiAppendQuota(t *testing.T) {
	py := testpeer.Need(t, "python3")
	st := memstore.Config{QuotaMessages: 10}.New()
	ts := newTestServer(t, func(s *Server) {
		s.Backend = store.BackendFunc(func(ctx context.Context, user string) (store.Store, error) { return st, nil })
	})
	host, port, _ := strings.Cut(ts.addr, ":")
	script := `
import imaplib, sys
m = imaplib.IMAP4(sys.argv[1], int(sys.argv[2]))
m.login("u", "pass")
a, b = b"Subject: one\r\n\r\n1\r\n", b"Subject: two\r\n\r\n2\r\n"
arg = b"(\\Seen) {%d+}\r\n%s {%d+}\r\n%s" % (len(a), a, len(b), b)
typ, _ = m._simple_command("APPEND", "INBOX", arg)
print("append", typ, m.response("APPENDUID")[1][0].decode())
m.select("INBOX")
print("search", m.search(None, "SEEN")[1][0].decode(), "/", m.search(None, "ALL")[1][0].decode())
typ, data = m.getquotaroot("INBOX")
print("quotaroot", typ, [[x.decode() for x in d] for d in data])
m.logout()
`
	out, err := exec.Command(py, "-c", script, host, port).CombinedOutput()
	if err != nil {
		t.Fatalf("python3: %v\n%s", err, out)
	}
	got := string(out)
	for _, want := range []string{"append OK ", " 1:2\n", "search 1 / 1 2\n", `quotaroot OK [['"INBOX" ""'], ['"" (MESSAGE 2 10)']]`} {
		if !strings.Contains(got, want) {
			t.Errorf("python3 output lacks %q:\n%s", want, got)
		}
	}
}
