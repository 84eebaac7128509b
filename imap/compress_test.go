package imap

import (
	"bufio"
	"bytes"
	"compress/flate"
	"context"
	"crypto/tls"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mailstack/mailstack/internal/testpeer"
)

// deflateClient switches a raw client to DEFLATE in both directions, as
// a client does after COMPRESS DEFLATE's OK: each command is written and
// sync-flushed.
func deflateClient(t *testing.T, cl *client) *flate.Writer {
	t.Helper()
	if cl.r.Buffered() > 0 {
		t.Fatal("bytes after COMPRESS OK")
	}
	fw, _ := flate.NewWriter(cl.c, flate.DefaultCompression)
	cl.r = bufio.NewReader(flate.NewReader(cl.r))
	cl.c = &deflateConn{Conn: cl.c, w: fw}
	return fw
}

// deflateConn compresses writes, each ending with a sync flush.
type deflateConn struct {
	net.Conn
	w *flate.Writer
}

func (d *deflateConn) Write(p []byte) (int, error) {
	if _, err := d.w.Write(p); err != nil {
		return 0, err
	}
	return len(p), d.w.Flush()
}

func TestCompress(t *testing.T) {
	ts := newTestServer(t, nil)
	ts.deliver(t, "u", "INBOX", msg1)
	cl := dial(t, ts.addr)
	if lines := cl.ok("CAPABILITY"); strings.Contains(lines[0], "COMPRESS") {
		t.Fatalf("COMPRESS before authentication: %q", lines[0])
	}
	cl.ok("LOGIN u pass")
	if lines := cl.ok("CAPABILITY"); !strings.Contains(lines[0], " COMPRESS=DEFLATE") {
		t.Fatalf("no COMPRESS=DEFLATE: %q", lines[0])
	}
	for cmd, want := range map[string]string{"COMPRESS": "BAD", "COMPRESS FOO": "NO", "COMPRESS (DEFLATE)": "BAD"} {
		if _, st := cl.do(cmd); !strings.HasPrefix(st, want) {
			t.Fatalf("%s: %s, want %s", cmd, st, want)
		}
	}
	cl.ok("COMPRESS deflate")
	deflateClient(t, cl)
	if lines := cl.ok("CAPABILITY"); strings.Contains(lines[0], "COMPRESS") {
		t.Fatalf("COMPRESS advertised while active: %q", lines[0])
	}
	if _, st := cl.do("COMPRESS DEFLATE"); st != "NO [COMPRESSIONACTIVE] DEFLATE is already active" {
		t.Fatalf("second COMPRESS: %s", st)
	}
	cl.ok("SELECT INBOX")
	big := strings.Repeat("Line of a long message, compressible.\r\n", 5000)
	cl.send("a APPEND INBOX {" + itoa(uint64(len(big))) + "}")
	if l := cl.line(); !strings.HasPrefix(l, "+ ") {
		t.Fatalf("APPEND: %q", l)
	}
	io.WriteString(cl.c, big+"\r\n")
	for l := cl.line(); !strings.HasPrefix(l, "a "); l = cl.line() {
	}
	lines := cl.ok("FETCH 2 BODY.PEEK[]")
	if len(lines) == 0 || !strings.HasSuffix(lines[0], big+")") {
		t.Fatalf("FETCH of the appended message: %d lines", len(lines))
	}
	cl.send("i IDLE")
	if l := cl.line(); !strings.HasPrefix(l, "+ ") {
		t.Fatalf("IDLE: %q", l)
	}
	ts.deliver(t, "u", "INBOX", msg1)
	if l := cl.line(); l != "* 3 EXISTS" {
		t.Fatalf("during IDLE: %q", l)
	}
	cl.send("DONE")
	for l := cl.line(); !strings.HasPrefix(l, "i "); l = cl.line() {
		if l != "* 3 RECENT" {
			t.Fatalf("after DONE: %q", l)
		}
	}
	lines = cl.ok("LOGOUT")
	if !hasLine(lines, "* BYE Logging out") {
		t.Fatalf("LOGOUT: %q", lines)
	}
}

// TestCompressNoWait: a command ended by a sync flush is answered; the
// server's decompressor must not wait for bytes after the flush. Every
// exchange has a deadline instead of hanging the test.
func TestCompressNoWait(t *testing.T) {
	ts := newTestServer(t, nil)
	cl := login(t, ts.addr, "u")
	cl.ok("COMPRESS DEFLATE")
	deflateClient(t, cl)
	for i := range 50 {
		cl.c.SetDeadline(time.Now().Add(10 * time.Second))
		cmd := "NOOP"
		if i%2 == 1 {
			cmd = "LIST \"\" *" // responses of more than one line
		}
		cl.ok(cmd)
	}
}

// TestCompressPipelined: a client that sends its first compressed
// command without waiting for COMPRESS's OK is understood.
func TestCompressPipelined(t *testing.T) {
	ts := newTestServer(t, nil)
	cl := login(t, ts.addr, "u")
	var z bytes.Buffer
	fw, _ := flate.NewWriter(&z, flate.BestSpeed)
	io.WriteString(fw, "b NOOP\r\n")
	fw.Flush()
	cl.c.Write(append([]byte("a COMPRESS DEFLATE\r\n"), z.Bytes()...))
	if l := cl.line(); !strings.HasPrefix(l, "a OK") {
		t.Fatalf("COMPRESS: %q", l)
	}
	// The compressed answer may have come with the OK: read on from
	// the same buffer.
	cl.r = bufio.NewReader(flate.NewReader(cl.r))
	if l := cl.line(); l != "b OK NOOP completed" {
		t.Fatalf("pipelined NOOP: %q", l)
	}
	cl.c = &deflateConn{Conn: cl.c, w: fw}
	fw.Reset(cl.c.(*deflateConn).Conn)
	cl.ok("NOOP")
}

// TestCompressTLS: COMPRESS after STARTTLS, and the trace shows the
// dialog in clear.
func TestCompressTLS(t *testing.T) {
	var trace safeBuffer
	cert, _ := testpeer.TLSCert(t)
	ts := newTestServer(t, func(s *Server) {
		s.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}}
		s.AllowInsecureAuth = false
		s.Trace = &trace
	})
	cl := dial(t, ts.addr)
	cl.ok("STARTTLS")
	tc := tls.Client(cl.c, &tls.Config{InsecureSkipVerify: true})
	cl.c, cl.r = tc, bufio.NewReader(tc)
	cl.ok("LOGIN u pass")
	cl.ok("COMPRESS DEFLATE")
	deflateClient(t, cl)
	cl.ok("CREATE Secret-Folder")
	cl.ok("LOGOUT")
	cl.c.SetDeadline(time.Now().Add(10 * time.Second))
	io.Copy(io.Discard, cl.r) // until the server closes: the trace is complete
	got := trace.String()
	for _, want := range []string{"C: t4 CREATE Secret-Folder\n", "S: t4 OK ", "S: t3 OK DEFLATE active\n"} {
		if !strings.Contains(got, want) {
			t.Fatalf("trace lacks %q:\n%s", want, got)
		}
	}
}

type safeBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *safeBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *safeBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestCompressCorrupt: input that is not DEFLATE data ends the session.
func TestCompressCorrupt(t *testing.T) {
	ts := newTestServer(t, nil)
	cl := login(t, ts.addr, "u")
	cl.ok("COMPRESS DEFLATE")
	cl.c.Write([]byte("a NOOP\r\n")) // not compressed: a reserved block type
	cl.c.SetDeadline(time.Now().Add(10 * time.Second))
	rest, err := io.ReadAll(flate.NewReader(cl.r))
	if err != nil && !isClosed(err) {
		t.Fatalf("after corrupt input: %v", err)
	}
	if !strings.HasPrefix(string(rest), "* BYE ") {
		t.Fatalf("after corrupt input: %q", rest)
	}
}

func isClosed(err error) bool {
	return err == io.EOF || err == io.ErrUnexpectedEOF || strings.Contains(err.Error(), "reset")
}

func TestCompressDisabled(t *testing.T) {
	ts := newTestServer(t, func(s *Server) { s.DisableCompress = true })
	cl := login(t, ts.addr, "u")
	if lines := cl.ok("CAPABILITY"); strings.Contains(lines[0], "COMPRESS") {
		t.Fatalf("COMPRESS advertised: %q", lines[0])
	}
	if _, st := cl.do("COMPRESS DEFLATE"); !strings.HasPrefix(st, "NO") {
		t.Fatalf("COMPRESS when disabled: %s", st)
	}
	cl.ok("NOOP")
}

// TestCompressPython runs python3's imaplib with zlib streams under it,
// ending each command with a sync, a partial and a full flush: with a
// partial flush the end of the empty block stays in the client's
// compressor, which compress/flate's reader would wait for.
func TestCompressPython(t *testing.T) {
	py := testpeer.Need(t, "python3")
	ts := newTestServer(t, nil)
	ts.deliver(t, "u", "INBOX", msg1)
	host, port, _ := net.SplitHostPort(ts.addr)
	for _, mode := range []string{"sync", "partial", "full"} {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		out, err := exec.CommandContext(ctx, py, "testdata/compress_client.py", host, port, "u", "pass", mode).CombinedOutput()
		cancel()
		if err != nil || !strings.HasPrefix(string(out), "ok ") {
			t.Fatalf("%s flush: %v\n%s", mode, err, out)
		}
		t.Logf("%s flush: %s", mode, strings.TrimSpace(string(out)))
	}
}

// TestCompressMbsync synchronises a mailbox with mbsync, which sends
// COMPRESS DEFLATE by itself when the server offers it (isync >= 1.4):
// its network debug output (-Dn, the dialog in clear) must show the
// command and its OK, and the messages must arrive, then flags go back.
func TestCompressMbsync(t *testing.T) {
	mbsync := testpeer.Need(t, "mbsync")
	ts := newTestServer(t, nil)
	for i := range 3 {
		ts.deliver(t, "u", "INBOX", "From: a@example.org\r\nSubject: m"+itoa(uint64(i))+"\r\n\r\n"+strings.Repeat("body line\r\n", 100))
	}
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "mail"), 0o755)
	host, port, _ := net.SplitHostPort(ts.addr)
	cfg := filepath.Join(dir, "mbsyncrc")
	os.WriteFile(cfg, []byte(`IMAPAccount remote
Host `+host+`
Port `+port+`
User u
Pass pass
SSLType None
AuthMechs LOGIN

IMAPStore remote
Account remote

MaildirStore local
Path `+dir+`/mail/
Inbox `+dir+`/mail/INBOX

Channel ch
Far :remote:
Near :local:
Patterns INBOX
Create Both
SyncState *
Sync All
`), 0o644)
	run := func() string {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		out, err := exec.CommandContext(ctx, mbsync, "-Dn", "-c", cfg, "-a").CombinedOutput()
		if err != nil {
			t.Fatalf("mbsync: %v\n%s", err, out)
		}
		return string(out)
	}
	out := run()
	if !regexp.MustCompile(`(?m)^>>> \d+ COMPRESS DEFLATE`).MatchString(out) || !regexp.MustCompile(`(?m)^\d+ OK DEFLATE active`).MatchString(out) {
		t.Fatalf("mbsync did not compress:\n%s", out)
	}
	got, _ := filepath.Glob(filepath.Join(dir, "mail", "INBOX", "*", "*"))
	if len(got) != 3 {
		t.Fatalf("%d messages synchronised, want 3:\n%s", len(got), out)
	}
	// Flag one locally; the next run pushes it through the compressed
	// session.
	os.Rename(got[0], filepath.Join(dir, "mail", "INBOX", "cur", strings.Split(filepath.Base(got[0]), ":")[0]+":2,F"))
	run()
	cl := login(t, ts.addr, "u")
	cl.ok("SELECT INBOX")
	if lines := cl.ok("SEARCH FLAGGED"); len(lines) != 1 || strings.Count(lines[0], " ") != 2 {
		t.Fatalf("flag not pushed: %q", lines)
	}
}

// TestCompressCurl: curl 7.88 has no COMPRESS support; it must ignore the
// capability and work uncompressed.
func TestCompressCurl(t *testing.T) {
	curl := testpeer.Need(t, "curl")
	var trace safeBuffer
	ts := newTestServer(t, func(s *Server) { s.Trace = &trace })
	ts.deliver(t, "u", "INBOX", msg1)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, curl, "-sS", "-u", "u:pass", "imap://"+ts.addr+"/INBOX;UID=1").CombinedOutput()
	if err != nil || string(out) != msg1 {
		t.Fatalf("curl: %v\n%q", err, out)
	}
	if tr := trace.String(); !strings.Contains(tr, "COMPRESS=DEFLATE") || strings.Contains(tr, " COMPRESS DEFLATE") {
		t.Fatalf("curl and COMPRESS:\n%s", tr)
	}
}

// TestCompressNotify: with NOTIFY, events are written by the session
// while its reader waits for the next command; each reaches the client
// whole (sync-flushed) while nothing comes from it.
func TestCompressNotify(t *testing.T) {
	ts := newTestServer(t, nil)
	a := login(t, ts.addr, "u")
	a.ok("ENABLE IMAP4rev2") // no RECENT
	a.ok("COMPRESS DEFLATE")
	deflateClient(t, a)
	a.ok("SELECT INBOX")
	a.ok("NOTIFY SET (SELECTED (MessageNew (UID) MessageExpunge))")
	for i := 1; i <= 3; i++ {
		ts.deliver(t, "u", "INBOX", msg1)
		a.c.SetDeadline(time.Now().Add(10 * time.Second))
		if l := a.line(); l != "* "+itoa(uint64(i))+" EXISTS" {
			t.Fatalf("event %d: %q", i, l)
		}
		if l := a.line(); l != "* "+itoa(uint64(i))+" FETCH (UID "+itoa(uint64(i))+")" {
			t.Fatalf("event %d: %q", i, l)
		}
	}
	a.ok("NOOP")
}

// TestCompressPythonDovecot runs the same python3 client against Dovecot
// with its imap_zlib plugin: the client is right by the oracle, not only
// by this server.
func TestCompressPythonDovecot(t *testing.T) {
	py := testpeer.Need(t, "python3")
	d := testpeer.StartDovecot(t, testpeer.DovecotConfig{Extra: "protocol imap {\n  mail_plugins = $mail_plugins imap_zlib\n}\n"})
	d.ChownMailDirs(t)
	host, port, _ := net.SplitHostPort(d.IMAPAddr)
	for _, mode := range []string{"sync", "partial", "full"} {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		out, err := exec.CommandContext(ctx, py, "testdata/compress_client.py", host, port, d.User, d.Password, mode).CombinedOutput()
		cancel()
		if err != nil || !strings.HasPrefix(string(out), "ok ") {
			t.Fatalf("%s flush against Dovecot: %v\n%s\n%s", mode, err, out, d.LogContents())
		}
		t.Logf("%s flush, Dovecot: %s", mode, strings.TrimSpace(string(out)))
	}
}
