package pop3

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/mailstack/mailstack/store"
)

func TestSTLS(t *testing.T) {
	ctx := context.Background()
	srvTLS, cliTLS := testTLS(t)
	be := newTestBackend()
	be.deliver(t, "alice", msg1)
	addr := startServer(t, &Server{Backend: be, TLSConfig: srvTLS})
	c, err := DialStartTLS(ctx, addr, &ClientOptions{TLSConfig: cliTLS})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if !c.IsTLS() {
		t.Fatal("not TLS")
	}
	caps, err := c.Capabilities(ctx)
	if err != nil || caps.Has("STLS") || !caps.Has("USER") {
		t.Fatalf("CAPA after STLS: %v %v", caps, err)
	}
	if err := c.StartTLS(ctx, nil); err == nil {
		t.Error("second StartTLS succeeded")
	}
	if err := c.Login(ctx, "alice", "secret"); err != nil {
		t.Fatal(err)
	}
	if got := retr(t, c, 1); got != msg1 {
		t.Errorf("Retr over TLS = %q", got)
	}
}

// TestSTLSInjection: commands pipelined after STLS in plaintext are
// discarded, not run inside TLS (CVE-2011-0411).
func TestSTLSInjection(t *testing.T) {
	srvTLS, _ := testTLS(t)
	be := newTestBackend()
	addr := startServer(t, &Server{Backend: be, TLSConfig: srvTLS, AllowInsecureAuth: true})
	r := dialRaw(t, addr)
	r.expect("+OK")
	r.send("STLS\r\nUSER alice\r\n")
	r.expect("+OK begin TLS")
	// The handshake would now start; the server must not answer USER.
	r.nc.SetReadDeadline(time.Now().Add(200 * time.Millisecond))
	if l, ok := r.line(); ok {
		t.Errorf("server answered injected command: %q", l)
	}
}

func TestImplicitTLS(t *testing.T) {
	ctx := context.Background()
	srvTLS, cliTLS := testTLS(t)
	be := newTestBackend()
	srv := &Server{Backend: be, TLSConfig: srvTLS}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.ServeTLS(l)
	defer srv.Close()
	c, err := DialTLS(ctx, l.Addr().String(), &ClientOptions{TLSConfig: cliTLS})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Authenticate(ctx, sasl.NewPlainClient("", "alice", "secret")); err != nil {
		t.Fatal(err)
	}
	if err := c.Quit(ctx); err != nil {
		t.Fatal(err)
	}
}

func TestAuthenticate(t *testing.T) {
	ctx := context.Background()
	be := newTestBackend()
	addr := startServer(t, &Server{Backend: be, AllowInsecureAuth: true})
	for _, tc := range []struct {
		name string
		cl   sasl.Client
		ok   bool
	}{
		{"PLAIN", sasl.NewPlainClient("", "alice", "secret"), true},
		{"PLAIN wrong", sasl.NewPlainClient("", "alice", "x"), false},
		{"LOGIN", sasl.NewLoginClient("bob", "pass word"), true},
		{"LOGIN wrong", sasl.NewLoginClient("bob", "x"), false},
	} {
		c, err := Dial(ctx, addr, nil)
		if err != nil {
			t.Fatal(err)
		}
		err = c.Authenticate(ctx, tc.cl)
		if tc.ok && err != nil || !tc.ok && !errors.Is(err, ErrAuthFailed) {
			t.Errorf("%s: %v", tc.name, err)
		}
		c.Quit(ctx)
	}
}

func TestAPOP(t *testing.T) {
	ctx := context.Background()
	be := newTestBackend()
	addr := startServer(t, &Server{Backend: apopBackend{be}, Hostname: "pop.example.test"})
	c, err := Dial(ctx, addr, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if !strings.HasSuffix(c.Greeting(), "@pop.example.test>") {
		t.Fatalf("greeting has no timestamp: %q", c.Greeting())
	}
	if err := c.APOP(ctx, "alice", "wrong"); !errors.Is(err, ErrAuthFailed) {
		t.Fatalf("APOP with wrong secret: %v", err)
	}
	// APOP needs no TLS: the secret does not travel.
	if err := c.APOP(ctx, "alice", "secret"); err != nil {
		t.Fatal(err)
	}
	// RFC 1939 §7's example.
	sum := md5.Sum([]byte("<1896.697170952@dbc.mtview.ca.us>tanstaaf"))
	if d := hex.EncodeToString(sum[:]); d != "c4c9334bac560ecc979e58001b3e22fb" || !CheckAPOP("<1896.697170952@dbc.mtview.ca.us>", "tanstaaf", strings.ToUpper(d)) {
		t.Error("CheckAPOP disagrees with RFC 1939 §7")
	}
}

// TestBigMessage: a 10 MB message with dot lines, LF-only lines and long
// lines round-trips byte-exact (after CRLF conversion) and LIST's size is
// what RETR delivers.
func TestBigMessage(t *testing.T) {
	ctx := context.Background()
	var b strings.Builder
	b.WriteString("Subject: big\r\n\r\n")
	for i := 0; b.Len() < 10<<20; i++ {
		switch i % 5 {
		case 0:
			b.WriteString(".dot line\r\n")
		case 1:
			b.WriteString("..\r\n")
		case 2:
			b.WriteString(strings.Repeat("x", 3000) + "\n")
		case 3:
			b.WriteString(".\r\n")
		default:
			b.WriteString("plain line\r\n")
		}
	}
	msg := b.String()
	be := newTestBackend()
	be.deliver(t, "alice", msg)
	addr := startServer(t, &Server{Backend: be, AllowInsecureAuth: true})
	c, err := Dial(ctx, addr, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Login(ctx, "alice", "secret"); err != nil {
		t.Fatal(err)
	}
	size, err := c.ListMessage(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	got := retr(t, c, 1)
	want := toCRLF(msg)
	if got != want {
		t.Fatalf("10 MB message differs (len %d, want %d)", len(got), len(want))
	}
	if size != int64(len(got)) {
		t.Errorf("LIST size %d, RETR delivered %d", size, len(got))
	}
}

func TestTraceRedacts(t *testing.T) {
	ctx := context.Background()
	var trace syncBuffer
	be := newTestBackend()
	be.deliver(t, "alice", "Subject: s\r\n\r\nconfidential body\r\n")
	addr := startServer(t, &Server{Backend: be, AllowInsecureAuth: true, Trace: &trace})
	var ctrace syncBuffer
	c, err := Dial(ctx, addr, &ClientOptions{Trace: &ctrace})
	if err != nil {
		t.Fatal(err)
	}
	c.Login(ctx, "alice", "secret")
	retr(t, c, 1)
	c.Quit(ctx)
	c2, _ := Dial(ctx, addr, nil)
	c2.Authenticate(ctx, sasl.NewLoginClient("bob", "pass word"))
	c2.Quit(ctx)
	for name, tr := range map[string]string{"server": trace.String(), "client": ctrace.String()} {
		if strings.Contains(tr, "secret") || strings.Contains(tr, "pass word") || strings.Contains(tr, b64("pass word")) ||
			strings.Contains(tr, "confidential") {
			t.Errorf("%s trace leaks:\n%s", name, tr)
		}
		if !strings.Contains(tr, "PASS <redacted>") {
			t.Errorf("%s trace lacks the PASS line:\n%s", name, tr)
		}
	}
}

func TestShutdown(t *testing.T) {
	ctx := context.Background()
	be := newTestBackend()
	be.deliver(t, "alice", msg1)
	srv := &Server{Backend: be, AllowInsecureAuth: true}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(l) }()
	c, err := Dial(ctx, l.Addr().String(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Login(ctx, "alice", "secret"); err != nil {
		t.Fatal(err)
	}
	c.Dele(ctx, 1)
	if err := srv.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	if err := <-done; !errors.Is(err, ErrServerClosed) {
		t.Errorf("Serve after Shutdown: %v", err)
	}
	if err := c.Noop(ctx); err == nil {
		t.Error("session survived Shutdown")
	}
	if be.count(t, "alice") != 1 {
		t.Error("Shutdown applied a DELE")
	}
	if err := srv.Serve(l); !errors.Is(err, ErrServerClosed) {
		t.Errorf("Serve after Shutdown: %v", err)
	}
}

func TestLimits(t *testing.T) {
	be := newTestBackend()
	addr := startServer(t, &Server{Backend: be, AllowInsecureAuth: true, MaxErrors: 3, MaxCommandsBeforeAuth: 5,
		MaxAuthFailures: 2, MaxLineLength: 64})
	t.Run("MaxErrors", func(t *testing.T) {
		r := dialRaw(t, addr)
		r.expect("+OK")
		r.send("X\r\nX\r\nX\r\n")
		r.expect("-ERR unknown")
		r.expect("-ERR unknown")
		r.expect("-ERR unknown")
		r.expect("-ERR too many errors")
		if l, ok := r.line(); ok {
			t.Errorf("still open: %q", l)
		}
	})
	t.Run("MaxLineLength", func(t *testing.T) {
		r := dialRaw(t, addr)
		r.expect("+OK")
		r.send("USER " + strings.Repeat("a", 100) + "\r\nCAPA\r\n")
		r.expect("-ERR line too long")
		r.expect("+OK")
	})
	t.Run("MaxCommandsBeforeAuth", func(t *testing.T) {
		r := dialRaw(t, addr)
		r.expect("+OK")
		r.send(strings.Repeat("CAPA\r\n", 6))
		for range 5 {
			r.expect("+OK")
			r.multi()
		}
		r.expect("-ERR too many commands")
	})
	t.Run("MaxAuthFailures", func(t *testing.T) {
		r := dialRaw(t, addr)
		r.expect("+OK")
		r.send("USER alice\r\nPASS 1\r\nUSER alice\r\nPASS 2\r\n")
		r.expect("+OK")
		r.expect("-ERR [AUTH]")
		r.expect("+OK")
		r.expect("-ERR [AUTH]")
		r.expect("-ERR [AUTH] too many")
	})
	t.Run("MaxConnections", func(t *testing.T) {
		srv := &Server{Backend: be, MaxConnections: 1}
		addr := startServer(t, srv)
		r1 := dialRaw(t, addr)
		r1.expect("+OK")
		r2 := dialRaw(t, addr)
		r2.expect("-ERR [SYS/TEMP] too many connections")
	})
}

// TestPipelining: RFC 2449 §6.6, commands sent in one write get their
// answers in order.
func TestPipelining(t *testing.T) {
	be := newTestBackend()
	be.deliver(t, "alice", msg1, msg2)
	addr := startServer(t, &Server{Backend: be, AllowInsecureAuth: true})
	r := dialRaw(t, addr)
	r.expect("+OK")
	r.send("USER alice\r\nPASS secret\r\nSTAT\r\nUIDL\r\nRETR 1\r\nDELE 1\r\nLIST\r\nQUIT\r\n")
	r.expect("+OK")
	r.expect("+OK maildrop")
	r.expect("+OK 2 ")
	r.expect("+OK")
	if u := r.multi(); len(u) != 2 {
		t.Errorf("UIDL: %q", u)
	}
	r.expect("+OK")
	r.multi()
	r.expect("+OK message 1 deleted")
	r.expect("+OK 1 messages")
	if l := r.multi(); len(l) != 1 || !strings.HasPrefix(l[0], "2 ") {
		t.Errorf("LIST: %q", l)
	}
	r.expect("+OK bye")
	if be.count(t, "alice") != 1 {
		t.Error("QUIT did not remove message 1")
	}
}

func TestCRLFSize(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int
	}{
		{"", 0}, {"a", 1}, {"a\r\n", 3}, {"a\n", 3}, {"a\r", 3}, {"\r\r\n", 4}, {"\n\n", 4}, {"a\rb", 4}, {"\r\n\n", 4},
	} {
		got, err := crlfSize(strings.NewReader(tc.in), int64(len(tc.in)))
		if err != nil || got != int64(tc.want) {
			t.Errorf("crlfSize(%q) = %d %v, want %d", tc.in, got, err, tc.want)
		}
		// Agree with what is sent, minus the CRLF the writer adds to
		// an unterminated last line.
		var out bytes.Buffer
		sendable(&out, tc.in)
		if int64(out.Len()) != got {
			t.Errorf("crlfSize(%q) = %d, sent %q", tc.in, got, out.String())
		}
	}
}

// TestExpungedElsewhere: a message removed by another session (an IMAP
// client) after login still counts in STAT and LIST, RETR of it fails
// cleanly, and QUIT still removes the others (RFC 1939 §5: message numbers
// are fixed for the session).
func TestExpungedElsewhere(t *testing.T) {
	ctx := context.Background()
	be := newTestBackend()
	uids := be.deliver(t, "alice", msg1, msg2, "Subject: 3\r\n\r\nx\r\n")
	addr := startServer(t, &Server{Backend: be, AllowInsecureAuth: true})
	c, err := Dial(ctx, addr, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Login(ctx, "alice", "secret"); err != nil {
		t.Fatal(err)
	}
	mb, _ := be.store("alice").OpenMailbox(ctx, "INBOX")
	mb.SetFlags(ctx, store.UIDSetOf(uids[1]), store.FlagsAdd, []string{store.FlagDeleted}, nil)
	if _, err := mb.Expunge(ctx, store.UIDSetOf(uids[1])); err != nil {
		t.Fatal(err)
	}
	if n, _, err := c.Stat(ctx); err != nil || n != 3 {
		t.Fatalf("Stat = %d %v", n, err)
	}
	if _, err := c.Retr(ctx, 2); err == nil || !strings.Contains(err.Error(), "removed by another session") {
		t.Fatalf("Retr of an expunged message: %v", err)
	}
	if got := retr(t, c, 1); got != msg1 {
		t.Errorf("Retr 1 = %q", got)
	}
	if err := c.Dele(ctx, 1, 2); err != nil {
		t.Fatal(err)
	}
	if err := c.Quit(ctx); err != nil {
		t.Fatal(err)
	}
	if n := be.count(t, "alice"); n != 1 {
		t.Errorf("%d messages left, want 1", n)
	}
}

// TestBackendErrors: RFC 2449 §8.1.2 [LOGIN-DELAY] passes through, and an
// unknown backend error becomes [SYS/TEMP] without its text (RFC 3206 §4).
func TestBackendErrors(t *testing.T) {
	be := BackendFunc(func(ctx context.Context, _ *ConnInfo, user, pass string) (*Maildrop, error) {
		switch user {
		case "early":
			return nil, fmt.Errorf("policy: %w", ErrLoginDelay)
		case "perm":
			return nil, &Error{Code: "SYS/PERM", Text: "account disabled"}
		}
		return nil, errors.New("database password is hunter2")
	})
	addr := startServer(t, &Server{Backend: be, AllowInsecureAuth: true})
	r := dialRaw(t, addr)
	r.expect("+OK")
	r.send("USER early\r\nPASS x\r\n")
	r.expect("+OK")
	r.expect("-ERR [LOGIN-DELAY] minimum time between logins not reached")
	r.send("USER perm\r\nPASS x\r\n")
	r.expect("+OK")
	r.expect("-ERR [SYS/PERM] account disabled")
	r.send("USER other\r\nPASS x\r\n")
	r.expect("+OK")
	if l := r.expect("-ERR [SYS/TEMP] "); strings.Contains(l, "hunter2") {
		t.Errorf("backend error leaked: %q", l)
	}
}
