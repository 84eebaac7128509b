package mbox

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mailstack/mailstack/store"
	"github.com/mailstack/mailstack/store/storetest"
)

// writeFixture writes msgs as an MDA would, with their flags in Status,
// X-Status and X-Keywords.
func writeFixture(t *testing.T, path string, msgs []storetest.Message) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	w := NewWriter(f)
	for _, m := range msgs {
		if err := writeWithFlags(w, pending{body: strings.NewReader(m.Body), flags: m.Flags, date: m.InternalDate}, 1<<30); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
}

func fixture(cfg Config) storetest.ReadOnlyFixture {
	cfg.PollInterval = 20 * time.Millisecond
	open := func(t *testing.T, path string) store.Store {
		s, err := OpenStore(path, &cfg)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	return storetest.ReadOnlyFixture{
		New: func(t *testing.T, msgs []storetest.Message) store.Store {
			p := filepath.Join(t.TempDir(), "inbox")
			writeFixture(t, p, msgs)
			return open(t, p)
		},
		Again: func(t *testing.T, s store.Store) store.Store { return open(t, s.(*Store).Path()) },
		Deliver: func(t *testing.T, s store.Store, m storetest.Message) {
			err := Append(context.Background(), s.(*Store).Path(), strings.NewReader(m.Body), &AppendOptions{Date: m.InternalDate})
			if err != nil {
				t.Fatal(err)
			}
		},
		CanAppend: !cfg.ReadOnly,
	}
}

func TestStoreReadOnly(t *testing.T) {
	storetest.RunReadOnly(t, fixture(Config{ReadOnly: true}))
}

func TestStoreAppendOnly(t *testing.T) {
	storetest.RunReadOnly(t, fixture(Config{}))
}

// The same cases over a file Dovecot keeps, with X-IMAPbase and X-UID.
func TestStoreWithFolderData(t *testing.T) {
	fx := fixture(Config{})
	newStore := fx.New
	fx.New = func(t *testing.T, msgs []storetest.Message) store.Store {
		s := newStore(t, msgs)
		addFolderData(t, s.(*Store).Path(), 1234567, 40)
		return s
	}
	storetest.RunReadOnly(t, fx)
}

// addFolderData rewrites a test mbox as Dovecot would after a sync:
// X-IMAPbase in the first message and X-UID 10, 20, ... in each.
func addFolderData(t *testing.T, path string, validity, last uint32) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	uid, blank := 0, true
	for line := range strings.Lines(string(data)) {
		out.WriteString(line)
		if blank && strings.HasPrefix(line, "From ") {
			if uid == 0 {
				out.WriteString("X-IMAPbase: " + Base{UIDValidity: validity, LastUID: last, Keywords: []string{"Old"}}.String() + "\n")
			}
			uid += 10
			out.WriteString("X-UID: " + strconv.Itoa(uid) + "\n")
		}
		blank = line == "\n"
	}
	if err := os.WriteFile(path, []byte(out.String()), 0o600); err != nil {
		t.Fatal(err)
	}
}

// A file Dovecot 2.3 wrote (doveadm save, then flags set): its UIDs,
// UIDVALIDITY, flags and keywords, and content without the metadata.
func TestStoreReadsDovecotFile(t *testing.T) {
	cases := []struct {
		file     string
		validity uint32
		uids     []store.UID
		flags    [][]string
		bodies   []string
		keywords []string
		next     store.UID
	}{
		{"dovecot-2msgs.mbox", 1795676964, []store.UID{1, 2},
			[][]string{{store.FlagSeen, store.FlagFlagged, "$Label1", "Work"}, {store.FlagAnswered, store.FlagDeleted, store.FlagDraft}},
			[]string{"From: a@example.org\nSubject: one\n\nbody one\nFrom here\n", "From: b@example.org\nSubject: two\n\nbody two\n"},
			[]string{"$Label1", "Work"}, 3},
		// After expunging everything Dovecot keeps the folder data in a
		// pseudo message (X-IMAP), which is not listed.
		{"dovecot-pseudo.mbox", 1795676964, []store.UID{3}, [][]string{nil},
			[]string{"From: a@example.org\nSubject: one\n\nbody one\nFrom here\n"}, []string{"$Label1", "Work"}, 4},
	}
	for _, c := range cases {
		t.Run(c.file, func(t *testing.T) {
			s, err := OpenStore(filepath.Join("testdata", c.file), &Config{ReadOnly: true})
			if err != nil {
				t.Fatal(err)
			}
			mb, _ := s.OpenMailbox(context.Background(), "INBOX")
			st, err := mb.Status(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if st.UIDValidity != c.validity || st.UIDNext != c.next || !slices.Equal(st.Keywords, c.keywords) {
				t.Errorf("Status = %+v", st)
			}
			l, _ := mb.List(context.Background(), store.All)
			if len(l) != len(c.uids) {
				t.Fatalf("List = %+v", l)
			}
			for i, m := range l {
				if m.UID != c.uids[i] || !store.SameFlags(m.Flags, c.flags[i]) {
					t.Errorf("message %d: UID %d flags %v, want %d %v", i, m.UID, m.Flags, c.uids[i], c.flags[i])
				}
				ct, err := mb.Open(context.Background(), m.UID)
				if err != nil {
					t.Fatal(err)
				}
				b, _ := io.ReadAll(io.NewSectionReader(ct, 0, ct.Size()))
				ct.Close()
				if string(b) != c.bodies[i] || m.Size != int64(len(b)) {
					t.Errorf("message %d: content %q (size %d)", i, b, m.Size)
				}
			}
		})
	}
}

// UID rules of Dovecot's mbox-sync: an X-UID counts if above the one before
// and not above X-IMAPbase's last UID; other messages get the next UIDs in
// file order.
func TestStoreUIDAssignment(t *testing.T) {
	msg := func(hdr string) string {
		return "From a@x Thu Jan  1 00:00:00 2004\n" + hdr + "Subject: s\n\nbody\n\n"
	}
	cases := []struct {
		name string
		file string
		want []store.UID
		next store.UID
	}{
		{"X-UIDs kept", msg("X-IMAPbase: 7 0000000009\nX-UID: 3\n") + msg("X-UID: 9\n"), []store.UID{3, 9}, 10},
		{"delivered after the last sync", msg("X-IMAPbase: 7 0000000009\nX-UID: 3\n") + msg("") + msg(""), []store.UID{3, 10, 11}, 12},
		{"X-UID above the last UID is void", msg("X-IMAPbase: 7 5\nX-UID: 3\n") + msg("X-UID: 8\n"), []store.UID{3, 6}, 7},
		{"X-UID not ascending is void", msg("X-IMAPbase: 7 9\nX-UID: 5\n") + msg("X-UID: 4\n") + msg("X-UID: 8\n"), []store.UID{5, 10, 11}, 12},
		{"no folder data: positions, X-UID ignored", msg("X-UID: 40\n") + msg("X-UID: 41\n"), []store.UID{1, 2}, 3},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), "mbox")
			os.WriteFile(p, []byte(c.file), 0o600)
			s, _ := OpenStore(p, &Config{ReadOnly: true})
			mb, _ := s.OpenMailbox(context.Background(), "INBOX")
			l, err := mb.List(context.Background(), store.All)
			if err != nil {
				t.Fatal(err)
			}
			var got []store.UID
			for _, m := range l {
				got = append(got, m.UID)
			}
			st, _ := mb.Status(context.Background())
			if !slices.Equal(got, c.want) || st.UIDNext != c.next {
				t.Errorf("UIDs %v UIDNEXT %d, want %v %d", got, st.UIDNext, c.want, c.next)
			}
		})
	}
}

// When another program removes a message from a file without folder data,
// the positions shift: the UIDVALIDITY must change, and the expunge
// reported. With folder data, messages without X-UID keep their UIDs in
// this view.
func TestStoreOtherProgramRemoves(t *testing.T) {
	msg := func(hdr, subj string) string {
		return "From a@x Thu Jan  1 00:00:00 2004\n" + hdr + "Subject: " + subj + "\n\nbody\n\n"
	}
	ctx := context.Background()
	for _, withBase := range []bool{false, true} {
		t.Run(map[bool]string{false: "positional", true: "X-IMAPbase"}[withBase], func(t *testing.T) {
			p := filepath.Join(t.TempDir(), "mbox")
			first := msg("", "1")
			if withBase {
				first = msg("X-IMAPbase: 7 1\nX-UID: 1\n", "1")
			}
			os.WriteFile(p, []byte(first+msg("", "2")+msg("", "3")+msg("", "4")), 0o600)
			s, _ := OpenStore(p, &Config{ReadOnly: true})
			mb, _ := s.OpenMailbox(ctx, "INBOX")
			st, _ := mb.Status(ctx)
			before, _ := mb.List(ctx, store.All)
			// mutt deletes message 2 and rewrites the file.
			os.WriteFile(p+".new", []byte(first+msg("", "3")+msg("", "4")), 0o600)
			os.Rename(p+".new", p)
			after, _ := mb.List(ctx, store.All)
			st2, _ := mb.Status(ctx)
			if !withBase {
				if st2.UIDValidity == st.UIDValidity {
					t.Errorf("UIDVALIDITY %d kept though positions shifted", st.UIDValidity)
				}
				return
			}
			want := []store.UID{before[0].UID, before[2].UID, before[3].UID}
			if st2.UIDValidity != st.UIDValidity || len(after) != 3 || after[1].UID != want[1] || after[2].UID != want[2] {
				t.Fatalf("after removal UIDs %+v, want %v", after, want)
			}
			ch, _ := mb.Changes(ctx, st.HighestModSeq)
			if !slices.Equal(ch.Expunged, []store.UID{before[1].UID}) || len(ch.Updated) != 0 {
				t.Errorf("Changes = %+v", ch)
			}
			c, _ := mb.Open(ctx, after[1].UID)
			b, _ := io.ReadAll(io.NewSectionReader(c, 0, c.Size()))
			if !strings.Contains(string(b), "Subject: 3") {
				t.Errorf("UID %d now reads %q", after[1].UID, b)
			}
		})
	}
}

// An append after a file that does not end with a blank line still starts
// a new message (RFC 4155 §2).
func TestAppendAfterUnterminated(t *testing.T) {
	for _, tail := range []string{"no newline", "one newline\n", "crlf\r\n\r\n"} {
		p := filepath.Join(t.TempDir(), "mbox")
		os.WriteFile(p, []byte("From a@x Thu Jan  1 00:00:00 2004\nSubject: 1\n\n"+tail), 0o600)
		if err := Append(context.Background(), p, strings.NewReader("Subject: 2\n\nb\n"), nil); err != nil {
			t.Fatal(err)
		}
		f, _ := os.Open(p)
		got := readAllMsgs(t, f, MboxRD)
		f.Close()
		if len(got) != 2 || got[1].body != "Subject: 2\n\nb\n" {
			t.Errorf("after %q: %+v", tail, got)
		}
	}
}

func TestStoreAppendLimits(t *testing.T) {
	p := filepath.Join(t.TempDir(), "mbox")
	s, _ := OpenStore(p, &Config{MaxMessageSize: 100})
	mb, _ := s.OpenMailbox(context.Background(), "INBOX")
	_, err := mb.Append(context.Background(), strings.NewReader("Subject: x\n\n"+strings.Repeat("x", 200)), nil)
	if !errors.Is(err, store.ErrTooBig) {
		t.Errorf("Append over MaxMessageSize: %v", err)
	}
	if fi, err := os.Stat(p); err == nil && fi.Size() != 0 {
		t.Errorf("failed append left %d bytes", fi.Size())
	}
	s2, _ := OpenStore(p, &Config{Format: MboxCL2})
	mb2, _ := s2.OpenMailbox(context.Background(), "INBOX")
	_, err = mb2.Append(context.Background(), strings.NewReader("Subject: x\n\nx\n"), nil)
	if !errors.Is(err, store.ErrReadOnly) {
		t.Errorf("Append to an mboxcl2 store: %v", err)
	}
}
