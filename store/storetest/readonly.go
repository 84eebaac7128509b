package storetest

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mailstack/mailstack/store"
)

// Message is a message a ReadOnlyFixture puts in a store. Bodies use LF
// line ends, which every store keeps as given.
type Message struct {
	Body         string
	Flags        []string
	InternalDate time.Time
}

// ReadOnlyFixture builds the stores RunReadOnly checks: stores whose
// mailboxes are filled by other programs and that refuse changes (flag
// changes, expunges, mailbox changes; appends too unless CanAppend).
type ReadOnlyFixture struct {
	// New returns a store whose INBOX holds msgs, in order.
	New func(t *testing.T, msgs []Message) store.Store
	// Again returns a second store over the same data as s, as another
	// process would open it. Nil skips the cases that need one.
	Again func(t *testing.T, s store.Store) store.Store
	// Deliver adds m to the INBOX of s the way another program (an MDA)
	// would. Nil skips the cases that need it.
	Deliver func(t *testing.T, s store.Store, m Message)
	// CanAppend says Append works; otherwise it must fail with
	// store.ErrReadOnly.
	CanAppend bool
}

// readOnlyMsgs holds mbox-hostile lines, keywords and an 8-bit body; the
// last is 1 MiB.
var readOnlyMsgs = []Message{
	{"From: a@example.org\nSubject: one\n\nFrom the start\n>From quoted\n>>From twice\n",
		[]string{store.FlagSeen}, time.Date(2021, 3, 4, 5, 6, 7, 0, time.UTC)},
	{"Subject: two\n\nbody\n", []string{store.FlagAnswered, store.FlagFlagged, "$Label1", "Work"},
		time.Date(2022, 1, 2, 3, 4, 5, 0, time.UTC)},
	{"Subject: three\n\nline\n\nFrom after a blank line\n\n", []string{store.FlagDeleted, store.FlagDraft},
		time.Date(2023, 6, 7, 8, 9, 10, 0, time.UTC)},
	{"Subject: 8bit\n\nh\xc3\xa9llo\n", nil, time.Date(2024, 12, 31, 23, 59, 59, 0, time.UTC)},
	{"Subject: big\n\n" + strings.Repeat("0123456789abcdef", 1<<16) + "\n", []string{store.FlagSeen},
		time.Date(2025, 2, 3, 4, 5, 6, 0, time.UTC)},
}

// RunReadOnly runs the conformance cases that apply to a store that only
// serves what other programs wrote, such as an mbox file shared with an
// MDA: reading, listing, status, changes made by others, stable UIDs, and
// the refusal of changes with store.ErrReadOnly.
func RunReadOnly(t *testing.T, fx ReadOnlyFixture) {
	cases := []struct {
		name string
		fn   func(t *testing.T, fx ReadOnlyFixture, s store.Store)
	}{
		{"InboxExists", func(t *testing.T, _ ReadOnlyFixture, s store.Store) { testInboxExists(t, s) }},
		{"ListAndRead", testROListAndRead},
		{"ListSubset", testROListSubset},
		{"Status", testROStatus},
		{"Changes", testROChanges},
		{"Refused", testRORefused},
		{"StableUIDs", testROStable},
		{"SeesDelivery", testROSeesDelivery},
		{"Append", testROAppend},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := fx.New(t, readOnlyMsgs)
			t.Cleanup(func() { s.Close() })
			c.fn(t, fx, s)
		})
	}
}

// RFC 9051 §2.3.1.1, §2.3.2, §2.3.3: UIDs ascend, flags, dates, sizes and
// bytes are as the other program wrote them.
func testROListAndRead(t *testing.T, _ ReadOnlyFixture, s store.Store) {
	mb := open(t, s, "INBOX")
	l := list(t, mb)
	if len(l) != len(readOnlyMsgs) {
		t.Fatalf("List has %d messages, want %d", len(l), len(readOnlyMsgs))
	}
	for i, m := range l {
		want := readOnlyMsgs[i]
		if i > 0 && m.UID <= l[i-1].UID {
			t.Errorf("UID %d after %d", m.UID, l[i-1].UID)
		}
		if b := readAll(t, mb, m.UID); b != want.Body {
			t.Errorf("message %d: content %q, want %q", i, trunc(b), trunc(want.Body))
		}
		if m.Size != int64(len(want.Body)) {
			t.Errorf("message %d: Size %d, want %d", i, m.Size, len(want.Body))
		}
		if !store.SameFlags(m.Flags, want.Flags) {
			t.Errorf("message %d: flags %v, want %v", i, m.Flags, want.Flags)
		}
		if !m.InternalDate.Equal(want.InternalDate) {
			t.Errorf("message %d: InternalDate %v, want %v", i, m.InternalDate, want.InternalDate)
		}
		if m.ModSeq == 0 {
			t.Errorf("message %d: modseq 0", i)
		}
	}
	c, err := mb.Open(ctx, l[4].UID)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	p := make([]byte, 17)
	if n, err := c.ReadAt(p, c.Size()-17); n != 17 || string(p) != "0123456789abcdef\n" {
		t.Errorf("ReadAt tail = %q, %v", p[:n], err)
	}
	_, err = mb.Open(ctx, l[4].UID+1000)
	wantErr(t, "Open(missing UID)", err, store.ErrNoSuchMessage)
}

func trunc(s string) string {
	if len(s) > 80 {
		return s[:80] + "..."
	}
	return s
}

func testROListSubset(t *testing.T, _ ReadOnlyFixture, s store.Store) {
	mb := open(t, s, "INBOX")
	all := uids(list(t, mb))
	set := store.UIDSet{{Start: all[3], Stop: store.MaxUID}, {Start: all[1], Stop: all[1]}}
	l, err := mb.List(ctx, set)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := uids(l), []store.UID{all[1], all[3], all[4]}; !slices.Equal(got, want) {
		t.Errorf("List(%v) = %v, want %v", set, got, want)
	}
}

// RFC 9051 §6.3.11 counters, §7.3.5 keywords for FLAGS.
func testROStatus(t *testing.T, _ ReadOnlyFixture, s store.Store) {
	mb := open(t, s, "INBOX")
	st := status(t, mb)
	var size int64
	for _, m := range readOnlyMsgs {
		size += int64(len(m.Body))
	}
	l := list(t, mb)
	if st.Messages != 5 || st.Unseen != 3 || st.Deleted != 1 || st.Size != size {
		t.Errorf("status %+v, want 5 messages, 3 unseen, 1 deleted, size %d", st, size)
	}
	if st.UIDValidity == 0 || st.UIDNext <= l[len(l)-1].UID || st.HighestModSeq == 0 {
		t.Errorf("status %+v: UIDVALIDITY, UIDNEXT (last UID %d) or HIGHESTMODSEQ wrong", st, l[len(l)-1].UID)
	}
	for _, k := range []string{"$Label1", "Work"} {
		if !slices.Contains(st.Keywords, k) {
			t.Errorf("Status.Keywords = %v, want %s among them", st.Keywords, k)
		}
	}
}

// RFC 7162 §3.2.5: nothing changed since HIGHESTMODSEQ; everything since 0.
func testROChanges(t *testing.T, _ ReadOnlyFixture, s store.Store) {
	mb := open(t, s, "INBOX")
	st := status(t, mb)
	ch, err := mb.Changes(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(ch.Updated) != 5 || ch.UIDValidity != st.UIDValidity || ch.HighestModSeq != st.HighestModSeq {
		t.Errorf("Changes(0) = %d updated, %+v; status %+v", len(ch.Updated), ch, st)
	}
	ch, err = mb.Changes(ctx, st.HighestModSeq)
	if err != nil || len(ch.Updated)+len(ch.Expunged) != 0 {
		t.Errorf("Changes(HIGHESTMODSEQ) = %+v, %v", ch, err)
	}
}

// Every change is refused with ErrReadOnly (mailbox changes may say
// ErrNotAllowed), and nothing changes.
func testRORefused(t *testing.T, fx ReadOnlyFixture, s store.Store) {
	mb := open(t, s, "INBOX")
	if ro, ok := mb.(store.ReadOnlyMailbox); !ok || !ro.ReadOnly() {
		t.Error("mailbox does not report itself read-only (store.ReadOnlyMailbox)")
	}
	before := list(t, mb)
	first := store.UIDSetOf(before[0].UID)
	_, err := mb.SetFlags(ctx, first, store.FlagsAdd, []string{store.FlagFlagged}, nil)
	wantErr(t, "SetFlags", err, store.ErrReadOnly)
	_, err = mb.Expunge(ctx, store.All)
	wantErr(t, "Expunge", err, store.ErrReadOnly)
	_, err = mb.Move(ctx, first, "INBOX")
	wantErr(t, "Move", err, store.ErrReadOnly)
	if !fx.CanAppend {
		_, err = mb.Append(ctx, strings.NewReader(msg(1)), nil)
		wantErr(t, "Append", err, store.ErrReadOnly)
		_, err = mb.Copy(ctx, first, "INBOX")
		wantErr(t, "Copy", err, store.ErrReadOnly)
	}
	for what, err := range map[string]error{
		"CreateMailbox": s.CreateMailbox(ctx, "New", nil),
		"DeleteMailbox": s.DeleteMailbox(ctx, "INBOX"),
		"RenameMailbox": s.RenameMailbox(ctx, "INBOX", "Old"),
	} {
		if !errors.Is(err, store.ErrReadOnly) && !errors.Is(err, store.ErrNotAllowed) {
			t.Errorf("%s: error %v, want ErrReadOnly or ErrNotAllowed", what, err)
		}
	}
	after := list(t, mb)
	if len(after) != len(before) || !store.SameFlags(after[0].Flags, before[0].Flags) {
		t.Errorf("refused changes changed the mailbox: %+v", after)
	}
}

// RFC 9051 §2.3.1.1: another reader of the same data sees the same
// UIDVALIDITY and UIDs.
func testROStable(t *testing.T, fx ReadOnlyFixture, s store.Store) {
	if fx.Again == nil {
		t.Skip("no second view")
	}
	a := open(t, s, "INBOX")
	s2 := fx.Again(t, s)
	t.Cleanup(func() { s2.Close() })
	b := open(t, s2, "INBOX")
	if sa, sb := status(t, a), status(t, b); sa.UIDValidity != sb.UIDValidity || sa.UIDNext != sb.UIDNext {
		t.Errorf("two views disagree: %+v vs %+v", sa, sb)
	}
	if ua, ub := uids(list(t, a)), uids(list(t, b)); !slices.Equal(ua, ub) {
		t.Errorf("two views' UIDs %v vs %v", ua, ub)
	}
}

// A delivery by another program is seen, with a new UID; the UIDs
// already given stay (RFC 9051 §2.3.1.1).
func testROSeesDelivery(t *testing.T, fx ReadOnlyFixture, s store.Store) {
	if fx.Deliver == nil {
		t.Skip("no way to deliver")
	}
	mb := open(t, s, "INBOX")
	before := list(t, mb)
	st := status(t, mb)
	c := mb.Watch(t.Context())
	m := Message{Body: "Subject: late\n\nFrom the MDA\n", Flags: nil, InternalDate: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	fx.Deliver(t, s, m)
	waitWatch(t, c)
	ch, err := mb.Changes(ctx, st.HighestModSeq)
	if err != nil {
		t.Fatal(err)
	}
	if ch.UIDValidity != st.UIDValidity {
		t.Fatalf("UIDVALIDITY changed %d -> %d on a delivery", st.UIDValidity, ch.UIDValidity)
	}
	if len(ch.Updated) != 1 || ch.Updated[0].UID < st.UIDNext || len(ch.Expunged) != 0 {
		t.Fatalf("Changes after delivery = %+v, want one new message from UID %d", ch, st.UIDNext)
	}
	if b := readAll(t, mb, ch.Updated[0].UID); b != m.Body {
		t.Errorf("delivered content %q", b)
	}
	after := list(t, mb)
	if !slices.Equal(uids(after[:len(before)]), uids(before)) {
		t.Errorf("UIDs changed by a delivery: %v -> %v", uids(before), uids(after))
	}
}

// RFC 9051 §6.3.12 and RFC 4315 APPENDUID for an append-only store.
func testROAppend(t *testing.T, fx ReadOnlyFixture, s store.Store) {
	if !fx.CanAppend {
		t.Skip("read-only")
	}
	mb := open(t, s, "INBOX")
	st := status(t, mb)
	body := "Subject: appended\n\nFrom me\n>From you\n"
	date := time.Date(2020, 5, 6, 7, 8, 9, 0, time.UTC)
	res, err := mb.Append(ctx, strings.NewReader(body), &store.AppendOptions{
		Flags: []string{store.FlagSeen, "Later"}, InternalDate: date})
	if err != nil {
		t.Fatal(err)
	}
	if res.UID < st.UIDNext || res.UIDValidity != st.UIDValidity {
		t.Errorf("AppendResult %+v, status before %+v", res, st)
	}
	l, err := mb.List(ctx, store.UIDSetOf(res.UID))
	if err != nil || len(l) != 1 {
		t.Fatalf("List(appended) = %+v, %v", l, err)
	}
	if !store.SameFlags(l[0].Flags, []string{store.FlagSeen, "Later"}) || !l[0].InternalDate.Equal(date) || l[0].ModSeq != res.ModSeq {
		t.Errorf("appended message %+v, result %+v", l[0], res)
	}
	if b := readAll(t, mb, res.UID); b != body {
		t.Errorf("appended content %q", b)
	}
	cr, err := mb.Copy(ctx, store.UIDSetOf(res.UID), "INBOX")
	if err != nil || len(cr.DestUIDs) != 1 || cr.DestUIDs[0] <= res.UID {
		t.Fatalf("Copy = %+v, %v", cr, err)
	}
	if b := readAll(t, mb, cr.DestUIDs[0]); b != body {
		t.Errorf("copied content %q", b)
	}
}
