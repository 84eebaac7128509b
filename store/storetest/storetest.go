// Package storetest is a conformance suite for implementations of package
// store. An implementation's test calls Run with a function that returns a
// fresh, empty store, and RunShared with one that returns two stores over
// the same data (two processes' views); a store that only serves what
// other programs write (an mbox shared with an MDA) calls RunReadOnly
// instead:
//
//	func TestConformance(t *testing.T) {
//		storetest.Run(t, func(t *testing.T) store.Store { return memstore.New() })
//	}
//
// Cases for optional interfaces run when the store has them and skip
// otherwise: AppendMulti (store.MultiAppender, all or none, streaming) and
// QuotaUsage (store.QuotaReporter). A store with quota limits also calls
// RunQuota with a function that makes one with given limits.
//
// Each case names the RFC rule it checks.
package storetest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mailstack/mailstack/store"
)

// Run runs the conformance cases against stores made by newStore, each
// call of which must return an empty store holding only INBOX.
func Run(t *testing.T, newStore func(t *testing.T) store.Store) {
	cases := []struct {
		name string
		fn   func(t *testing.T, s store.Store)
	}{
		{"InboxExists", testInboxExists},
		{"CreateAndList", testCreateAndList},
		{"InvalidNames", testInvalidNames},
		{"Delete", testDelete},
		{"Rename", testRename},
		{"RenameInbox", testRenameInbox},
		{"Subscriptions", testSubscriptions},
		{"AppendAndRead", testAppendAndRead},
		{"UIDsNeverReused", testUIDsNeverReused},
		{"Flags", testFlags},
		{"UnchangedSince", testUnchangedSince},
		{"Expunge", testExpunge},
		{"CopyMove", testCopyMove},
		{"Changes", testChanges},
		{"Watch", testWatch},
		{"ListSubset", testListSubset},
		{"Status", testStatus},
		{"ConcurrentAppend", testConcurrentAppend},
		{"SaveDate", testSaveDate},
		{"ObjectIDs", testObjectIDs},
		{"AppendMulti", testAppendMulti},
		{"QuotaUsage", testQuotaUsage},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := newStore(t)
			t.Cleanup(func() { s.Close() })
			c.fn(t, s)
		})
	}
}

// RunShared runs cases where changes made through one store must be seen
// through another over the same data, as when two processes share a
// Maildir.
func RunShared(t *testing.T, newPair func(t *testing.T) (a, b store.Store)) {
	cases := []struct {
		name string
		fn   func(t *testing.T, a, b store.Store)
	}{
		{"SeesAppend", testSharedAppend},
		{"SeesFlagsAndExpunge", testSharedFlagsExpunge},
		{"SeesMailboxes", testSharedMailboxes},
		{"WatchOther", testSharedWatch},
		{"ConcurrentAppend", testSharedConcurrentAppend},
		{"ObjectIDs", testSharedObjectIDs},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a, b := newPair(t)
			t.Cleanup(func() { a.Close(); b.Close() })
			c.fn(t, a, b)
		})
	}
}

var ctx = context.Background()

func open(t *testing.T, s store.Store, name string) store.Mailbox {
	t.Helper()
	mb, err := s.OpenMailbox(ctx, name)
	if err != nil {
		t.Fatalf("OpenMailbox(%q): %v", name, err)
	}
	t.Cleanup(func() { mb.Close() })
	return mb
}

func appendMsg(t *testing.T, mb store.Mailbox, body string, flags ...string) store.AppendResult {
	t.Helper()
	res, err := mb.Append(ctx, strings.NewReader(body), &store.AppendOptions{Flags: flags})
	if err != nil {
		t.Fatalf("Append: %v", err)
	}
	return res
}

func list(t *testing.T, mb store.Mailbox) []store.MessageInfo {
	t.Helper()
	infos, err := mb.List(ctx, store.All)
	if err != nil {
		t.Fatalf("List: %v", err)
	}
	return infos
}

func status(t *testing.T, mb store.Mailbox) store.Status {
	t.Helper()
	st, err := mb.Status(ctx)
	if err != nil {
		t.Fatalf("Status: %v", err)
	}
	return st
}

func readAll(t *testing.T, mb store.Mailbox, uid store.UID) string {
	t.Helper()
	c, err := mb.Open(ctx, uid)
	if err != nil {
		t.Fatalf("Open(%d): %v", uid, err)
	}
	defer c.Close()
	b, err := io.ReadAll(io.NewSectionReader(c, 0, c.Size()))
	if err != nil {
		t.Fatalf("read %d: %v", uid, err)
	}
	return string(b)
}

func names(t *testing.T, s store.Store) map[string]store.MailboxInfo {
	t.Helper()
	l, err := s.Mailboxes(ctx)
	if err != nil {
		t.Fatalf("Mailboxes: %v", err)
	}
	m := map[string]store.MailboxInfo{}
	for _, i := range l {
		m[i.Name] = i
	}
	return m
}

func wantErr(t *testing.T, what string, err, target error) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Errorf("%s: got error %v, want %v", what, err, target)
	}
}

func msg(i int) string {
	return fmt.Sprintf("From: a@example.org\r\nSubject: message %d\r\n\r\nbody %d\r\n", i, i)
}

func uids(infos []store.MessageInfo) []store.UID {
	out := make([]store.UID, len(infos))
	for i, m := range infos {
		out[i] = m.UID
	}
	return out
}

// RFC 9051 §5.1: INBOX always exists and is case-insensitive.
func testInboxExists(t *testing.T, s store.Store) {
	if _, ok := names(t, s)["INBOX"]; !ok {
		t.Fatal("INBOX not listed")
	}
	for _, n := range []string{"INBOX", "inbox", "InBoX"} {
		mb := open(t, s, n)
		if mb.Name() != "INBOX" {
			t.Errorf("OpenMailbox(%q).Name() = %q, want INBOX", n, mb.Name())
		}
	}
	_, err := s.OpenMailbox(ctx, "Nope")
	wantErr(t, "OpenMailbox(Nope)", err, store.ErrNoSuchMailbox)
}

// RFC 9051 §6.3.4 (CREATE creates missing superiors), RFC 6154 §3.
func testCreateAndList(t *testing.T, s store.Store) {
	d := string(s.Delimiter())
	if err := s.CreateMailbox(ctx, "Sent", &store.CreateOptions{SpecialUse: []string{store.AttrSent}}); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateMailbox(ctx, "Work"+d+"Projects"+d+"Go", nil); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateMailbox(ctx, "Ünïcødé €", nil); err != nil {
		t.Fatal(err)
	}
	err := s.CreateMailbox(ctx, "Sent", nil)
	wantErr(t, "CreateMailbox(Sent) twice", err, store.ErrMailboxExists)
	err = s.CreateMailbox(ctx, "inbox", nil)
	wantErr(t, "CreateMailbox(inbox)", err, store.ErrMailboxExists)
	m := names(t, s)
	for _, n := range []string{"INBOX", "Sent", "Work", "Work" + d + "Projects", "Work" + d + "Projects" + d + "Go", "Ünïcødé €"} {
		if _, ok := m[n]; !ok {
			t.Errorf("%q not listed; have %v", n, m)
		}
	}
	if !slices.Contains(m["Sent"].Attrs, store.AttrSent) {
		t.Errorf("Sent attrs = %v, want \\Sent", m["Sent"].Attrs)
	}
	if !slices.Contains(m["Work"].Attrs, store.AttrHasChildren) {
		t.Errorf("Work attrs = %v, want \\HasChildren", m["Work"].Attrs)
	}
	open(t, s, "Ünïcødé €")
}

// Names must not escape the store's root or break its layout.
func testInvalidNames(t *testing.T, s store.Store) {
	d := string(s.Delimiter())
	for _, n := range []string{"", "..", ".", "a" + d + ".." + d + "b", d + "abs", "a" + d, "a" + d + d + "b",
		"ctl\x01", "new\nline", "tab\there", "del\x7f", "../escape", "a/../../b", "bad\xffutf8"} {
		err := s.CreateMailbox(ctx, n, nil)
		wantErr(t, fmt.Sprintf("CreateMailbox(%q)", n), err, store.ErrInvalidName)
	}
}

// RFC 9051 §6.3.5.
func testDelete(t *testing.T, s store.Store) {
	d := string(s.Delimiter())
	wantErr(t, "delete missing", s.DeleteMailbox(ctx, "Missing"), store.ErrNoSuchMailbox)
	wantErr(t, "delete INBOX", s.DeleteMailbox(ctx, "INBOX"), store.ErrNotAllowed)
	if err := s.CreateMailbox(ctx, "P"+d+"C", nil); err != nil {
		t.Fatal(err)
	}
	wantErr(t, "delete parent", s.DeleteMailbox(ctx, "P"), store.ErrNotAllowed)
	mb := open(t, s, "P"+d+"C")
	appendMsg(t, mb, msg(1))
	if err := s.DeleteMailbox(ctx, "P"+d+"C"); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteMailbox(ctx, "P"); err != nil {
		t.Fatal(err)
	}
	if _, ok := names(t, s)["P"]; ok {
		t.Error("P still listed")
	}
	_, err := mb.Status(ctx)
	wantErr(t, "Status of deleted mailbox", err, store.ErrNoSuchMailbox)
	// A recreated mailbox is new: its messages are gone.
	if err := s.CreateMailbox(ctx, "P", nil); err != nil {
		t.Fatal(err)
	}
	if st := status(t, open(t, s, "P")); st.Messages != 0 {
		t.Errorf("recreated P has %d messages", st.Messages)
	}
}

// RFC 9051 §6.3.6: RENAME renames inferiors too.
func testRename(t *testing.T, s store.Store) {
	d := string(s.Delimiter())
	for _, n := range []string{"A" + d + "B", "Taken"} {
		if err := s.CreateMailbox(ctx, n, nil); err != nil {
			t.Fatal(err)
		}
	}
	appendMsg(t, open(t, s, "A"+d+"B"), msg(1))
	wantErr(t, "rename missing", s.RenameMailbox(ctx, "Missing", "X"), store.ErrNoSuchMailbox)
	wantErr(t, "rename onto existing", s.RenameMailbox(ctx, "A", "Taken"), store.ErrMailboxExists)
	if err := s.RenameMailbox(ctx, "A", "C"+d+"D"); err != nil {
		t.Fatal(err)
	}
	m := names(t, s)
	for _, n := range []string{"A", "A" + d + "B"} {
		if _, ok := m[n]; ok {
			t.Errorf("%q still listed after rename", n)
		}
	}
	for _, n := range []string{"C", "C" + d + "D", "C" + d + "D" + d + "B"} {
		if _, ok := m[n]; !ok {
			t.Errorf("%q missing after rename; have %v", n, m)
		}
	}
	if st := status(t, open(t, s, "C"+d+"D"+d+"B")); st.Messages != 1 {
		t.Errorf("renamed child has %d messages, want 1", st.Messages)
	}
}

// RFC 9051 §6.3.6: renaming INBOX moves its messages and leaves it empty.
func testRenameInbox(t *testing.T, s store.Store) {
	in := open(t, s, "INBOX")
	appendMsg(t, in, msg(1), store.FlagSeen)
	appendMsg(t, in, msg(2))
	if err := s.RenameMailbox(ctx, "INBOX", "Old"); err != nil {
		t.Fatal(err)
	}
	if st := status(t, open(t, s, "INBOX")); st.Messages != 0 {
		t.Errorf("INBOX has %d messages after rename", st.Messages)
	}
	old := open(t, s, "Old")
	l := list(t, old)
	if len(l) != 2 {
		t.Fatalf("Old has %d messages, want 2", len(l))
	}
	if readAll(t, old, l[1].UID) != msg(2) || !l[0].HasFlag(store.FlagSeen) {
		t.Error("messages changed by INBOX rename")
	}
}

// RFC 9051 §6.3.7/§6.3.8.
func testSubscriptions(t *testing.T, s store.Store) {
	if err := s.CreateMailbox(ctx, "Lists", nil); err != nil {
		t.Fatal(err)
	}
	if err := s.SetSubscribed(ctx, "Lists", true); err != nil {
		t.Fatal(err)
	}
	if !names(t, s)["Lists"].Subscribed {
		t.Error("Lists not subscribed")
	}
	if err := s.SetSubscribed(ctx, "Lists", false); err != nil {
		t.Fatal(err)
	}
	if names(t, s)["Lists"].Subscribed {
		t.Error("Lists still subscribed")
	}
	sl, ok := s.(store.SubscriptionLister)
	if !ok {
		return
	}
	// RFC 9051 §6.3.7: a name is subscribed whether or not its mailbox
	// exists, and deleting the mailbox keeps the subscription.
	for _, n := range []string{"Lists", "Nowhere", "inbox"} {
		if err := s.SetSubscribed(ctx, n, true); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.DeleteMailbox(ctx, "Lists"); err != nil {
		t.Fatal(err)
	}
	subs, err := sl.Subscriptions(ctx)
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(subs)
	if want := []string{"INBOX", "Lists", "Nowhere"}; !slices.Equal(subs, want) {
		t.Errorf("Subscriptions = %q, want %q", subs, want)
	}
	if err := s.SetSubscribed(ctx, "Nowhere", false); err != nil {
		t.Fatal(err)
	}
	if subs, err = sl.Subscriptions(ctx); err != nil || slices.Contains(subs, "Nowhere") {
		t.Errorf("after unsubscribing Nowhere: Subscriptions = %q, %v", subs, err)
	}
}

// checkCRLFSize checks MessageInfo.CRLFSize, which a store may leave 0.
func checkCRLFSize(t *testing.T, m store.MessageInfo, body string) {
	t.Helper()
	if want := store.CRLFSizeOf([]byte(body)); m.CRLFSize != 0 && m.CRLFSize != want {
		t.Errorf("UID %d: CRLFSize %d, want %d (or 0)", m.UID, m.CRLFSize, want)
	}
}

// RFC 9051 §6.3.12: APPEND keeps the bytes, flags and date.
func testAppendAndRead(t *testing.T, s store.Store) {
	mb := open(t, s, "INBOX")
	big := strings.Repeat("0123456789abcdef", 1<<16) // 1 MiB
	bodies := []string{
		msg(1),
		"Subject: lf only\n\nline\nFrom the start\n>From quoted\n",
		"Subject: no final newline\r\n\r\nend",
		"Subject: big\r\n\r\n" + big,
		"Subject: 8bit\r\n\r\nh\xc3\xa9llo \x00 nul\r\n",
	}
	date := time.Date(2021, 3, 4, 5, 6, 7, 0, time.UTC)
	var got []store.AppendResult
	for _, b := range bodies {
		res, err := mb.Append(ctx, strings.NewReader(b), &store.AppendOptions{
			Flags: []string{`\seen`, "$Label1"}, InternalDate: date})
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, res)
	}
	st := status(t, mb)
	l := list(t, mb)
	if len(l) != len(bodies) {
		t.Fatalf("List has %d messages, want %d", len(l), len(bodies))
	}
	for i, m := range l {
		if m.UID != got[i].UID || got[i].UIDValidity != st.UIDValidity {
			t.Errorf("message %d: UID %d/%d, AppendResult %+v", i, m.UID, st.UIDValidity, got[i])
		}
		if b := readAll(t, mb, m.UID); b != bodies[i] {
			t.Errorf("message %d: content differs (len %d, want %d)", i, len(b), len(bodies[i]))
		}
		if m.Size != int64(len(bodies[i])) {
			t.Errorf("message %d: Size %d, want %d", i, m.Size, len(bodies[i]))
		}
		checkCRLFSize(t, m, bodies[i])
		if !m.InternalDate.Equal(date) {
			t.Errorf("message %d: InternalDate %v, want %v", i, m.InternalDate, date)
		}
		if !store.SameFlags(m.Flags, []string{store.FlagSeen, "$Label1"}) {
			t.Errorf("message %d: flags %v", i, m.Flags)
		}
		if m.ModSeq == 0 || m.ModSeq > st.HighestModSeq {
			t.Errorf("message %d: modseq %d, highest %d", i, m.ModSeq, st.HighestModSeq)
		}
	}
	c, err := mb.Open(ctx, l[3].UID)
	if err != nil {
		t.Fatal(err)
	}
	p := make([]byte, 16)
	if n, err := c.ReadAt(p, c.Size()-16); n != 16 || string(p) != "0123456789abcdef" {
		t.Errorf("ReadAt tail = %q, %v", p[:n], err)
	}
	c.Close()
	_, err = mb.Open(ctx, st.UIDNext)
	wantErr(t, "Open(UIDNEXT)", err, store.ErrNoSuchMessage)
	_, err = mb.Append(ctx, strings.NewReader(msg(0)), &store.AppendOptions{Flags: []string{`\Recent`}})
	wantErr(t, `Append with \Recent`, err, store.ErrInvalidFlag)
}

// RFC 9051 §2.3.1.1: UIDs strictly ascend and are never reused.
func testUIDsNeverReused(t *testing.T, s store.Store) {
	mb := open(t, s, "INBOX")
	var last store.UID
	for i := range 5 {
		r := appendMsg(t, mb, msg(i), store.FlagDeleted)
		if r.UID <= last {
			t.Fatalf("UID %d after %d", r.UID, last)
		}
		last = r.UID
	}
	if _, err := mb.Expunge(ctx, store.All); err != nil {
		t.Fatal(err)
	}
	st := status(t, mb)
	if st.UIDNext <= last {
		t.Errorf("UIDNEXT %d after expunging UID %d", st.UIDNext, last)
	}
	if r := appendMsg(t, mb, msg(9)); r.UID <= last {
		t.Errorf("UID %d reused (last was %d)", r.UID, last)
	}
}

// RFC 9051 §6.4.6 and RFC 7162 §3.1: flags and modseqs.
func testFlags(t *testing.T, s store.Store) {
	mb := open(t, s, "INBOX")
	r := appendMsg(t, mb, msg(1))
	set := store.UIDSetOf(r.UID)
	steps := []struct {
		op    store.FlagOp
		flags []string
		want  []string
	}{
		{store.FlagsAdd, []string{`\seen`, `\FLAGGED`}, []string{store.FlagSeen, store.FlagFlagged}},
		{store.FlagsAdd, []string{"$Forwarded", "Work"}, []string{store.FlagSeen, store.FlagFlagged, "$Forwarded", "Work"}},
		{store.FlagsRemove, []string{store.FlagFlagged, "work"}, []string{store.FlagSeen, "$Forwarded"}},
		{store.FlagsReplace, []string{store.FlagAnswered, store.FlagDraft, store.FlagDeleted}, []string{store.FlagAnswered, store.FlagDraft, store.FlagDeleted}},
		{store.FlagsReplace, nil, nil},
	}
	prev := r.ModSeq
	for i, st := range steps {
		up, err := mb.SetFlags(ctx, set, st.op, st.flags, nil)
		if err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
		if len(up) != 1 || !store.SameFlags(up[0].Flags, st.want) || up[0].ModSeq <= prev {
			t.Fatalf("step %d: updates %+v, want flags %v modseq > %d", i, up, st.want, prev)
		}
		prev = up[0].ModSeq
		if l := list(t, mb); !store.SameFlags(l[0].Flags, st.want) || l[0].ModSeq != prev {
			t.Fatalf("step %d: listed %+v", i, l[0])
		}
	}
	// A store that changes nothing leaves the modseq alone.
	up, err := mb.SetFlags(ctx, set, store.FlagsRemove, []string{store.FlagSeen}, nil)
	if err != nil || len(up) != 0 {
		t.Errorf("no-op SetFlags = %v, %v", up, err)
	}
	if l := list(t, mb); l[0].ModSeq != prev {
		t.Errorf("no-op changed modseq %d -> %d", prev, l[0].ModSeq)
	}
	_, err = mb.SetFlags(ctx, set, store.FlagsAdd, []string{`\Bogus`}, nil)
	wantErr(t, `SetFlags \Bogus`, err, store.ErrInvalidFlag)
	_, err = mb.SetFlags(ctx, set, store.FlagsAdd, []string{"bad(kw"}, nil)
	wantErr(t, "SetFlags bad(kw", err, store.ErrInvalidFlag)
	if _, err := mb.SetFlags(ctx, set, store.FlagsAdd, []string{"Kw1"}, nil); err != nil {
		t.Fatal(err)
	}
	if kw := status(t, mb).Keywords; !store.SameFlags([]string{"Kw1"}, kw) && !slices.Contains(kw, "Kw1") {
		t.Errorf("Status.Keywords = %v, want Kw1 among them", kw)
	}
	up, err = mb.SetFlags(ctx, store.UIDSet{}, store.FlagsAdd, []string{store.FlagSeen}, nil)
	if err != nil || len(up) != 0 {
		t.Errorf("SetFlags on empty set = %v, %v", up, err)
	}
}

// RFC 7162 §3.1.3: UNCHANGEDSINCE.
func testUnchangedSince(t *testing.T, s store.Store) {
	mb := open(t, s, "INBOX")
	a := appendMsg(t, mb, msg(1))
	b := appendMsg(t, mb, msg(2))
	since := status(t, mb).HighestModSeq
	if _, err := mb.SetFlags(ctx, store.UIDSetOf(a.UID), store.FlagsAdd, []string{store.FlagFlagged}, nil); err != nil {
		t.Fatal(err)
	}
	opts := &store.SetFlagsOptions{Conditional: true, UnchangedSince: since}
	up, err := mb.SetFlags(ctx, store.UIDSetOf(a.UID, b.UID), store.FlagsAdd, []string{store.FlagSeen}, opts)
	var me *store.ModifiedError
	if !errors.As(err, &me) || !errors.Is(err, store.ErrModified) || !slices.Equal(me.UIDs, []store.UID{a.UID}) {
		t.Fatalf("conditional SetFlags error = %v, want MODIFIED %d", err, a.UID)
	}
	if len(up) != 1 || up[0].UID != b.UID || !up[0].HasFlag(store.FlagSeen) {
		t.Fatalf("conditional updates = %+v", up)
	}
	l := list(t, mb)
	if l[0].HasFlag(store.FlagSeen) {
		t.Error("modified message was changed")
	}
	// UNCHANGEDSINCE 0 always fails (RFC 7162 §3.1.3).
	_, err = mb.SetFlags(ctx, store.UIDSetOf(b.UID), store.FlagsAdd, []string{store.FlagDraft},
		&store.SetFlagsOptions{Conditional: true})
	if !errors.As(err, &me) || len(me.UIDs) != 1 {
		t.Errorf("UNCHANGEDSINCE 0: %v", err)
	}
	// Passing the test with no flag change still reports the message.
	cur := status(t, mb).HighestModSeq
	up, err = mb.SetFlags(ctx, store.UIDSetOf(b.UID), store.FlagsAdd, []string{store.FlagSeen},
		&store.SetFlagsOptions{Conditional: true, UnchangedSince: cur})
	if err != nil || len(up) != 1 {
		t.Errorf("conditional no-op = %+v, %v", up, err)
	}
}

// RFC 9051 §6.4.3, RFC 4315 §2.1: only \Deleted messages in the set go.
func testExpunge(t *testing.T, s store.Store) {
	mb := open(t, s, "INBOX")
	var rs []store.AppendResult
	for i := range 4 {
		var fl []string
		if i != 1 {
			fl = []string{store.FlagDeleted}
		}
		rs = append(rs, appendMsg(t, mb, msg(i), fl...))
	}
	since := status(t, mb).HighestModSeq
	gone, err := mb.Expunge(ctx, store.UIDSet{{Start: rs[0].UID, Stop: rs[2].UID}})
	if err != nil {
		t.Fatal(err)
	}
	want := []store.UID{rs[0].UID, rs[2].UID}
	if !slices.Equal(gone, want) {
		t.Errorf("Expunge = %v, want %v", gone, want)
	}
	if got := uids(list(t, mb)); !slices.Equal(got, []store.UID{rs[1].UID, rs[3].UID}) {
		t.Errorf("after expunge List = %v", got)
	}
	_, err = mb.Open(ctx, rs[0].UID)
	wantErr(t, "Open expunged", err, store.ErrNoSuchMessage)
	ch, err := mb.Changes(ctx, since)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(ch.Expunged, want) || ch.HighestModSeq <= since {
		t.Errorf("Changes after expunge = %+v", ch)
	}
	gone, err = mb.Expunge(ctx, store.All)
	if err != nil || !slices.Equal(gone, []store.UID{rs[3].UID}) {
		t.Errorf("Expunge(All) = %v, %v", gone, err)
	}
}

// RFC 9051 §6.4.7, RFC 6851, RFC 4315 §3 COPYUID.
func testCopyMove(t *testing.T, s store.Store) {
	if err := s.CreateMailbox(ctx, "Dest", nil); err != nil {
		t.Fatal(err)
	}
	src, dst := open(t, s, "INBOX"), open(t, s, "Dest")
	date := time.Date(2020, 1, 2, 3, 4, 5, 0, time.UTC)
	var rs []store.AppendResult
	for i := range 3 {
		r, err := src.Append(ctx, strings.NewReader(msg(i)), &store.AppendOptions{
			Flags: []string{store.FlagFlagged, "Kw"}, InternalDate: date})
		if err != nil {
			t.Fatal(err)
		}
		rs = append(rs, r)
	}
	cr, err := src.Copy(ctx, store.UIDSetOf(rs[0].UID, rs[2].UID), "Dest")
	if err != nil {
		t.Fatal(err)
	}
	dstSt := status(t, dst)
	if cr.UIDValidity != dstSt.UIDValidity || !slices.Equal(cr.SourceUIDs, []store.UID{rs[0].UID, rs[2].UID}) || len(cr.DestUIDs) != 2 {
		t.Fatalf("Copy result %+v (dest UIDVALIDITY %d)", cr, dstSt.UIDValidity)
	}
	dl := list(t, dst)
	if !slices.Equal(uids(dl), cr.DestUIDs) {
		t.Fatalf("dest UIDs %v, copy said %v", uids(dl), cr.DestUIDs)
	}
	for i, m := range dl {
		if readAll(t, dst, m.UID) != msg(i*2) || !store.SameFlags(m.Flags, []string{store.FlagFlagged, "Kw"}) || !m.InternalDate.Equal(date) {
			t.Errorf("copied message %d: %+v", i, m)
		}
		checkCRLFSize(t, m, msg(i*2))
	}
	if n := len(list(t, src)); n != 3 {
		t.Errorf("source has %d after copy", n)
	}
	mr, err := src.Move(ctx, store.UIDSetOf(rs[1].UID), "Dest")
	if err != nil || len(mr.DestUIDs) != 1 || mr.DestUIDs[0] <= cr.DestUIDs[1] {
		t.Fatalf("Move = %+v, %v", mr, err)
	}
	if got := uids(list(t, src)); !slices.Equal(got, []store.UID{rs[0].UID, rs[2].UID}) {
		t.Errorf("source after move = %v", got)
	}
	if readAll(t, dst, mr.DestUIDs[0]) != msg(1) {
		t.Error("moved content differs")
	}
	_, err = src.Copy(ctx, store.All, "Missing")
	wantErr(t, "Copy to missing", err, store.ErrNoSuchMailbox)
	if cr, err := src.Copy(ctx, store.UIDSetOf(9999), "Dest"); err != nil || len(cr.DestUIDs) != 0 {
		t.Errorf("Copy of missing UID = %+v, %v", cr, err)
	}
}

// RFC 7162 §3.2.5: changes since a modseq.
func testChanges(t *testing.T, s store.Store) {
	mb := open(t, s, "INBOX")
	a := appendMsg(t, mb, msg(1))
	b := appendMsg(t, mb, msg(2), store.FlagDeleted)
	c := appendMsg(t, mb, msg(3))
	since := status(t, mb).HighestModSeq
	d := appendMsg(t, mb, msg(4))
	if _, err := mb.SetFlags(ctx, store.UIDSetOf(a.UID), store.FlagsAdd, []string{store.FlagSeen}, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := mb.Expunge(ctx, store.UIDSetOf(b.UID)); err != nil {
		t.Fatal(err)
	}
	ch, err := mb.Changes(ctx, since)
	if err != nil {
		t.Fatal(err)
	}
	if got := uids(ch.Updated); !slices.Equal(got, []store.UID{a.UID, d.UID}) {
		t.Errorf("Updated = %v, want %v", got, []store.UID{a.UID, d.UID})
	}
	if !slices.Equal(ch.Expunged, []store.UID{b.UID}) {
		t.Errorf("Expunged = %v", ch.Expunged)
	}
	st := status(t, mb)
	if ch.HighestModSeq != st.HighestModSeq || ch.UIDValidity != st.UIDValidity || ch.ExpungedIncomplete {
		t.Errorf("Changes %+v vs Status %+v", ch, st)
	}
	ch, err = mb.Changes(ctx, ch.HighestModSeq)
	if err != nil || len(ch.Updated)+len(ch.Expunged) != 0 {
		t.Errorf("Changes at highest = %+v, %v", ch, err)
	}
	ch, _ = mb.Changes(ctx, 0)
	if got := uids(ch.Updated); !slices.Equal(got, []store.UID{a.UID, c.UID, d.UID}) {
		t.Errorf("Changes(0).Updated = %v", got)
	}
	// Expunged is ascending by UID whatever the order of the expunges
	// (servers binary-search it).
	x := appendMsg(t, mb, msg(5), store.FlagDeleted)
	y := appendMsg(t, mb, msg(6), store.FlagDeleted)
	mark := status(t, mb).HighestModSeq
	for _, u := range []store.UID{y.UID, x.UID} {
		if _, err := mb.Expunge(ctx, store.UIDSetOf(u)); err != nil {
			t.Fatal(err)
		}
	}
	if ch, _ = mb.Changes(ctx, mark); !slices.Equal(ch.Expunged, []store.UID{x.UID, y.UID}) {
		t.Errorf("Expunged after two expunges, the later UID first = %v, want %v", ch.Expunged, []store.UID{x.UID, y.UID})
	}
}

func waitWatch(t *testing.T, c <-chan struct{}) {
	t.Helper()
	select {
	case <-c:
	case <-time.After(30 * time.Second):
		t.Fatal("no change notification within 30s")
	}
}

// Sessions learn about deliveries made through other handles.
func testWatch(t *testing.T, s store.Store) {
	mb := open(t, s, "INBOX")
	wctx, cancel := context.WithCancel(ctx)
	c := mb.Watch(wctx)
	other := open(t, s, "INBOX")
	r := appendMsg(t, other, msg(1))
	waitWatch(t, c)
	ch, err := mb.Changes(ctx, r.ModSeq-1)
	if err != nil || len(ch.Updated) != 1 {
		t.Errorf("Changes after watch = %+v, %v", ch, err)
	}
	cancel()
	for range c { // closed after cancel
	}
}

func testListSubset(t *testing.T, s store.Store) {
	mb := open(t, s, "INBOX")
	var all []store.UID
	for i := range 20 {
		all = append(all, appendMsg(t, mb, msg(i)).UID)
	}
	set := store.UIDSet{{Start: all[15], Stop: all[17]}, {Start: all[2], Stop: all[2]}, {Start: all[19], Stop: store.MaxUID}}
	l, err := mb.List(ctx, set)
	if err != nil {
		t.Fatal(err)
	}
	want := []store.UID{all[2], all[15], all[16], all[17], all[19]}
	if got := uids(l); !slices.Equal(got, want) {
		t.Errorf("List(%v) = %v, want %v", set, got, want)
	}
	if l, _ := mb.List(ctx, store.UIDSet{}); len(l) != 0 {
		t.Errorf("List(empty) = %d messages", len(l))
	}
}

// RFC 9051 §6.3.11 counters.
func testStatus(t *testing.T, s store.Store) {
	mb := open(t, s, "INBOX")
	st0 := status(t, mb)
	if st0.Messages != 0 || st0.UIDNext == 0 || st0.UIDValidity == 0 {
		t.Errorf("empty status %+v", st0)
	}
	appendMsg(t, mb, msg(1), store.FlagSeen)
	appendMsg(t, mb, msg(2), store.FlagDeleted)
	appendMsg(t, mb, msg(3))
	st := status(t, mb)
	size := int64(len(msg(1)) + len(msg(2)) + len(msg(3)))
	if st.Messages != 3 || st.Unseen != 2 || st.Deleted != 1 || st.Size != size || st.UIDValidity != st0.UIDValidity {
		t.Errorf("status %+v, want 3 messages, 2 unseen, 1 deleted, size %d", st, size)
	}
	if st.HighestModSeq <= st0.HighestModSeq {
		t.Errorf("HIGHESTMODSEQ did not grow: %d -> %d", st0.HighestModSeq, st.HighestModSeq)
	}
}

func testConcurrentAppend(t *testing.T, s store.Store) {
	mb := open(t, s, "INBOX")
	const workers, each = 8, 25
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := range workers {
		wg.Go(func() {
			for i := range each {
				body := msg(w*1000 + i)
				if _, err := mb.Append(ctx, bytes.NewReader([]byte(body)), nil); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	l := list(t, mb)
	if len(l) != workers*each {
		t.Fatalf("%d messages, want %d", len(l), workers*each)
	}
	for i := 1; i < len(l); i++ {
		if l[i].UID <= l[i-1].UID {
			t.Fatalf("UIDs not strictly ascending at %d: %d, %d", i, l[i-1].UID, l[i].UID)
		}
	}
}
