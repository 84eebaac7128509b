package smtp

import (
	"context"
	"crypto/tls"
	"strings"
	"testing"

	"github.com/emersion/go-sasl"
	gosmtp "github.com/emersion/go-smtp"
	"github.com/mailstack/mailstack/envelope"
)

// go-smtp's client (v0.25) against the server: STARTTLS, AUTH PLAIN,
// SMTPUTF8 and DSN options, DATA.
func TestServerGoSMTPClient(t *testing.T) {
	be := &srvBackend{features: "all", users: map[string]string{"alice": "secret"}}
	addr := srvStart(t, &Server{Backend: be, TLSConfig: srvTLSConfig(t)})
	c, err := gosmtp.DialStartTLS(addr, &tls.Config{InsecureSkipVerify: true})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Auth(sasl.NewPlainClient("", "alice", "secret")); err != nil {
		t.Fatal(err)
	}
	if ok, _ := c.Extension("DSN"); !ok {
		t.Error("DSN not advertised")
	}
	if err := c.Mail("a@example.org", &gosmtp.MailOptions{Return: gosmtp.DSNReturnHeaders, EnvelopeID: "id1"}); err != nil {
		t.Fatal(err)
	}
	if err := c.Rcpt("b@example.org", &gosmtp.RcptOptions{Notify: []gosmtp.DSNNotify{gosmtp.DSNNotifyFailure}}); err != nil {
		t.Fatal(err)
	}
	w, err := c.Data()
	if err != nil {
		t.Fatal(err)
	}
	w.Write([]byte("Subject: go-smtp\r\n\r\n.hello\r\n"))
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := c.Quit(); err != nil {
		t.Fatal(err)
	}
	msgs := be.messages()
	if len(msgs) != 1 {
		t.Fatalf("%d messages", len(msgs))
	}
	m := msgs[0]
	if m.Params.Ret != envelope.ReturnHeaders || m.Params.EnvID != "id1" || m.Rcpts[0].Params.Notify != envelope.NotifyFailure {
		t.Errorf("DSN parameters %+v %+v", m.Params, m.Rcpts[0].Params)
	}
	if !strings.HasSuffix(m.Data, "\r\n\r\n.hello\r\n") || m.Conn.AuthIdentity != "alice" {
		t.Errorf("message %q", m.Data)
	}
}

// go-smtp's client has no BDAT; the package's own client sends the
// message in chunks (RFC 3030), including one holding binary content.
func TestServerBDATWithClient(t *testing.T) {
	be := &srvBackend{features: "all"}
	var trace syncBuffer
	addr := srvStart(t, &Server{Backend: be, Trace: &trace})
	ctx := context.Background()
	c, err := Dial(ctx, addr, &ClientConfig{LocalName: "client.example", ChunkSize: 1000})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Handshake(ctx); err != nil {
		t.Fatal(err)
	}
	if !c.Capabilities().Chunking {
		t.Fatal("CHUNKING not advertised")
	}
	body := "Subject: chunks\r\n\r\n" + strings.Repeat("0123456789abcdef\r\n", 500)
	from := envelope.Path{Mailbox: envelope.Address{Local: "a", Domain: "example.org"}}
	to := []envelope.Path{{Mailbox: envelope.Address{Local: "b", Domain: "example.org"}}}
	res, err := c.Send(ctx, from, to, strings.NewReader(body), nil)
	if err != nil || !res[0].Accepted() {
		t.Fatalf("Send: %v %+v", err, res)
	}
	binary := "\x00\x01\x02 binary\n\r\xff"
	res, err = c.Send(ctx, from, to, strings.NewReader(binary), &SendOptions{Mail: envelope.MailParams{Body: envelope.BodyBinaryMIME}})
	if err != nil || !res[0].Accepted() {
		t.Fatalf("Send binary: %v %+v", err, res)
	}
	msgs := be.messages()
	if len(msgs) != 2 {
		t.Fatalf("%d messages", len(msgs))
	}
	if !strings.Contains(trace.String(), "C: BDAT 1000\n") {
		t.Errorf("no BDAT in the trace:\n%s", trace.String())
	}
	if srvBody(t, msgs[0].Data) != body {
		t.Errorf("chunked body differs")
	}
	if !strings.HasSuffix(msgs[1].Data, binary) || msgs[1].Params.Body != envelope.BodyBinaryMIME {
		t.Errorf("binary body %q", msgs[1].Data)
	}
}
