package maildir

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mailstack/mailstack/store"
)

func TestNameField(t *testing.T) {
	cases := []struct {
		base string
		s, w int64
	}{
		// Dovecot maildir-filename.c: ",S=<size>,W=<vsize>" after the
		// unique part, each number ended by ',' or the end of the base.
		{"1700000000.M1P2.host,S=12,W=14", 12, 14},
		{"1700000000.M1P2.host,W=14,S=12", 12, 14},
		{"1700000000.M1P2.host,S=12", 12, -1},
		{"1700000000.M1P2.host", -1, -1},          // Maildir spec: no size fields
		{"1.host,S=12x", -1, -1},                  // not a number
		{"1.host,S=,W=3", -1, 3},                  // empty
		{"1.host,S=12_3", -1, -1},                 // suffix: not Dovecot's syntax
		{"1.host,S=99999999999999999999", -1, -1}, // overflows int64
	}
	for _, c := range cases {
		if s, w := nameField(c.base, ",S="), nameField(c.base, ",W="); s != c.s || w != c.w {
			t.Errorf("%q: S=%d W=%d, want S=%d W=%d", c.base, s, w, c.s, c.w)
		}
	}
}

func TestVSizeFromName(t *testing.T) {
	cases := []struct {
		base string
		size int64
		want int64
	}{
		{"1.h,S=10,W=12", 10, 12},
		{"1.h,S=10,W=10", 10, 10}, // CRLF already
		{"1.h,S=10,W=20", 10, 20}, // every byte a bare LF
		{"1.h,S=10,W=9", 10, 0},   // smaller than the file: impossible
		{"1.h,S=10,W=21", 10, 0},  // more than twice: impossible
		{"1.h,S=0,W=0", 0, 0},     // empty: unknown (0)
		{"1.h,S=10", 10, 0},
	}
	for _, c := range cases {
		if got := vsizeFromName(c.base, c.size); got != c.want {
			t.Errorf("vsizeFromName(%q, %d) = %d, want %d", c.base, c.size, got, c.want)
		}
	}
}

// Append, Copy and Deliver name files with ",W=" as Dovecot does, and List
// reports it as CRLFSize; files without it report 0 unless the UID list
// carries a W<vsize> extension.
func TestCRLFSize(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s := openTest(t, dir)
	mb, err := s.OpenMailbox(ctx, "INBOX")
	if err != nil {
		t.Fatal(err)
	}
	body := "Subject: lf\n\nline\nline\r\n"
	res, err := mb.Append(ctx, strings.NewReader(body), nil)
	if err != nil {
		t.Fatal(err)
	}
	names, _ := readNames(filepath.Join(dir, "cur"))
	if len(names) != 1 || !strings.Contains(names[0], ",S=24,W=27:2,") {
		t.Fatalf("cur/ holds %q, want a name with ,S=24,W=27", names)
	}
	// Delivered by Deliver, which names files ",W=" too.
	if _, err := Deliver(ctx, dir, strings.NewReader("Subject: x\n\nx\n"), nil); err != nil {
		t.Fatal(err)
	}
	// Written by Dovecot with the size in the UID list only.
	dov := "1700000000.M1P1.dovecot,S=6"
	if err := os.WriteFile(filepath.Join(dir, "cur", dov+":2,S"), []byte("a\nb\nc\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	l := list(t, mb) // UIDs by delivery time: appended, Dovecot's, delivered
	if len(l) != 3 || l[0].UID != res.UID || l[0].CRLFSize != 27 || l[1].CRLFSize != 0 || l[2].CRLFSize != 17 {
		t.Fatalf("List = %+v", l)
	}
	ul := mustRead(t, filepath.Join(dir, UIDListName))
	ul = []byte(strings.Replace(string(ul), " :"+dov, " W9 :"+dov, 1))
	if err := writeFileAtomic(dir, UIDListName, ul); err != nil {
		t.Fatal(err)
	}
	s2 := openTest(t, dir) // a fresh index reads the UID list anew
	mb2, _ := s2.OpenMailbox(ctx, "INBOX")
	if l := list(t, mb2); l[1].CRLFSize != 9 {
		t.Errorf("UID list W9: CRLFSize %d, want 9", l[1].CRLFSize)
	}
	if err := s.CreateMailbox(ctx, "Copy", nil); err != nil {
		t.Fatal(err)
	}
	if _, err := mb.Copy(ctx, store.UIDSetOf(res.UID), "Copy"); err != nil {
		t.Fatal(err)
	}
	cp, _ := s.OpenMailbox(ctx, "Copy")
	if l := list(t, cp); len(l) != 1 || l[0].CRLFSize != 27 {
		t.Errorf("copy: %+v, want CRLFSize 27", l)
	}
}

func list(t *testing.T, mb store.Mailbox) []store.MessageInfo {
	t.Helper()
	l, err := mb.List(context.Background(), store.All)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// Open reads a message the index knows without looking at the folder
// first, and still finds it after another program renamed its file.
func TestOpenAfterRename(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	a, b := openTest(t, dir), openTest(t, dir) // two processes' views
	ma, _ := a.OpenMailbox(ctx, "INBOX")
	mb, _ := b.OpenMailbox(ctx, "INBOX")
	res, err := ma.Append(ctx, strings.NewReader("Subject: x\r\n\r\nbody\r\n"), nil)
	if err != nil {
		t.Fatal(err)
	}
	read := func(m store.Mailbox) (string, error) {
		c, err := m.Open(ctx, res.UID)
		if err != nil {
			return "", err
		}
		defer c.Close()
		buf, err := io.ReadAll(io.NewSectionReader(c, 0, c.Size()))
		return string(buf), err
	}
	if got, err := read(ma); err != nil || got != "Subject: x\r\n\r\nbody\r\n" {
		t.Fatalf("Open = %q, %v", got, err)
	}
	// Only the message file is touched: with new/ gone for a moment,
	// an indexed UID still opens.
	if err := os.Rename(filepath.Join(dir, "new"), filepath.Join(dir, "new.away")); err != nil {
		t.Fatal(err)
	}
	_, err = read(ma)
	os.Rename(filepath.Join(dir, "new.away"), filepath.Join(dir, "new"))
	if err != nil {
		t.Errorf("Open with new/ away: %v", err)
	}
	// The other view changes the flags (a rename in cur/), then a mail
	// client renames it again by hand.
	if _, err := mb.SetFlags(ctx, store.UIDSetOf(res.UID), store.FlagsAdd, []string{store.FlagSeen}, nil); err != nil {
		t.Fatal(err)
	}
	if got, err := read(ma); err != nil || got == "" {
		t.Errorf("Open after SetFlags elsewhere = %q, %v", got, err)
	}
	names, _ := readNames(filepath.Join(dir, "cur"))
	if len(names) != 1 {
		t.Fatalf("cur/ holds %q", names)
	}
	base, _ := SplitName(names[0])
	if err := os.Rename(filepath.Join(dir, "cur", names[0]), filepath.Join(dir, "cur", base+infoSep+"FS")); err != nil {
		t.Fatal(err)
	}
	if got, err := read(ma); err != nil || got == "" {
		t.Errorf("Open after a rename by hand = %q, %v", got, err)
	}
	if l := list(t, ma); !l[0].HasFlag(store.FlagFlagged) {
		t.Errorf("flags after the rename: %v", l[0].Flags)
	}
	// Expunged elsewhere: gone.
	if _, err := mb.SetFlags(ctx, store.UIDSetOf(res.UID), store.FlagsAdd, []string{store.FlagDeleted}, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := mb.Expunge(ctx, store.All); err != nil {
		t.Fatal(err)
	}
	if _, err := read(ma); !errors.Is(err, store.ErrNoSuchMessage) {
		t.Errorf("Open after expunge elsewhere: %v, want ErrNoSuchMessage", err)
	}
}
