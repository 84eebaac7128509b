package maildir

import (
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mailstack/mailstack/internal/testpeer"
	"github.com/mailstack/mailstack/store"
)

// The save date comes from the journal: it survives a restart and a flag
// change made by another program (a rename of the file, which changes its
// ctime), and a message another program delivered gets its file's mtime.
func TestSaveDatePersists(t *testing.T) {
	dir := t.TempDir()
	s := openTest(t, dir)
	mb, _ := s.OpenMailbox(ctxb, "INBOX")
	old := time.Date(2001, 2, 3, 4, 5, 6, 0, time.UTC)
	if _, err := mb.Append(ctxb, strings.NewReader("Subject: a\r\n\r\nx\r\n"), &store.AppendOptions{InternalDate: old}); err != nil {
		t.Fatal(err)
	}
	name, err := Deliver(ctxb, dir, strings.NewReader("Subject: b\r\n\r\ny\r\n"), nil)
	if err != nil {
		t.Fatal(err)
	}
	delivered := time.Date(2011, 12, 13, 14, 15, 16, 0, time.UTC)
	if err := os.Chtimes(filepath.Join(dir, "new", name), delivered, delivered); err != nil {
		t.Fatal(err)
	}
	l, _ := mb.List(ctxb, store.All)
	if len(l) != 2 {
		t.Fatalf("%d messages", len(l))
	}
	saved := l[0].SaveDate
	if saved.IsZero() || saved.Year() < 2020 {
		t.Fatalf("appended message's SaveDate %v (INTERNALDATE %v)", saved, old)
	}
	if !l[1].SaveDate.Equal(delivered) {
		t.Errorf("delivered message's SaveDate %v, want its mtime %v", l[1].SaveDate, delivered)
	}
	// Another program sets \Seen and \Flagged on both, and changes the
	// delivered file's mtime afterwards: the recorded save date stays.
	cur, _ := readNames(filepath.Join(dir, "cur"))
	for _, n := range cur {
		b, _ := SplitName(n)
		if err := os.Rename(filepath.Join(dir, "cur", n), filepath.Join(dir, "cur", b+":2,FS")); err != nil {
			t.Fatal(err)
		}
	}
	s.Close()
	s2 := openTest(t, dir)
	defer s2.Close()
	mb2, _ := s2.OpenMailbox(ctxb, "INBOX")
	l2, _ := mb2.List(ctxb, store.All)
	if len(l2) != 2 || !l2[0].HasFlag(store.FlagFlagged) || !l2[1].HasFlag(store.FlagSeen) {
		t.Fatalf("after restart: %+v", l2)
	}
	if !l2[0].SaveDate.Equal(saved) || !l2[1].SaveDate.Equal(delivered) {
		t.Errorf("SaveDates after restart and flag renames %v %v, want %v %v", l2[0].SaveDate, l2[1].SaveDate, saved, delivered)
	}
	if l2[0].EmailID != l[0].EmailID || l2[1].EmailID != l[1].EmailID {
		t.Errorf("EmailIDs changed: %s %s → %s %s", l[0].EmailID, l[1].EmailID, l2[0].EmailID, l2[1].EmailID)
	}
}

// A UID list without a mailbox GUID (as Courier or an old Dovecot wrote
// it) gets one on the first Status, kept from then on.
func TestMailboxGUIDAdded(t *testing.T) {
	dir := t.TempDir()
	for _, sub := range []string{"cur", "new", "tmp"} {
		os.MkdirAll(filepath.Join(dir, sub), 0o700)
	}
	os.WriteFile(filepath.Join(dir, "cur", "1700000000.M1P1.host,S=9:2,S"), []byte("Subject:\n"), 0o600)
	os.WriteFile(filepath.Join(dir, UIDListName), []byte("3 V1700000000 N8\n7 :1700000000.M1P1.host,S=9:2,S\n"), 0o600)
	s := openTest(t, dir)
	mb, _ := s.OpenMailbox(ctxb, "INBOX")
	st, err := mb.Status(ctxb)
	if err != nil || !store.IsObjectID(st.MailboxID) || len(st.MailboxID) != 32 {
		t.Fatalf("Status = %+v, %v", st, err)
	}
	data, _ := os.ReadFile(filepath.Join(dir, UIDListName))
	ul, _, err := ParseUIDList(data)
	if err != nil || ul.UIDValidity != 1700000000 || len(ul.Records) != 1 || ul.Records[0].UID != 7 || !slices.Contains(ul.HeaderExt, "G"+st.MailboxID) {
		t.Fatalf("UID list rewritten as %q (%v)", data, err)
	}
	s.Close()
	st2, _ := mustOpen(t, openTest(t, dir), "INBOX").Status(ctxb)
	if st2.MailboxID != st.MailboxID || st2.UIDValidity != st.UIDValidity {
		t.Errorf("after restart %+v, was %+v", st2, st)
	}
}

func mustOpen(t *testing.T, s *Store, name string) store.Mailbox {
	t.Helper()
	t.Cleanup(func() { s.Close() })
	mb, err := s.OpenMailbox(ctxb, name)
	if err != nil {
		t.Fatal(err)
	}
	return mb
}

// Dovecot and mailstack agree on object ids over one Maildir: MAILBOXID
// is Dovecot's mailbox GUID (doveadm mailbox status guid), and a message
// copied by either keeps its GUID, hence its EMAILID, in the other's eyes.
func TestDovecotAgreesOnObjectIDs(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "mail")
	s, err := Open(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"Ours", "Theirs"} {
		if err := s.CreateMailbox(ctxb, n, nil); err != nil {
			t.Fatal(err)
		}
	}
	in, _ := s.OpenMailbox(ctxb, "INBOX")
	a, _ := in.Append(ctxb, strings.NewReader("Subject: a\r\n\r\nx\r\n"), &store.AppendOptions{Flags: []string{store.FlagSeen}})
	b, _ := in.Append(ctxb, strings.NewReader("Subject: b\r\n\r\ny\r\n"), nil)
	if _, err := in.Copy(ctxb, store.UIDSetOf(a.UID), "Ours"); err != nil {
		t.Fatal(err)
	}
	ids := map[string]string{}
	for _, n := range []string{"INBOX", "Ours", "Theirs"} {
		mb, _ := s.OpenMailbox(ctxb, n)
		st, _ := mb.Status(ctxb)
		ids[n] = st.MailboxID
	}
	l, _ := in.List(ctxb, store.All)
	s.Close()

	d := testpeer.StartDovecot(t, testpeer.DovecotConfig{MailDir: dir})
	for n, id := range ids {
		out, err := d.Doveadm(t, "mailbox", "status", "-u", d.User, "guid", n)
		if err != nil {
			t.Fatal(err)
		}
		if want := n + " guid=" + id; strings.TrimSpace(string(out)) != want {
			t.Errorf("doveadm: %q, want %q", out, want)
		}
	}
	guids := func(box string) []string {
		out, err := d.Doveadm(t, "fetch", "-u", d.User, "guid", "mailbox", box)
		if err != nil {
			t.Fatal(err)
		}
		var g []string
		for _, line := range strings.Split(string(out), "\n") {
			if v, ok := strings.CutPrefix(line, "guid: "); ok {
				g = append(g, v)
			}
		}
		return g
	}
	inG, oursG := guids("INBOX"), guids("Ours")
	if len(inG) != 2 || len(oursG) != 1 || oursG[0] != inG[0] {
		t.Fatalf("Dovecot's GUIDs: INBOX %v, Ours %v: our copy should keep the original's", inG, oursG)
	}
	for i, m := range l {
		if m.EmailID != emailIDOf(inG[i]) {
			t.Errorf("UID %d: EmailID %s, want the hash of Dovecot's GUID %q", m.UID, m.EmailID, inG[i])
		}
	}
	// Dovecot copies b and moves a; we see the same EMAILIDs there.
	for _, args := range [][]string{
		{"copy", "-u", d.User, "Theirs", "mailbox", "INBOX", "uid", itoa(b.UID)},
		{"move", "-u", d.User, "Theirs", "mailbox", "INBOX", "uid", itoa(a.UID)},
	} {
		if _, err := d.Doveadm(t, args...); err != nil {
			t.Fatal(err)
		}
	}
	d.ChownMailDirs(t)
	s2 := openTest(t, dir)
	defer s2.Close()
	th, _ := s2.OpenMailbox(ctxb, "Theirs")
	tl, _ := th.List(ctxb, store.All)
	var got []string
	for _, m := range tl {
		got = append(got, m.EmailID)
	}
	slices.Sort(got)
	want := []string{l[0].EmailID, l[1].EmailID}
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("EmailIDs of Dovecot's copies %v, want %v", got, want)
	}
	if st, _ := th.Status(ctxb); st.MailboxID != ids["Theirs"] {
		t.Errorf("MailboxID of Theirs %s after Dovecot's writes, was %s", st.MailboxID, ids["Theirs"])
	}
}

func itoa(u store.UID) string { return strconv.FormatUint(uint64(u), 10) }
