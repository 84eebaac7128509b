package imap

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/mailstack/mailstack/internal/testpeer"
	"github.com/mailstack/mailstack/maildir"
	"github.com/mailstack/mailstack/store"
)

// untagged reads the next line, which must be untagged: a notification
// sent while the client has no command in progress.
func (cl *client) untagged() string {
	cl.t.Helper()
	l := cl.line()
	if !strings.HasPrefix(l, "* ") {
		cl.t.Fatalf("expected an untagged response, got %q", l)
	}
	return l
}

// expect reads untagged lines until one matches re; lines matching skip
// may come before it, any other line fails the test.
func (cl *client) expect(re, skip string) string {
	cl.t.Helper()
	want := regexp.MustCompile(re)
	var ignore *regexp.Regexp
	if skip != "" {
		ignore = regexp.MustCompile(skip)
	}
	for {
		l := cl.untagged()
		switch {
		case want.MatchString(l):
			return l
		case ignore != nil && ignore.MatchString(l):
		default:
			cl.t.Fatalf("got %q, want %s", l, re)
		}
	}
}

// TestNotifyBetweenCommands is the acceptance script of RFC 5465: session
// A sets NOTIFY and sends nothing more; session B appends, flags,
// expunges, creates, renames, subscribes and deletes; A reads each
// notification as it comes.
func TestNotifyBetweenCommands(t *testing.T) {
	ts := newTestServer(t, nil)
	a := login(t, ts.addr, "u")
	a.ok("ENABLE IMAP4rev2")
	a.ok("CREATE Other")
	a.ok("SELECT INBOX")
	a.ok("NOTIFY SET (SELECTED (MessageNew (UID FLAGS) MessageExpunge FlagChange)) " +
		"(PERSONAL (MessageNew MessageExpunge FlagChange MailboxName SubscriptionChange))")
	b := login(t, ts.addr, "u")

	// MessageNew in the selected mailbox: EXISTS, then the FETCH asked
	// for (§5.2).
	b.ok("APPEND INBOX {6+}\r\nHi!\r\n")
	a.expect(`^\* 1 EXISTS$`, "")
	a.expect(`^\* 1 FETCH \(UID 1 FLAGS \(\)\)$`, "")

	// MessageNew elsewhere: STATUS (§5.2).
	b.ok("APPEND Other (\\Seen) {6+}\r\nHo!\r\n")
	a.expect(`^\* STATUS "Other" \(MESSAGES 1 UIDNEXT 2 UIDVALIDITY \d+ UNSEEN 0\)$`, "")

	// FlagChange in the selected mailbox (§5.1) and elsewhere.
	b.ok("SELECT INBOX")
	b.ok(`STORE 1 +FLAGS (\Flagged)`)
	a.expect(`^\* 1 FETCH \(UID 1 FLAGS \(\\Flagged\)\)$`, "")
	b.ok("SELECT Other")
	b.ok(`STORE 1 -FLAGS (\Seen)`)
	a.expect(`^\* STATUS "Other" \(MESSAGES 1 UIDNEXT 2 UIDVALIDITY \d+ UNSEEN 1\)$`, "")

	// MessageExpunge in the selected mailbox (§5.3) and elsewhere.
	b.ok("SELECT INBOX")
	b.ok(`STORE 1 +FLAGS (\Deleted)`)
	a.expect(`^\* 1 FETCH \(UID 1 FLAGS \(\\Flagged \\Deleted\)\)$`, "")
	b.ok("EXPUNGE")
	a.expect(`^\* 1 EXPUNGE$`, "")
	b.ok("SELECT Other")
	b.ok(`STORE 1 +FLAGS (\Deleted)`)
	a.expect(`^\* STATUS "Other" \(MESSAGES 1 UIDNEXT 2 UIDVALIDITY \d+ UNSEEN 1\)$`, "")
	b.ok("EXPUNGE")
	a.expect(`^\* STATUS "Other" \(MESSAGES 0 UIDNEXT 2 UIDVALIDITY \d+ UNSEEN 0\)$`, "")
	b.ok("UNSELECT")

	// MailboxName (§5.4) and SubscriptionChange (§5.5); a new mailbox
	// is watched for message events from then on.
	b.ok("CREATE New")
	a.expect(`^\* LIST \(\\HasNoChildren\) "/" "New"$`, "")
	b.ok("RENAME New Newer")
	a.expect(`^\* LIST \(\\HasNoChildren\) "/" "Newer" \("OLDNAME" \("New"\)\)$`, "")
	b.ok("APPEND Newer {6+}\r\nHu!\r\n")
	a.expect(`^\* STATUS "Newer" \(MESSAGES 1 UIDNEXT 2 UIDVALIDITY \d+ UNSEEN 1\)$`, "")
	b.ok("SUBSCRIBE Newer")
	a.expect(`^\* LIST \(\\HasNoChildren \\Subscribed\) "/" "Newer"$`, "")
	b.ok("UNSUBSCRIBE Newer")
	a.expect(`^\* LIST \(\\HasNoChildren\) "/" "Newer"$`, "")
	b.ok("DELETE Newer")
	a.expect(`^\* LIST \(\\NonExistent\) "/" "Newer"$`, "")

	// Store deliveries (an MDA, another process) are seen too.
	ts.deliver(t, "u", "Other", msgN(1))
	a.expect(`^\* STATUS "Other" \(MESSAGES 1 UIDNEXT 3 UIDVALIDITY \d+ UNSEEN 1\)$`, "")

	// A's own changes are not echoed as LIST (RFC 5465 §5).
	lines := a.ok("CREATE Mine")
	if len(lines) != 0 {
		t.Fatalf("own CREATE: %q", lines)
	}
	a.ok("LOGOUT")
}

// TestNotifyStatusAndFilters: SET STATUS sends the watched mailboxes'
// STATUS before the tagged OK (§3.1); a mailbox no group names stays
// silent; an earlier group wins.
func TestNotifyStatusAndFilters(t *testing.T) {
	ts := newTestServer(t, nil)
	a := login(t, ts.addr, "u")
	for _, n := range []string{"Lists", "Lists/Go", "Misc", "Quiet"} {
		a.ok("CREATE " + n)
	}
	lines := a.ok("NOTIFY SET STATUS (MAILBOXES Quiet NONE) (SUBTREE Lists (MessageNew MessageExpunge)) " +
		"(MAILBOXES (Misc INBOX) (MessageNew MessageExpunge))")
	var got []string
	for _, l := range lines {
		got = append(got, regexp.MustCompile(` UIDVALIDITY \d+`).ReplaceAllString(l, ""))
	}
	want := []string{
		"* STATUS \"INBOX\" (MESSAGES 0 UIDNEXT 1 UNSEEN 0)",
		"* STATUS \"Lists\" (MESSAGES 0 UIDNEXT 1 UNSEEN 0)",
		"* STATUS \"Lists/Go\" (MESSAGES 0 UIDNEXT 1 UNSEEN 0)",
		"* STATUS \"Misc\" (MESSAGES 0 UIDNEXT 1 UNSEEN 0)",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("NOTIFY SET STATUS:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	// Quiet is exempt, then Lists/Go is reported: had Quiet's STATUS
	// been sent it would come first (the session reports in name order).
	ts.deliver(t, "u", "Quiet", msgN(1))
	ts.deliver(t, "u", "Lists/Go", msgN(1))
	a.expect(`^\* STATUS "Lists/Go" \(MESSAGES 1 `, "")

	// INBOXES is INBOX; SUBSCRIBED follows SUBSCRIBE (§6.4).
	a.ok("NOTIFY SET (INBOXES (MessageNew MessageExpunge)) (SUBSCRIBED (MessageNew MessageExpunge))")
	ts.deliver(t, "u", "Misc", msgN(1))
	ts.deliver(t, "u", "INBOX", msgN(1))
	a.expect(`^\* STATUS "INBOX" \(MESSAGES 1 `, "")
	a.ok("SUBSCRIBE Misc")
	ts.deliver(t, "u", "Misc", msgN(2))
	a.expect(`^\* STATUS "Misc" \(MESSAGES 2 `, "")
}

// TestNotifyNone: NOTIFY NONE turns notifications off.
func TestNotifyNone(t *testing.T) {
	ts := newTestServer(t, nil)
	a := login(t, ts.addr, "u")
	a.ok("CREATE Other")
	a.ok("CREATE Sentinel")
	a.ok("NOTIFY SET (PERSONAL (MessageNew MessageExpunge MailboxName))")
	ts.deliver(t, "u", "Other", msgN(1))
	a.expect(`^\* STATUS "Other" \(MESSAGES 1 `, "")
	a.ok("NOTIFY NONE")
	b := login(t, ts.addr, "u")
	ts.deliver(t, "u", "Other", msgN(2))
	b.ok("CREATE Third")
	if lines := a.ok("NOOP"); len(lines) != 0 {
		t.Fatalf("after NOTIFY NONE: %q", lines)
	}
	// Had Other's change been kept, it would come before Sentinel's.
	a.ok("NOTIFY SET (MAILBOXES (Other Sentinel) (MessageNew MessageExpunge))")
	ts.deliver(t, "u", "Sentinel", msgN(1))
	a.expect(`^\* STATUS "Sentinel" \(MESSAGES 1 `, "")
}

// TestNotifyErrors: unsupported events get NO [BADEVENT] listing the
// supported ones (§3.1); broken rules of §5 and §6.1 get BAD.
func TestNotifyErrors(t *testing.T) {
	ts := newTestServer(t, nil)
	a := login(t, ts.addr, "u")
	for _, ev := range []string{"AnnotationChange", "MailboxMetadataChange", "ServerMetadataChange", "X-Unknown"} {
		_, st := a.do("NOTIFY SET (PERSONAL (MessageNew MessageExpunge " + ev + "))")
		if st != "NO [BADEVENT "+supportedEvents+"] Unsupported event" {
			t.Errorf("%s: %s", ev, st)
		}
	}
	for _, cmd := range []string{
		"NOTIFY SET (PERSONAL (MessageNew))",
		"NOTIFY SET (PERSONAL (MessageExpunge FlagChange))",
		"NOTIFY SET (PERSONAL (FlagChange))",
		"NOTIFY SET (SELECTED (MailboxName))",
		"NOTIFY SET (SELECTED NONE) (SELECTED-DELAYED NONE)",
		"NOTIFY SET (PERSONAL (MessageNew (UID) MessageExpunge))",
		"NOTIFY SET (SELECTED (MessageExpunge (UID) MessageNew))",
		"NOTIFY SET (BOGUS NONE)",
		"NOTIFY SET STAT (PERSONAL NONE)",
		"NOTIFY SET (PERSONAL ALL)",
		"NOTIFY SET",
		"NOTIFY SET ()",
		"NOTIFY SET (MAILBOXES NONE)",
		"NOTIFY SET (SELECTED (MessageNew (BOGUS) MessageExpunge))",
		"NOTIFY RESET",
		"NOTIFY",
	} {
		if _, st := a.do(cmd); !strings.HasPrefix(st, "BAD ") {
			t.Errorf("%s: %s", cmd, st)
		}
	}
	// A nonexistent mailbox is ignored (§6.6); SELECTED NONE is fine.
	a.ok("NOTIFY SET (SELECTED NONE) (MAILBOXES (Nowhere INBOX) (MessageNew MessageExpunge FlagChange))")
	a.ok("NOTIFY NONE")
	a.ok("NOTIFY NONE")
	lines := a.ok("CAPABILITY")
	if !strings.Contains(lines[0], " NOTIFY") {
		t.Fatalf("capability: %q", lines[0])
	}
}

// TestNotifyOverflow: too many mailboxes is NO [NOTIFICATIONOVERFLOW] at
// SET, and an untagged OK [NOTIFICATIONOVERFLOW] later (§5.8), after
// which NOTIFY is off.
func TestNotifyOverflow(t *testing.T) {
	ts := newTestServer(t, func(s *Server) { s.MaxNotifyMailboxes = 3 })
	a := login(t, ts.addr, "u")
	a.ok("CREATE A")
	a.ok("CREATE B")
	a.ok("CREATE C")
	if _, st := a.do("NOTIFY SET (PERSONAL (MessageNew MessageExpunge))"); !strings.HasPrefix(st, "NO [NOTIFICATIONOVERFLOW]") {
		t.Fatalf("got %s", st)
	}
	a.ok("DELETE C")
	a.ok("NOTIFY SET (PERSONAL (MessageNew MessageExpunge))")
	b := login(t, ts.addr, "u")
	b.ok("CREATE D")
	a.expect(`^\* OK \[NOTIFICATIONOVERFLOW\] `, "")
	ts.deliver(t, "u", "A", msgN(1))
	if lines := a.ok("NOOP"); len(lines) != 0 {
		t.Fatalf("after overflow: %q", lines)
	}
}

// TestNotifyIdle: in IDLE a NOTIFY session gets exactly its events (§4):
// other mailboxes' STATUS, EXISTS for the selected one, and no FETCH for
// flag changes it did not ask for, which come with the next command.
func TestNotifyIdle(t *testing.T) {
	ts := newTestServer(t, nil)
	ts.deliver(t, "u", "INBOX", msgN(1))
	a := login(t, ts.addr, "u")
	a.ok("ENABLE IMAP4rev2")
	a.ok("CREATE Other")
	a.ok("SELECT INBOX")
	a.ok("NOTIFY SET (SELECTED (MessageNew MessageExpunge)) (PERSONAL (MessageNew MessageExpunge))")
	a.send("i IDLE")
	if l := a.line(); !strings.HasPrefix(l, "+ ") {
		t.Fatalf("IDLE: %q", l)
	}
	ts.deliver(t, "u", "Other", msgN(1))
	a.expect(`^\* STATUS "Other" \(MESSAGES 1 `, "")
	st := ts.userStore(t, "u")
	mb, err := st.OpenMailbox(context.Background(), "INBOX")
	if err != nil {
		t.Fatal(err)
	}
	defer mb.Close()
	if _, err := mb.SetFlags(context.Background(), store.All, store.FlagsAdd, []string{`\Flagged`}, nil); err != nil {
		t.Fatal(err)
	}
	ts.deliver(t, "u", "INBOX", msgN(2))
	a.expect(`^\* 2 EXISTS$`, "")
	// A FETCH for the flag change would come before this.
	ts.deliver(t, "u", "INBOX", msgN(3))
	a.expect(`^\* 3 EXISTS$`, "")
	a.send("DONE")
	var lines []string
	for l := a.line(); l != "i OK IDLE completed"; l = a.line() {
		lines = append(lines, l)
	}
	// The change is held for a command: IDLE's end, or this NOOP.
	lines = append(lines, a.ok("NOOP")...)
	if len(lines) != 1 || lines[0] != `* 1 FETCH (UID 1 FLAGS (\Flagged))` {
		t.Fatalf("after DONE, held flag change: %q", lines)
	}
}

// TestNotifySelectedDelayed: SELECTED-DELAYED holds EXPUNGE back until a
// command that allows it (§6.1.2), while EXISTS comes at once.
func TestNotifySelectedDelayed(t *testing.T) {
	ts := newTestServer(t, nil)
	ts.deliver(t, "u", "INBOX", msgN(1), `\Deleted`)
	a := login(t, ts.addr, "u")
	a.ok("ENABLE IMAP4rev2")
	a.ok("SELECT INBOX")
	a.ok("NOTIFY SET (SELECTED-DELAYED (MessageNew MessageExpunge FlagChange))")
	b := login(t, ts.addr, "u")
	b.ok("SELECT INBOX")
	b.ok("EXPUNGE")
	b.ok("APPEND INBOX {6+}\r\nHi!\r\n")
	a.expect(`^\* 2 EXISTS$`, "")
	lines := a.ok("NOOP")
	if !hasLine(lines, "* 1 EXPUNGE") {
		t.Fatalf("NOOP: %q", lines)
	}
}

// TestNotifyPythonImaplib: python3's imaplib, a real client, sets NOTIFY
// with xatom and reads the notifications with readline while it sends no
// command.
func TestNotifyPythonImaplib(t *testing.T) {
	py := testpeer.Need(t, "python3")
	ts := newTestServer(t, nil)
	ts.deliver(t, "u", "INBOX", msgN(1))
	host, port, _ := net.SplitHostPort(ts.addr)
	script := `
import imaplib, sys
M = imaplib.IMAP4(sys.argv[1], int(sys.argv[2]))
M.sock.settimeout(20)
M.login("u", "pass")
M.create("Other")
M.select("INBOX")
typ, _ = M.xatom("NOTIFY", "SET STATUS (SELECTED (MessageNew (UID FLAGS) MessageExpunge FlagChange)) (PERSONAL (MessageNew MessageExpunge))")
print("notify", typ, [s.decode() for s in M.response("STATUS")[1]], flush=True)
sys.stdin.readline()
seen = set()
while not {"STATUS", "FETCH"} <= seen:
    l = M.readline().decode().rstrip()
    seen.add(l.split()[1] if l.startswith("* STATUS") else l.split()[2])
    print(l, flush=True)
typ, data = M.noop()
print("noop", typ, flush=True)
M.logout()
`
	cmd := exec.Command(py, "-c", script, host, port)
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	out := bufio.NewScanner(stdout)
	if !out.Scan() {
		t.Fatalf("python3: %s", stderr.String())
	}
	if l := out.Text(); !regexp.MustCompile(`^notify OK \['"Other" \(MESSAGES 0 UIDNEXT 1 UIDVALIDITY \d+ UNSEEN 0\)'\]$`).MatchString(l) {
		t.Fatalf("NOTIFY SET STATUS: %q", l)
	}
	ts.deliver(t, "u", "INBOX", msgN(2))
	ts.deliver(t, "u", "Other", msgN(1))
	fmt.Fprintln(stdin)
	var lines []string
	for out.Scan() {
		lines = append(lines, out.Text())
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("python3: %v\n%s", err, stderr.String())
	}
	// The two mailboxes' events may come in either order; within the
	// selected mailbox's, RFC 5465 §5.2 fixes it.
	got := strings.Join(lines, "\n")
	for _, re := range []string{
		`(?m)^\* 2 EXISTS\n\* 2 RECENT\n\* 2 FETCH \(UID 2 FLAGS \(\\Recent\)\)$`,
		`(?m)^\* STATUS "Other" \(MESSAGES 1 UIDNEXT 2 UIDVALIDITY \d+ UNSEEN 1\)$`,
		`noop OK$`,
	} {
		if !regexp.MustCompile(re).MatchString(got) {
			t.Fatalf("python3 read:\n%s\nwant %s", got, re)
		}
	}
	if len(lines) != 5 {
		t.Fatalf("python3 read:\n%s", got)
	}
}

// TestNotifyMaildir: over Maildir, each session with a Store of its own,
// a delivery by another program (maildir.Deliver, as an MDA) and changes
// made through another session's Store reach a NOTIFY session through
// the folders' Watch (inotify on Linux, else polling).
func TestNotifyMaildir(t *testing.T) {
	dir := t.TempDir()
	be := store.BackendFunc(func(ctx context.Context, user string) (store.Store, error) {
		return maildir.Open(dir, &maildir.Config{PollInterval: 10 * time.Millisecond})
	})
	ts := newTestServer(t, func(s *Server) { s.Backend = be })
	a := login(t, ts.addr, "u")
	a.ok("ENABLE IMAP4rev2")
	a.ok("CREATE Other")
	a.ok("SELECT Other")
	a.ok("NOTIFY SET (SELECTED (MessageNew (UID) MessageExpunge FlagChange)) (INBOXES (MessageNew MessageExpunge FlagChange))")
	if _, err := maildir.Deliver(context.Background(), dir, strings.NewReader(msgN(1)), nil); err != nil {
		t.Fatal(err)
	}
	a.expect(`^\* STATUS "INBOX" \(MESSAGES 1 UIDNEXT 2 UIDVALIDITY \d+ UNSEEN 1\)$`, "")
	b := login(t, ts.addr, "u")
	b.ok("APPEND Other {6+}\r\nHi!\r\n")
	a.expect(`^\* 1 EXISTS$`, "")
	a.expect(`^\* 1 FETCH \(UID 1\)$`, "")
	b.ok("SELECT INBOX")
	b.ok(`STORE 1 +FLAGS (\Seen)`)
	a.expect(`^\* STATUS "INBOX" \(MESSAGES 1 UIDNEXT 2 UIDVALIDITY \d+ UNSEEN 0\)$`, "")
}

// TestNotifyShutdown: a NOTIFY session waiting between commands gets BYE
// at Shutdown, as any other.
func TestNotifyShutdown(t *testing.T) {
	ts := newTestServer(t, nil)
	a := login(t, ts.addr, "u")
	a.ok("NOTIFY SET (PERSONAL (MessageNew MessageExpunge))")
	done := make(chan error, 1)
	go func() { done <- ts.srv.Shutdown(context.Background()) }()
	if l := a.line(); !strings.HasPrefix(l, "* BYE") {
		t.Fatalf("got %q", l)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

// TestNotifyCondstore: once CONDSTORE is on, other mailboxes' STATUS
// carries HIGHESTMODSEQ (RFC 5465 §5.1–5.3), and with QRESYNC an expunge
// in the selected mailbox is VANISHED, between commands too (§5.3).
func TestNotifyCondstore(t *testing.T) {
	ts := newTestServer(t, nil)
	ts.deliver(t, "u", "INBOX", msgN(1))
	a := login(t, ts.addr, "u")
	a.ok("ENABLE QRESYNC IMAP4rev2")
	a.ok("CREATE Other")
	a.ok("SELECT INBOX")
	a.ok("NOTIFY SET (SELECTED (MessageNew MessageExpunge FlagChange)) (PERSONAL (MessageNew MessageExpunge FlagChange))")
	ts.deliver(t, "u", "Other", msgN(1))
	a.expect(`^\* STATUS "Other" \(MESSAGES 1 UIDNEXT 2 UIDVALIDITY \d+ UNSEEN 1 HIGHESTMODSEQ \d+\)$`, "")
	b := login(t, ts.addr, "u")
	b.ok("SELECT INBOX")
	b.ok(`STORE 1 +FLAGS (\Deleted)`)
	a.expect(`^\* 1 FETCH \(UID 1 MODSEQ \(\d+\) FLAGS \(\\Deleted\)\)$`, "")
	b.ok("EXPUNGE")
	a.expect(`^\* VANISHED 1$`, "")
}

// TestNotifyEventOverflow: more mailbox events than a session may queue
// (maxNotifyEvents) while it is busy in a command end NOTIFY with an
// untagged OK [NOTIFICATIONOVERFLOW] (RFC 5465 §5.8).
func TestNotifyEventOverflow(t *testing.T) {
	ts := newTestServer(t, nil)
	a := login(t, ts.addr, "u")
	a.ok("NOTIFY SET (PERSONAL (MailboxName))")
	// A waits inside APPEND for its literal while B creates mailboxes.
	a.send("x APPEND INBOX {6}")
	if l := a.line(); !strings.HasPrefix(l, "+ ") {
		t.Fatalf("APPEND: %q", l)
	}
	b := login(t, ts.addr, "u")
	for i := 0; i <= maxNotifyEvents; i++ {
		b.ok(fmt.Sprintf("CREATE Box%d", i))
	}
	a.send("Hi!\r\n")
	if l := a.line(); !strings.HasPrefix(l, "x OK ") {
		t.Fatalf("APPEND: %q", l)
	}
	a.expect(`^\* OK \[NOTIFICATIONOVERFLOW\] `, "")
	b.ok("CREATE Later")
	if lines := a.ok("NOOP"); len(lines) != 0 {
		t.Fatalf("after overflow: %q", lines)
	}
}

// TestNotifyFetchAfterCommand: a message that arrives while a command
// runs gets MessageNew's FETCH after the command's EXISTS (RFC 5465
// §5.2), unless the command is the client's own APPEND.
func TestNotifyFetchAfterCommand(t *testing.T) {
	ts := newTestServer(t, nil)
	a := login(t, ts.addr, "u")
	a.ok("ENABLE IMAP4rev2")
	a.ok("SELECT INBOX")
	a.ok("NOTIFY SET (SELECTED (MessageNew (UID RFC822.SIZE) MessageExpunge))")
	// STATUS with a literal: A is inside the command while B appends.
	a.send("x STATUS {5}")
	if l := a.line(); !strings.HasPrefix(l, "+ ") {
		t.Fatalf("STATUS: %q", l)
	}
	ts.deliver(t, "u", "INBOX", "Subject: x\r\n\r\nbody\r\n")
	a.send("INBOX (MESSAGES)")
	var lines []string
	for l := a.line(); !strings.HasPrefix(l, "x "); l = a.line() {
		lines = append(lines, l)
	}
	want := []string{`* STATUS "INBOX" (MESSAGES 1)`, "* 1 EXISTS", "* 1 FETCH (UID 1 RFC822.SIZE 20)"}
	if strings.Join(lines, "\n") != strings.Join(want, "\n") {
		t.Fatalf("got %q, want %q", lines, want)
	}
	if lines := a.ok("APPEND INBOX {6+}\r\nHi!\r\n"); len(lines) != 1 || lines[0] != "* 2 EXISTS" {
		t.Fatalf("own APPEND: %q", lines)
	}
}
