package serve

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"slices"
	"sync"
	"syscall"
	"testing"
	"time"
)

// session is a test protocol's connection: it says hello, echoes lines,
// and says bye once the group is closing, after the line it is echoing.
// A line "slow" waits for the test's go-ahead before its echo.
type session struct {
	g    *Group[*session]
	nc   net.Conn
	full bool
	slow *slowLine

	mu   sync.Mutex
	busy bool // echoing a line, not waiting for one
}

// slowLine holds a session on a "slow" line until the test lets it go.
type slowLine struct{ started, proceed chan struct{} }

func (s *session) serve() {
	defer s.g.Remove(s)
	defer s.nc.Close()
	if s.full {
		io.WriteString(s.nc, "full\r\n")
		return
	}
	io.WriteString(s.nc, "hello\r\n")
	br := bufio.NewReader(s.nc)
	for !s.g.Closing() {
		line, err := br.ReadString('\n')
		if err != nil && !s.g.Closing() {
			return
		}
		if err != nil {
			break // woken by windDown
		}
		s.setBusy(true)
		if line == "slow\r\n" {
			s.slow.started <- struct{}{}
			<-s.slow.proceed
		}
		io.WriteString(s.nc, line)
		s.setBusy(false)
	}
	io.WriteString(s.nc, "bye\r\n")
}

func (s *session) setBusy(b bool) {
	s.mu.Lock()
	s.busy = b
	s.mu.Unlock()
}

// windDown wakes a session waiting for a line, as smtp's wakeIfIdle
// does; a busy one sees Closing after its line.
func (s *session) windDown() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.busy {
		s.nc.SetReadDeadline(time.Unix(1, 0))
	}
}

// closeAll is the test protocol's Close: Stop, then close every session.
func closeAll(g *Group[*session]) func() error {
	return func() error {
		err := g.Stop()
		g.Each(func(s *session) { s.nc.Close() })
		return err
	}
}

// echoServer serves the test protocol on a loopback listener with limit
// connections at most; Serve's result arrives on the returned channel.
func echoServer(t *testing.T, g *Group[*session], limit int, slow *slowLine) (addr string, served <-chan error) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ch := make(chan error, 1)
	go func() {
		ch <- g.Serve(l, RetryTimeouts, func(nc net.Conn) {
			s := &session{g: g, nc: nc, slow: slow}
			ok, full := g.Add(s, limit)
			if !ok {
				nc.Close()
				return
			}
			s.full = full
			go s.serve()
		})
	}()
	return l.Addr().String(), ch
}

func dial(t *testing.T, addr string) (net.Conn, *bufio.Reader) {
	t.Helper()
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { nc.Close() })
	return nc, bufio.NewReader(nc)
}

func readLine(t *testing.T, br *bufio.Reader) string {
	t.Helper()
	line, err := br.ReadString('\n')
	if err != nil {
		t.Fatalf("read: %v (got %q)", err, line)
	}
	return line
}

func TestServeAcceptsAndLimits(t *testing.T) {
	var g Group[*session]
	addr, served := echoServer(t, &g, 2, nil)
	a, ra := dial(t, addr)
	_, rb := dial(t, addr)
	if got := readLine(t, ra) + readLine(t, rb); got != "hello\r\nhello\r\n" {
		t.Fatalf("greetings %q", got)
	}
	_, rc := dial(t, addr)
	if got := readLine(t, rc); got != "full\r\n" {
		t.Fatalf("third connection got %q, want the protocol's refusal", got)
	}
	io.WriteString(a, "ping\r\n")
	if got := readLine(t, ra); got != "ping\r\n" {
		t.Fatalf("echo %q", got)
	}
	a.Close()
	// The first session's end frees a place, once it has been removed.
	for g.Len() > 1 {
		time.Sleep(time.Millisecond)
	}
	_, rd := dial(t, addr)
	if got := readLine(t, rd); got != "hello\r\n" {
		t.Fatalf("after a session ended: %q", got)
	}
	if err := closeAll(&g)(); err != nil {
		t.Fatal(err)
	}
	if err := <-served; err != ErrClosed {
		t.Fatalf("Serve returned %v, want ErrClosed", err)
	}
}

func TestAddLimit(t *testing.T) {
	var g Group[int]
	for i, want := range []bool{false, false, true, true} {
		if ok, full := g.Add(i, 2); !ok || full != want {
			t.Fatalf("Add #%d: ok %v full %v, want full %v", i, ok, full, want)
		}
	}
	if g.Len() != 4 {
		t.Fatalf("Len %d: a full connection stays tracked until Remove", g.Len())
	}
	g.Remove(3)
	g.Remove(2)
	g.Remove(1)
	if _, full := g.Add(1, 2); full {
		t.Fatal("full after connections left")
	}
	if _, full := g.Add(9, -1); full {
		t.Fatal("a negative limit is none")
	}
	g.Stop()
	if ok, _ := g.Add(5, -1); ok {
		t.Fatal("Add after Stop")
	}
	if g.NextID() != 1 || g.NextID() != 2 {
		t.Fatal("NextID does not count from 1")
	}
}

func TestShutdownDrainsInFlight(t *testing.T) {
	var g Group[*session]
	slow := &slowLine{make(chan struct{}), make(chan struct{})}
	addr, served := echoServer(t, &g, -1, slow)
	_, ri := dial(t, addr)
	busy, rb := dial(t, addr)
	readLine(t, ri)
	readLine(t, rb)
	io.WriteString(busy, "slow\r\n")
	<-slow.started
	done := make(chan error, 1)
	go func() { done <- g.Shutdown(context.Background(), (*session).windDown, closeAll(&g)) }()
	if err := <-served; err != ErrClosed {
		t.Fatalf("Serve returned %v", err)
	}
	// The idle session is woken at once.
	if got := readLine(t, ri); got != "bye\r\n" {
		t.Fatalf("idle session got %q, want bye", got)
	}
	select {
	case err := <-done:
		t.Fatalf("Shutdown returned %v while a line was in flight", err)
	default:
	}
	// The busy one finishes its line, then ends.
	close(slow.proceed)
	if got := readLine(t, rb) + readLine(t, rb); got != "slow\r\nbye\r\n" {
		t.Fatalf("busy session got %q, want its echo then bye", got)
	}
	if err := <-done; err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	if g.Len() != 0 {
		t.Fatalf("%d sessions left", g.Len())
	}
	if nc, err := net.Dial("tcp", addr); err == nil {
		nc.Close()
		t.Fatal("listener still open after Shutdown")
	}
}

func TestShutdownWaitsForBusySession(t *testing.T) {
	var g Group[string]
	g.Add("busy", -1)
	var winds int
	release := make(chan struct{})
	done := make(chan error, 1)
	go func() {
		done <- g.Shutdown(context.Background(), func(string) {
			winds++
			if winds == 2 { // went idle since the first pass
				close(release)
			}
		}, nil)
	}()
	<-release
	select {
	case err := <-done:
		t.Fatalf("Shutdown returned %v with a session left", err)
	default:
	}
	g.Remove("busy")
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	select {
	case <-g.Done():
	default:
		t.Fatal("Done not closed after Shutdown")
	}
}

func TestShutdownContextEnds(t *testing.T) {
	var g Group[string]
	g.Add("stuck", -1)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	closed := false
	err := g.Shutdown(ctx, func(string) {}, func() error { closed = true; return nil })
	if err != context.Canceled || !closed {
		t.Fatalf("Shutdown: %v, closeAll called %v", err, closed)
	}
}

func TestServeAfterStop(t *testing.T) {
	var g Group[int]
	done := g.Done()
	g.Stop()
	<-done
	l := &fakeListener{errs: nil}
	if err := g.Serve(l, nil, nil); err != ErrClosed || !l.closed {
		t.Fatalf("Serve after Stop: %v, listener closed %v", err, l.closed)
	}
	<-g.Done()
}

// fakeListener returns errs from Accept, one a call, then a connection
// if conn is set, then errEnd.
type fakeListener struct {
	errs   []error
	conn   net.Conn
	closed bool
}

var errEnd = errors.New("listener broken")

func (l *fakeListener) Accept() (net.Conn, error) {
	if len(l.errs) > 0 {
		err := l.errs[0]
		l.errs = l.errs[1:]
		return nil, err
	}
	if l.conn != nil {
		c := l.conn
		l.conn = nil
		return c, nil
	}
	return nil, errEnd
}

func (l *fakeListener) Close() error   { l.closed = true; return nil }
func (l *fakeListener) Addr() net.Addr { return &net.TCPAddr{} }

type timeoutError struct{}

func (timeoutError) Error() string   { return "i/o timeout" }
func (timeoutError) Timeout() bool   { return true }
func (timeoutError) Temporary() bool { return true }

func TestServeRetriesTemporaryErrors(t *testing.T) {
	emfile := &net.OpError{Op: "accept", Net: "tcp", Err: syscall.EMFILE}
	c1, c2 := net.Pipe()
	defer c1.Close()
	defer c2.Close()
	l := &fakeListener{errs: []error{emfile, timeoutError{}, emfile}, conn: c1}
	var g Group[int]
	var delays []time.Duration
	var handled []net.Conn
	err := g.Serve(l, func(err error, d time.Duration) bool {
		delays = append(delays, d)
		return Temporary(err)
	}, func(nc net.Conn) { handled = append(handled, nc) })
	if err != errEnd {
		t.Fatalf("Serve returned %v, want the lasting error", err)
	}
	if want := []time.Duration{5 * time.Millisecond, 10 * time.Millisecond, 20 * time.Millisecond, 5 * time.Millisecond}; !slices.Equal(delays, want) {
		t.Fatalf("delays %v, want %v (doubling, reset by a success)", delays, want)
	}
	if len(handled) != 1 || handled[0] != c1 || !l.closed {
		t.Fatalf("handled %v, listener closed %v", handled, l.closed)
	}

	// RetryTimeouts gives up on EMFILE, as imap and pop3 always have.
	l = &fakeListener{errs: []error{timeoutError{}, emfile}}
	if err := g.Serve(l, RetryTimeouts, nil); err != emfile {
		t.Fatalf("RetryTimeouts: Serve returned %v", err)
	}
	// A nil Retry retries nothing.
	l = &fakeListener{errs: []error{timeoutError{}}}
	if err := g.Serve(l, nil, nil); err != (timeoutError{}) {
		t.Fatalf("nil Retry: Serve returned %v", err)
	}
}
