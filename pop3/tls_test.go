package pop3

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
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
