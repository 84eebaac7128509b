package imap

import (
	"strings"
	"testing"

	"github.com/mailstack/mailstack/store"
)

// RFC 3501 §2.3.2: a message is \Recent in exactly one read-write session,
// the first to learn of it, at SELECT or as it arrives.
func TestRecentFirstSessionOnly(t *testing.T) {
	ts := newTestServer(t, nil)
	ts.deliver(t, "u", "INBOX", msgN(1))
	ts.deliver(t, "u", "INBOX", msgN(2))
	a := login(t, ts.addr, "u")
	b := login(t, ts.addr, "u")
	if lines := a.ok("SELECT INBOX"); !hasLine(lines, "* 2 RECENT") { // RFC 3501 §7.3.2
		t.Fatalf("A SELECT: %q", lines)
	}
	if lines := b.ok("SELECT INBOX"); !hasLine(lines, "* 0 RECENT") {
		t.Fatalf("B SELECT: %q", lines)
	}
	if lines := a.ok("FETCH 1:* (FLAGS)"); !hasLine(lines, `* 1 FETCH (FLAGS (\Recent))`) || !hasLine(lines, `* 2 FETCH (FLAGS (\Recent))`) {
		t.Fatalf("A FETCH: %q", lines)
	}
	if lines := b.ok("FETCH 1 (FLAGS)"); !hasLine(lines, `* 1 FETCH (FLAGS ())`) {
		t.Fatalf("B FETCH: %q", lines)
	}
	// A delivery goes to whichever session hears of it first.
	ts.deliver(t, "u", "INBOX", msgN(3))
	if lines := b.ok("NOOP"); strings.Join(lines, "|") != "* 3 EXISTS|* 1 RECENT" {
		t.Fatalf("B NOOP: %q", lines)
	}
	if lines := a.ok("NOOP"); strings.Join(lines, "|") != "* 3 EXISTS|* 2 RECENT" {
		t.Fatalf("A NOOP: %q", lines)
	}
	// RFC 3501 §6.4.4 RECENT, NEW (recent and unseen), OLD.
	a.ok(`STORE 2 +FLAGS.SILENT (\Seen)`)
	if lines := b.ok("NOOP"); !hasLine(lines, `* 2 FETCH (UID 2 FLAGS (\Seen))`) {
		t.Fatalf("B NOOP: %q", lines)
	}
	for _, c := range []struct {
		cl        *client
		key, want string
	}{
		{a, "RECENT", "* SEARCH 1 2"},
		{a, "NEW", "* SEARCH 1"},
		{a, "OLD", "* SEARCH 3"},
		{a, "NOT RECENT", "* SEARCH 3"},
		{b, "RECENT", "* SEARCH 3"},
		{b, "NEW", "* SEARCH 3"},
		{b, "OLD", "* SEARCH 1 2"},
	} {
		if lines := c.cl.ok("SEARCH " + c.key); len(lines) != 1 || lines[0] != c.want {
			t.Errorf("SEARCH %s: %q, want %q", c.key, lines, c.want)
		}
	}
	// \Recent cannot be stored or removed (RFC 3501 §2.3.2) and stays in
	// the FLAGS of STORE's answer.
	if lines := a.ok(`STORE 1 FLAGS (\Flagged \Recent)`); !hasLine(lines, `* 1 FETCH (FLAGS (\Flagged \Recent))`) {
		t.Fatalf("STORE: %q", lines)
	}
	// A later session sees nothing recent.
	c := login(t, ts.addr, "u")
	if lines := c.ok("SELECT INBOX"); !hasLine(lines, "* 0 RECENT") {
		t.Fatalf("C SELECT: %q", lines)
	}
}

// RFC 3501 §6.3.2: EXAMINE must not take \Recent away; it still shows it.
// IMAP4rev2 sessions neither show nor take it (RFC 9051 §E).
func TestRecentExamineAndRev2DoNotClaim(t *testing.T) {
	ts := newTestServer(t, nil)
	ts.deliver(t, "u", "INBOX", msgN(1))
	e := login(t, ts.addr, "u")
	if lines := e.ok("EXAMINE INBOX"); !hasLine(lines, "* 1 RECENT") {
		t.Fatalf("EXAMINE: %q", lines)
	}
	if lines := e.ok("FETCH 1 (FLAGS)"); !hasLine(lines, `* 1 FETCH (FLAGS (\Recent))`) {
		t.Fatalf("EXAMINE FETCH: %q", lines)
	}
	r2 := login(t, ts.addr, "u")
	r2.ok("ENABLE IMAP4rev2")
	lines := r2.ok("SELECT INBOX")
	for _, l := range lines {
		if strings.Contains(l, "RECENT") {
			t.Fatalf("IMAP4rev2 SELECT sent %q", l)
		}
	}
	if lines := r2.ok("FETCH 1 (FLAGS)"); !hasLine(lines, `* 1 FETCH (FLAGS ())`) {
		t.Fatalf("IMAP4rev2 FETCH: %q", lines)
	}
	ts.deliver(t, "u", "INBOX", msgN(2))
	if lines := r2.ok("NOOP"); strings.Join(lines, "|") != "* 2 EXISTS" {
		t.Fatalf("IMAP4rev2 NOOP: %q", lines)
	}
	if lines := e.ok("NOOP"); strings.Join(lines, "|") != "* 2 EXISTS|* 2 RECENT" {
		t.Fatalf("EXAMINE NOOP: %q", lines)
	}
	a := login(t, ts.addr, "u")
	if lines := a.ok("SELECT INBOX"); !hasLine(lines, "* 2 RECENT") {
		t.Fatalf("SELECT after EXAMINE and IMAP4rev2: %q", lines)
	}
}

// STATUS RECENT counts the messages a session selecting now would see as
// recent (RFC 3501 §6.3.10).
func TestStatusRecent(t *testing.T) {
	ts := newTestServer(t, nil)
	ts.deliver(t, "u", "INBOX", msgN(1))
	ts.deliver(t, "u", "INBOX", msgN(2))
	cl := login(t, ts.addr, "u")
	status := func(want string) {
		t.Helper()
		if lines := cl.ok("STATUS INBOX (MESSAGES RECENT)"); len(lines) != 1 || lines[0] != want {
			t.Fatalf("STATUS: %q, want %q", lines, want)
		}
	}
	status(`* STATUS "INBOX" (MESSAGES 2 RECENT 2)`)
	a := login(t, ts.addr, "u")
	a.ok("SELECT INBOX")
	status(`* STATUS "INBOX" (MESSAGES 2 RECENT 0)`)
	ts.deliver(t, "u", "INBOX", msgN(3))
	status(`* STATUS "INBOX" (MESSAGES 3 RECENT 1)`)
	if lines := cl.ok(`LIST "" INBOX RETURN (STATUS (RECENT))`); !hasLine(lines, `* STATUS "INBOX" (RECENT 1)`) {
		t.Fatalf("LIST-STATUS: %q", lines)
	}
}

// An IDLEing IMAP4rev1 session claims what arrives and says so.
func TestRecentDuringIdle(t *testing.T) {
	ts := newTestServer(t, nil)
	a := login(t, ts.addr, "u")
	a.ok("SELECT INBOX")
	a.send("i IDLE")
	a.line()
	ts.deliver(t, "u", "INBOX", msgN(1))
	if l1, l2 := a.line(), a.line(); l1 != "* 1 EXISTS" || l2 != "* 1 RECENT" {
		t.Fatalf("IDLE: %q %q", l1, l2)
	}
	a.send("DONE")
	a.line()
	if lines := a.ok("FETCH 1 FLAGS"); !hasLine(lines, `* 1 FETCH (FLAGS (\Recent))`) {
		t.Fatalf("FETCH: %q", lines)
	}
}

func TestRecentTracker(t *testing.T) {
	var tr recentTracker
	k := recentKey{"u", "INBOX"}
	uids := []store.UID{3, 5, 9}
	if r, ok := tr.claim(k, 7, uids, false); !ok || r != (store.UIDRange{Start: 3, Stop: 9}) {
		t.Fatalf("peek: %v %v", r, ok)
	}
	if r, ok := tr.claim(k, 7, uids, true); !ok || r.Start != 3 {
		t.Fatalf("take: %v %v", r, ok)
	}
	if _, ok := tr.claim(k, 7, uids, true); ok {
		t.Fatal("claimed twice")
	}
	if r, ok := tr.claim(k, 7, []store.UID{5, 9, 10, 12}, true); !ok || r != (store.UIDRange{Start: 10, Stop: 12}) {
		t.Fatalf("new arrivals: %v %v", r, ok)
	}
	// RFC 9051 §2.3.1.1: a new UIDVALIDITY voids the record.
	if r, ok := tr.claim(k, 8, []store.UID{1}, true); !ok || r.Start != 1 {
		t.Fatalf("new UIDVALIDITY: %v %v", r, ok)
	}
	if got := tr.claimed(k, 7); got != 0 {
		t.Fatalf("claimed under the old UIDVALIDITY: %d", got)
	}
	// The record is bounded.
	for i := range maxRecentMailboxes + 10 {
		tr.claim(recentKey{"u", string(rune(i))}, 1, []store.UID{1}, true)
	}
	if n := len(tr.marks); n > maxRecentMailboxes {
		t.Fatalf("%d records", n)
	}
}

func TestViewRecentRanges(t *testing.T) {
	v := &view{uids: newUIDList([]store.UID{1, 2, 4, 7, 8, 10}), recent: store.UIDSet{{Start: 2, Stop: 4}, {Start: 8, Stop: 10}}}
	var got []store.UID
	for u := store.UID(0); u <= 11; u++ {
		if v.isRecent(u) {
			got = append(got, u)
		}
	}
	if len(got) != 6 || got[0] != 2 || got[5] != 10 { // 2 3 4 8 9 10
		t.Fatalf("isRecent: %v", got)
	}
	if n := v.recentCount(); n != 4 { // 2 4 8 10 are in the view
		t.Fatalf("recentCount = %d", n)
	}
}
