package mx_test

import (
	"context"
	"errors"
	"fmt"
	"log"

	"github.com/mailstack/mailstack/envelope"
	"github.com/mailstack/mailstack/mx"
	"github.com/mailstack/mailstack/mx/mxtest"
)

func ExampleResolver_Lookup() {
	// A DNS server on loopback stands in for the real one.
	srv, err := mxtest.NewServer(
		"example.org. 300 IN MX 20 backup.example.org.",
		"example.org. 300 IN MX 10 mail.example.org.",
		"mail.example.org. 300 IN A 192.0.2.25",
		"mail.example.org. 300 IN AAAA 2001:db8::25",
		"backup.example.org. 300 IN A 192.0.2.26",
		"nomail.example.org. 300 IN MX 0 .",
	)
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()

	r := &mx.Resolver{Servers: []string{srv.Addr}}
	res, err := r.Lookup(context.Background(), "example.org")
	if err != nil {
		log.Fatal(err)
	}
	for _, h := range res.Hosts {
		fmt.Println(h.Preference, h.Name, h.Addrs)
	}

	// A domain that takes no mail (RFC 7505): bounce with the reply.
	_, err = r.Lookup(context.Background(), "nomail.example.org")
	var reply *envelope.Reply
	if errors.As(err, &reply) && reply.Permanent() {
		fmt.Println(reply)
	}
	// Output:
	// 10 mail.example.org [192.0.2.25 2001:db8::25]
	// 20 backup.example.org [192.0.2.26]
	// 556 5.1.10 Recipient address has null MX
}

func ExampleResolver_LookupTLSA() {
	srv, err := mxtest.NewServer(
		"_25._tcp.mail.example.org. 300 IN TLSA 3 1 1 8d02536c887482bc34ff54e41d2ba659bf85b341a0a20afadb5813dcfbcf286d",
	)
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()
	srv.SetSecure("_25._tcp.mail.example.org") // the server validated it

	// The resolver is on loopback, so its AD bit is believed.
	r := &mx.Resolver{Servers: []string{srv.Addr}}
	recs, authenticated, err := r.LookupTLSA(context.Background(), 25, "tcp", "mail.example.org")
	if err != nil {
		log.Fatal(err)
	}
	for _, t := range recs {
		fmt.Printf("%d %d %d %x authenticated=%v\n", t.Usage, t.Selector, t.MatchingType, t.Data[:4], authenticated)
	}
	// Output:
	// 3 1 1 8d02536c authenticated=true
}
