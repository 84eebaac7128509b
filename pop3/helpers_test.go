package pop3

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"math/big"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mailstack/mailstack/internal/wire"
	"github.com/mailstack/mailstack/store"
	"github.com/mailstack/mailstack/store/memstore"
)

// testBackend serves users with passwords from a map, each with an
// in-memory store.
type testBackend struct {
	mu     sync.Mutex
	pass   map[string]string
	stores map[string]*memstore.Store
}

func newTestBackend() *testBackend {
	return &testBackend{pass: map[string]string{"alice": "secret", "bob": "pass word"}, stores: map[string]*memstore.Store{}}
}

func (b *testBackend) store(user string) *memstore.Store {
	b.mu.Lock()
	defer b.mu.Unlock()
	s := b.stores[user]
	if s == nil {
		s = memstore.New()
		b.stores[user] = s
	}
	return s
}

type noClose struct{ *memstore.Store }

func (noClose) Close() error { return nil }

func (b *testBackend) Login(ctx context.Context, info *ConnInfo, user, pass string) (*Maildrop, error) {
	b.mu.Lock()
	want, ok := b.pass[user]
	b.mu.Unlock()
	if !ok || want != pass {
		return nil, ErrAuthFailed
	}
	return &Maildrop{Store: noClose{b.store(user)}}, nil
}

// apopBackend adds APOP to testBackend.
type apopBackend struct{ *testBackend }

func (b apopBackend) APOPLogin(ctx context.Context, info *ConnInfo, user, ts, digest string) (*Maildrop, error) {
	b.mu.Lock()
	secret, ok := b.pass[user]
	b.mu.Unlock()
	if !ok || !CheckAPOP(ts, secret, digest) {
		return nil, ErrAuthFailed
	}
	return &Maildrop{Store: noClose{b.store(user)}}, nil
}

// deliver appends messages to user's INBOX and returns their UIDs.
func (b *testBackend) deliver(t testing.TB, user string, msgs ...string) []store.UID {
	t.Helper()
	ctx := context.Background()
	mb, err := b.store(user).OpenMailbox(ctx, "INBOX")
	if err != nil {
		t.Fatal(err)
	}
	defer mb.Close()
	var uids []store.UID
	for _, m := range msgs {
		res, err := mb.Append(ctx, strings.NewReader(m), nil)
		if err != nil {
			t.Fatal(err)
		}
		uids = append(uids, res.UID)
	}
	return uids
}

// count returns how many messages user's INBOX holds.
func (b *testBackend) count(t testing.TB, user string) int {
	t.Helper()
	ctx := context.Background()
	mb, err := b.store(user).OpenMailbox(ctx, "INBOX")
	if err != nil {
		t.Fatal(err)
	}
	defer mb.Close()
	st, err := mb.Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return st.Messages
}

// startServer runs srv on a loopback port until the test ends.
func startServer(t testing.TB, srv *Server) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(l) }()
	t.Cleanup(func() {
		srv.Close()
		if err := <-done; !errors.Is(err, ErrServerClosed) {
			t.Errorf("Serve: %v", err)
		}
	})
	return l.Addr().String()
}

var (
	certOnce sync.Once
	testCert tls.Certificate
)

// testTLS returns server and client TLS configs with a self-signed
// certificate for 127.0.0.1.
func testTLS(t testing.TB) (*tls.Config, *tls.Config) {
	certOnce.Do(func() {
		key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			panic(err)
		}
		tmpl := &x509.Certificate{
			SerialNumber: big.NewInt(1),
			Subject:      pkix.Name{CommonName: "127.0.0.1"},
			NotBefore:    time.Now().Add(-time.Hour),
			NotAfter:     time.Now().Add(24 * time.Hour),
			IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
			DNSNames:     []string{"localhost"},
		}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
		if err != nil {
			panic(err)
		}
		testCert = tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
	})
	leaf, _ := x509.ParseCertificate(testCert.Certificate[0])
	pool := x509.NewCertPool()
	pool.AddCert(leaf)
	return &tls.Config{Certificates: []tls.Certificate{testCert}}, &tls.Config{RootCAs: pool}
}

// rawConn is a line-level connection for dialog tests.
type rawConn struct {
	t  testing.TB
	nc net.Conn
	br *bufio.Reader
}

func dialRaw(t testing.TB, addr string) *rawConn {
	t.Helper()
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { nc.Close() })
	return &rawConn{t: t, nc: nc, br: bufio.NewReader(nc)}
}

func (r *rawConn) send(s string) {
	r.t.Helper()
	if _, err := r.nc.Write([]byte(s)); err != nil {
		r.t.Fatal(err)
	}
}

// line reads one line without CRLF; "" and false at EOF.
func (r *rawConn) line() (string, bool) {
	s, err := r.br.ReadString('\n')
	if err != nil {
		return "", false
	}
	return strings.TrimSuffix(s, "\r\n"), true
}

// expect reads a line and checks its prefix.
func (r *rawConn) expect(prefix string) string {
	r.t.Helper()
	l, ok := r.line()
	if !ok || !strings.HasPrefix(l, prefix) {
		r.t.Fatalf("got %q (eof %v), want prefix %q", l, !ok, prefix)
	}
	return l
}

// multi reads a multi-line body up to ".", unstuffed.
func (r *rawConn) multi() []string {
	r.t.Helper()
	var out []string
	for {
		l, ok := r.line()
		if !ok {
			r.t.Fatal("EOF in multi-line response")
		}
		if l == "." {
			return out
		}
		out = append(out, strings.TrimPrefix(l, "."))
	}
}

// syncBuffer is a bytes.Buffer safe for concurrent writers.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// sendable writes s as RETR's writer does, without the terminator and
// without the CRLF added to an unterminated last line.
func sendable(out *bytes.Buffer, s string) {
	dw := wire.NewDataWriter(out, wire.DataWriterOptions{BareLineEndings: wire.NormalizeBareLineEndings})
	dw.Write([]byte(s))
	dw.Close()
	out.Truncate(out.Len() - 3)
	if s != "" && s[len(s)-1] != '\n' && s[len(s)-1] != '\r' {
		out.Truncate(out.Len() - 2)
	}
}
