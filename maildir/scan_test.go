package maildir

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/mailstack/mailstack/store"
)

// readdir is not a snapshot: a listing of new/ taken while a writer
// delivers may hold its second message but miss the first (on ext4 a file
// created during the listing appears or not by its name's hash). The scan
// must still number the first before the second.
func TestScanOrderWithTornListing(t *testing.T) {
	dir := t.TempDir()
	if err := ensureMaildir(dir); err != nil {
		t.Fatal(err)
	}
	first, second := "1700000000.M99P7Q1.h,S=0", "1700000000.M100P7Q2.h,S=0"
	for _, n := range []string{first, second} {
		if err := os.WriteFile(filepath.Join(dir, "new", n), nil, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	tornListing(t, "new", first)
	mb, err := openTest(t, dir).OpenMailbox(context.Background(), "INBOX")
	if err != nil {
		t.Fatal(err)
	}
	l, err := mb.List(context.Background(), store.All)
	if err != nil {
		t.Fatal(err)
	}
	if len(l) != 2 {
		t.Fatalf("%d messages, want 2", len(l))
	}
	ul, _, err := ParseUIDList(mustRead(t, filepath.Join(dir, UIDListName)))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range ul.Records {
		b, _ := SplitName(r.Name)
		got = append(got, b)
	}
	if want := []string{first, second}; !slices.Equal(got, want) {
		t.Errorf("UID order %v, want %v (delivery order; M99 < M100 numerically)", got, want)
	}
}

// A file renamed by another program (a flag change) while cur/ is read may
// be missed by that listing; it must not be taken for an expunge.
func TestScanTornCurListing(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	mb, err := openTest(t, dir).OpenMailbox(ctx, "INBOX")
	if err != nil {
		t.Fatal(err)
	}
	res, err := mb.Append(ctx, strings.NewReader("Subject: x\r\n\r\nx\r\n"), nil)
	if err != nil {
		t.Fatal(err)
	}
	names, err := readNames(filepath.Join(dir, "cur"))
	if err != nil || len(names) != 1 {
		t.Fatalf("cur/ holds %v, %v", names, err)
	}
	// Another program marks it seen; our next listing misses it once.
	seen := strings.TrimSuffix(names[0], infoSep) + infoSep + "S"
	if err := os.Rename(filepath.Join(dir, "cur", names[0]), filepath.Join(dir, "cur", seen)); err != nil {
		t.Fatal(err)
	}
	tornListing(t, "cur", seen)
	ch, err := mb.Changes(ctx, res.ModSeq)
	if err != nil {
		t.Fatal(err)
	}
	if len(ch.Expunged) != 0 || len(ch.Updated) != 1 || !ch.Updated[0].HasFlag(store.FlagSeen) {
		t.Errorf("Changes = %+v; want UID %d updated with \\Seen, no expunge", ch, res.UID)
	}
}

// tornListing makes the first listing of dir's sub leave out name.
func tornListing(t *testing.T, sub, name string) {
	calls := 0
	listDir = func(d string) ([]string, error) {
		names, err := readNames(d)
		if filepath.Base(d) == sub {
			if calls++; calls == 1 {
				names = slices.DeleteFunc(names, func(n string) bool { return n == name })
			}
		}
		return names, err
	}
	t.Cleanup(func() { listDir = readNames })
}

func mustRead(t *testing.T, p string) []byte {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
