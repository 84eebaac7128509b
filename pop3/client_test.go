package pop3

import (
	"bufio"
	"context"
	"errors"
	"net"
	"strings"
	"testing"
	"time"
)

// fakeServer accepts one connection and runs script on it.
func fakeServer(t *testing.T, script func(br *bufio.Reader, nc net.Conn)) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		nc, err := l.Accept()
		l.Close()
		if err != nil {
			return
		}
		defer nc.Close()
		script(bufio.NewReader(nc), nc)
	}()
	t.Cleanup(func() { l.Close(); <-done })
	return l.Addr().String()
}

// TestClientPipelines: with PIPELINING announced (RFC 2449 §6.6) the
// client sends USER and PASS, and a batch of DELEs, before reading any
// answer. The fake server reads them all first; a client that waited for
// each answer would hang until the context's deadline.
func TestClientPipelines(t *testing.T) {
	addr := fakeServer(t, func(br *bufio.Reader, nc net.Conn) {
		read := func(n int) []string {
			var got []string
			for range n {
				l, err := br.ReadString('\n')
				if err != nil {
					return got
				}
				got = append(got, strings.TrimSpace(l))
			}
			return got
		}
		nc.Write([]byte("+OK ready\r\n"))
		read(1) // CAPA
		nc.Write([]byte("+OK\r\nUIDL\r\nPIPELINING\r\n.\r\n"))
		if got := read(2); strings.Join(got, "|") != "USER a|PASS b c" {
			nc.Write([]byte("-ERR unexpected\r\n"))
			return
		}
		nc.Write([]byte("+OK\r\n+OK\r\n"))
		if got := read(3); strings.Join(got, "|") != "DELE 1|DELE 2|DELE 3" {
			return
		}
		nc.Write([]byte("+OK\r\n-ERR [SYS/TEMP] no\r\n+OK\r\n"))
		read(1)
		nc.Write([]byte("+OK bye\r\n"))
	})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := Dial(ctx, addr, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Capabilities(ctx); err != nil {
		t.Fatal(err)
	}
	if err := c.Login(ctx, "a", "b c"); err != nil {
		t.Fatal(err)
	}
	err = c.Dele(ctx, 1, 2, 3)
	var pe *Error
	if !errors.As(err, &pe) || pe.Code != "SYS/TEMP" || !errors.Is(err, ErrSysTemp) {
		t.Fatalf("Dele: %v", err)
	}
	if err := c.Quit(ctx); err != nil {
		t.Fatal(err)
	}
}

// TestClientMalformed: responses outside the grammar are errors, and the
// connection is not used after them.
func TestClientMalformed(t *testing.T) {
	for _, tc := range []struct{ name, greeting string }{
		{"IMAP greeting", "* OK IMAP4rev1\r\n"},
		{"no space after status", "+OKready\r\n"},
		{"line too long", "+OK " + strings.Repeat("x", 5000) + "\r\n"},
		{"EOF", ""},
	} {
		addr := fakeServer(t, func(br *bufio.Reader, nc net.Conn) {
			nc.Write([]byte(tc.greeting))
		})
		_, err := Dial(context.Background(), addr, nil)
		if err == nil {
			t.Errorf("%s: Dial succeeded", tc.name)
		}
	}
}

func TestParseResponse(t *testing.T) {
	for _, tc := range []struct {
		line string
		want response
		ok   bool
	}{
		{"+OK", response{ok: true}, true},
		{"+OK 2 320", response{ok: true, text: "2 320"}, true},
		{"-ERR [IN-USE] locked", response{code: "IN-USE", text: "locked"}, true},   // RFC 2449 §8.1.1
		{"-ERR [SYS/TEMP] later", response{code: "SYS/TEMP", text: "later"}, true}, // RFC 3206 §4
		{"-ERR [AUTH]", response{code: "AUTH"}, true},                              // RFC 3206 §5
		{"-ERR [not a code] x", response{text: "[not a code] x"}, true},            // RFC 2449 §8: rchar excludes SP
		{"-ERR [A//B] x", response{text: "[A//B] x"}, true},
		{"+ok lower case", response{ok: true, text: "lower case"}, true},
		{"+OKx", response{}, false},
		{"OK", response{}, false},
		{"", response{}, false},
	} {
		got, err := parseResponse([]byte(tc.line))
		if (err == nil) != tc.ok || tc.ok && got != tc.want {
			t.Errorf("parseResponse(%q) = %+v, %v", tc.line, got, err)
		}
	}
}
