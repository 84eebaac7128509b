package wire_test

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/mailstack/mailstack/internal/wire"
)

// A server reads commands; an over-long one is answered and skipped.
func ExampleLineReader() {
	conn := strings.NewReader("EHLO client.example\r\n" + strings.Repeat("X", 600) + "\r\nQUIT\r\n")
	lr := wire.NewLineReader(conn, 512) // RFC 5321 §4.5.3.1.4
	lr.Strict = true
	for {
		line, err := lr.ReadLine()
		switch {
		case errors.Is(err, wire.ErrLineTooLong):
			fmt.Println("500 5.5.2 Line too long")
			continue
		case err != nil:
			fmt.Println("read:", err)
			return
		}
		fmt.Printf("command %q\n", line)
	}
	// Output:
	// command "EHLO client.example"
	// 500 5.5.2 Line too long
	// command "QUIT"
	// read: EOF
}

// A server reads a message after DATA, then the next command from the same
// buffered connection.
func ExampleDataReader() {
	conn := strings.NewReader("DATA\r\nSubject: hi\r\n\r\n..dot\r\n.\r\nQUIT\r\n")
	lr := wire.NewLineReader(conn, 0)
	cmd, _ := lr.ReadLine()
	fmt.Printf("command %q\n", cmd)

	dr := wire.NewDataReader(lr.Reader(), wire.DataOptions{MaxSize: 10 << 20})
	msg, err := io.ReadAll(dr)
	switch {
	case errors.Is(err, wire.ErrDataTooLarge):
		fmt.Println("552 5.3.4 Message too big")
	case errors.Is(err, wire.ErrBareLineEnding):
		fmt.Println("550 5.6.0 Bare CR or LF not allowed")
	case err != nil:
		fmt.Println("read:", err)
		return
	default:
		fmt.Printf("message %q\n", msg)
	}

	cmd, _ = lr.ReadLine()
	fmt.Printf("command %q\n", cmd)
	// Output:
	// command "DATA"
	// message "Subject: hi\r\n\r\n.dot\r\n"
	// command "QUIT"
}

// A client sends a message with Unix line endings.
func ExampleDataWriter() {
	var conn strings.Builder
	dw := wire.NewDataWriter(&conn, wire.DataWriterOptions{
		BareLineEndings: wire.NormalizeBareLineEndings,
	})
	io.WriteString(dw, "Subject: hi\n\n.dot\n")
	if err := dw.Close(); err != nil {
		fmt.Println(err)
	}
	fmt.Printf("%q\n", conn.String())
	// Output:
	// "Subject: hi\r\n\r\n..dot\r\n.\r\n"
}
