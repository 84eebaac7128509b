package pop3

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const (
	msg1 = "From: a@example.test\r\nSubject: one\r\n\r\nbody one\r\n.leading dot\r\n..two dots\r\n"
	msg2 = "From: b@example.test\nSubject: two\n\nLF only\n.\nend" // LF endings, no final newline
)

// TestDialogs runs command/response exchanges over a raw connection. Each
// step sends a line and checks the prefix of the response.
func TestDialogs(t *testing.T) {
	type step struct{ send, want string }
	login := []step{{"USER alice", "+OK"}, {"PASS secret", "+OK"}}
	cases := []struct {
		name  string
		steps []step
	}{
		{"RFC 1939 §4 transaction commands refused before login", []step{
			{"STAT", "-ERR command not valid"}, {"RETR 1", "-ERR command not valid"}, {"NOOP", "-ERR command not valid"}}},
		{"RFC 1939 §7 PASS without USER", []step{{"PASS secret", "-ERR send USER first"}}},
		{"RFC 1939 §7 wrong password, RFC 3206 [AUTH]", []step{{"USER alice", "+OK"}, {"PASS nope", "-ERR [AUTH]"}, {"PASS secret", "-ERR send USER first"}}},
		{"RFC 1939 §7 password with spaces", []step{{"USER bob", "+OK"}, {"PASS pass word", "+OK"}, {"STAT", "+OK 0 0"}}},
		{"RFC 1939 §3 keywords are case-insensitive", append(login, step{"stat", "+OK 2 "}, step{"QuIt", "+OK"})},
		{"RFC 1939 §5 STAT counts CRLF sizes", append(login, step{"STAT", fmt.Sprintf("+OK 2 %d", len(msg1)+len(toCRLF(msg2)))})},
		{"RFC 1939 §5 LIST msg", append(login, step{"LIST 2", fmt.Sprintf("+OK 2 %d", len(toCRLF(msg2)))})},
		{"RFC 1939 §5 LIST of a missing message", append(login, step{"LIST 3", "-ERR no such message"}, step{"LIST 0", "-ERR no such message"})},
		{"RFC 1939 §5 bad message number", append(login, step{"LIST x", "-ERR invalid message number"}, step{"RETR -1", "-ERR invalid"}, step{"DELE 1 2", "-ERR usage"})},
		{"RFC 1939 §5 DELE then LIST and RETR of it", append(login, step{"DELE 1", "+OK"}, step{"DELE 1", "-ERR no such message"},
			step{"LIST 1", "-ERR no such message"}, step{"RETR 1", "-ERR no such message"}, step{"STAT", fmt.Sprintf("+OK 1 %d", len(toCRLF(msg2)))},
			step{"RSET", "+OK"}, step{"STAT", "+OK 2 "})},
		{"RFC 1939 §7 UIDL msg in Dovecot's format", append(login, step{"UIDL 1", "+OK 1 00000001"})},
		{"RFC 1939 §7 TOP bad count", append(login, step{"TOP 1 x", "-ERR invalid line count"}, step{"TOP 1", "-ERR usage"})},
		{"RFC 1939 §4 USER/PASS refused after login", append(login, step{"USER alice", "-ERR command not valid"})},
		{"unknown command", []step{{"XYZZY", "-ERR unknown command"}, {"HELO there", "-ERR unknown command"}}},
		{"malformed command", []step{{"\x01STAT", "-ERR malformed"}, {"", "-ERR malformed"}, {" STAT", "-ERR malformed"}}},
		{"RFC 6856 §3 UTF8 in AUTHORIZATION only", append([]step{{"UTF8", "+OK"}}, append(login, step{"UTF8", "-ERR command not valid"})...)},
		{"RFC 5034 AUTH lists mechanisms without argument", []step{{"AUTH", "+OK"}}},
		{"RFC 5034 unknown mechanism", []step{{"AUTH CRAM-MD5", "-ERR unsupported"}}},
		{"RFC 5034 AUTH PLAIN with initial response", []step{{"AUTH PLAIN " + b64("\x00alice\x00secret"), "+OK"}, {"STAT", "+OK 2"}}},
		{"RFC 5034 AUTH PLAIN wrong password, RFC 5034 §6 AUTH-RESP-CODE", []step{{"AUTH PLAIN " + b64("\x00alice\x00bad"), "-ERR [AUTH]"}}},
		{"RFC 5034 AUTH PLAIN foreign authorization identity", []step{{"AUTH PLAIN " + b64("bob\x00alice\x00secret"), "-ERR [AUTH]"}}},
		{"RFC 5034 §4 AUTH PLAIN with empty initial response", []step{{"AUTH PLAIN =", "-ERR [AUTH] invalid SASL"}}},
		{"RFC 5034 §4 challenge and response", []step{{"AUTH PLAIN", "+ "}, {b64("\x00alice\x00secret"), "+OK"}}},
		{"RFC 5034 §4 cancel with *", []step{{"AUTH LOGIN", "+ " + b64("Username:")}, {"*", "-ERR [AUTH] authentication cancelled"}, {"USER alice", "+OK"}}},
		{"RFC 5034 bad base64", []step{{"AUTH PLAIN", "+ "}, {"!!!", "-ERR [AUTH]"}}},
		{"AUTH LOGIN", []step{{"AUTH LOGIN", "+ " + b64("Username:")}, {b64("alice"), "+ " + b64("Password:")}, {b64("secret"), "+OK"}}},
		{"AUTH LOGIN with user name as initial response", []step{{"AUTH LOGIN " + b64("alice"), "+ " + b64("Password:")}, {b64("secret"), "+OK"}}},
		{"RFC 2595 STLS without TLS configured", []step{{"STLS", "-ERR STLS not available"}}},
		{"RFC 1939 §7 APOP without APOP backend", []step{{"APOP alice 0123456789abcdef0123456789abcdef", "-ERR APOP not available"}}},
		{"RFC 1939 §5 QUIT in AUTHORIZATION", []step{{"QUIT", "+OK"}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			be := newTestBackend()
			be.deliver(t, "alice", msg1, msg2)
			addr := startServer(t, &Server{Backend: be, AllowInsecureAuth: true})
			r := dialRaw(t, addr)
			r.expect("+OK")
			for _, s := range tc.steps {
				r.send(s.send + "\r\n")
				got := r.expect(s.want)
				if strings.HasPrefix(s.send, "AUTH") && len(strings.Fields(s.send)) == 1 && strings.HasPrefix(got, "+OK") {
					if lines := r.multi(); strings.Join(lines, " ") != "PLAIN LOGIN" {
						t.Errorf("AUTH mechanisms: %q", lines)
					}
				}
			}
		})
	}
}

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

// toCRLF is what RETR sends for a stored message: every line ending CRLF.
func toCRLF(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	return strings.ReplaceAll(s, "\n", "\r\n")
}

func TestInsecureAuthRefused(t *testing.T) {
	// RFC 2595 §6 / RFC 3206 [AUTH]: no password without TLS.
	be := newTestBackend()
	addr := startServer(t, &Server{Backend: be})
	r := dialRaw(t, addr)
	r.expect("+OK")
	for _, cmd := range []string{"USER alice", "PASS secret", "AUTH PLAIN " + b64("\x00alice\x00secret")} {
		r.send(cmd + "\r\n")
		r.expect("-ERR [AUTH] plaintext authentication disallowed")
	}
	r.send("CAPA\r\n")
	r.expect("+OK")
	caps := strings.Join(r.multi(), "|")
	if strings.Contains(caps, "USER|") || strings.Contains(caps, "SASL") {
		t.Errorf("CAPA offers passwords without TLS: %s", caps)
	}
}

func TestCAPA(t *testing.T) {
	srvTLS, _ := testTLS(t)
	be := newTestBackend()
	addr := startServer(t, &Server{Backend: be, TLSConfig: srvTLS, AllowInsecureAuth: true,
		Expire: "NEVER", LoginDelay: 900e9, Implementation: "mailstack"})
	r := dialRaw(t, addr)
	r.expect("+OK")
	r.send("CAPA\r\n")
	r.expect("+OK")
	got := strings.Join(r.multi(), "|")
	want := "TOP|UIDL|RESP-CODES|AUTH-RESP-CODE|PIPELINING|USER|SASL PLAIN LOGIN|STLS|UTF8 USER|EXPIRE NEVER|LOGIN-DELAY 900|IMPLEMENTATION mailstack"
	if got != want {
		t.Errorf("CAPA before login:\n got %s\nwant %s", got, want)
	}
	r.send("USER alice\r\nPASS secret\r\nCAPA\r\n")
	r.expect("+OK")
	r.expect("+OK")
	r.expect("+OK")
	got = strings.Join(r.multi(), "|")
	want = "TOP|UIDL|RESP-CODES|AUTH-RESP-CODE|PIPELINING|EXPIRE NEVER|LOGIN-DELAY 900|IMPLEMENTATION mailstack"
	if got != want {
		t.Errorf("CAPA after login:\n got %s\nwant %s", got, want)
	}
}

// TestRetrTop checks RETR and TOP output, byte-stuffing and CRLF
// conversion on the wire (RFC 1939 §3, §5, §7).
func TestRetrTop(t *testing.T) {
	be := newTestBackend()
	be.deliver(t, "alice", msg1, msg2, "Subject: no body\r\n", "A: b\r\n\r\n1\r\n2\r\n3\r\n")
	addr := startServer(t, &Server{Backend: be, AllowInsecureAuth: true})
	r := dialRaw(t, addr)
	r.expect("+OK")
	r.send("USER alice\r\nPASS secret\r\n")
	r.expect("+OK")
	r.expect("+OK")
	cases := []struct {
		cmd  string
		want []string
	}{
		{"RETR 1", []string{"From: a@example.test", "Subject: one", "", "body one", ".leading dot", "..two dots"}},
		{"RETR 2", []string{"From: b@example.test", "Subject: two", "", "LF only", ".", "end"}},
		{"TOP 1 0", []string{"From: a@example.test", "Subject: one", ""}},
		{"TOP 1 2", []string{"From: a@example.test", "Subject: one", "", "body one", ".leading dot"}},
		{"TOP 1 99", []string{"From: a@example.test", "Subject: one", "", "body one", ".leading dot", "..two dots"}},
		{"TOP 3 1", []string{"Subject: no body"}},
		{"TOP 4 2", []string{"A: b", "", "1", "2"}},
	}
	for _, tc := range cases {
		r.send(tc.cmd + "\r\n")
		r.expect("+OK")
		if got := r.multi(); strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
			t.Errorf("%s:\n got %q\nwant %q", tc.cmd, got, tc.want)
		}
	}
	// The stuffing on the wire: ".leading dot" travels as "..leading dot".
	r.send("RETR 1\r\n")
	r.expect("+OK " + fmt.Sprint(len(msg1)) + " octets")
	var raw []string
	for {
		l, _ := r.line()
		if l == "." {
			break
		}
		raw = append(raw, l)
	}
	if raw[4] != "..leading dot" || raw[5] != "...two dots" {
		t.Errorf("not dot-stuffed: %q", raw)
	}
}

func TestClientSession(t *testing.T) {
	ctx := context.Background()
	be := newTestBackend()
	be.deliver(t, "alice", msg1, msg2, "Subject: 3\r\n\r\nthree\r\n")
	addr := startServer(t, &Server{Backend: be, AllowInsecureAuth: true})
	c, err := Dial(ctx, addr, nil)
	if err != nil {
		t.Fatal(err)
	}
	caps, err := c.Capabilities(ctx)
	if err != nil || !caps.Has("pipelining") || len(caps.SASL()) != 2 {
		t.Fatalf("Capabilities: %v %v", caps, err)
	}
	if err := c.Login(ctx, "alice", "wrong"); !errors.Is(err, ErrAuthFailed) {
		t.Fatalf("Login with wrong password: %v", err)
	}
	if err := c.Login(ctx, "alice", "secret"); err != nil {
		t.Fatal(err)
	}
	n, size, err := c.Stat(ctx)
	wantSize := int64(len(msg1) + len(toCRLF(msg2)) + len("Subject: 3\r\n\r\nthree\r\n"))
	if err != nil || n != 3 || size != wantSize {
		t.Fatalf("Stat = %d %d %v, want 3 %d", n, size, err, wantSize)
	}
	list, err := c.List(ctx)
	if err != nil || len(list) != 3 || list[1] != (MessageSize{2, int64(len(toCRLF(msg2)))}) {
		t.Fatalf("List = %v %v", list, err)
	}
	uids, err := c.UIDL(ctx)
	if err != nil || len(uids) != 3 || uids[0].UID[:8] != "00000001" || len(uids[0].UID) != 16 {
		t.Fatalf("UIDL = %v %v", uids, err)
	}
	if u, err := c.UIDLMessage(ctx, 2); err != nil || u != uids[1].UID {
		t.Fatalf("UIDLMessage = %q %v", u, err)
	}
	for i, want := range []string{msg1, toCRLF(msg2) + "\r\n"} {
		got := retr(t, c, i+1)
		if got != want {
			t.Errorf("Retr %d = %q, want %q", i+1, got, want)
		}
	}
	if s, err := c.ListMessage(ctx, 1); err != nil || s != int64(len(msg1)) {
		t.Errorf("ListMessage = %d %v", s, err)
	}
	// A reader closed early leaves the connection usable.
	rc, err := c.Top(ctx, 1, 1)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := c.Stat(ctx); !errors.Is(err, ErrClientBusy) {
		t.Errorf("Stat while reading: %v", err)
	}
	rc.Close()
	if err := c.Dele(ctx, 1, 3, 99); err == nil || err.Error() != "pop3: -ERR no such message" {
		t.Errorf("Dele: %v", err)
	}
	if n, _, _ := c.Stat(ctx); n != 1 {
		t.Errorf("Stat after Dele: %d messages", n)
	}
	if err := c.Noop(ctx); err != nil {
		t.Error(err)
	}
	if err := c.Quit(ctx); err != nil {
		t.Fatal(err)
	}
	if got := be.count(t, "alice"); got != 1 {
		t.Errorf("after QUIT the mailbox has %d messages, want 1", got)
	}
	if _, _, err := c.Stat(ctx); err == nil {
		t.Error("Stat after Quit succeeded")
	}
}

func retr(t testing.TB, c *Client, n int) string {
	t.Helper()
	rc, err := c.Retr(context.Background(), n)
	if err != nil {
		t.Fatalf("Retr %d: %v", n, err)
	}
	var b bytes.Buffer
	if _, err := b.ReadFrom(rc); err != nil {
		t.Fatalf("Retr %d: %v", n, err)
	}
	rc.Close()
	return b.String()
}

// TestDroppedConnection: RFC 1939 §6, a session that ends without QUIT
// deletes nothing, and its lock is released.
func TestDroppedConnection(t *testing.T) {
	ctx := context.Background()
	be := newTestBackend()
	be.deliver(t, "alice", msg1, msg2)
	addr := startServer(t, &Server{Backend: be, AllowInsecureAuth: true})
	c, err := Dial(ctx, addr, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Login(ctx, "alice", "secret"); err != nil {
		t.Fatal(err)
	}
	if err := c.Dele(ctx, 1, 2); err != nil {
		t.Fatal(err)
	}
	c.Close()
	// The next login waits for the server to notice the drop: retry
	// while [IN-USE].
	for {
		c, err = Dial(ctx, addr, nil)
		if err != nil {
			t.Fatal(err)
		}
		err = c.Login(ctx, "alice", "secret")
		if err == nil {
			break
		}
		if !errors.Is(err, ErrInUse) {
			t.Fatal(err)
		}
		c.Close()
	}
	defer c.Close()
	if n, _, _ := c.Stat(ctx); n != 2 {
		t.Errorf("after a dropped session: %d messages, want 2", n)
	}
	if got := be.count(t, "alice"); got != 2 {
		t.Errorf("store has %d messages, want 2", got)
	}
}

// TestInUse: RFC 1939 §8 exclusive lock, RFC 2449 §8.1.1 [IN-USE].
func TestInUse(t *testing.T) {
	ctx := context.Background()
	be := newTestBackend()
	addr := startServer(t, &Server{Backend: be, AllowInsecureAuth: true})
	c1, err := Dial(ctx, addr, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c1.Close()
	if err := c1.Login(ctx, "alice", "secret"); err != nil {
		t.Fatal(err)
	}
	c2, err := Dial(ctx, addr, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Close()
	err = c2.Login(ctx, "alice", "secret")
	var pe *Error
	if !errors.Is(err, ErrInUse) || !errors.As(err, &pe) || pe.Code != "IN-USE" {
		t.Fatalf("second login: %v", err)
	}
	// Another user is not locked out, and the refused session may retry.
	if err := c2.Login(ctx, "bob", "pass word"); err != nil {
		t.Fatal(err)
	}
	if err := c1.Quit(ctx); err != nil {
		t.Fatal(err)
	}
	c3, err := Dial(ctx, addr, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c3.Close()
	if err := c3.Login(ctx, "alice", "secret"); err != nil {
		t.Fatalf("login after QUIT released the lock: %v", err)
	}
}

// TestDialogFiles plays the transcripts in testdata/dialogs: "C: " lines
// are sent, each "S: " line must equal the next line received and each
// "S~ " line must be its prefix; "#" lines are comments.
func TestDialogFiles(t *testing.T) {
	files, err := filepath.Glob("testdata/dialogs/*.txt")
	if err != nil || len(files) == 0 {
		t.Fatalf("no dialogs: %v", err)
	}
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			be := newTestBackend()
			be.deliver(t, "alice", msg1, msg2)
			addr := startServer(t, &Server{Backend: be, AllowInsecureAuth: true})
			r := dialRaw(t, addr)
			for n, line := range strings.Split(strings.TrimSuffix(string(data), "\n"), "\n") {
				switch {
				case strings.HasPrefix(line, "#"):
				case strings.HasPrefix(line, "C: "):
					r.send(line[3:] + "\r\n")
				case strings.HasPrefix(line, "S: "), strings.HasPrefix(line, "S~ "):
					got, ok := r.line()
					exact := line[1] == ':'
					if !ok || exact && got != line[3:] || !strings.HasPrefix(got, line[3:]) {
						t.Fatalf("%s:%d: got %q, want %q", file, n+1, got, line[3:])
					}
				default:
					t.Fatalf("%s:%d: bad line %q", file, n+1, line)
				}
			}
		})
	}
}
