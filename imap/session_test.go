package imap

import (
	"fmt"
	"strings"
	"testing"
)

func msgN(i int) string {
	return fmt.Sprintf("Subject: m%d\r\nFrom: x%d@example.org\r\n\r\nbody %d\r\n", i, i, i)
}

// RFC 9051 §7.5.1: no EXPUNGE while answering FETCH, STORE or SEARCH by
// sequence number; NOOP and UID commands deliver it.
func TestExpungeOnlyAtAllowedPoints(t *testing.T) {
	ts := newTestServer(t, nil)
	for i := 1; i <= 4; i++ {
		ts.deliver(t, "u", "INBOX", msgN(i))
	}
	a := login(t, ts.addr, "u")
	b := login(t, ts.addr, "u")
	a.ok("SELECT INBOX")
	b.ok("SELECT INBOX")
	b.ok("STORE 2 +FLAGS.SILENT (\\Deleted)")
	if l := b.ok("EXPUNGE"); !hasLine(l, "* 2 EXPUNGE") {
		t.Fatalf("own EXPUNGE: %q", l)
	}
	for _, cmd := range []string{"FETCH 1:* (FLAGS)", "STORE 1 +FLAGS (\\Seen)", "SEARCH ALL"} {
		lines, _ := a.do(cmd)
		for _, l := range lines {
			if strings.HasSuffix(l, "EXPUNGE") {
				t.Fatalf("%s sent %q", cmd, l)
			}
		}
	}
	// The view still has 4 messages: SEARCH ALL by sequence number.
	if lines, _ := a.do("SEARCH ALL"); !hasLine(lines, "* SEARCH 1 3 4") {
		t.Fatalf("SEARCH during pending expunge: %q", lines)
	}
	lines := a.ok("NOOP")
	if !hasLine(lines, "* 2 EXPUNGE") {
		t.Fatalf("NOOP: %q", lines)
	}
	if lines := a.ok("FETCH 2 (UID)"); !hasLine(lines, "* 2 FETCH (UID 3)") {
		t.Fatalf("after EXPUNGE: %q", lines)
	}
	// A UID command may carry the EXPUNGE (RFC 9051 §7.5.1).
	b.ok("STORE 1 +FLAGS.SILENT (\\Deleted)")
	b.ok("EXPUNGE")
	if lines := a.ok("UID FETCH 1:* (FLAGS)"); !hasLine(lines, "* 1 EXPUNGE") {
		t.Fatalf("UID FETCH: %q", lines)
	}
}

// A keyword set by another session is announced with FLAGS and
// PERMANENTFLAGS before the FETCH that shows it (RFC 9051 §7.3.5).
func TestNewKeywordAnnounced(t *testing.T) {
	ts := newTestServer(t, nil)
	ts.deliver(t, "u", "INBOX", msgN(1))
	a := login(t, ts.addr, "u")
	b := login(t, ts.addr, "u")
	a.ok("SELECT INBOX")
	b.ok("SELECT INBOX")
	b.ok("STORE 1 +FLAGS ($Work)")
	lines := a.ok("NOOP")
	if len(lines) != 3 || !strings.HasPrefix(lines[0], "* FLAGS (") || !strings.Contains(lines[0], "$Work") ||
		!strings.Contains(lines[1], "PERMANENTFLAGS") || lines[2] != `* 1 FETCH (UID 1 FLAGS ($Work \Recent))` {
		t.Fatalf("NOOP: %q", lines)
	}
	// Our own STORE is not echoed again by the change stream.
	if lines := b.ok("NOOP"); len(lines) != 0 {
		t.Fatalf("echo: %q", lines)
	}
}

// A delivery reaches an IDLEing session as EXISTS (RFC 2177).
func TestIdleSeesDelivery(t *testing.T) {
	ts := newTestServer(t, nil)
	ts.deliver(t, "u", "INBOX", msgN(1))
	a := login(t, ts.addr, "u")
	a.ok("SELECT INBOX")
	a.send("i1 IDLE")
	if l := a.line(); !strings.HasPrefix(l, "+ ") {
		t.Fatalf("IDLE: %q", l)
	}
	ts.deliver(t, "u", "INBOX", msgN(2))
	if l := a.line(); l != "* 2 EXISTS" {
		t.Fatalf("got %q", l)
	}
	if l := a.line(); l != "* 2 RECENT" { // RFC 3501 §7.3.2
		t.Fatalf("got %q", l)
	}
	a.send("DONE")
	if l := a.line(); !strings.HasPrefix(l, "i1 OK") {
		t.Fatalf("DONE: %q", l)
	}
}

// EXPUNGE responses carry the sequence numbers current when each is sent
// (RFC 9051 §7.4.1 example: 3, 3, 5 … for messages 3, 4, 7).
func TestExpungeSequenceNumbers(t *testing.T) {
	ts := newTestServer(t, nil)
	for i := 1; i <= 11; i++ {
		ts.deliver(t, "u", "INBOX", msgN(i))
	}
	a := login(t, ts.addr, "u")
	a.ok("SELECT INBOX")
	a.ok("STORE 3,4,7,11 +FLAGS.SILENT (\\Deleted)")
	lines := a.ok("EXPUNGE")
	want := []string{"* 3 EXPUNGE", "* 3 EXPUNGE", "* 5 EXPUNGE", "* 8 EXPUNGE"}
	if strings.Join(lines, "|") != strings.Join(want, "|") {
		t.Fatalf("got %q", lines)
	}
}

// A selected mailbox deleted by another session ends the session.
func TestSelectedMailboxDeleted(t *testing.T) {
	ts := newTestServer(t, nil)
	a := login(t, ts.addr, "u")
	b := login(t, ts.addr, "u")
	a.ok("CREATE Work")
	a.ok("SELECT Work")
	b.ok("DELETE Work")
	a.send("n NOOP")
	if l := a.line(); !strings.HasPrefix(l, "* BYE") {
		t.Fatalf("got %q", l)
	}
}
