package lmtp_test

import (
	"context"
	"fmt"
	"io"
	"log"
	"net"
	"strings"

	gosmtp "github.com/emersion/go-smtp"
	"github.com/mailstack/mailstack/envelope"
	"github.com/mailstack/mailstack/lmtp"
)

// exampleLMTPServer starts an LMTP server on loopback whose mailbox
// "full" is over quota, and returns its address.
func exampleLMTPServer() string {
	srv := gosmtp.NewServer(gosmtp.BackendFunc(func(*gosmtp.Conn) (gosmtp.Session, error) { return &exampleSession{}, nil }))
	srv.LMTP = true
	srv.Domain = "mda.example.org"
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	go srv.Serve(ln)
	return ln.Addr().String()
}

type exampleSession struct{ rcpts []string }

func (s *exampleSession) Mail(string, *gosmtp.MailOptions) error { return nil }
func (s *exampleSession) Rcpt(to string, _ *gosmtp.RcptOptions) error {
	s.rcpts = append(s.rcpts, to)
	return nil
}
func (s *exampleSession) Data(io.Reader) error { return nil }
func (s *exampleSession) LMTPData(r io.Reader, st gosmtp.StatusCollector) error {
	io.Copy(io.Discard, r)
	for _, rc := range s.rcpts {
		if strings.HasPrefix(rc, "full@") {
			st.SetStatus(rc, &gosmtp.SMTPError{Code: 452, EnhancedCode: gosmtp.EnhancedCode{4, 2, 2}, Message: "Mailbox full"})
		} else {
			st.SetStatus(rc, nil)
		}
	}
	return nil
}
func (s *exampleSession) Reset()        { s.rcpts = nil }
func (s *exampleSession) Logout() error { return nil }

// Each recipient gets its own reply after the message (RFC 2033 §4.2).
func ExampleClient_Send() {
	addr := exampleLMTPServer()
	ctx := context.Background()
	c, err := lmtp.Dial(ctx, "tcp", addr, nil)
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	var rcpts []envelope.Path
	for _, s := range []string{"<alice@example.org>", "<full@example.org>"} {
		p, _ := envelope.ParseForwardPath(s, envelope.ParseOptions{})
		rcpts = append(rcpts, p)
	}
	from, _ := envelope.ParseReversePath("<bob@example.com>", envelope.ParseOptions{})
	res, err := c.Send(ctx, from, rcpts, strings.NewReader("Subject: hi\r\n\r\nHello.\r\n"), nil)
	if err != nil {
		log.Fatal(err)
	}
	for _, r := range res {
		fmt.Println(r.Rcpt, r.Reply.Code, r.Accepted())
	}
	c.Quit(ctx)
	// Output:
	// <alice@example.org> 250 true
	// <full@example.org> 452 false
}
