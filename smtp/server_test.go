package smtp

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"testing"

	"github.com/mailstack/mailstack/envelope"
)

func TestServerMessage(t *testing.T) {
	be := &srvBackend{}
	addr := srvStart(t, &Server{Backend: be})
	c, _ := srvDial(t, addr)
	c.expect("EHLO client.example", 250)
	c.expect("MAIL FROM:<a@example.org> BODY=8BITMIME SIZE=50", 250)
	c.expect("RCPT TO:<b@example.org>", 250)
	c.expect("DATA", 354)
	c.send("Subject: test\r\n\r\n..dot\r\n8-bit: \xc3\xa9\r\n.\r\n")
	r := c.read()
	if r.Code != 250 || !strings.Contains(r.Text(), "queued as") {
		t.Fatalf("reply %q", r.Error())
	}
	msgs := be.messages()
	if len(msgs) != 1 {
		t.Fatalf("%d messages", len(msgs))
	}
	m := msgs[0]
	if got, want := srvBody(t, m.Data), "Subject: test\r\n\r\n.dot\r\n8-bit: \xc3\xa9\r\n"; got != want {
		t.Errorf("body %q, want %q", got, want)
	}
	if m.From.String() != "<a@example.org>" || m.Params.Body != envelope.Body8BitMIME || m.Params.Size != 50 {
		t.Errorf("envelope %v %+v", m.From, m.Params)
	}
	// RFC 5321 §4.4 and RFC 3848: the trace field names the client, the
	// host, the protocol and the single recipient.
	for _, want := range []string{"from client.example", "(", "[127.0.0.1]", "by mx.test", "with ESMTP", "for <b@example.org>"} {
		if !strings.Contains(m.Data[:strings.Index(m.Data, "Subject:")], want) {
			t.Errorf("Received lacks %q: %q", want, m.Data)
		}
	}
	c.expect("QUIT", 221)
	if !c.closed() {
		t.Error("connection open after QUIT")
	}
}

func TestServerReceivedOmittedAndMultipleRecipients(t *testing.T) {
	be := &srvBackend{}
	addr := srvStart(t, &Server{Backend: be, OmitReceived: true})
	c, _ := srvDial(t, addr)
	c.expect("HELO client.example", 250)
	c.expect("MAIL FROM:<a@example.org>", 250)
	c.expect("RCPT TO:<b@example.org>", 250)
	c.expect("RCPT TO:<b@example.org>", 250) // duplicates are kept
	c.expect("DATA", 354)
	c.send("x\r\n.\r\n")
	c.read()
	m := be.messages()[0]
	if m.Data != "x\r\n" || len(m.Rcpts) != 2 {
		t.Errorf("data %q, %d recipients", m.Data, len(m.Rcpts))
	}
}

func TestServerBackendErrors(t *testing.T) {
	tests := []struct {
		name     string
		err      error
		wantCode int
		wantText string
	}{
		{"reply", envelope.ReplyMailboxNotFound, 550, "5.1.1"},
		{"wrapped reply", fmt.Errorf("lookup: %w", envelope.NewReply(452, enh(4, 2, 2), "Mailbox full")), 452, "Mailbox full"},
		// Any other error is 451 4.3.0, and its text is not shown.
		{"internal", errors.New("secret database password wrong"), 451, "4.3.0"},
		{"3xx is not a rejection", envelope.NewReply(354, envelope.EnhancedCode{}, "go on"), 451, "4.3.0"},
		{"positive reply accepts", envelope.NewReply(250, enh(2, 1, 5), "Will forward"), 250, "Will forward"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			be := &srvBackend{refuse: map[string]error{"x": tt.err}}
			addr := srvStart(t, &Server{Backend: be})
			c, _ := srvDial(t, addr)
			c.expect("EHLO client.example", 250)
			c.expect("MAIL FROM:<a@example.org>", 250)
			r := c.expect("RCPT TO:<x@example.org>", tt.wantCode)
			if !strings.Contains(r.Error(), tt.wantText) || strings.Contains(r.Error(), "secret") {
				t.Errorf("reply %q", r.Error())
			}
		})
	}
}

func TestServerDataError(t *testing.T) {
	be := &srvBackend{dataErr: errors.New("disk on fire")}
	addr := srvStart(t, &Server{Backend: be})
	c, _ := srvDial(t, addr)
	c.expect("EHLO client.example", 250)
	c.expect("MAIL FROM:<a@example.org>", 250)
	c.expect("RCPT TO:<b@example.org>", 250)
	c.expect("DATA", 354)
	c.send("x\r\n.\r\n")
	if r := c.read(); r.Code != 451 || strings.Contains(r.Error(), "fire") {
		t.Errorf("reply %q", r.Error())
	}
	c.expect("NOOP", 250)
}

// A backend that stops reading early still gets its reply only after the
// server has read the message to its end.
func TestServerDataEarlyReturn(t *testing.T) {
	be := &srvBackend{readLimit: 10}
	addr := srvStart(t, &Server{Backend: be, OmitReceived: true, Limits: Limits{MaxMessageBytes: 100}})
	c, _ := srvDial(t, addr)
	c.expect("EHLO client.example", 250)
	c.expect("MAIL FROM:<a@example.org>", 250)
	c.expect("RCPT TO:<b@example.org>", 250)
	c.expect("DATA", 354)
	c.send(strings.Repeat("0123456789\r\n", 5) + ".\r\n")
	c.read()
	c.expect("MAIL FROM:<a@example.org>", 250)
	c.expect("RCPT TO:<b@example.org>", 250)
	c.expect("DATA", 354)
	// Over the limit beyond what the backend read: refused, though the
	// backend returned nil.
	c.send(strings.Repeat("0123456789\r\n", 20) + ".\r\n")
	if r := c.read(); r.Code != 552 {
		t.Errorf("reply %q", r.Error())
	}
	c.expect("NOOP", 250)
}

func TestServerGreetingRefused(t *testing.T) {
	t.Run("5xx waits for QUIT", func(t *testing.T) {
		addr := srvStart(t, &Server{Backend: &srvBackend{reject: envelope.NewReply(554, enh(5, 7, 1), "No thanks")}})
		c, greeting := srvDial(t, addr)
		if greeting.Code != 554 {
			t.Fatalf("greeting %q", greeting.Error())
		}
		c.expect("EHLO client.example", 503) // RFC 5321 §3.1
		c.expect("QUIT", 221)
	})
	t.Run("other error is 421", func(t *testing.T) {
		addr := srvStart(t, &Server{Backend: &srvBackend{reject: errors.New("dnsbl down")}})
		c, greeting := srvDial(t, addr)
		if greeting.Code != 421 || strings.Contains(greeting.Error(), "dnsbl") {
			t.Fatalf("greeting %q", greeting.Error())
		}
		if !c.closed() {
			t.Error("connection open")
		}
	})
}

func TestServerPipelining(t *testing.T) {
	be := &srvBackend{refuse: map[string]error{"nobody": envelope.ReplyMailboxNotFound}}
	addr := srvStart(t, &Server{Backend: be})
	c, _ := srvDial(t, addr)
	c.expect("EHLO client.example", 250)
	// RFC 2920 §3.1: a whole group in one write, replies in order.
	c.send("MAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.org>\r\nRCPT TO:<nobody@example.org>\r\nRCPT TO:<c@example.org>\r\nDATA\r\n")
	for _, want := range []int{250, 250, 550, 250, 354} {
		if r := c.read(); r.Code != want {
			t.Fatalf("got %q, want %d", r.Error(), want)
		}
	}
	// The end of data and the next transaction, pipelined.
	c.send("one\r\n.\r\nMAIL FROM:<a@example.org>\r\nRCPT TO:<d@example.org>\r\nDATA\r\n")
	for _, want := range []int{250, 250, 250, 354} {
		if r := c.read(); r.Code != want {
			t.Fatalf("got %q, want %d", r.Error(), want)
		}
	}
	c.send("two\r\n.\r\nQUIT\r\n")
	c.read()
	c.read()
	msgs := be.messages()
	if len(msgs) != 2 || len(msgs[0].Rcpts) != 2 || msgs[1].Rcpts[0].Path.Mailbox.Local != "d" {
		t.Fatalf("messages %+v", msgs)
	}
}

func TestServerStartTLS(t *testing.T) {
	be := &srvBackend{features: "all", users: map[string]string{"alice": "secret"}}
	addr := srvStart(t, &Server{Backend: be, TLSConfig: srvTLSConfig(t)})
	c, _ := srvDial(t, addr)
	r := c.expect("EHLO client.example", 250)
	if !strings.Contains(r.Text(), "STARTTLS") || strings.Contains(r.Text(), "AUTH") || strings.Contains(r.Text(), "REQUIRETLS") {
		t.Fatalf("EHLO before TLS: %q", r.Text())
	}
	c.expect("STARTTLS", 220)
	tc := tls.Client(c.conn, &tls.Config{InsecureSkipVerify: true})
	if err := tc.Handshake(); err != nil {
		t.Fatal(err)
	}
	c.conn = tc
	c.br.Reset(tc)
	// RFC 3207 §4.2: the session is reset; EHLO is needed again.
	c.expect("MAIL FROM:<a@example.org>", 503)
	r = c.expect("EHLO client.example", 250)
	for _, want := range []string{"AUTH PLAIN LOGIN", "REQUIRETLS"} {
		if !strings.Contains(r.Text(), want) {
			t.Errorf("EHLO under TLS lacks %s: %q", want, r.Text())
		}
	}
	if strings.Contains(r.Text(), "STARTTLS") {
		t.Error("STARTTLS offered twice")
	}
	c.expect("STARTTLS", 503)
	c.expect("AUTH PLAIN AGFsaWNlAHNlY3JldA==", 235)
	c.expect("MAIL FROM:<a@example.org> REQUIRETLS", 250)
	c.expect("RCPT TO:<b@example.org>", 250)
	c.expect("DATA", 354)
	c.send("x\r\n.\r\n")
	c.read()
	m := be.messages()[0]
	if !strings.Contains(m.Data, "with ESMTPSA") || !strings.Contains(m.Data, "version=TLS1.3") {
		t.Errorf("Received: %q", m.Data)
	}
	if m.Conn.AuthIdentity != "alice" || m.Conn.TLS == nil || !m.Params.RequireTLS {
		t.Errorf("conn info %+v", m.Conn)
	}
}

// RFC 3207 §4.2, CVE-2011-0411: a command pipelined after STARTTLS in
// clear text gets no reply; the connection is closed.
func TestServerStartTLSInjection(t *testing.T) {
	addr := srvStart(t, &Server{Backend: &srvBackend{}, TLSConfig: srvTLSConfig(t)})
	c, _ := srvDial(t, addr)
	c.expect("EHLO client.example", 250)
	c.send("STARTTLS\r\nRSET\r\n")
	r := c.read()
	if r.Code == 220 {
		t.Fatalf("STARTTLS accepted with injected data: %q", r.Error())
	}
	rest, _ := io.ReadAll(c.br)
	if len(rest) != 0 {
		t.Fatalf("reply to the injected command: %q", rest)
	}
}

func TestServerImplicitTLS(t *testing.T) {
	be := &srvBackend{}
	srv := &Server{Backend: be, TLSConfig: srvTLSConfig(t), Hostname: "mx.test"}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.ServeTLS(l)
	t.Cleanup(func() { srv.Close() })
	conn, err := tls.Dial("tcp", l.Addr().String(), &tls.Config{InsecureSkipVerify: true})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	c := &srvClient{t: t, conn: conn}
	c.br = bufio.NewReader(conn)
	if g := c.read(); g.Code != 220 {
		t.Fatalf("greeting %q", g.Error())
	}
	r := c.expect("EHLO client.example", 250)
	if strings.Contains(r.Text(), "STARTTLS") {
		t.Error("STARTTLS offered under implicit TLS")
	}
	c.expect("MAIL FROM:<a@example.org>", 250)
	c.expect("RCPT TO:<b@example.org>", 250)
	c.expect("DATA", 354)
	c.send("x\r\n.\r\n")
	c.read()
	if m := be.messages(); len(m) != 1 || !strings.Contains(m[0].Data, "with ESMTPS") {
		t.Errorf("messages %+v", m)
	}
}

func TestServerMaxConnections(t *testing.T) {
	addr := srvStart(t, &Server{Backend: &srvBackend{}, Limits: Limits{MaxConnections: 1}})
	c1, g1 := srvDial(t, addr)
	if g1.Code != 220 {
		t.Fatalf("first greeting %q", g1.Error())
	}
	_, g2 := srvDial(t, addr)
	if g2.Code != 421 {
		t.Fatalf("second greeting %q", g2.Error())
	}
	c1.expect("NOOP", 250)
}

func TestServerTimeout(t *testing.T) {
	srv := &Server{Backend: &srvBackend{}}
	srv.Timeouts.Command = 50e6 // 50ms
	addr := srvStart(t, srv)
	c, _ := srvDial(t, addr)
	// RFC 5321 §4.5.3.2.7: an idle client is dropped with 421.
	if r := c.read(); r.Code != 421 || r.Enhanced != enh(4, 4, 2) {
		t.Fatalf("reply %q", r.Error())
	}
}

func TestServerTraceRedactsAuth(t *testing.T) {
	var trace syncBuffer
	be := &srvBackend{features: "auth", users: map[string]string{"alice": "secret"}}
	addr := srvStart(t, &Server{Backend: be, AllowInsecureAuth: true, Trace: &trace})
	c, _ := srvDial(t, addr)
	c.expect("EHLO client.example", 250)
	c.expect("AUTH PLAIN AGFsaWNlAHNlY3JldA==", 235)
	c.expect("QUIT", 221)
	c.closed()
	out := trace.String()
	if strings.Contains(out, "AGFsaWNlAHNlY3JldA") || !strings.Contains(out, "C: AUTH PLAIN <redacted>") || !strings.Contains(out, "S: 235 2.7.0") {
		t.Errorf("trace:\n%s", out)
	}
	c2, _ := srvDial(t, addr)
	c2.expect("EHLO client.example", 250)
	c2.expect("AUTH LOGIN", 334)
	c2.expect("YWxpY2U=", 334)
	c2.expect("c2VjcmV0", 235)
	if out := trace.String(); strings.Contains(out, "YWxpY2U=") || strings.Contains(out, "c2VjcmV0") {
		t.Errorf("LOGIN secrets in trace:\n%s", out)
	}
}

func TestServerDataFunc(t *testing.T) {
	var mu sync.Mutex
	var got []string
	fn := DataFunc(func(ctx context.Context, tx *Transaction, r io.Reader) error {
		b, err := io.ReadAll(r)
		if err != nil {
			return err
		}
		mu.Lock()
		got = append(got, fmt.Sprintf("%s>%d:%s", tx.From, len(tx.Rcpts), bytes.TrimSpace(b)))
		mu.Unlock()
		return nil
	})
	addr := srvStart(t, &Server{Backend: fn, OmitReceived: true})
	c, _ := srvDial(t, addr)
	c.expect("EHLO client.example", 250)
	for i := 1; i <= 2; i++ {
		c.expect("MAIL FROM:<a@example.org>", 250)
		for j := 0; j < i; j++ {
			c.expect("RCPT TO:<b@example.org>", 250)
		}
		c.expect("DATA", 354)
		c.send(fmt.Sprintf("m%d\r\n.\r\n", i))
		c.read()
	}
	mu.Lock()
	defer mu.Unlock()
	if want := "<a@example.org>>1:m1 <a@example.org>>2:m2"; strings.Join(got, " ") != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

// syncBuffer is a bytes.Buffer safe for the server's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
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
