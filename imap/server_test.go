package imap

import (
	"bufio"
	"io"
	"net"
	"strings"
	"testing"
	"time"
)

const msg1 = "From: Alice <alice@example.org>\r\nTo: bob@example.org\r\nSubject: hello\r\nDate: Mon, 7 Feb 1994 21:52:25 -0800\r\n\r\nHello world\r\n"

func TestBasicSession(t *testing.T) {
	ts := newTestServer(t, nil)
	ts.deliver(t, "alice", "INBOX", msg1)
	cl := login(t, ts.addr, "alice")
	lines := cl.ok("SELECT INBOX")
	if !hasLine(lines, "* 1 EXISTS") {
		t.Fatalf("SELECT: %q", lines)
	}
	lines = cl.ok("FETCH 1 (UID FLAGS RFC822.SIZE ENVELOPE BODY.PEEK[HEADER.FIELDS (Subject)])")
	t.Logf("%q", lines)
	if len(lines) != 1 || !strings.Contains(lines[0], `"hello"`) || !strings.Contains(lines[0], "RFC822.SIZE 123") {
		t.Fatalf("FETCH: %q", lines)
	}
	lines = cl.ok("UID SEARCH FROM alice")
	if !hasLine(lines, "* SEARCH 1") {
		t.Fatalf("SEARCH: %q", lines)
	}
	lines = cl.ok("STORE 1 +FLAGS (\\Deleted)")
	// The first session to see the message has it as \Recent (RFC 3501
	// §2.3.2).
	if !hasLine(lines, `* 1 FETCH (FLAGS (\Deleted \Recent))`) {
		t.Fatalf("STORE: %q", lines)
	}
	lines = cl.ok("EXPUNGE")
	if !hasLine(lines, "* 1 EXPUNGE") {
		t.Fatalf("EXPUNGE: %q", lines)
	}
	cl.ok("LOGOUT")
}

// Commands pipelined in one write, or sent a byte at a time, are all
// answered: a session waiting for input gives its buffers back and reads
// one byte first.
func TestPipelinedAndByteByByte(t *testing.T) {
	ts := newTestServer(t, nil)
	cl := login(t, ts.addr, "u")
	cl.send("p1 NOOP\r\np2 CAPABILITY\r\np3 NOOP")
	for _, want := range []string{"p1 OK", "* CAPABILITY", "p2 OK", "p3 OK"} {
		if l := cl.line(); !strings.HasPrefix(l, want) {
			t.Fatalf("got %q, want %q", l, want)
		}
	}
	for _, b := range []byte("b1 NOOP\r\n") {
		if _, err := cl.c.Write([]byte{b}); err != nil {
			t.Fatal(err)
		}
	}
	if l := cl.line(); !strings.HasPrefix(l, "b1 OK") {
		t.Fatalf("got %q", l)
	}
}

// One connection over MaxConnections gets BYE [UNAVAILABLE] instead of the
// greeting and is closed; once a session ends its place is free again.
func TestMaxConnections(t *testing.T) {
	ts := newTestServer(t, func(s *Server) { s.MaxConnections = 1 })
	first := dial(t, ts.addr)
	nc, err := net.Dial("tcp", ts.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	nc.SetDeadline(time.Now().Add(10 * time.Second))
	b, _ := io.ReadAll(nc) // until the server closes
	if got := string(b); got != "* BYE [UNAVAILABLE] Too many connections, try again later\r\n" {
		t.Fatalf("over the limit: %q", got)
	}
	first.ok("LOGOUT")
	for deadline := time.Now().Add(10 * time.Second); ; {
		nc, err := net.Dial("tcp", ts.addr)
		if err != nil {
			t.Fatal(err)
		}
		nc.SetDeadline(time.Now().Add(10 * time.Second))
		line, _ := bufio.NewReader(nc).ReadString('\n')
		nc.Close()
		if strings.HasPrefix(line, "* OK ") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after LOGOUT: %q", line)
		}
		time.Sleep(10 * time.Millisecond) // the first session is still ending
	}
}
