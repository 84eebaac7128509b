//go:build ignore

// gosmtp_sink is the comparison server of bench/smtp.sh: go-smtp with a
// backend that discards every message, configured like
// examples/smtp-sink (PIPELINING, 8BITMIME, SMTPUTF8, CHUNKING, 32 MiB).
// It is outside the module's build (go:build ignore), so go-smtp stays a
// test-only dependency; run it with "go run bench/gosmtp_sink.go ADDR".
package main

import (
	"fmt"
	"io"
	"log"
	"net"
	"os"

	"github.com/emersion/go-smtp"
)

type backend struct{}

func (backend) NewSession(*smtp.Conn) (smtp.Session, error) { return session{}, nil }

type session struct{}

func (session) Mail(string, *smtp.MailOptions) error { return nil }
func (session) Rcpt(string, *smtp.RcptOptions) error { return nil }
func (session) Data(r io.Reader) error {
	_, err := io.Copy(io.Discard, r)
	return err
}
func (session) Reset()        {}
func (session) Logout() error { return nil }

func main() {
	addr := "127.0.0.1:2526"
	if len(os.Args) > 1 {
		addr = os.Args[1]
	}
	s := smtp.NewServer(backend{})
	s.Domain = "localhost"
	s.MaxMessageBytes = 32 << 20
	s.MaxRecipients = 100
	s.EnableSMTPUTF8 = true
	s.EnableBINARYMIME = true
	l, err := net.Listen("tcp", addr)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("listening on %s\n", l.Addr())
	log.Fatal(s.Serve(l))
}
