package imap

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mailstack/mailstack/store"
	"github.com/mailstack/mailstack/store/memstore"
)

// testServer runs a Server with in-memory stores on a loopback port.
type testServer struct {
	srv     *Server
	addr    string
	backend store.Backend
}

func newTestServer(t testing.TB, tweak func(*Server)) *testServer {
	t.Helper()
	be := memstore.NewBackend()
	srv := &Server{
		Backend: be,
		Auth: AuthenticatorFunc(func(ctx context.Context, user, pass string) error {
			if pass == "pass" {
				return nil
			}
			return ErrAuthFailed
		}),
		AllowInsecureAuth: true,
		AuthFailureDelay:  -1,
	}
	if tweak != nil {
		tweak(srv)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); srv.Serve(l) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
		wg.Wait()
	})
	return &testServer{srv: srv, addr: l.Addr().String(), backend: be}
}

// userStore returns the store a user sees, to deliver mail to it.
func (ts *testServer) userStore(t testing.TB, user string) store.Store {
	st, err := ts.backend.Open(context.Background(), user)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func (ts *testServer) deliver(t *testing.T, user, mailbox, msg string, flags ...string) store.AppendResult {
	t.Helper()
	st := ts.userStore(t, user)
	mb, err := st.OpenMailbox(context.Background(), mailbox)
	if err != nil {
		t.Fatal(err)
	}
	defer mb.Close()
	res, err := mb.Append(context.Background(), strings.NewReader(msg), &store.AppendOptions{Flags: flags})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// client is a raw IMAP client for scripts.
type client struct {
	t   testing.TB
	c   net.Conn
	r   *bufio.Reader
	tag int
}

func dial(t testing.TB, addr string) *client {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	cl := &client{t: t, c: c, r: bufio.NewReader(c)}
	cl.c.SetDeadline(time.Now().Add(30 * time.Second))
	if g := cl.line(); !strings.HasPrefix(g, "* OK ") {
		t.Fatalf("greeting %q", g)
	}
	return cl
}

func login(t testing.TB, addr, user string) *client {
	cl := dial(t, addr)
	cl.ok("LOGIN " + user + " pass")
	return cl
}

// line reads one response line with its literals inlined.
func (cl *client) line() string {
	cl.t.Helper()
	var out []byte
	for {
		l, err := cl.r.ReadBytes('\n')
		if err != nil {
			cl.t.Fatalf("read: %v (so far %q)", err, out)
		}
		out = append(out, l...)
		tl := bytes.TrimRight(l, "\r\n")
		if !bytes.HasSuffix(tl, []byte("}")) {
			return string(bytes.TrimRight(out, "\r\n"))
		}
		i := bytes.LastIndexByte(tl, '{')
		n, err := strconv.Atoi(strings.TrimSuffix(string(tl[i+1:len(tl)-1]), "+"))
		if err != nil {
			return string(bytes.TrimRight(out, "\r\n"))
		}
		lit := make([]byte, n)
		if _, err := ioReadFull(cl.r, lit); err != nil {
			cl.t.Fatal(err)
		}
		out = append(out, lit...)
	}
}

func (cl *client) send(s string) {
	cl.t.Helper()
	if _, err := fmt.Fprintf(cl.c, "%s\r\n", s); err != nil {
		cl.t.Fatal(err)
	}
}

// do sends a tagged command and returns the untagged lines and the
// tagged status line.
func (cl *client) do(cmd string) ([]string, string) {
	cl.t.Helper()
	cl.tag++
	tag := "t" + strconv.Itoa(cl.tag)
	cl.send(tag + " " + cmd)
	var lines []string
	for {
		l := cl.line()
		if strings.HasPrefix(l, tag+" ") {
			return lines, strings.TrimPrefix(l, tag+" ")
		}
		lines = append(lines, l)
	}
}

// ok runs a command that must succeed.
func (cl *client) ok(cmd string) []string {
	cl.t.Helper()
	lines, st := cl.do(cmd)
	if !strings.HasPrefix(st, "OK") {
		cl.t.Fatalf("%s: %s (untagged %q)", cmd, st, lines)
	}
	return lines
}

func ioReadFull(r *bufio.Reader, b []byte) (int, error) {
	n := 0
	for n < len(b) {
		k, err := r.Read(b[n:])
		n += k
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

func hasLine(lines []string, want string) bool {
	for _, l := range lines {
		if l == want {
			return true
		}
	}
	return false
}

// deliverAt delivers a message with the given internal date.
func (ts *testServer) deliverAt(t testing.TB, user, mailbox, msg string, date time.Time, flags ...string) store.AppendResult {
	t.Helper()
	st := ts.userStore(t, user)
	mb, err := st.OpenMailbox(context.Background(), mailbox)
	if err != nil {
		t.Fatal(err)
	}
	defer mb.Close()
	res, err := mb.Append(context.Background(), strings.NewReader(msg), &store.AppendOptions{Flags: flags, InternalDate: date})
	if err != nil {
		t.Fatal(err)
	}
	return res
}
