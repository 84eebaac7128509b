package storetest

import (
	"strings"
	"testing"
	"time"

	"github.com/mailstack/mailstack/store"
)

// hasObjectIDs reports whether s promises object ids (store.ObjectIDStore).
func hasObjectIDs(s store.Store) bool {
	o, ok := s.(store.ObjectIDStore)
	return ok && o.ObjectIDs()
}

// RFC 8514 §2: the save date is when the message was saved into the
// mailbox (not its INTERNALDATE), a copy gets its own, and flag changes do
// not change it. Stores that leave SaveDate zero (unknown) skip.
func testSaveDate(t *testing.T, s store.Store) {
	if err := s.CreateMailbox(ctx, "Dest", nil); err != nil {
		t.Fatal(err)
	}
	mb := open(t, s, "INBOX")
	old := time.Date(2001, 2, 3, 4, 5, 6, 0, time.UTC)
	before := time.Now().Truncate(time.Second)
	r, err := mb.Append(ctx, strings.NewReader(msg(1)), &store.AppendOptions{InternalDate: old})
	if err != nil {
		t.Fatal(err)
	}
	after := time.Now()
	l := list(t, mb)
	saved := l[0].SaveDate
	if saved.IsZero() {
		t.Skip("store does not keep save dates")
	}
	if saved.Before(before) || saved.After(after) {
		t.Errorf("SaveDate %v, want the time of Append (between %v and %v), not INTERNALDATE %v", saved, before, after, old)
	}
	if !l[0].InternalDate.Equal(old) {
		t.Errorf("InternalDate %v, want %v", l[0].InternalDate, old)
	}
	for _, fl := range [][]string{{store.FlagSeen}, {store.FlagFlagged, "Kw"}} {
		if _, err := mb.SetFlags(ctx, store.UIDSetOf(r.UID), store.FlagsAdd, fl, nil); err != nil {
			t.Fatal(err)
		}
		if got := list(t, mb)[0].SaveDate; !got.Equal(saved) {
			t.Errorf("SaveDate changed by STORE %v: %v, was %v", fl, got, saved)
		}
	}
	before = time.Now().Truncate(time.Second)
	cr, err := mb.Copy(ctx, store.UIDSetOf(r.UID), "Dest")
	if err != nil || len(cr.DestUIDs) != 1 {
		t.Fatalf("Copy = %+v, %v", cr, err)
	}
	after = time.Now()
	c := list(t, open(t, s, "Dest"))[0]
	if c.SaveDate.Before(before) || c.SaveDate.After(after) {
		t.Errorf("copy's SaveDate %v, want the time of Copy (between %v and %v)", c.SaveDate, before, after)
	}
}

// RFC 8474 §4, §5.1: MAILBOXID stays through RENAME and differs between
// mailboxes (renaming INBOX makes a new mailbox, INBOX keeps its id);
// EMAILID stays through flag changes, COPY and MOVE and differs between
// messages. Stores that do not implement store.ObjectIDStore skip.
func testObjectIDs(t *testing.T, s store.Store) {
	if !hasObjectIDs(s) {
		t.Skip("store has no object ids")
	}
	d := string(s.Delimiter())
	for _, n := range []string{"A", "B"} {
		if err := s.CreateMailbox(ctx, n, nil); err != nil {
			t.Fatal(err)
		}
	}
	id := func(name string) string {
		t.Helper()
		got := status(t, open(t, s, name)).MailboxID
		if !store.IsObjectID(got) {
			t.Fatalf("%s: MailboxID %q is not an object id", name, got)
		}
		return got
	}
	inbox, a, b := id("INBOX"), id("A"), id("B")
	if inbox == a || a == b || inbox == b {
		t.Errorf("MailboxIDs not distinct: INBOX %s, A %s, B %s", inbox, a, b)
	}
	if again := id("A"); again != a {
		t.Errorf("MailboxID of A changed from %s to %s", a, again)
	}
	if err := s.RenameMailbox(ctx, "A", "C"+d+"A2"); err != nil {
		t.Fatal(err)
	}
	if got := id("C" + d + "A2"); got != a {
		t.Errorf("MailboxID after RENAME %s, was %s", got, a)
	}
	// A copy, whose id a store may keep apart from the file or record
	// that holds the message, moves with INBOX's other messages.
	src := open(t, s, "B")
	r := appendMsg(t, src, msg(9))
	if _, err := src.Copy(ctx, store.UIDSetOf(r.UID), "INBOX"); err != nil {
		t.Fatal(err)
	}
	moved := list(t, src)[0].EmailID
	if err := s.RenameMailbox(ctx, "INBOX", "OldInbox"); err != nil {
		t.Fatal(err)
	}
	if l := list(t, open(t, s, "OldInbox")); len(l) != 1 || l[0].EmailID != moved {
		t.Errorf("after renaming INBOX, its message is %+v, want EmailID %s", l, moved)
	}
	if got := id("INBOX"); got != inbox {
		t.Errorf("INBOX's MailboxID after renaming INBOX %s, was %s", got, inbox)
	}
	if got := id("OldInbox"); got == inbox || got == a || got == b {
		t.Errorf("mailbox made by renaming INBOX has MailboxID %s of another", got)
	}

	mb := open(t, s, "INBOX")
	r1 := appendMsg(t, mb, msg(1))
	r2 := appendMsg(t, mb, msg(2))
	l := list(t, mb)
	e1, e2 := l[0].EmailID, l[1].EmailID
	for _, e := range []string{e1, e2} {
		if !store.IsObjectID(e) {
			t.Fatalf("EmailID %q is not an object id", e)
		}
	}
	if e1 == e2 {
		t.Errorf("two messages share EmailID %s", e1)
	}
	if _, err := mb.SetFlags(ctx, store.UIDSetOf(r1.UID), store.FlagsAdd, []string{store.FlagSeen, "Kw"}, nil); err != nil {
		t.Fatal(err)
	}
	if got := list(t, mb)[0].EmailID; got != e1 {
		t.Errorf("EmailID after STORE %s, was %s", got, e1)
	}
	cr, err := mb.Copy(ctx, store.UIDSetOf(r1.UID), "B")
	if err != nil || len(cr.DestUIDs) != 1 {
		t.Fatalf("Copy = %+v, %v", cr, err)
	}
	mr, err := mb.Move(ctx, store.UIDSetOf(r2.UID), "B")
	if err != nil || len(mr.DestUIDs) != 1 {
		t.Fatalf("Move = %+v, %v", mr, err)
	}
	bl := list(t, open(t, s, "B"))[1:] // after the message copied to INBOX
	if len(bl) != 2 || bl[0].EmailID != e1 || bl[1].EmailID != e2 {
		t.Errorf("EmailIDs in B after COPY and MOVE %+v, want %s %s", bl, e1, e2)
	}
	if got := list(t, mb)[0].EmailID; got != e1 {
		t.Errorf("original's EmailID after COPY %s, was %s", got, e1)
	}
}

// Two processes' views agree on object ids and save dates.
func testSharedObjectIDs(t *testing.T, a, b store.Store) {
	ma, mb := open(t, a, "INBOX"), open(t, b, "INBOX")
	appendMsg(t, ma, msg(1))
	la, lb := list(t, ma), list(t, mb)
	if len(la) != 1 || len(lb) != 1 {
		t.Fatalf("lists %+v, %+v", la, lb)
	}
	if la[0].EmailID != lb[0].EmailID || !la[0].SaveDate.Equal(lb[0].SaveDate) {
		t.Errorf("stores disagree: EmailID %q / %q, SaveDate %v / %v", la[0].EmailID, lb[0].EmailID, la[0].SaveDate, lb[0].SaveDate)
	}
	if sa, sb := status(t, ma).MailboxID, status(t, mb).MailboxID; sa != sb {
		t.Errorf("stores disagree on MailboxID: %q / %q", sa, sb)
	}
}
