package smtp_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"strings"

	gosmtp "github.com/emersion/go-smtp"
	"github.com/mailstack/mailstack/envelope"
	"github.com/mailstack/mailstack/smtp"
)

// exampleServer starts a throw-away SMTP server on loopback that refuses
// one recipient, and returns its address.
func exampleServer() string {
	srv := gosmtp.NewServer(gosmtp.BackendFunc(func(*gosmtp.Conn) (gosmtp.Session, error) { return exampleSession{}, nil }))
	srv.Domain = "mx.example.org"
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	go srv.Serve(ln)
	return ln.Addr().String()
}

type exampleSession struct{}

func (exampleSession) Mail(string, *gosmtp.MailOptions) error { return nil }
func (exampleSession) Rcpt(to string, _ *gosmtp.RcptOptions) error {
	if strings.HasPrefix(to, "nobody@") {
		return &gosmtp.SMTPError{Code: 550, EnhancedCode: gosmtp.EnhancedCode{5, 1, 1}, Message: "No such user"}
	}
	return nil
}
func (exampleSession) Data(r io.Reader) error { _, err := io.Copy(io.Discard, r); return err }
func (exampleSession) Reset()                 {}
func (exampleSession) Logout() error          { return nil }

func mustPath(s string) envelope.Path {
	p, err := envelope.ParseForwardPath(s, envelope.ParseOptions{})
	if err != nil {
		log.Fatal(err)
	}
	return p
}

// Send carries a whole transaction and reports each recipient's fate.
func ExampleClient_Send() {
	addr := exampleServer()
	ctx := context.Background()

	c, err := smtp.Dial(ctx, addr, &smtp.ClientConfig{LocalName: "client.example.com"})
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()

	msg := "From: a@example.com\r\nTo: b@example.org\r\nSubject: hello\r\n\r\nHi.\r\n"
	rcpts := []envelope.Path{mustPath("<b@example.org>"), mustPath("<nobody@example.org>")}
	res, err := c.Send(ctx, mustPath("<a@example.com>"), rcpts, strings.NewReader(msg), nil)
	if err != nil {
		log.Fatal(err)
	}
	for _, r := range res {
		var ce *smtp.CommandError
		switch {
		case r.Accepted():
			fmt.Println(r.Rcpt, "accepted")
		case errors.As(r.Err, &ce) && ce.Permanent():
			fmt.Println(r.Rcpt, "bounced:", ce.Reply.Code, ce.Reply.Enhanced)
		default:
			fmt.Println(r.Rcpt, "deferred:", r.Err)
		}
	}
	c.Quit(ctx)
	// Output:
	// <b@example.org> accepted
	// <nobody@example.org> bounced: 550 5.1.1
}

// A step-by-step transaction, with the errors that carry replies.
func ExampleClient_Mail() {
	addr := exampleServer()
	ctx := context.Background()
	c, err := smtp.Dial(ctx, addr, nil)
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	if err := c.Mail(ctx, mustPath("<a@example.com>"), &envelope.MailParams{Size: 100, HasSize: true}); err != nil {
		log.Fatal(err)
	}
	err = c.Rcpt(ctx, mustPath("<nobody@example.org>"), nil)
	var reply *envelope.Reply
	if errors.As(err, &reply) {
		fmt.Println("RCPT refused:", reply)
	}
	if err := c.Rcpt(ctx, mustPath("<b@example.org>"), nil); err != nil {
		log.Fatal(err)
	}
	w, err := c.Data(ctx)
	if err != nil {
		log.Fatal(err)
	}
	io.WriteString(w, "Subject: step by step\r\n\r\nHi.\r\n")
	if err := w.Close(); err != nil {
		log.Fatal(err)
	}
	fmt.Println("message accepted:", w.Replies()[0].Code)
	// Output:
	// RCPT refused: 550 5.1.1 No such user
	// message accepted: 250
}
