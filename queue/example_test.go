package queue_test

import (
	"context"
	"fmt"
	"io"
	"log"
	"net"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"sync"

	gosmtp "github.com/emersion/go-smtp"
	"github.com/mailstack/mailstack/envelope"
	"github.com/mailstack/mailstack/lmtp"
	"github.com/mailstack/mailstack/mx"
	"github.com/mailstack/mailstack/mx/mxtest"
	"github.com/mailstack/mailstack/queue"
	"github.com/mailstack/mailstack/smtp"
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

// One queue for a server's own domain and the rest of the world: the
// recipients at example.com go over LMTP to the local delivery agent, the
// others to their MX hosts. IsSelf tells the queue its own names, so that
// it never relays to itself.
func ExampleConfig_route() {
	dnsAddr, port := exampleMX()
	mda := &lmtp.Server{Hostname: "mda.example.com", Backend: lmtp.DataFunc(
		func(ctx context.Context, tx *smtp.Transaction, r io.Reader, st *lmtp.Status) error {
			_, err := io.Copy(io.Discard, r) // a real agent stores it and fsyncs
			return err
		})}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	go mda.Serve(ln)
	defer mda.Close()
	dir, _ := os.MkdirTemp("", "spool")
	defer os.RemoveAll(dir)

	local := queue.Route{LMTP: &queue.LMTPRoute{Addr: ln.Addr().String()}}
	var wg sync.WaitGroup
	wg.Add(2)
	q, err := queue.Open(queue.Config{
		Dir:      dir,
		Hostname: "mx.example.com",
		Resolver: &mx.Resolver{Servers: []string{dnsAddr}},
		MXPort:   port,
		Route: func(rcpt envelope.Path) queue.Route {
			if strings.EqualFold(rcpt.Mailbox.Domain, "example.com") {
				return local
			}
			return queue.Route{} // MX
		},
		IsSelf: func(host string, addr netip.AddrPort) bool { return host == "mx.example.com" },
		Hook: func(ev queue.Event) {
			if ev.Kind == queue.EventDelivered {
				fmt.Println(ev.Rcpt, "by", strings.Split(ev.Destination, ":")[0])
				wg.Done()
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
	bob, _ := envelope.ParseForwardPath("<bob@example.org>", envelope.ParseOptions{})
	carol, _ := envelope.ParseForwardPath("<carol@example.com>", envelope.ParseOptions{})
	msg := "From: alice@example.com\r\nSubject: hi\r\n\r\nHello.\r\n"
	if _, err := q.Enqueue(ctx, from, []envelope.Path{bob, carol}, strings.NewReader(msg), nil); err != nil {
		log.Fatal(err)
	}
	wg.Wait()
	// Unordered output:
	// <bob@example.org> by example.org
	// <carol@example.com> by lmtp
}
