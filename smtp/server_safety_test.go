package smtp

import (
	"context"
	"errors"
	"net"
	"strings"
	"testing"
	"time"
)

// smugglingEndings are the fake ends of data that SMTP smuggling
// (CVE-2023-51764, CVE-2023-51765, CVE-2023-51766) relies on: a server
// that takes any of them for CRLF.CRLF sees a second message.
var smugglingEndings = []string{
	"\n.\n", "\n.\r\n", "\r\n.\n", "\r.\r", "\r.\n", "\n.\r", "\r.\r\n", "\r\n.\r",
}

// The smuggled transaction: what a vulnerable server would take for a
// second message from another sender.
const smuggled = "MAIL FROM:<admin@bank.example>\r\nRCPT TO:<victim@example.org>\r\nDATA\r\n" +
	"From: admin@bank.example\r\nSubject: smuggled\r\n\r\nevil\r\n.\r\n"

// TestServerSmuggling sends, over a real TCP connection and in one write,
// a message whose body holds a fake end followed by a second pipelined
// transaction, for every fake ending, in the middle of the data and at its
// very start. The backend must receive exactly one message or none (with a
// 5xx), never two; and the session must still be in step afterwards.
func TestServerSmuggling(t *testing.T) {
	for _, accept := range []bool{false, true} {
		for _, ending := range smugglingEndings {
			for _, where := range []string{"middle", "start"} {
				name := strings.NewReplacer("\r", "CR", "\n", "LF").Replace(ending) + "/" + where
				if accept {
					name += "/normalize"
				}
				t.Run(name, func(t *testing.T) {
					checkSmuggling(t, ending, where == "start", accept)
				})
			}
		}
	}
}

func checkSmuggling(t *testing.T, ending string, atStart, accept bool) {
	be := &srvBackend{}
	addr := srvStart(t, &Server{Backend: be, AcceptBareLineEndings: accept})
	c, _ := srvDial(t, addr)
	c.expect("EHLO attacker.example", 250)
	body := "From: a@attacker.example\r\nSubject: one\r\n\r\nbody"
	if atStart {
		body = ""
	}
	c.send("MAIL FROM:<a@attacker.example>\r\nRCPT TO:<victim@example.org>\r\nDATA\r\n" +
		body + ending + smuggled)
	c.read() // MAIL
	c.read() // RCPT
	if r := c.read(); r.Code != 354 {
		t.Fatalf("DATA: %q", r.Error())
	}
	final := c.read()
	// The session is in step: the next reply is the NOOP's.
	c.expect("NOOP", 250)
	msgs := be.messages()
	switch {
	case len(msgs) > 1:
		t.Fatalf("smuggled: %d messages", len(msgs))
	case len(msgs) == 0 && !final.Permanent():
		t.Fatalf("no message but reply %q", final.Error())
	case len(msgs) == 1 && final.Code != 250:
		t.Fatalf("message stored but reply %q", final.Error())
	case !accept && len(msgs) != 0:
		t.Fatalf("bare line ending accepted: %q", msgs[0].Data)
	case accept && len(msgs) != 1:
		t.Fatalf("normalized message refused: %q", final.Error())
	}
	if len(msgs) == 1 {
		if !strings.Contains(msgs[0].Data, "MAIL FROM:<admin@bank.example>") ||
			msgs[0].From.Mailbox.Local != "a" || len(msgs[0].Rcpts) != 1 {
			t.Fatalf("the smuggled transaction is not plain content: %+v", msgs[0])
		}
	}
}

// A real end followed by a pipelined second transaction is two honest
// messages (RFC 2920): the control for the test above.
func TestServerPipelinedSecondTransaction(t *testing.T) {
	be := &srvBackend{}
	addr := srvStart(t, &Server{Backend: be})
	c, _ := srvDial(t, addr)
	c.expect("EHLO client.example", 250)
	c.send("MAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.org>\r\nDATA\r\none\r\n.\r\n" + smuggled)
	for _, want := range []int{250, 250, 354, 250, 250, 250, 354, 250} {
		if r := c.read(); r.Code != want {
			t.Fatalf("got %q, want %d", r.Error(), want)
		}
	}
	if n := len(be.messages()); n != 2 {
		t.Fatalf("%d messages", n)
	}
}

func TestServerShutdown(t *testing.T) {
	be := &srvBackend{}
	srv := &Server{Backend: be}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(l) }()
	addr := l.Addr().String()

	idle, _ := srvDial(t, addr)
	idle.expect("EHLO idle.example", 250)
	busy, _ := srvDial(t, addr)
	busy.expect("EHLO busy.example", 250)
	busy.expect("MAIL FROM:<a@example.org>", 250)
	busy.expect("RCPT TO:<b@example.org>", 250)
	busy.expect("DATA", 354)
	busy.send("Subject: half\r\n")

	done := make(chan error, 1)
	go func() { done <- srv.Shutdown(context.Background()) }()
	// The idle session is told at once (RFC 5321 §3.8: 421 at any time).
	if r := idle.read(); r.Code != 421 || r.Enhanced != enh(4, 3, 2) {
		t.Fatalf("idle session got %q", r.Error())
	}
	// The message in flight is received and acknowledged, then 421.
	busy.send("\r\nrest\r\n.\r\n")
	if r := busy.read(); r.Code != 250 {
		t.Fatalf("message in flight got %q", r.Error())
	}
	if r := busy.read(); r.Code != 421 {
		t.Fatalf("after the message: %q", r.Error())
	}
	if err := <-done; err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	if err := <-served; !errors.Is(err, ErrServerClosed) {
		t.Fatalf("Serve: %v", err)
	}
	if n := len(be.messages()); n != 1 {
		t.Fatalf("%d messages", n)
	}
	if _, err := net.Dial("tcp", addr); err == nil {
		t.Fatal("listener still open")
	}
	be.mu.Lock()
	defer be.mu.Unlock()
	if be.logout != 2 {
		t.Errorf("Logout called %d times", be.logout)
	}
}

func TestServerShutdownDeadline(t *testing.T) {
	srv := &Server{Backend: &srvBackend{}}
	addr := srvStart(t, srv)
	c, _ := srvDial(t, addr)
	c.expect("EHLO client.example", 250)
	c.expect("MAIL FROM:<a@example.org>", 250)
	c.expect("RCPT TO:<b@example.org>", 250)
	c.expect("DATA", 354)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	// The client never finishes its message: Shutdown gives up and
	// closes it, unacknowledged.
	if err := srv.Shutdown(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Shutdown: %v", err)
	}
	if !c.closed() {
		t.Fatal("connection still open")
	}
}

// A client that expects implicit TLS (RFC 8314) and sends a ClientHello
// to the plaintext port is disconnected at once instead of waiting for
// the command timeout, since a ClientHello holds no line end.
func TestServerTLSHelloOnPlaintextPort(t *testing.T) {
	addr := srvStart(t, &Server{Backend: &srvBackend{}})
	c, _ := srvDial(t, addr)
	c.send("\x16\x03\x01\x00\xf4\x01\x00\x00\xf0\x03\x03")
	if !c.closed() {
		t.Fatal("connection still open")
	}
}
