package smtp

import (
	"context"
	"fmt"
	"regexp"
	"testing"
)

// traceSession names each message "Q<n>", or with the text in name when
// it is set.
type traceSession struct {
	*srvSession
	tb *traceBackend
}

func (s traceSession) TraceID(ctx context.Context) string {
	s.tb.calls++ // one session at a time in these tests
	if s.tb.name != nil {
		return *s.tb.name
	}
	return fmt.Sprintf("Q%d", s.tb.calls)
}

type traceBackend struct {
	srvBackend
	name  *string
	calls int
}

func (b *traceBackend) NewSession(ctx context.Context, c *ConnInfo) (Session, error) {
	return traceSession{&srvSession{b: &b.srvBackend, conn: c}, b}, nil
}

var receivedIDRe = regexp.MustCompile(`^Received: [^;]*\sid (\S+)`)

// receivedID returns the "id" of the Received field a message starts with.
func receivedID(t *testing.T, data string) string {
	t.Helper()
	m := receivedIDRe.FindStringSubmatch(data)
	if m == nil {
		t.Fatalf("no Received id in %q", data)
	}
	return m[1]
}

func TestServerTraceIDSession(t *testing.T) {
	// RFC 5321 §4.4: the Received field's "id" is the backend's name for
	// the message, chosen once per message, for DATA and for BDAT (RFC
	// 3030); text outside atext is replaced; "" keeps the server's own.
	empty, bad := "", "a b(c)"
	tests := []struct {
		name  *string
		want  []string
		bdat  bool
		calls int
	}{
		{want: []string{"Q1", "Q2"}, calls: 2},
		{want: []string{"Q1", "Q2"}, bdat: true, calls: 2},
		{name: &bad, want: []string{"a?b?c?", "a?b?c?"}, calls: 2},
		{name: &empty, want: []string{"", ""}, calls: 2},
	}
	for i, tt := range tests {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			be := &traceBackend{name: tt.name}
			addr := srvStart(t, &Server{Hostname: "mx.example.org", Backend: be})
			c, _ := srvDial(t, addr)
			c.expect("EHLO client.example", 250)
			for range 2 {
				c.expect("MAIL FROM:<a@example.org>", 250)
				c.expect("RCPT TO:<b@example.org>", 250)
				if tt.bdat {
					c.send("BDAT 6 LAST\r\nx: y\r\n")
					if r := c.read(); r.Code != 250 {
						t.Fatalf("BDAT: %q", r.Error())
					}
					continue
				}
				c.expect("DATA", 354)
				c.expect("x: y\r\n.", 250)
			}
			msgs := be.messages()
			if len(msgs) != 2 || be.calls != tt.calls {
				t.Fatalf("%d messages, %d calls", len(msgs), be.calls)
			}
			for k, m := range msgs {
				got := receivedID(t, m.Data)
				want := tt.want[k]
				if want == "" {
					want = m.Conn.ID + "-" + fmt.Sprint(k+1) // the server's own
				}
				if got != want {
					t.Errorf("message %d: id %q, want %q", k, got, want)
				}
			}
		})
	}
}
