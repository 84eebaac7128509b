package imap

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mailstack/mailstack/internal/testpeer"
	"github.com/mailstack/mailstack/maildir"
	"github.com/mailstack/mailstack/store"
	"github.com/mailstack/mailstack/store/memstore"
)

// lit formats a non-synchronising literal.
func lit(s string) string { return fmt.Sprintf("{%d+}\r\n%s", len(s), s) }

func fetchLines(t *testing.T, cl *client, what string) []string {
	t.Helper()
	cl.ok("SELECT INBOX")
	return cl.ok("FETCH 1:* " + what)
}

// RFC 3502: several messages in one APPEND, APPENDUID with a uid-set
// (RFC 4315 §3), then the next command reads as usual.
func TestMultiAppend(t *testing.T) {
	ts := newTestServer(t, nil)
	cl := login(t, ts.addr, "u")
	if caps := cl.ok("CAPABILITY"); !strings.Contains(caps[0], " MULTIAPPEND") {
		t.Fatalf("CAPABILITY: %q", caps)
	}
	_, st := cl.do("APPEND INBOX (\\Seen) " + lit(msgN(1)) + " (\\Flagged) \"07-Feb-1994 21:52:25 -0800\" " + lit(msgN(2)) + " " + lit(msgN(3)))
	if !strings.HasPrefix(st, "OK [APPENDUID ") || !strings.Contains(st, " 1:3]") {
		t.Fatalf("MULTIAPPEND: %q", st)
	}
	lines := fetchLines(t, cl, "(FLAGS INTERNALDATE BODY.PEEK[HEADER.FIELDS (Subject)])")
	want := []string{`\Seen`, `\Flagged \Recent) INTERNALDATE "07-Feb-1994 21:52:25 -0800"`, `(\Recent)`}
	for i, w := range want {
		if i >= len(lines) || !strings.Contains(lines[i], w) || !strings.Contains(lines[i], fmt.Sprintf("Subject: m%d", i+1)) {
			t.Fatalf("FETCH: %q", lines)
		}
	}
	// Synchronising literals: a continuation request for each.
	cl.tag++
	m := msgN(4)
	cl.send(fmt.Sprintf("s APPEND INBOX {%d}", len(m)))
	if l := cl.line(); !strings.HasPrefix(l, "+") {
		t.Fatalf("first literal: %q", l)
	}
	cl.send(fmt.Sprintf("%s {%d}", m, len(m)))
	if l := cl.line(); !strings.HasPrefix(l, "+") {
		t.Fatalf("second literal: %q", l)
	}
	cl.send(m)
	var l string
	for l = cl.line(); strings.HasPrefix(l, "* "); l = cl.line() {
	}
	if !strings.HasPrefix(l, "s OK [APPENDUID ") || !strings.Contains(l, " 4:5]") {
		t.Fatalf("synchronising MULTIAPPEND: %q", l)
	}
}

// Nothing is added when one message fails, whatever the reason, and the
// literals after it are read, not taken for commands.
func TestMultiAppendAllOrNone(t *testing.T) {
	for _, tc := range []struct {
		name  string
		store func() store.Backend
	}{
		{"MultiAppender", memstore.NewBackend},
		{"fallback", func() store.Backend { return singleAppendBackend{memstore.NewBackend()} }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ts := newTestServer(t, func(s *Server) { s.MaxAppendMessages = 3; s.Backend = tc.store() })
			cl := login(t, ts.addr, "u")
			cl.ok("CREATE Other")
			fails := []struct{ cmd, want string }{
				{"APPEND Other " + lit(msgN(1)) + " (\\Bad flag) " + lit(msgN(2)) + " " + lit("NOOP\r\n"), "BAD"},
				{"APPEND Other " + lit(msgN(1)) + " " + lit("a\x00b") + " " + lit("NOOP\r\n"), "BAD"},
				{"APPEND Other " + lit(msgN(1)) + " " + lit(msgN(2)) + " " + lit(msgN(3)) + " " + lit("NOOP\r\n"), "NO [LIMIT]"},
				{"APPEND Nowhere " + lit(msgN(1)) + " " + lit("NOOP\r\n"), "NO [TRYCREATE]"},
				// Trailing garbage: BAD, and so nothing added.
				{"APPEND Other " + lit(msgN(1)) + " " + lit(msgN(2)) + "x", "BAD"},
			}
			for _, f := range fails {
				if _, st := cl.do(f.cmd); !strings.HasPrefix(st, f.want) {
					t.Errorf("%q: %q, want %s", f.cmd, st, f.want)
				}
				if lines := cl.ok("STATUS Other (MESSAGES)"); !hasLine(lines, `* STATUS "Other" (MESSAGES 0)`) {
					t.Fatalf("after %q: %q", f.cmd, lines)
				}
			}
			_, st := cl.do("APPEND Other " + lit(msgN(1)) + " " + lit(msgN(2)) + " ~" + lit("a\x00b\r\n"))
			// The fallback used (and expunged) UIDs; MultiAppender none.
			var v, lo, hi int
			n, _ := fmt.Sscanf(st, "OK [APPENDUID %d %d:%d]", &v, &lo, &hi)
			if n != 3 || hi != lo+2 || tc.name == "MultiAppender" && lo != 1 {
				t.Fatalf("MULTIAPPEND after failures: %q", st)
			}
		})
	}
}

// singleAppendBackend hides store.MultiAppender, for the fallback path.
type singleAppendBackend struct{ be store.Backend }

func (b singleAppendBackend) Open(ctx context.Context, user string) (store.Store, error) {
	st, err := b.be.Open(ctx, user)
	return singleAppendStore{st}, err
}

type singleAppendStore struct{ store.Store }

func (s singleAppendStore) OpenMailbox(ctx context.Context, name string) (store.Mailbox, error) {
	mb, err := s.Store.OpenMailbox(ctx, name)
	if err != nil {
		return nil, err
	}
	return struct{ store.Mailbox }{mb}, nil
}

// RFC 3516 §4.4: literal8 carries NUL octets; a plain literal may not.
func TestAppendBinaryLiteral8(t *testing.T) {
	ts := newTestServer(t, nil)
	cl := login(t, ts.addr, "u")
	body := "Content-Type: application/octet-stream\r\nContent-Transfer-Encoding: binary\r\n\r\n\x00\x01\x02\xff\r\n"
	if _, st := cl.do("APPEND INBOX ~" + lit(body)); !strings.HasPrefix(st, "OK [APPENDUID") {
		t.Fatalf("literal8 APPEND: %q", st)
	}
	// Synchronising literal8.
	cl.send(fmt.Sprintf("s APPEND INBOX ~{%d}", len(body)))
	if l := cl.line(); !strings.HasPrefix(l, "+") {
		t.Fatalf("literal8 continuation: %q", l)
	}
	cl.send(body)
	if l := cl.line(); !strings.HasPrefix(l, "s OK [APPENDUID") {
		t.Fatalf("synchronising literal8 APPEND: %q", l)
	}
	if _, st := cl.do("APPEND INBOX " + lit(body)); !strings.HasPrefix(st, "BAD") {
		t.Fatalf("NUL in a plain literal: %q", st)
	}
	lines := fetchLines(t, cl, "(BINARY.SIZE[] BINARY.PEEK[])")
	if len(lines) != 2 || !strings.Contains(lines[0], fmt.Sprintf("BINARY.SIZE[] %d", len(body))) ||
		!strings.Contains(lines[0], "~{"+fmt.Sprint(len(body))+"}\r\n"+body) {
		t.Fatalf("FETCH BINARY: %q", lines)
	}
}

// APPENDLIMIT (RFC 7889) holds for each message of a MULTIAPPEND: a
// synchronising literal beyond it is refused before it is sent, and
// nothing is added.
func TestMultiAppendLimitEach(t *testing.T) {
	ts := newTestServer(t, func(s *Server) { s.AppendLimit = 100 })
	cl := login(t, ts.addr, "u")
	cl.send("a APPEND INBOX " + lit(msgN(1)) + " {101}")
	if l := cl.line(); !strings.HasPrefix(l, "a NO [TOOBIG]") {
		t.Fatalf("second literal too big: %q", l)
	}
	if lines := cl.ok("STATUS INBOX (MESSAGES)"); !hasLine(lines, `* STATUS "INBOX" (MESSAGES 0)`) {
		t.Fatalf("after TOOBIG: %q", lines)
	}
}

// RFC 9208 §5: an APPEND beyond the store's quota fails with OVERQUOTA.
func TestAppendOverQuota(t *testing.T) {
	be := memstore.Config{QuotaMessages: 2}.New()
	ts := newTestServer(t, func(s *Server) {
		s.Backend = store.BackendFunc(func(ctx context.Context, user string) (store.Store, error) { return be, nil })
	})
	cl := login(t, ts.addr, "u")
	if _, st := cl.do("APPEND INBOX " + lit(msgN(1)) + " " + lit(msgN(2)) + " " + lit(msgN(3))); !strings.HasPrefix(st, "NO [OVERQUOTA]") {
		t.Fatalf("APPEND beyond quota: %q", st)
	}
	cl.ok("APPEND INBOX " + lit(msgN(1)) + " " + lit(msgN(2)))
	if _, st := cl.do("APPEND INBOX " + lit(msgN(3))); !strings.HasPrefix(st, "NO [OVERQUOTA]") {
		t.Fatalf("APPEND beyond quota: %q", st)
	}
}

// MULTIAPPEND into a Maildir: all messages or none in cur/, nothing left
// in tmp/, the quota checked for the whole command; then Dovecot, over the
// same Maildir, sees what was appended, with its flags.
func TestMultiAppendMaildir(t *testing.T) {
	dir := t.TempDir()
	st, err := maildir.Open(dir, &maildir.Config{QuotaMessages: 4})
	if err != nil {
		t.Fatal(err)
	}
	ts := newTestServer(t, func(s *Server) {
		s.Backend = store.BackendFunc(func(ctx context.Context, user string) (store.Store, error) { return st, nil })
	})
	count := func(sub string) int {
		l, _ := os.ReadDir(filepath.Join(dir, sub))
		return len(l)
	}
	cl := login(t, ts.addr, "u")
	cl.ok("APPEND INBOX (\\Seen) " + lit(msgN(1)) + " (\\Flagged $Work) " + lit(msgN(2)) + " ~" + lit(msgN(3)))
	for _, f := range []struct{ cmd, want string }{
		{"APPEND INBOX " + lit(msgN(4)) + " " + lit("x\x00y"), "BAD"},
		{"APPEND INBOX " + lit(msgN(4)) + " " + lit(msgN(5)), "NO [OVERQUOTA]"},
	} {
		if _, st := cl.do(f.cmd); !strings.HasPrefix(st, f.want) {
			t.Errorf("%.30q: %q, want %s", f.cmd, st, f.want)
		}
		if n, m := count("cur"), count("tmp"); n != 3 || m != 0 {
			l, _ := os.ReadDir(filepath.Join(dir, "tmp"))
			t.Fatalf("after %.30q: %d files in cur/, %d in tmp/ %v", f.cmd, n, m, l)
		}
	}
	if lines := cl.ok("GETQUOTAROOT INBOX"); !hasLine(lines, `* QUOTA "" (MESSAGE 3 4)`) {
		t.Errorf("GETQUOTAROOT: %q", lines)
	}
	testpeer.Need(t, "dovecot")
	d := testpeer.StartDovecot(t, testpeer.DovecotConfig{MailDir: dir})
	d.ChownMailDirs(t)
	dc := dialUser(t, d.IMAPAddr, d.User, d.Password)
	lines := dc.ok("UID FETCH 1:* (FLAGS BODY.PEEK[HEADER.FIELDS (Subject)])")
	if len(lines) != 3 || !strings.Contains(lines[0], `\Seen`) || !strings.Contains(lines[1], `$Work`) ||
		!strings.Contains(lines[2], "Subject: m3") {
		t.Fatalf("Dovecot reads: %q", lines)
	}
}
