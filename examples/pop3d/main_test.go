package main

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/mailstack/mailstack/internal/testpeer"
	"github.com/mailstack/mailstack/maildir"
	"github.com/mailstack/mailstack/pop3"
	"golang.org/x/crypto/bcrypt"
)

var binary string // the built pop3d

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "pop3d-test")
	if err != nil {
		panic(err)
	}
	binary = filepath.Join(dir, "pop3d")
	if out, err := exec.Command("go", "build", "-o", binary, ".").CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "go build: %v\n%s", err, out)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// daemon is a running pop3d.
type daemon struct {
	addr, port string
	root       string
	cmd        *exec.Cmd
	stderr     *strings.Builder
}

// startDaemon runs pop3d with users alice ({PLAIN}secret) and bob
// ({BLF-CRYPT} of "bob pass").
func startDaemon(t *testing.T, extra ...string) *daemon {
	t.Helper()
	dir := t.TempDir()
	root := filepath.Join(dir, "mail")
	hash, err := bcrypt.GenerateFromPassword([]byte("bob pass"), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	users := filepath.Join(dir, "users")
	content := "# test users\nalice:{PLAIN}secret::::\nbob:{BLF-CRYPT}" + string(hash) + "\n"
	if err := os.WriteFile(users, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	d := startWith(t, append([]string{"-root", root, "-users", users}, extra...)...)
	d.root = root
	return d
}

// startWith runs pop3d on a free loopback port with args.
func startWith(t *testing.T, args ...string) *daemon {
	t.Helper()
	cmd := exec.Command(binary, append([]string{"-listen", "127.0.0.1:0"}, args...)...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	d := &daemon{cmd: cmd, stderr: &strings.Builder{}}
	cmd.Stderr = d.stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
		if t.Failed() {
			t.Logf("pop3d stderr:\n%s", d.stderr)
		}
	})
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil || !strings.HasPrefix(line, "listening on ") {
		t.Fatalf("pop3d did not start: %q %v", line, err)
	}
	d.addr = strings.TrimSpace(strings.TrimPrefix(line, "listening on "))
	d.port = d.addr[strings.LastIndexByte(d.addr, ':')+1:]
	return d
}

// deliver puts a message into user's Maildir.
func (d *daemon) deliver(t *testing.T, user, msg string) {
	t.Helper()
	if _, err := maildir.Deliver(context.Background(), filepath.Join(d.root, user), strings.NewReader(msg), nil); err != nil {
		t.Fatal(err)
	}
}

// count returns how many messages user's Maildir INBOX holds.
func count(t *testing.T, dir string) int {
	t.Helper()
	n := 0
	for _, sub := range []string{"new", "cur"} {
		ents, err := os.ReadDir(filepath.Join(dir, sub))
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			t.Fatal(err)
		}
		n += len(ents)
	}
	return n
}

// TestSignal: SIGTERM ends pop3d with status 0.
func TestSignal(t *testing.T) {
	d := startDaemon(t)
	d.cmd.Process.Signal(syscall.SIGTERM)
	if err := d.cmd.Wait(); err != nil {
		t.Fatalf("exit after SIGTERM: %v\n%s", err, d.stderr)
	}
}

func TestUsage(t *testing.T) {
	for _, args := range [][]string{{}, {"-root", "x"}, {"-bogus"}} {
		err := exec.Command(binary, args...).Run()
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.ExitCode() != 2 {
			t.Errorf("pop3d %q: %v, want exit status 2", args, err)
		}
	}
}

func TestLoadUsers(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		content string
		ok      bool
	}{
		{"a:{PLAIN}x\n", true},
		{"a:{CLEARTEXT}x:1000:1000::/home/a::\n", true},
		{"a:$2y$04$abcdefghijklmnopqrstuu5YgY4C8QwYbmvDBmUpfJgqfzbbPsTJW\n", true},
		{"a:{SHA512-CRYPT}$6$x\n", false},
		{"a:nohash\n", false},
		{"../etc:{PLAIN}x\n", false},
		{"a:{BLF-CRYPT}notahash\n", false},
	} {
		p := filepath.Join(dir, "u")
		os.WriteFile(p, []byte(tc.content), 0o600)
		if _, err := loadUsers(p); (err == nil) != tc.ok {
			t.Errorf("loadUsers(%q): %v", tc.content, err)
		}
	}
}

// TestFetchmail: fetchmail in UIDL keep mode fetches both messages, then
// on a second run only the new one, then finds nothing (status 1).
func TestFetchmail(t *testing.T) {
	fetchmail := testpeer.Need(t, "fetchmail")
	mdeliver := testpeer.Need(t, "mdeliver")
	d := startDaemon(t, "-insecure-auth")
	d.deliver(t, "alice", "From: a@example.test\nSubject: one\n\nfirst\n.dot line\n")
	d.deliver(t, "alice", "From: a@example.test\r\nSubject: two\r\n\r\nsecond\r\n")
	home := t.TempDir()
	out := filepath.Join(home, "out")
	for _, sub := range []string{"cur", "new", "tmp"} {
		os.MkdirAll(filepath.Join(out, sub), 0o700)
	}
	rc := filepath.Join(home, "fetchmailrc")
	conf := fmt.Sprintf("set no bouncemail\npoll 127.0.0.1 service %s protocol pop3 uidl auth password\n"+
		"  user \"alice\" there with password \"secret\" is \"x\" here\n  keep\n  sslproto ''\n  mda \"%s %s\"\n",
		d.port, mdeliver, out)
	if err := os.WriteFile(rc, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	run := func() int {
		cmd := exec.Command(fetchmail, "--nodetach", "--nosyslog", "-f", rc)
		cmd.Env = append(os.Environ(), "FETCHMAILHOME="+home, "HOME="+home)
		output, err := cmd.CombinedOutput()
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			t.Logf("fetchmail: status %d\n%s", ee.ExitCode(), output)
			return ee.ExitCode()
		}
		if err != nil {
			t.Fatal(err)
		}
		return 0
	}
	if code := run(); code != 0 || count(t, out) != 2 {
		t.Fatalf("first run: status %d, %d messages fetched", code, count(t, out))
	}
	d.deliver(t, "alice", "Subject: three\n\nthird\n")
	if code := run(); code != 0 || count(t, out) != 3 {
		t.Fatalf("second run: status %d, %d messages fetched, want 3 in all", code, count(t, out))
	}
	if code := run(); code != 1 || count(t, out) != 3 {
		t.Fatalf("third run: status %d (want 1, no mail), %d messages", code, count(t, out))
	}
	if n := count(t, filepath.Join(d.root, "alice")); n != 3 {
		t.Errorf("keep mode left %d messages on the server, want 3", n)
	}
	// The message arrived whole, dot line included.
	got := readAll(t, out)
	if !strings.Contains(got, "\n.dot line\n") || !strings.Contains(got, "third") {
		t.Errorf("fetched messages:\n%s", got)
	}
}

func readAll(t *testing.T, dir string) string {
	t.Helper()
	var b strings.Builder
	for _, sub := range []string{"new", "cur"} {
		ents, _ := os.ReadDir(filepath.Join(dir, sub))
		for _, e := range ents {
			data, err := os.ReadFile(filepath.Join(dir, sub, e.Name()))
			if err != nil {
				t.Fatal(err)
			}
			b.Write(data)
		}
	}
	return b.String()
}

// TestCurl: curl's pop3:// LIST, RETR and -X UIDL.
func TestCurl(t *testing.T) {
	curl := testpeer.Need(t, "curl")
	d := startDaemon(t, "-insecure-auth")
	msg := "From: a@example.test\nSubject: curl\n\n.leading dot\nbody\n"
	d.deliver(t, "bob", msg)
	d.deliver(t, "bob", "Subject: 2\n\nx\n")
	url := "pop3://127.0.0.1:" + d.port + "/"
	do := func(args ...string) string {
		t.Helper()
		cmd := exec.Command(curl, append([]string{"-sS", "--max-time", "30", "-u", "bob:bob pass"}, args...)...)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("curl %q: %v\n%s", args, err, out)
		}
		return string(out)
	}
	crlf := strings.ReplaceAll(msg, "\n", "\r\n")
	if got, want := do(url), fmt.Sprintf("1 %d\r\n2 %d\r\n", len(crlf), len("Subject: 2\r\n\r\nx\r\n")); got != want {
		t.Errorf("LIST: %q, want %q", got, want)
	}
	if got := do(url + "1"); got != crlf {
		t.Errorf("RETR: %q, want %q", got, crlf)
	}
	got := do("-X", "UIDL", url)
	lines := strings.Split(strings.TrimSpace(got), "\r\n")
	if len(lines) != 2 || !strings.HasPrefix(lines[0], "1 00000001") || len(lines[0]) != 2+16 {
		t.Errorf("UIDL: %q", got)
	}
	// The same unique-ids in a later session.
	if again := do("-X", "UIDL", url); again != got {
		t.Errorf("UIDL changed between sessions: %q then %q", got, again)
	}
}

// TestPythonPoplib: poplib over STLS (self-signed certificate, no
// -insecure-auth): USER/PASS, TOP, UIDL; DELE then a dropped connection
// keeps the message; DELE then QUIT removes it from the Maildir.
func TestPythonPoplib(t *testing.T) {
	python := testpeer.Need(t, "python3")
	d := startDaemon(t)
	d.deliver(t, "alice", "Subject: first\n\nbody 1\nline 2\nline 3\n")
	d.deliver(t, "alice", "Subject: second\n\nbody 2\n")
	script := `
import poplib, ssl, sys, time
host, port = "127.0.0.1", int(sys.argv[1])
ctx = ssl.create_default_context()
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE

def login():
    for attempt in range(1000):
        p = poplib.POP3(host, port, timeout=30)
        try:
            p.user("alice")
            raise SystemExit("USER accepted before STLS")
        except poplib.error_proto as e:
            assert b"[AUTH]" in e.args[0], e
        p.stls(ctx)
        p.user("alice")
        try:
            p.pass_("secret")
            return p
        except poplib.error_proto as e:
            if b"[IN-USE]" not in e.args[0]:
                raise
            p.close()  # the dropped session is still being cleaned up
            time.sleep(0.01)
    raise SystemExit("maildrop still locked")

p = login()
count, size = p.stat()
assert count == 2, count
resp, lines, octets = p.top(1, 1)
assert lines == [b"Subject: first", b"", b"body 1"], lines
resp, uidls, octets = p.uidl()
assert len(uidls) == 2 and uidls[0].startswith(b"1 00000001"), uidls
p.dele(1)
p.close()  # no QUIT: a dropped session deletes nothing

p = login()
assert p.stat()[0] == 2, "a dropped connection deleted a message"
assert p.uidl()[1] == uidls, "UIDL changed between sessions"
p.dele(1)
p.quit()
print("ok")
`
	out, err := exec.Command(python, "-c", script, d.port).CombinedOutput()
	if err != nil || strings.TrimSpace(string(out)) != "ok" {
		t.Fatalf("python: %v\n%s", err, out)
	}
	if n := count(t, filepath.Join(d.root, "alice")); n != 1 {
		t.Fatalf("after DELE and QUIT the Maildir holds %d messages, want 1", n)
	}
	if got := readAll(t, filepath.Join(d.root, "alice")); !strings.Contains(got, "Subject: second") {
		t.Errorf("the wrong message was removed; left:\n%s", got)
	}
}

// TestLogins: over STLS with the self-signed certificate, a BLF-CRYPT
// user logs in with USER/PASS, a {PLAIN} user with APOP, and APOP is
// refused for a user whose secret is only a hash.
func TestLogins(t *testing.T) {
	ctx := context.Background()
	d := startDaemon(t)
	opts := &pop3.ClientOptions{TLSConfig: &tls.Config{InsecureSkipVerify: true}}
	c, err := pop3.DialStartTLS(ctx, d.addr, opts)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Login(ctx, "bob", "bob pass"); err != nil {
		t.Fatalf("bcrypt user: %v", err)
	}
	c.Quit(ctx)
	for _, tc := range []struct {
		user, secret string
		ok           bool
	}{{"alice", "secret", true}, {"alice", "wrong", false}, {"bob", "bob pass", false}} {
		c, err := pop3.Dial(ctx, d.addr, nil)
		if err != nil {
			t.Fatal(err)
		}
		err = c.APOP(ctx, tc.user, tc.secret)
		if tc.ok != (err == nil) || !tc.ok && !errors.Is(err, pop3.ErrAuthFailed) {
			t.Errorf("APOP %s/%s: %v", tc.user, tc.secret, err)
		}
		c.Close()
	}
}
