package pop3

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/mailstack/mailstack/store"
)

// TestBigMessage: a 10 MB message with dot lines, LF-only lines and long
// lines round-trips byte-exact (after CRLF conversion) and LIST's size is
// what RETR delivers.
func TestBigMessage(t *testing.T) {
	ctx := context.Background()
	var b strings.Builder
	b.WriteString("Subject: big\r\n\r\n")
	for i := 0; b.Len() < 10<<20; i++ {
		switch i % 5 {
		case 0:
			b.WriteString(".dot line\r\n")
		case 1:
			b.WriteString("..\r\n")
		case 2:
			b.WriteString(strings.Repeat("x", 3000) + "\n")
		case 3:
			b.WriteString(".\r\n")
		default:
			b.WriteString("plain line\r\n")
		}
	}
	msg := b.String()
	be := newTestBackend()
	be.deliver(t, "alice", msg)
	addr := startServer(t, &Server{Backend: be, AllowInsecureAuth: true})
	c, err := Dial(ctx, addr, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Login(ctx, "alice", "secret"); err != nil {
		t.Fatal(err)
	}
	size, err := c.ListMessage(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	got := retr(t, c, 1)
	want := toCRLF(msg)
	if got != want {
		t.Fatalf("10 MB message differs (len %d, want %d)", len(got), len(want))
	}
	if size != int64(len(got)) {
		t.Errorf("LIST size %d, RETR delivered %d", size, len(got))
	}
}

func TestCRLFSize(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int
	}{
		{"", 0}, {"a", 1}, {"a\r\n", 3}, {"a\n", 3}, {"a\r", 3}, {"\r\r\n", 4}, {"\n\n", 4}, {"a\rb", 4}, {"\r\n\n", 4},
	} {
		got, err := crlfSize(strings.NewReader(tc.in), int64(len(tc.in)))
		if err != nil || got != int64(tc.want) {
			t.Errorf("crlfSize(%q) = %d %v, want %d", tc.in, got, err, tc.want)
		}
		// Agree with what is sent, minus the CRLF the writer adds to
		// an unterminated last line.
		var out bytes.Buffer
		sendable(&out, tc.in)
		if int64(out.Len()) != got {
			t.Errorf("crlfSize(%q) = %d, sent %q", tc.in, got, out.String())
		}
	}
}

// TestExpungedElsewhere: a message removed by another session (an IMAP
// client) after login still counts in STAT and LIST, RETR of it fails
// cleanly, and QUIT still removes the others (RFC 1939 §5: message numbers
// are fixed for the session).
func TestExpungedElsewhere(t *testing.T) {
	ctx := context.Background()
	be := newTestBackend()
	uids := be.deliver(t, "alice", msg1, msg2, "Subject: 3\r\n\r\nx\r\n")
	addr := startServer(t, &Server{Backend: be, AllowInsecureAuth: true})
	c, err := Dial(ctx, addr, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Login(ctx, "alice", "secret"); err != nil {
		t.Fatal(err)
	}
	mb, _ := be.store("alice").OpenMailbox(ctx, "INBOX")
	mb.SetFlags(ctx, store.UIDSetOf(uids[1]), store.FlagsAdd, []string{store.FlagDeleted}, nil)
	if _, err := mb.Expunge(ctx, store.UIDSetOf(uids[1])); err != nil {
		t.Fatal(err)
	}
	if n, _, err := c.Stat(ctx); err != nil || n != 3 {
		t.Fatalf("Stat = %d %v", n, err)
	}
	if _, err := c.Retr(ctx, 2); err == nil || !strings.Contains(err.Error(), "removed by another session") {
		t.Fatalf("Retr of an expunged message: %v", err)
	}
	if got := retr(t, c, 1); got != msg1 {
		t.Errorf("Retr 1 = %q", got)
	}
	if err := c.Dele(ctx, 1, 2); err != nil {
		t.Fatal(err)
	}
	if err := c.Quit(ctx); err != nil {
		t.Fatal(err)
	}
	if n := be.count(t, "alice"); n != 1 {
		t.Errorf("%d messages left, want 1", n)
	}
}
