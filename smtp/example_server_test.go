package smtp_test

import (
	"context"
	"fmt"
	"io"
	"log"
	"net"
	"strings"

	"github.com/mailstack/mailstack/envelope"
	"github.com/mailstack/mailstack/smtp"
)

// The simplest server: a DataFunc that takes every message. Here it
// prints the envelope; a real one would store the message and return nil
// only once it is safe.
func ExampleDataFunc() {
	done := make(chan struct{})
	srv := &smtp.Server{
		Hostname:     "mx.example.org",
		OmitReceived: true,
		Backend: smtp.DataFunc(func(ctx context.Context, tx *smtp.Transaction, r io.Reader) error {
			body, err := io.ReadAll(r)
			if err != nil {
				return err // the client gets no 250
			}
			fmt.Printf("from %s to %s: %q\n", tx.From, tx.Rcpts[0].Path, body)
			close(done)
			return nil
		}),
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	go srv.Serve(l)
	defer srv.Close()

	c, err := smtp.Dial(context.Background(), l.Addr().String(), nil)
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	from := envelope.Path{Mailbox: envelope.Address{Local: "alice", Domain: "example.com"}}
	to := []envelope.Path{{Mailbox: envelope.Address{Local: "bob", Domain: "example.org"}}}
	if _, err := c.Send(context.Background(), from, to, strings.NewReader("Subject: hi\r\n\r\nHello\r\n"), nil); err != nil {
		log.Fatal(err)
	}
	<-done
	// Output:
	// from <alice@example.com> to <bob@example.org>: "Subject: hi\r\n\r\nHello\r\n"
}

// backend refuses recipients outside its domain, so that it is not an
// open relay, and refuses mail for unknown users.
type backend struct{}

func (backend) NewSession(ctx context.Context, c *smtp.ConnInfo) (smtp.Session, error) {
	return &session{}, nil
}

type session struct {
	from  envelope.Path
	rcpts []envelope.Path
}

func (s *session) Mail(ctx context.Context, from envelope.Path, p *envelope.MailParams) error {
	s.from = from
	return nil
}

func (s *session) Rcpt(ctx context.Context, to envelope.Path, p *envelope.RcptParams) error {
	switch {
	case !envelope.EqualDomain(to.Mailbox.Domain, "example.org"):
		return envelope.ReplyRelayDenied
	case to.Mailbox.Local != "bob":
		return envelope.ReplyMailboxNotFound
	}
	s.rcpts = append(s.rcpts, to)
	return nil
}

func (s *session) Data(ctx context.Context, r io.Reader) error {
	n, err := io.Copy(io.Discard, r) // a real backend writes and fsyncs
	if err != nil {
		return err
	}
	fmt.Printf("%d octets for %v\n", n, s.rcpts)
	return nil
}

func (s *session) Reset(ctx context.Context)        { s.rcpts = nil }
func (s *session) Logout(ctx context.Context) error { return nil }

// A Backend and Session that decide per recipient, with replies from
// package envelope.
func ExampleServer() {
	srv := &smtp.Server{Hostname: "mx.example.org", OmitReceived: true, Backend: backend{}}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	go srv.Serve(l)
	defer srv.Shutdown(context.Background())

	ctx := context.Background()
	c, err := smtp.Dial(ctx, l.Addr().String(), nil)
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	from := envelope.Path{Mailbox: envelope.Address{Local: "alice", Domain: "example.com"}}
	to := []envelope.Path{
		{Mailbox: envelope.Address{Local: "bob", Domain: "example.org"}},
		{Mailbox: envelope.Address{Local: "carol", Domain: "example.org"}},
		{Mailbox: envelope.Address{Local: "dave", Domain: "example.net"}},
	}
	res, err := c.Send(ctx, from, to, strings.NewReader("Subject: hi\r\n\r\nHello\r\n"), nil)
	if err != nil {
		log.Fatal(err)
	}
	for _, r := range res {
		fmt.Println(r.Rcpt, r.Reply.Code)
	}
	// Output:
	// 22 octets for [<bob@example.org>]
	// <bob@example.org> 250
	// <carol@example.org> 550
	// <dave@example.net> 554
}
