package mxtest_test

import (
	"context"
	"errors"
	"fmt"
	"log"

	"github.com/mailstack/mailstack/envelope"
	"github.com/mailstack/mailstack/mx"
	"github.com/mailstack/mailstack/mx/mxtest"
)

func ExampleNewServer() {
	srv, err := mxtest.NewServer(
		"example.org. 300 IN MX 10 mx.example.org.",
		"mx.example.org. 300 IN A 127.0.0.1",
	)
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()
	srv.Set("broken.example.org", mxtest.ServFail)

	r := &mx.Resolver{Servers: []string{srv.Addr}}
	res, err := r.Lookup(context.Background(), "example.org")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(res.Hosts[0].Name, res.Hosts[0].Addrs)
	_, err = r.Lookup(context.Background(), "broken.example.org")
	var reply *envelope.Reply
	if errors.As(err, &reply) {
		fmt.Println(errors.Is(err, mx.ErrServerFailure), reply)
	}
	// Output:
	// mx.example.org [127.0.0.1]
	// true 451 4.4.3 DNS lookup of broken.example.org failed, try again later
}
