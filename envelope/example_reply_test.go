package envelope_test

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/mailstack/mailstack/envelope"
)

// A backend returns a *Reply, possibly wrapped; the server finds it with
// errors.As and sends it as is.
func ExampleReply() {
	deliver := func(rcpt string) error {
		r := envelope.Replyf(550, envelope.EnhancedCode{Class: 5, Subject: 1, Detail: 1}, "<%s>: no such user", rcpt)
		return fmt.Errorf("lookup %s: %w", rcpt, r)
	}

	err := deliver("nobody@example.org")
	var reply *envelope.Reply
	if errors.As(err, &reply) {
		fmt.Println("permanent:", reply.Permanent())
		fmt.Println("meaning:", reply.Enhanced.Description())
		reply.WriteTo(os.Stdout)
	}
	// Output:
	// permanent: true
	// meaning: Bad destination mailbox address
	// 550 5.1.1 <nobody@example.org>: no such user
}

// Multi-line replies repeat the code and the enhanced code on every line.
func ExampleReply_WriteTo() {
	r := envelope.NewReply(452, envelope.EnhancedCode{Class: 4, Subject: 5, Detail: 3}, "Too many recipients", "try the rest later")
	var b strings.Builder
	r.WriteTo(&b)
	fmt.Printf("%q\n", b.String())
	// Output:
	// "452-4.5.3 Too many recipients\r\n452 4.5.3 try the rest later\r\n"
}

func ExampleReadReply() {
	conn := bufio.NewReader(strings.NewReader(
		"250-mx.example.org Hello\r\n250-PIPELINING\r\n250 SMTPUTF8\r\n"))
	r, err := envelope.ReadReply(conn, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(r.Code, r.Positive(), r.Lines)
	// Output:
	// 250 true [mx.example.org Hello PIPELINING SMTPUTF8]
}
