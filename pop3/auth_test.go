package pop3

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/emersion/go-sasl"
)

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
