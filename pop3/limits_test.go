package pop3

import (
	"context"
	"errors"
	"net"
	"strings"
	"testing"

	"github.com/emersion/go-sasl"
)

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
