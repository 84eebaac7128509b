package smtp

import (
	"context"
	"io"
	"strings"
	"testing"

	"github.com/mailstack/mailstack/envelope"
)

// heloSession refuses clients that call themselves "localhost".
type heloSession struct{ *srvSession }

func (s heloSession) Helo(ctx context.Context, name string) error {
	if !s.conn.ESMTP && name == "old.example" {
		return envelope.NewReply(550, enh(5, 7, 1), "Use EHLO")
	}
	if strings.EqualFold(name, "localhost") {
		return envelope.NewReply(550, enh(5, 7, 1), "You are not me")
	}
	return nil
}

type heloBackend struct{ srvBackend }

func (b *heloBackend) NewSession(ctx context.Context, c *ConnInfo) (Session, error) {
	return heloSession{&srvSession{b: &b.srvBackend, conn: c}}, nil
}

func TestServerHeloSession(t *testing.T) {
	be := &heloBackend{}
	addr := srvStart(t, &Server{Backend: be})
	c, _ := srvDial(t, addr)
	c.expect("EHLO localhost", 550)
	// Refused, the client is not greeted.
	c.expect("MAIL FROM:<a@example.org>", 503)
	c.expect("HELO old.example", 550)
	c.expect("EHLO old.example", 250)
	c.expect("MAIL FROM:<a@example.org>", 250)
	c.expect("RCPT TO:<b@example.org>", 250)
	c.expect("DATA", 354)
	c.send("x\r\n.\r\n")
	c.read()
	if m := be.messages(); len(m) != 1 || m[0].Conn.Helo != "old.example" || !m[0].Conn.ESMTP {
		t.Fatalf("messages %+v", m)
	}
}

// panicBackend's sessions panic in Rcpt.
type panicBackend struct{ srvBackend }

func (b *panicBackend) NewSession(ctx context.Context, c *ConnInfo) (Session, error) {
	return panicSession{&srvSession{b: &b.srvBackend, conn: c}}, nil
}

type panicSession struct{ *srvSession }

func (panicSession) Rcpt(context.Context, envelope.Path, *envelope.RcptParams) error {
	panic("backend bug")
}

// A panicking hook ends its session, not the server; Logout still runs.
func TestServerHookPanic(t *testing.T) {
	be := &panicBackend{}
	addr := srvStart(t, &Server{Backend: be})
	c, _ := srvDial(t, addr)
	c.expect("EHLO client.example", 250)
	c.expect("MAIL FROM:<a@example.org>", 250)
	c.send("RCPT TO:<b@example.org>\r\n")
	if !c.closed() {
		t.Fatal("session goes on after a panic")
	}
	c2, greeting := srvDial(t, addr)
	if greeting.Code != 220 {
		t.Fatalf("server gone: %q", greeting.Error())
	}
	c2.expect("QUIT", 221)
	c2.closed()
	be.mu.Lock()
	defer be.mu.Unlock()
	if be.logout != 2 {
		t.Errorf("Logout called %d times", be.logout)
	}
}

// RFC 6409 §4.3 with Limits.MaxCommandsBeforeAuth: a client that does
// not authenticate is cut off.
func TestServerCommandsBeforeAuth(t *testing.T) {
	be := &srvBackend{features: "auth", users: map[string]string{"alice": "secret"}}
	addr := srvStart(t, &Server{Backend: be, RequireAuth: true, AllowInsecureAuth: true,
		Limits: Limits{MaxCommandsBeforeAuth: 3}})
	c, _ := srvDial(t, addr)
	c.expect("EHLO client.example", 250)
	c.expect("NOOP", 250)
	c.expect("NOOP", 250)
	c.expect("NOOP", 421)
	if !c.closed() {
		t.Fatal("connection open")
	}
	c2, _ := srvDial(t, addr)
	c2.expect("EHLO client.example", 250)
	c2.expect("AUTH PLAIN AGFsaWNlAHNlY3JldA==", 235)
	for i := 0; i < 5; i++ {
		c2.expect("NOOP", 250)
	}
}

// Reset runs when a transaction ends; Logout once per connection.
func TestServerResetAndLogout(t *testing.T) {
	be := &srvBackend{}
	addr := srvStart(t, &Server{Backend: be})
	c, _ := srvDial(t, addr)
	c.expect("EHLO client.example", 250)
	c.expect("MAIL FROM:<a@example.org>", 250)
	c.expect("RCPT TO:<Postmaster>", 250) // RFC 5321 §4.5.1
	c.expect("DATA", 354)
	c.send("x\r\n.\r\n")
	c.read()                                   // Reset 1: message answered
	c.expect("MAIL FROM:<a@example.org>", 250) //
	c.expect("RSET", 250)                      // Reset 2
	c.expect("MAIL FROM:<a@example.org>", 250)
	c.expect("EHLO client.example", 250) // Reset 3: EHLO aborts it
	c.expect("QUIT", 221)
	c.closed()
	if m := be.messages(); len(m) != 1 || !m[0].Rcpts[0].Path.IsPostmaster() {
		t.Fatalf("messages %+v", m)
	}
	be.mu.Lock()
	defer be.mu.Unlock()
	if be.resets != 3 || be.logout != 1 {
		t.Errorf("%d resets, %d logouts", be.resets, be.logout)
	}
}

// A message too large for MaxMessageBytes never reaches a Data that
// reads it all: the reader fails, and the reply is 552 even if Data
// swallowed the error.
func TestServerDataReaderFailsOverLimit(t *testing.T) {
	readErr := make(chan error, 1)
	fn := DataFunc(func(ctx context.Context, tx *Transaction, r io.Reader) error {
		_, err := io.Copy(io.Discard, r)
		readErr <- err
		return nil // a careless backend
	})
	addr := srvStart(t, &Server{Backend: fn, Limits: Limits{MaxMessageBytes: 10}})
	c, _ := srvDial(t, addr)
	c.expect("EHLO client.example", 250)
	c.expect("MAIL FROM:<a@example.org>", 250)
	c.expect("RCPT TO:<b@example.org>", 250)
	c.expect("DATA", 354)
	c.send("0123456789abcdef\r\n.\r\n")
	if r := c.read(); r.Code != 552 {
		t.Fatalf("reply %q", r.Error())
	}
	if err := <-readErr; err == nil {
		t.Error("Data read the message without an error")
	}
}
