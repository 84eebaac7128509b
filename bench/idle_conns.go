//go:build ignore

// idle_conns opens N connections to an SMTP server, reads each greeting,
// sends EHLO and reads the reply, prints "ready" and holds them open until
// its standard input closes. bench/smtp.sh measures the server's RSS
// meanwhile. Usage: go run bench/idle_conns.go ADDR N
package main

import (
	"bufio"
	"fmt"
	"io"
	"log"
	"net"
	"os"
	"strconv"
	"strings"
)

// readReply reads one SMTP reply, multi-line or not.
func readReply(br *bufio.Reader) (string, error) {
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			return "", err
		}
		if len(line) < 4 || line[3] != '-' {
			return strings.TrimSpace(line), nil
		}
	}
}

func main() {
	addr := os.Args[1]
	n, err := strconv.Atoi(os.Args[2])
	if err != nil {
		log.Fatal(err)
	}
	conns := make([]net.Conn, 0, n)
	for i := 0; i < n; i++ {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			log.Fatalf("connection %d: %v", i, err)
		}
		br := bufio.NewReader(c)
		if r, err := readReply(br); err != nil || !strings.HasPrefix(r, "220") {
			log.Fatalf("connection %d greeting %q: %v", i, r, err)
		}
		fmt.Fprintf(c, "EHLO idle%d.example\r\n", i)
		if r, err := readReply(br); err != nil || !strings.HasPrefix(r, "250") {
			log.Fatalf("connection %d EHLO %q: %v", i, r, err)
		}
		conns = append(conns, c)
	}
	fmt.Println("ready")
	io.Copy(io.Discard, os.Stdin)
	for _, c := range conns {
		c.Close()
	}
}
