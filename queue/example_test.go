package queue_test

import (
	"context"
	"fmt"
	"io"
	"log"
	"net"
	"os"
	"strconv"
	"strings"

	gosmtp "github.com/emersion/go-smtp"
	"github.com/mailstack/mailstack/envelope"
	"github.com/mailstack/mailstack/mx"
	"github.com/mailstack/mailstack/mx/mxtest"
	"github.com/mailstack/mailstack/queue"
)

// exampleMX starts a receiving SMTP server on loopback and a DNS server
// naming it as the MX of example.org; it returns the DNS server's address
// and the SMTP port.
func exampleMX() (dnsAddr string, port int) {
	srv := gosmtp.NewServer(gosmtp.BackendFunc(func(*gosmtp.Conn) (gosmtp.Session, error) { return exampleSession{}, nil }))
	srv.Domain = "mx.example.org"
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	go srv.Serve(ln)
	dns, err := mxtest.NewServer("example.org. 300 IN MX 10 mx.example.org.", "mx.example.org. 300 IN A 127.0.0.1")
	if err != nil {
		log.Fatal(err)
	}
	_, p, _ := net.SplitHostPort(ln.Addr().String())
	port, _ = strconv.Atoi(p)
	return dns.Addr, port
}

type exampleSession struct{}

func (exampleSession) Mail(string, *gosmtp.MailOptions) error { return nil }
func (exampleSession) Rcpt(string, *gosmtp.RcptOptions) error { return nil }
func (exampleSession) Data(r io.Reader) error                 { _, err := io.Copy(io.Discard, r); return err }
func (exampleSession) Reset()                                 {}
func (exampleSession) Logout() error                          { return nil }

// A queue delivering to the recipients' MX hosts; the hook reports each
// event.
func Example() {
	dnsAddr, port := exampleMX()
	dir, _ := os.MkdirTemp("", "spool")
	defer os.RemoveAll(dir)

	done := make(chan struct{})
	q, err := queue.Open(queue.Config{
		Dir:      dir,
		Hostname: "mta.example.com",
		Resolver: &mx.Resolver{Servers: []string{dnsAddr}},
		MXPort:   port, // 25 in production
		Hook: func(ev queue.Event) {
			if ev.Kind == queue.EventDelivered {
				fmt.Println("delivered to", ev.Rcpt, "by", ev.Reply.Code)
			}
			if ev.Kind == queue.EventRemoved {
				close(done)
			}
		},
	})
	if err != nil {
		log.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go q.Run(ctx)

	from, _ := envelope.ParseReversePath("<alice@example.com>", envelope.ParseOptions{})
	to, _ := envelope.ParseForwardPath("<bob@example.org>", envelope.ParseOptions{})
	msg := "From: alice@example.com\r\nTo: bob@example.org\r\nSubject: hi\r\n\r\nHello.\r\n"
	if _, err := q.Enqueue(ctx, from, []envelope.Path{to}, strings.NewReader(msg), nil); err != nil {
		log.Fatal(err) // not on disk: answer the client with a 4xx
	}
	// On disk now: an SMTP server would answer 250 here.
	<-done
	// Output:
	// delivered to <bob@example.org> by 250
}
