package mx

import (
	"errors"
	"github.com/mailstack/mailstack/envelope"
	"net/netip"
	"slices"
	"testing"
	"time"

	"github.com/mailstack/mailstack/mx/mxtest"
)

// newTestServer starts a loopback DNS server with records and a resolver
// that asks only it.
func newTestServer(t *testing.T, records ...string) (*mxtest.Server, *Resolver) {
	t.Helper()
	srv, err := mxtest.NewServer(records...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	// A generous timeout: loopback answers come at once, and a test that
	// needs a timeout sets a short one itself.
	return srv, &Resolver{Servers: []string{srv.Addr}, Timeout: 10 * time.Second, Attempts: 1}
}

// hostNames returns the names of hosts in order.
func hostNames(hosts []Host) []string {
	var names []string
	for _, h := range hosts {
		names = append(names, h.Name)
	}
	return names
}

func addrs(ss ...string) []netip.Addr {
	var out []netip.Addr
	for _, s := range ss {
		out = append(out, netip.MustParseAddr(s))
	}
	return out
}

// wantError checks that err is an *Error wrapping sentinel with the given
// reply code and enhanced code, and returns it.
func wantError(t *testing.T, err, sentinel error, code int, enhancedText string) *Error {
	t.Helper()
	enhanced, perr := envelope.ParseEnhancedCode(enhancedText)
	if perr != nil {
		t.Fatal(perr)
	}
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v (%T) is not an *Error", err, err)
	}
	if !errors.Is(err, sentinel) {
		t.Errorf("error %v does not wrap %v", err, sentinel)
	}
	var r *envelope.Reply
	if !errors.As(err, &r) {
		t.Fatalf("error %v carries no *envelope.Reply", err)
	}
	if r.Code != code || r.Enhanced != enhanced {
		t.Errorf("reply = %d %v, want %d %v", r.Code, r.Enhanced, code, enhanced)
	}
	if e.Temporary() != (code/100 == 4) || e.Permanent() != (code/100 == 5) {
		t.Errorf("Temporary() = %v, Permanent() = %v for %d", e.Temporary(), e.Permanent(), code)
	}
	return e
}

// sequence returns a Rand that yields vals in turn (modulo n).
func sequence(vals ...int) func(int) int {
	i := 0
	return func(n int) int {
		v := vals[i%len(vals)] % n
		i++
		return v
	}
}

func equalAddrs(a, b []netip.Addr) bool { return slices.Equal(a, b) }
