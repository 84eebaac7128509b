package imap

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mailstack/mailstack/store"
)

// expectLines fails unless got holds want, in order, as whole lines (other
// lines may come between).
func expectLines(t *testing.T, cmd string, got []string, want ...string) {
	t.Helper()
	i := 0
	for _, l := range got {
		if i < len(want) && l == want[i] {
			i++
		}
	}
	if i < len(want) {
		t.Fatalf("%s: missing %q in\n%s", cmd, want[i], strings.Join(got, "\n"))
	}
}

func noLine(t *testing.T, cmd string, got []string, sub string) {
	t.Helper()
	for _, l := range got {
		if strings.Contains(l, sub) {
			t.Fatalf("%s: unexpected %q", cmd, l)
		}
	}
}

// modseqOf returns a message's modseq from the store.
func modseqOf(t *testing.T, ts *testServer, uid store.UID) store.ModSeq {
	t.Helper()
	mb, err := ts.userStore(t, "u").OpenMailbox(context.Background(), "INBOX")
	if err != nil {
		t.Fatal(err)
	}
	defer mb.Close()
	infos, err := mb.List(context.Background(), store.UIDSetOf(uid))
	if err != nil || len(infos) != 1 {
		t.Fatalf("List %d: %v", uid, err)
	}
	return infos[0].ModSeq
}

func highest(t *testing.T, ts *testServer) store.ModSeq {
	mb, _ := ts.userStore(t, "u").OpenMailbox(context.Background(), "INBOX")
	defer mb.Close()
	st, _ := mb.Status(context.Background())
	return st.HighestModSeq
}

func ms(n store.ModSeq) string { return itoa(uint64(n)) }

// TestCondstoreCommands checks RFC 7162 §3.1 command by command with raw
// scripts: the enabling commands, MODSEQ in FETCH, CHANGEDSINCE,
// UNCHANGEDSINCE with MODIFIED (sequence numbers for STORE, UIDs for UID
// STORE), .SILENT, SEARCH MODSEQ, STATUS HIGHESTMODSEQ and EXPUNGE's
// HIGHESTMODSEQ.
func TestCondstoreCommands(t *testing.T) {
	ts := newTestServer(t, nil)
	for i := 0; i < 5; i++ {
		ts.deliver(t, "u", "INBOX", msg1)
	}
	cl := login(t, ts.addr, "u")
	cl.ok("ENABLE IMAP4rev2")
	lines := cl.ok("SELECT INBOX")
	noLine(t, "SELECT", lines, "HIGHESTMODSEQ") // not CONDSTORE-aware yet
	// FETCH MODSEQ enables CONDSTORE with a mailbox selected: untagged
	// OK [HIGHESTMODSEQ] first (RFC 7162 §3.1.2.1).
	lines = cl.ok("FETCH 1 (MODSEQ)")
	expectLines(t, "FETCH MODSEQ", lines, "* OK [HIGHESTMODSEQ "+ms(highest(t, ts))+"] Highest",
		"* 1 FETCH (MODSEQ ("+ms(modseqOf(t, ts, 1))+"))")

	// Another session's flag change arrives with UID and MODSEQ.
	other := login(t, ts.addr, "u")
	other.ok("SELECT INBOX")
	other.ok(`STORE 2 +FLAGS (\Flagged)`)
	lines = cl.ok("NOOP")
	expectLines(t, "NOOP", lines, "* 2 FETCH (UID 2 MODSEQ ("+ms(modseqOf(t, ts, 2))+`) FLAGS (\Flagged))`)

	// STORE: MODSEQ in the FETCH, FLAGS unless silent (as Dovecot:
	// UID only for UID STORE).
	lines = cl.ok(`STORE 1 +FLAGS (\Seen)`)
	expectLines(t, "STORE", lines, "* 1 FETCH (MODSEQ ("+ms(modseqOf(t, ts, 1))+`) FLAGS (\Seen))`)
	lines = cl.ok(`STORE 3 +FLAGS.SILENT (\Answered)`)
	expectLines(t, "STORE.SILENT", lines, "* 3 FETCH (MODSEQ ("+ms(modseqOf(t, ts, 3))+"))")

	// UNCHANGEDSINCE: 2 and 3 changed after m; 4 and 5 did not.
	m := modseqOf(t, ts, 5)
	lines, st := cl.do(`STORE 2:5 (UNCHANGEDSINCE ` + ms(m) + `) +FLAGS (\Deleted)`)
	if st != "OK [MODIFIED 2:3] Conditional STORE failed" {
		t.Fatalf("conditional STORE: %s", st)
	}
	expectLines(t, "conditional STORE", lines,
		"* 4 FETCH (MODSEQ ("+ms(modseqOf(t, ts, 4))+`) FLAGS (\Deleted))`,
		"* 5 FETCH (MODSEQ ("+ms(modseqOf(t, ts, 5))+`) FLAGS (\Deleted))`)
	noLine(t, "conditional STORE", lines, "* 2 FETCH")
	if _, st := cl.do(`UID STORE 1,3 (UNCHANGEDSINCE 0) FLAGS.SILENT ()`); st != "OK [MODIFIED 1,3] Conditional STORE failed" {
		t.Fatalf("UNCHANGEDSINCE 0: %s", st)
	}
	if _, st := cl.do(`STORE 1 (UNCHANGEDSINCE x) +FLAGS (\Seen)`); !strings.HasPrefix(st, "BAD") {
		t.Fatalf("bad modifier: %s", st)
	}

	// CHANGEDSINCE: only what changed after the given modseq, with
	// MODSEQ.
	lines = cl.ok("FETCH 1:* (FLAGS) (CHANGEDSINCE " + ms(modseqOf(t, ts, 3)) + ")")
	if len(lines) != 2 {
		t.Fatalf("CHANGEDSINCE: %q", lines)
	}
	expectLines(t, "CHANGEDSINCE", lines, `* 4 FETCH (FLAGS (\Deleted) MODSEQ (`+ms(modseqOf(t, ts, 4))+"))",
		`* 5 FETCH (FLAGS (\Deleted) MODSEQ (`+ms(modseqOf(t, ts, 5))+"))")

	// SEARCH MODSEQ: the highest modseq of the results at the end.
	top := highest(t, ts)
	lines = cl.ok("SEARCH RETURN () MODSEQ " + ms(m+1))
	expectLines(t, "SEARCH MODSEQ", lines, `* ESEARCH (TAG "t12") ALL 1:5 MODSEQ `+ms(top))
	lines = cl.ok(`UID SEARCH RETURN (MIN) MODSEQ "/flags/\\Seen" all ` + ms(m+1))
	expectLines(t, "SEARCH MODSEQ MIN", lines, `* ESEARCH (TAG "t13") UID MIN 1 MODSEQ `+ms(modseqOf(t, ts, 1)))
	lines = cl.ok("SEARCH MODSEQ " + ms(top+1))
	expectLines(t, "SEARCH MODSEQ none", lines, `* ESEARCH (TAG "t14")`)

	lines = cl.ok("STATUS INBOX (MESSAGES HIGHESTMODSEQ)")
	expectLines(t, "STATUS", lines, `* STATUS "INBOX" (MESSAGES 5 HIGHESTMODSEQ `+ms(top)+")")
	lines = cl.ok(`LIST "" INBOX RETURN (STATUS (HIGHESTMODSEQ))`)
	expectLines(t, "LIST-STATUS", lines, `* STATUS "INBOX" (HIGHESTMODSEQ `+ms(top)+")")

	// EXPUNGE: its OK carries the HIGHESTMODSEQ after it.
	lines, st = cl.do("EXPUNGE")
	expectLines(t, "EXPUNGE", lines, "* 4 EXPUNGE", "* 4 EXPUNGE")
	if st != "OK [HIGHESTMODSEQ "+ms(highest(t, ts))+"] EXPUNGE completed" {
		t.Fatalf("EXPUNGE: %s", st)
	}
}

// TestCondstoreRev1Search checks the SEARCH (not ESEARCH) form of the
// MODSEQ result, SORT with MODSEQ and SELECT (CONDSTORE).
func TestCondstoreRev1Search(t *testing.T) {
	ts := newTestServer(t, nil)
	for i := 0; i < 3; i++ {
		ts.deliver(t, "u", "INBOX", msg1)
	}
	cl := login(t, ts.addr, "u")
	lines := cl.ok("EXAMINE INBOX (CONDSTORE)")
	expectLines(t, "EXAMINE (CONDSTORE)", lines, "* OK [HIGHESTMODSEQ "+ms(highest(t, ts))+"] Highest")
	lines = cl.ok("SEARCH MODSEQ " + ms(modseqOf(t, ts, 2)))
	expectLines(t, "SEARCH", lines, "* SEARCH 2 3 (MODSEQ "+ms(modseqOf(t, ts, 3))+")")
	lines = cl.ok("SEARCH MODSEQ 99999")
	expectLines(t, "SEARCH none", lines, "* SEARCH")
	// SORT with MODSEQ (RFC 7162 §3.1.9), and its ESEARCH form, where
	// MIN is the first in sort order.
	lines = cl.ok("SORT (ARRIVAL) UTF-8 MODSEQ " + ms(modseqOf(t, ts, 2)))
	expectLines(t, "SORT", lines, "* SORT 2 3 (MODSEQ "+ms(modseqOf(t, ts, 3))+")")
	lines = cl.ok("SORT RETURN (MIN) (ARRIVAL) UTF-8 MODSEQ " + ms(modseqOf(t, ts, 2)))
	expectLines(t, "SORT RETURN (MIN)", lines, `* ESEARCH (TAG "t6") MIN 2 MODSEQ `+ms(modseqOf(t, ts, 2)))
	lines = cl.ok("SORT RETURN () (ARRIVAL) UTF-8 MODSEQ 1")
	expectLines(t, "SORT RETURN ()", lines, `* ESEARCH (TAG "t7") ALL 1:3 MODSEQ `+ms(modseqOf(t, ts, 3)))
	if _, st := cl.do("SELECT INBOX (QRESYNC (1 1))"); !strings.HasPrefix(st, "BAD") {
		t.Fatalf("QRESYNC without ENABLE: %s", st)
	}
	if _, st := cl.do("SELECT INBOX (FOO)"); !strings.HasPrefix(st, "BAD") {
		t.Fatalf("unknown select parameter: %s", st)
	}
}

// TestQResyncVanished checks that once QRESYNC is enabled VANISHED
// replaces EXPUNGE after EXPUNGE, UID EXPUNGE and MOVE, and during IDLE
// (RFC 7162 §3.2.10), and UID FETCH (CHANGEDSINCE … VANISHED) (§3.2.6).
func TestQResyncVanished(t *testing.T) {
	ts := newTestServer(t, nil)
	for i := 0; i < 10; i++ {
		ts.deliver(t, "u", "INBOX", msg1)
	}
	cl := login(t, ts.addr, "u")
	if l := cl.ok("ENABLE IMAP4rev2 QRESYNC CONDSTORE"); !hasLine(l, "* ENABLED IMAP4rev2 QRESYNC CONDSTORE") {
		t.Fatalf("ENABLE: %q", l)
	}
	cl.ok("CREATE Trash")
	lines := cl.ok("SELECT INBOX")
	m0 := highest(t, ts)
	expectLines(t, "SELECT", lines, "* OK [HIGHESTMODSEQ "+ms(m0)+"] Highest")
	if _, st := cl.do("FETCH 1:* (FLAGS) (CHANGEDSINCE 1 VANISHED)"); !strings.HasPrefix(st, "BAD") {
		t.Fatalf("VANISHED without UID: %s", st)
	}
	if _, st := cl.do("UID FETCH 1:* (FLAGS) (VANISHED)"); !strings.HasPrefix(st, "BAD") {
		t.Fatalf("VANISHED without CHANGEDSINCE: %s", st)
	}

	cl.ok(`STORE 1:3 +FLAGS.SILENT (\Deleted)`)
	lines, st := cl.do("EXPUNGE")
	expectLines(t, "EXPUNGE", lines, "* VANISHED 1:3")
	noLine(t, "EXPUNGE", lines, "EXPUNGE")
	if !strings.HasPrefix(st, "OK [HIGHESTMODSEQ ") {
		t.Fatalf("EXPUNGE: %s", st)
	}
	cl.ok(`UID STORE 5,7 +FLAGS.SILENT (\Deleted)`)
	lines = cl.ok("UID EXPUNGE 4:5")
	expectLines(t, "UID EXPUNGE", lines, "* VANISHED 5")
	lines = cl.ok("UID MOVE 8:9 Trash")
	expectLines(t, "MOVE", lines, "* VANISHED 8:9")

	// Another session expunges while this one idles.
	other := login(t, ts.addr, "u")
	other.ok("SELECT INBOX")
	cl.send("i1 IDLE")
	if l := cl.line(); !strings.HasPrefix(l, "+ ") {
		t.Fatalf("IDLE: %q", l)
	}
	other.ok("UID EXPUNGE 7")
	cl.c.SetReadDeadline(time.Now().Add(10 * time.Second))
	if l := cl.line(); l != "* VANISHED 7" {
		t.Fatalf("during IDLE: %q", l)
	}
	cl.send("DONE")
	if l := cl.line(); !strings.HasPrefix(l, "i1 OK") {
		t.Fatalf("IDLE end: %q", l)
	}

	// UID FETCH (CHANGEDSINCE m0 VANISHED): the UIDs of the set
	// expunged since m0, then what changed.
	other.ok(`UID STORE 10 +FLAGS (\Seen)`)
	lines = cl.ok("UID FETCH 2:* (FLAGS) (CHANGEDSINCE " + ms(m0) + " VANISHED)")
	if lines[0] != "* VANISHED (EARLIER) 2:3,5,7:9" {
		t.Fatalf("VANISHED (EARLIER): %q", lines)
	}
	expectLines(t, "UID FETCH VANISHED", lines, `* 3 FETCH (UID 10 FLAGS (\Seen) MODSEQ (`+ms(modseqOf(t, ts, 10))+"))")
	for _, l := range lines[1:] {
		if !strings.HasPrefix(l, "* 3 FETCH (UID 10 ") { // the poll may repeat it
			t.Fatalf("UID FETCH VANISHED: %q", lines)
		}
	}

	// \Seen set by FETCH: with QRESYNC, UID and MODSEQ come too (RFC
	// 7162 §3.2.4).
	lines = cl.ok("FETCH 1 (BODY[HEADER.FIELDS (Subject)])")
	if len(lines) != 1 || !strings.HasSuffix(lines[0], ` FLAGS (\Seen) UID 4 MODSEQ (`+ms(modseqOf(t, ts, 4))+"))") {
		t.Fatalf("FETCH that sets Seen: %q", lines)
	}

	// SELECT while selected: [CLOSED] first (RFC 7162 §3.2.11).
	lines = cl.ok("SELECT Trash")
	if !slices.Contains(lines, "* OK [CLOSED] Previous mailbox closed") {
		t.Fatalf("no CLOSED: %q", lines)
	}
}

// TestCondstoreEnableWithPendingExpunge: enabling CONDSTORE while an
// expunge waits to be announced (no EXPUNGE during FETCH by sequence
// number, RFC 9051 §7.5.1) gives a HIGHESTMODSEQ from before it, so that a
// client resynchronising from it still learns of the expunge.
func TestCondstoreEnableWithPendingExpunge(t *testing.T) {
	ts := newTestServer(t, nil)
	for i := 0; i < 3; i++ {
		ts.deliver(t, "u", "INBOX", msg1)
	}
	a := login(t, ts.addr, "u")
	a.ok("SELECT INBOX")
	before := highest(t, ts)
	b := login(t, ts.addr, "u")
	b.ok("SELECT INBOX")
	b.ok(`STORE 2 +FLAGS.SILENT (\Deleted)`)
	b.ok("EXPUNGE")
	a.ok("FETCH 1 (FLAGS)") // learns of the expunge, may not tell
	lines := a.ok("FETCH 1 (MODSEQ)")
	if got := lines[0]; got != "* OK [HIGHESTMODSEQ "+ms(before+1)+"] Highest" && got != "* OK [HIGHESTMODSEQ "+ms(before)+"] Highest" {
		t.Fatalf("HIGHESTMODSEQ with an expunge pending: %q (before %d, now %d)", lines, before, highest(t, ts))
	}
	lines = a.ok("NOOP")
	expectLines(t, "NOOP", lines, "* 2 EXPUNGE")
}
