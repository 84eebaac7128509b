package imap

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/base64"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mailstack/mailstack/internal/testpeer"
)

func TestCapabilityAndLoginDisabled(t *testing.T) {
	// RFC 9051 §6.2.3: LOGINDISABLED before TLS when passwords may not
	// be sent in the clear.
	ts := newTestServer(t, func(s *Server) { s.AllowInsecureAuth = false })
	cl := dial(t, ts.addr)
	lines := cl.ok("CAPABILITY")
	if !strings.Contains(lines[0], "LOGINDISABLED") || strings.Contains(lines[0], "AUTH=PLAIN") {
		t.Fatalf("CAPABILITY: %q", lines)
	}
	if _, st := cl.do("LOGIN u pass"); !strings.HasPrefix(st, "NO [PRIVACYREQUIRED]") {
		t.Fatalf("LOGIN: %q", st)
	}
	// Pre-auth state cannot reach mailbox data.
	if _, st := cl.do("SELECT INBOX"); !strings.HasPrefix(st, "BAD") {
		t.Fatalf("SELECT before auth: %q", st)
	}
}

func TestLoginFailures(t *testing.T) {
	ts := newTestServer(t, func(s *Server) { s.MaxAuthFailures = 2 })
	cl := dial(t, ts.addr)
	if _, st := cl.do("LOGIN u wrong"); !strings.HasPrefix(st, "NO [AUTHENTICATIONFAILED]") {
		t.Fatalf("LOGIN: %q", st)
	}
	cl.send("x LOGIN u wrong")
	if l := cl.line(); !strings.HasPrefix(l, "* BYE") {
		t.Fatalf("after 2 failures: %q", l)
	}
}

func TestAuthenticatePlain(t *testing.T) {
	ts := newTestServer(t, nil)
	ir := base64.StdEncoding.EncodeToString([]byte("\x00u\x00pass"))
	// RFC 4959 SASL-IR.
	cl := dial(t, ts.addr)
	if _, st := cl.do("AUTHENTICATE PLAIN " + ir); !strings.HasPrefix(st, "OK [CAPABILITY") {
		t.Fatalf("SASL-IR: %q", st)
	}
	// RFC 9051 §6.2.2: empty challenge, then the response.
	cl = dial(t, ts.addr)
	cl.send("a AUTHENTICATE PLAIN")
	if l := cl.line(); l != "+ " {
		t.Fatalf("challenge %q", l)
	}
	cl.send(ir)
	if l := cl.line(); !strings.HasPrefix(l, "a OK") {
		t.Fatalf("AUTHENTICATE: %q", l)
	}
	// "*" cancels.
	cl = dial(t, ts.addr)
	cl.send("a AUTHENTICATE PLAIN")
	cl.line()
	cl.send("*")
	if l := cl.line(); !strings.HasPrefix(l, "a BAD") {
		t.Fatalf("cancel: %q", l)
	}
}

// A literal beyond its limit is refused at once, without "+" (RFC 7888
// §4, RFC 9051 §7.1 TOOBIG); a non-synchronising one ends the session.
func TestLiteralLimits(t *testing.T) {
	ts := newTestServer(t, func(s *Server) { s.AppendLimit = 1000 })
	cl := login(t, ts.addr, "u")
	cl.send("a APPEND INBOX {1001}")
	if l := cl.line(); !strings.HasPrefix(l, "a NO [TOOBIG]") {
		t.Fatalf("sync literal: %q", l)
	}
	cl.ok("NOOP") // the session goes on
	cl.send("b LOGIN {99999999999}")
	if l := cl.line(); !strings.HasPrefix(l, "b BAD") && !strings.HasPrefix(l, "b NO [TOOBIG]") {
		t.Fatalf("command literal: %q", l)
	}
	cl.send("c APPEND INBOX {1001+}")
	if l := cl.line(); !strings.HasPrefix(l, "* BYE [TOOBIG]") {
		t.Fatalf("non-sync literal: %q", l)
	}
	// LITERAL+ within the limit.
	cl = login(t, ts.addr, "u")
	cl.send("d APPEND INBOX (\\Seen) {5+}\r\nhello")
	if l := cl.line(); !strings.HasPrefix(l, "d OK [APPENDUID ") {
		t.Fatalf("APPEND: %q", l)
	}
}

func TestCommandLineTooLong(t *testing.T) {
	ts := newTestServer(t, func(s *Server) { s.MaxCommandSize = 100 })
	cl := login(t, ts.addr, "u")
	if _, st := cl.do("NOOP " + strings.Repeat("x", 500)); !strings.HasPrefix(st, "BAD") {
		t.Fatalf("long line: %q", st)
	}
	cl.ok("NOOP")
}

func TestTooManyBadCommands(t *testing.T) {
	ts := newTestServer(t, func(s *Server) { s.MaxBadCommands = 3 })
	cl := dial(t, ts.addr)
	cl.do("BOGUS")
	cl.do("BOGUS")
	cl.send("x BOGUS")
	cl.line()
	if l := cl.line(); !strings.HasPrefix(l, "* BYE") {
		t.Fatalf("got %q", l)
	}
}

func testTLSConfig(t *testing.T) *tls.Config {
	cert, _ := testpeer.TLSCert(t, "localhost")
	return &tls.Config{Certificates: []tls.Certificate{cert}}
}

func TestStartTLS(t *testing.T) {
	ts := newTestServer(t, func(s *Server) { s.TLSConfig = testTLSConfig(t); s.AllowInsecureAuth = false })
	cl := dial(t, ts.addr)
	cl.ok("STARTTLS")
	tc := tls.Client(cl.c, &tls.Config{InsecureSkipVerify: true})
	cl.c = tc
	cl.r.Reset(tc)
	lines := cl.ok("CAPABILITY")
	if strings.Contains(lines[0], "STARTTLS") || strings.Contains(lines[0], "LOGINDISABLED") {
		t.Fatalf("after TLS: %q", lines)
	}
	cl.ok("LOGIN u pass")
}

// Commands sent together with STARTTLS would be injected into the TLS
// session (RFC 9051 §11.1): the server refuses them.
func TestStartTLSInjection(t *testing.T) {
	ts := newTestServer(t, func(s *Server) { s.TLSConfig = testTLSConfig(t) })
	cl := dial(t, ts.addr)
	cl.send("a STARTTLS\r\nb LOGIN u pass")
	if l := cl.line(); !strings.HasPrefix(l, "* BYE") {
		t.Fatalf("got %q", l)
	}
}

func TestMailboxes(t *testing.T) {
	ts := newTestServer(t, nil)
	cl := login(t, ts.addr, "u")
	for _, bad := range []string{`"../x"`, `"a//b"`, `"/abs"`, `"a/../b"`} {
		if _, st := cl.do("CREATE " + bad); !strings.HasPrefix(st, "NO") {
			t.Errorf("CREATE %s: %q", bad, st)
		}
	}
	cl.ok("CREATE Work/")
	cl.ok(`CREATE "Work/&U,BTFw-"`)
	cl.ok("SUBSCRIBE Work")
	lines := cl.ok(`LIST "" "*"`)
	if !hasLine(lines, `* LIST (\HasChildren) "/" "Work"`) || !hasLine(lines, `* LIST (\HasNoChildren) "/" "Work/&U,BTFw-"`) {
		t.Fatalf("LIST: %q", lines)
	}
	if lines := cl.ok(`LIST "" "%"`); len(lines) != 2 {
		t.Fatalf(`LIST %%: %q`, lines)
	}
	if lines := cl.ok(`LIST "" ""`); !hasLine(lines, `* LIST (\Noselect) "/" ""`) {
		t.Fatalf("LIST delimiter: %q", lines)
	}
	lines = cl.ok(`LIST (SUBSCRIBED) "" "*" RETURN (STATUS (MESSAGES UIDNEXT))`)
	if !hasLine(lines, `* LIST (\HasChildren \Subscribed) "/" "Work"`) || !hasLine(lines, `* STATUS "Work" (MESSAGES 0 UIDNEXT 1)`) {
		t.Fatalf("LIST-EXTENDED: %q", lines)
	}
	if lines := cl.ok(`LSUB "" "*"`); !hasLine(lines, `* LSUB () "/" "Work"`) {
		t.Fatalf("LSUB: %q", lines)
	}
	cl.ok("RENAME Work/&U,BTFw- Work/Done")
	cl.ok("ENABLE UTF8=ACCEPT")
	cl.ok(`CREATE "Work/台北"`)
	if lines := cl.ok(`LIST "" "Work/*"`); !hasLine(lines, `* LIST (\HasNoChildren) "/" "Work/台北"`) {
		t.Fatalf("UTF8=ACCEPT LIST: %q", lines)
	}
	if _, st := cl.do("DELETE INBOX"); !strings.HasPrefix(st, "NO") {
		t.Fatalf("DELETE INBOX: %q", st)
	}
	cl.ok("DELETE Work/Done")
	if lines := cl.ok("NAMESPACE"); !hasLine(lines, `* NAMESPACE (("" "/")) NIL NIL`) {
		t.Fatalf("NAMESPACE: %q", lines)
	}
	if lines := cl.ok("STATUS INBOX (MESSAGES UIDNEXT UIDVALIDITY UNSEEN DELETED SIZE RECENT)"); len(lines) != 1 {
		t.Fatalf("STATUS: %q", lines)
	}
}

func TestCopyMoveUIDPlus(t *testing.T) {
	ts := newTestServer(t, nil)
	for i := 1; i <= 3; i++ {
		ts.deliver(t, "u", "INBOX", msgN(i))
	}
	cl := login(t, ts.addr, "u")
	cl.ok("CREATE Dest")
	cl.ok("SELECT INBOX")
	if _, st := cl.do("COPY 1:2 Nowhere"); !strings.HasPrefix(st, "NO [TRYCREATE]") {
		t.Fatalf("COPY to missing: %q", st)
	}
	_, st := cl.do("COPY 1:2 Dest")
	if !strings.HasPrefix(st, "OK [COPYUID ") || !strings.Contains(st, " 1:2 1:2]") {
		t.Fatalf("COPY: %q", st)
	}
	// RFC 6851 §4.3: COPYUID in an untagged OK, then the EXPUNGEs.
	lines := cl.ok("UID MOVE 2:3 Dest")
	if len(lines) != 3 || !strings.Contains(lines[0], " 2:3 3:4]") || lines[1] != "* 2 EXPUNGE" || lines[2] != "* 2 EXPUNGE" {
		t.Fatalf("MOVE: %q", lines)
	}
	if lines := cl.ok("SELECT Dest"); !hasLine(lines, "* 4 EXISTS") {
		t.Fatalf("Dest: %q", lines)
	}
}

func TestSearchESearch(t *testing.T) {
	ts := newTestServer(t, nil)
	for i := 1; i <= 5; i++ {
		ts.deliver(t, "u", "INBOX", msgN(i))
	}
	cl := login(t, ts.addr, "u")
	cl.ok("SELECT INBOX")
	cl.ok("STORE 2,4 +FLAGS (\\Flagged)")
	cases := []struct{ cmd, want string }{
		{"SEARCH FLAGGED", "* SEARCH 2 4"},
		{"SEARCH UNFLAGGED NOT 1", "* SEARCH 3 5"},
		{"SEARCH OR 1 SUBJECT m5", "* SEARCH 1 5"},
		{"SEARCH CHARSET UTF-8 BODY \"body 3\"", "* SEARCH 3"},
		{"SEARCH HEADER From x4@", "* SEARCH 4"},
		{"SEARCH LARGER 10 SMALLER 1000 UID 2:3", "* SEARCH 2 3"},
		{"SEARCH (FLAGGED) (NOT SEEN)", "* SEARCH 2 4"},
		{"SEARCH CC nobody", "* SEARCH"},
		{"UID SEARCH RETURN (MIN MAX COUNT) ALL", `* ESEARCH (TAG "t12") UID MIN 1 MAX 5 COUNT 5`},
		{"SEARCH RETURN () FLAGGED", `* ESEARCH (TAG "t13") ALL 2,4`},
		{"SEARCH SINCE 1-Jan-2000 BEFORE 1-Jan-2200", "* SEARCH 1 2 3 4 5"},
	}
	for _, c := range cases {
		lines := cl.ok(c.cmd)
		if !hasLine(lines, c.want) {
			t.Errorf("%s: %q, want %q", c.cmd, lines, c.want)
		}
	}
	if _, st := cl.do("SEARCH CHARSET KOI8-R ALL"); !strings.HasPrefix(st, "NO [BADCHARSET") {
		t.Errorf("BADCHARSET: %q", st)
	}
	// IMAP4rev2 answers SEARCH with ESEARCH (RFC 9051 §6.4.4).
	cl.ok("ENABLE IMAP4rev2")
	if lines := cl.ok("SEARCH FLAGGED"); !hasLine(lines, `* ESEARCH (TAG "t17") ALL 2,4`) {
		t.Errorf("rev2 SEARCH: %q", lines)
	}
}

func TestTraceRedactsSecrets(t *testing.T) {
	var mu sync.Mutex
	var buf bytes.Buffer
	ts := newTestServer(t, func(s *Server) { s.Trace = lockedWriter{&mu, &buf} })
	cl := dial(t, ts.addr)
	cl.ok("LOGIN u pass")
	cl.send("a LOGIN {1}")
	cl.ok("LOGOUT")
	cl2 := dial(t, ts.addr)
	cl2.send("b LOGIN {1}")
	cl2.line()
	cl2.send("u {4}")
	cl2.line()
	cl2.send("pass")
	cl2.line()
	cl2.ok("LOGOUT")
	ts.srv.Shutdown(context.Background())
	mu.Lock()
	defer mu.Unlock()
	if strings.Contains(buf.String(), "pass") {
		t.Fatalf("trace shows the password:\n%s", buf.String())
	}
	if !strings.Contains(buf.String(), "C: t1 LOGIN <redacted>") {
		t.Fatalf("trace:\n%s", buf.String())
	}
}

type lockedWriter struct {
	mu *sync.Mutex
	w  *bytes.Buffer
}

func (l lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

func TestShutdownSendsBye(t *testing.T) {
	ts := newTestServer(t, nil)
	ts.deliver(t, "u", "INBOX", msgN(1))
	a := login(t, ts.addr, "u")
	b := login(t, ts.addr, "u")
	b.ok("SELECT INBOX")
	b.send("i IDLE")
	b.line()
	done := make(chan error, 1)
	go func() { done <- ts.srv.Shutdown(context.Background()) }()
	if l := a.line(); !strings.HasPrefix(l, "* BYE") {
		t.Fatalf("idle session: %q", l)
	}
	if l := b.line(); !strings.HasPrefix(l, "* BYE") {
		t.Fatalf("IDLE session: %q", l)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

// A connection that stays silent before authenticating is closed with
// BYE (RFC 9051 §5.4 allows a shorter timer before login).
func TestPreAuthTimeout(t *testing.T) {
	ts := newTestServer(t, func(s *Server) { s.PreAuthTimeout = 50 * time.Millisecond })
	cl := dial(t, ts.addr)
	if l := cl.line(); !strings.HasPrefix(l, "* BYE Autologout") {
		t.Fatalf("got %q", l)
	}
}
