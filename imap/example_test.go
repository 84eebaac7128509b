package imap_test

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"strings"

	"github.com/mailstack/mailstack/imap"
	"github.com/mailstack/mailstack/store/memstore"
)

// A server over the in-memory store; a client logs in and selects INBOX.
func ExampleServer() {
	srv := &imap.Server{
		Backend: memstore.NewBackend(),
		Auth: imap.AuthenticatorFunc(func(ctx context.Context, user, pass string) error {
			if user == "alice" && pass == "secret" {
				return nil
			}
			return imap.ErrAuthFailed
		}),
		AllowInsecureAuth: true, // loopback only; use TLSConfig otherwise
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	go srv.Serve(l)
	defer srv.Shutdown(context.Background())

	c, _ := net.Dial("tcp", l.Addr().String())
	defer c.Close()
	r := bufio.NewReader(c)
	r.ReadString('\n') // greeting
	fmt.Fprintf(c, "a LOGIN alice secret\r\nb SELECT INBOX\r\n")
	for {
		line, _ := r.ReadString('\n')
		if strings.HasPrefix(line, "* 0 EXISTS") || strings.HasPrefix(line, "b ") {
			fmt.Println(strings.TrimSpace(line))
		}
		if strings.HasPrefix(line, "b ") {
			break
		}
	}
	// Output:
	// * 0 EXISTS
	// b OK [READ-WRITE] SELECT completed
}
