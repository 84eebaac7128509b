package queue

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	gosmtp "github.com/emersion/go-smtp"
	"github.com/mailstack/mailstack/envelope"
	"github.com/mailstack/mailstack/internal/testpeer"
	"github.com/mailstack/mailstack/mx"
	"github.com/mailstack/mailstack/mx/mxtest"
)

// sink is an SMTP server on loopback (go-smtp, test-only) that records
// what it receives and can refuse recipients.
type sink struct {
	Addr string
	srv  *gosmtp.Server

	mu        sync.Mutex
	msgs      []sinkMsg
	seen      map[string]int // RCPT attempts per address
	active    int
	maxActive int
	// rcpt decides the reply to RCPT TO:to on its n-th attempt (1-based);
	// nil accepts.
	rcpt func(to string, n int) error
	// data, if set, runs inside DATA before the message is recorded.
	data func()
	// password, if set, requires AUTH PLAIN as user "u".
	password string
}

type sinkMsg struct {
	From  string
	Rcpts []string
	Data  string
}

func startSink(t testing.TB, configure func(*sink, *gosmtp.Server)) *sink {
	t.Helper()
	s := &sink{seen: make(map[string]int)}
	s.srv = gosmtp.NewServer(s)
	s.srv.Domain = "sink.test"
	s.srv.MaxMessageBytes = 64 << 20
	s.srv.EnableDSN = true
	s.srv.EnableSMTPUTF8 = true
	s.srv.ErrorLog = log.New(io.Discard, "", 0)
	if configure != nil {
		configure(s, s.srv)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s.Addr = ln.Addr().String()
	go s.srv.Serve(ln)
	t.Cleanup(func() { s.srv.Close() })
	return s
}

func (s *sink) Messages() []sinkMsg {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]sinkMsg(nil), s.msgs...)
}

func (s *sink) MaxActive() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.maxActive
}

func (s *sink) NewSession(*gosmtp.Conn) (gosmtp.Session, error) {
	s.mu.Lock()
	s.active++
	s.maxActive = max(s.maxActive, s.active)
	s.mu.Unlock()
	return &sinkSession{s: s}, nil
}

type sinkSession struct {
	s      *sink
	authed bool
	cur    sinkMsg
}

func (ss *sinkSession) AuthMechanisms() []string { return []string{sasl.Plain} }
func (ss *sinkSession) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, user, pass string) error {
		if user != "u" || pass != ss.s.password {
			return errors.New("bad credentials")
		}
		ss.authed = true
		return nil
	}), nil
}

func (ss *sinkSession) Mail(from string, _ *gosmtp.MailOptions) error {
	if ss.s.password != "" && !ss.authed {
		return gosmtp.ErrAuthRequired
	}
	ss.cur = sinkMsg{From: from}
	return nil
}

func (ss *sinkSession) Rcpt(to string, _ *gosmtp.RcptOptions) error {
	ss.s.mu.Lock()
	ss.s.seen[to]++
	n := ss.s.seen[to]
	ss.s.mu.Unlock()
	if ss.s.rcpt != nil {
		if err := ss.s.rcpt(to, n); err != nil {
			return err
		}
	}
	ss.cur.Rcpts = append(ss.cur.Rcpts, to)
	return nil
}

func (ss *sinkSession) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	if ss.s.data != nil {
		ss.s.data()
	}
	ss.cur.Data = string(b)
	ss.s.mu.Lock()
	ss.s.msgs = append(ss.s.msgs, ss.cur)
	ss.s.mu.Unlock()
	return nil
}

func (ss *sinkSession) Reset() {}
func (ss *sinkSession) Logout() error {
	ss.s.mu.Lock()
	ss.s.active--
	ss.s.mu.Unlock()
	return nil
}

func smtpErr(code int, enh [3]int, msg string) error {
	return &gosmtp.SMTPError{Code: code, EnhancedCode: gosmtp.EnhancedCode(enh), Message: msg}
}

// world is a test network: a DNS server naming MX hosts by loopback-range
// addresses, and a dialer mapping those addresses (on port 25) to real
// listeners on 127.0.0.1. An address mapped to nothing refuses; one on
// 127.0.0.1 (an LMTP server or a smarthost) is dialled as it is.
type world struct {
	dns   *mxtest.Server
	mu    sync.Mutex
	route map[string]string // "127.0.0.N:25" → "127.0.0.1:PORT"
	dead  string            // a free port: connections are refused
}

func newWorld(t testing.TB, records ...string) *world {
	t.Helper()
	dns, err := mxtest.NewServer(records...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { dns.Close() })
	return &world{dns: dns, route: make(map[string]string), dead: testpeer.FreeAddr(t)}
}

func (w *world) Map(ip, addr string) {
	w.mu.Lock()
	w.route[ip+":25"] = addr
	w.mu.Unlock()
}

func (w *world) Dial(ctx context.Context, network, addr string) (net.Conn, error) {
	w.mu.Lock()
	to, ok := w.route[addr]
	w.mu.Unlock()
	if !ok && !strings.HasPrefix(addr, "127.0.0.1:") {
		to = w.dead
	} else if !ok {
		to = addr
	}
	var d net.Dialer
	return d.DialContext(ctx, network, to)
}

func (w *world) Resolver() *mx.Resolver {
	return &mx.Resolver{Servers: []string{w.dns.Addr}, Timeout: 2 * time.Second, CacheSize: -1}
}

// events collects queue events and lets a test wait for one.
type events struct {
	mu  sync.Mutex
	all []Event
	ch  chan struct{}
}

func newEvents() *events { return &events{ch: make(chan struct{}, 1)} }

func (e *events) Hook(ev Event) {
	e.mu.Lock()
	e.all = append(e.all, ev)
	e.mu.Unlock()
	select {
	case e.ch <- struct{}{}:
	default:
	}
}

func (e *events) List() []Event {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]Event(nil), e.all...)
}

// Wait waits until cond holds on the events so far; it fails the test
// after a generous guard time, which only a hung queue reaches.
func (e *events) Wait(t testing.TB, what string, cond func([]Event) bool) {
	t.Helper()
	guard := time.After(60 * time.Second)
	for {
		if cond(e.List()) {
			return
		}
		select {
		case <-e.ch:
		case <-guard:
			t.Fatalf("timed out waiting for %s; events: %v", what, e.List())
		}
	}
}

func count(evs []Event, kind EventKind, id string) int {
	n := 0
	for _, ev := range evs {
		if ev.Kind == kind && (id == "" || ev.ID == id) {
			n++
		}
	}
	return n
}

func removed(id string) func([]Event) bool {
	return func(evs []Event) bool { return count(evs, EventRemoved, id) > 0 }
}

func mustPath(t testing.TB, s string) envelope.Path {
	t.Helper()
	if s == "<>" {
		return envelope.Path{}
	}
	p, err := envelope.ParseForwardPath(s, envelope.ParseOptions{UTF8: true})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func testMessage(id string) string {
	return fmt.Sprintf("From: s@sender.test\r\nTo: r@dst.test\r\nSubject: test %s\r\nMessage-ID: <%s@sender.test>\r\n\r\nbody of %s\r\n", id, id, id)
}

// runQueue opens a queue, runs it, and stops it at the end of the test.
func runQueue(t testing.TB, cfg Config) *Queue {
	t.Helper()
	q, err := Open(cfg)
	if err != nil {
		t.Fatal(err)
	}
	startQueue(t, q)
	return q
}

// startQueue runs q until the test ends.
func startQueue(t testing.TB, q *Queue) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { q.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
}

func countIn(msgs []sinkMsg, substr string) int {
	n := 0
	for _, m := range msgs {
		if strings.Contains(m.Data, substr) {
			n++
		}
	}
	return n
}

func atoi(t testing.TB, s string) int {
	t.Helper()
	n, err := strconv.Atoi(s)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func bufioReader(s string) *bufio.Reader { return bufio.NewReader(strings.NewReader(s)) }

// testCert returns a self-signed certificate for "mx.test" and a pool
// trusting it.
func testCert(t testing.TB) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	return testpeer.TLSCert(t, "mx.test")
}
