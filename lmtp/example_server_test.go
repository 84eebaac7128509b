package lmtp_test

import (
	"context"
	"fmt"
	"io"
	"log"
	"net"
	"strings"

	"github.com/mailstack/mailstack/envelope"
	"github.com/mailstack/mailstack/lmtp"
	"github.com/mailstack/mailstack/smtp"
)

// An LMTP server reports each recipient's delivery on its own: here the
// mailbox "full" is over quota and the others get the message.
func ExampleServer() {
	srv := &lmtp.Server{
		Hostname:     "mda.example.org",
		OmitReceived: true,
		Backend: lmtp.DataFunc(func(ctx context.Context, tx *smtp.Transaction, r io.Reader, st *lmtp.Status) error {
			msg, err := io.ReadAll(r)
			if err != nil {
				return err // every recipient fails
			}
			for i, rc := range tx.Rcpts {
				if rc.Path.Mailbox.Local == "full" {
					st.Set(i, envelope.NewReply(452, envelope.EnhancedCode{Class: 4, Subject: 2, Detail: 2}, "Mailbox full"))
					continue
				}
				// A real agent writes msg to the mailbox and fsyncs it.
				fmt.Printf("%d octets for %s\n", len(msg), rc.Path)
			}
			return nil
		}),
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	go srv.Serve(l)
	defer srv.Close()

	ctx := context.Background()
	c, err := lmtp.Dial(ctx, "tcp", l.Addr().String(), nil)
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	from := envelope.Path{Mailbox: envelope.Address{Local: "mta", Domain: "example.org"}}
	to := []envelope.Path{
		{Mailbox: envelope.Address{Local: "bob", Domain: "example.org"}},
		{Mailbox: envelope.Address{Local: "full", Domain: "example.org"}},
	}
	res, err := c.Send(ctx, from, to, strings.NewReader("Subject: hi\r\n\r\nHello\r\n"), nil)
	if err != nil {
		log.Fatal(err)
	}
	for _, r := range res {
		fmt.Println(r.Rcpt, r.Reply.Code)
	}
	// Output:
	// 22 octets for <bob@example.org>
	// <bob@example.org> 250
	// <full@example.org> 452
}
