package serve_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"strings"
	"time"

	"github.com/mailstack/mailstack/internal/serve"
)

// A protocol gives Serve what it does with a connection, turns away one
// over the limit in its own words, and tells a session how to wind down.
func ExampleGroup() {
	var g serve.Group[net.Conn]
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	served := make(chan error)
	go func() {
		served <- g.Serve(l, serve.RetryTimeouts, func(nc net.Conn) {
			ok, full := g.Add(nc, 1)
			if !ok {
				nc.Close()
				return
			}
			go func() {
				defer g.Remove(nc)
				defer nc.Close()
				if full {
					io.WriteString(nc, "-ERR too many connections\r\n")
					return
				}
				io.WriteString(nc, "+OK ready\r\n")
				io.Copy(io.Discard, nc) // until Shutdown's deadline
				io.WriteString(nc, "-ERR shutting down\r\n")
			}()
		})
	}()

	first, _ := net.Dial("tcp", l.Addr().String())
	r1 := bufio.NewReader(first)
	line, _ := r1.ReadString('\n')
	fmt.Println(strings.TrimSpace(line))
	second, _ := net.Dial("tcp", l.Addr().String())
	line, _ = bufio.NewReader(second).ReadString('\n')
	fmt.Println(strings.TrimSpace(line))

	wake := func(nc net.Conn) { nc.SetReadDeadline(time.Now()) }
	fmt.Println("Shutdown:", g.Shutdown(context.Background(), wake, nil))
	line, _ = r1.ReadString('\n')
	fmt.Println(strings.TrimSpace(line))
	fmt.Println("Serve:", <-served)
	// Output:
	// +OK ready
	// -ERR too many connections
	// Shutdown: <nil>
	// -ERR shutting down
	// Serve: serve: closed
}
