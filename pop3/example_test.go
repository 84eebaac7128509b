package pop3_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"strings"

	"github.com/mailstack/mailstack/pop3"
	"github.com/mailstack/mailstack/store"
	"github.com/mailstack/mailstack/store/memstore"
)

// A server for one user over an in-memory store, and a client fetching
// and deleting the message.
func Example() {
	ctx := context.Background()
	backend := memstore.NewBackend()
	st, _ := backend.Open(ctx, "alice")
	inbox, _ := st.OpenMailbox(ctx, "INBOX")
	inbox.Append(ctx, strings.NewReader("Subject: hello\r\n\r\nHi Alice.\r\n"), nil)

	srv := &pop3.Server{
		Backend: pop3.BackendFunc(func(ctx context.Context, _ *pop3.ConnInfo, user, pass string) (*pop3.Maildrop, error) {
			if user != "alice" || pass != "secret" {
				return nil, pop3.ErrAuthFailed
			}
			st, err := backend.Open(ctx, user)
			return &pop3.Maildrop{Store: st}, err
		}),
		AllowInsecureAuth: true, // loopback only; set TLSConfig otherwise
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	go srv.Serve(l)
	defer srv.Close()

	c, err := pop3.Dial(ctx, l.Addr().String(), nil)
	if err != nil {
		log.Fatal(err)
	}
	if err := c.Login(ctx, "alice", "secret"); err != nil {
		log.Fatal(err)
	}
	uids, _ := c.UIDL(ctx)
	fmt.Println(len(uids), "message")
	r, _ := c.Retr(ctx, 1)
	body, _ := io.ReadAll(r)
	fmt.Printf("%q\n", body)
	c.Dele(ctx, 1)
	if err := c.Quit(ctx); err != nil {
		log.Fatal(err)
	}
	status, _ := inbox.Status(ctx)
	fmt.Println(status.Messages, "left")
	// Output:
	// 1 message
	// "Subject: hello\r\n\r\nHi Alice.\r\n"
	// 0 left
}

// Unique-ids in Dovecot's default format: UID then UIDVALIDITY in hex.
func ExampleDovecotUIDL() {
	fmt.Println(pop3.DovecotUIDL(1700000000, store.UID(42)))
	// Output: 0000002a6553f100
}

// Telling response codes apart on the client side.
func ExampleError() {
	var err error = &pop3.Error{Code: "IN-USE", Text: "maildrop already locked"}
	fmt.Println(errors.Is(err, pop3.ErrInUse), errors.Is(err, pop3.ErrAuthFailed))
	fmt.Println(err)
	// Output:
	// true false
	// pop3: -ERR [IN-USE] maildrop already locked
}
