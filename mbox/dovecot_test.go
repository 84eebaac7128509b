package mbox

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/mailstack/mailstack/internal/testpeer"
	"github.com/mailstack/mailstack/store"
)

// dovecotMsg is one record of `doveadm fetch "uid flags text"`.
type dovecotMsg struct {
	uid   store.UID
	flags []string
	text  string
}

func doveadmFetch(t *testing.T, d *testpeer.Dovecot) []dovecotMsg {
	t.Helper()
	out, err := d.Doveadm(t, "fetch", "-u", d.User, "uid flags text", "mailbox", "INBOX", "all")
	if err != nil {
		t.Fatal(err)
	}
	var msgs []dovecotMsg
	for rec := range strings.SplitSeq(string(out), "\f\n") {
		if strings.TrimSpace(rec) == "" {
			continue
		}
		var m dovecotMsg
		uid, rest, _ := strings.Cut(strings.TrimPrefix(rec, "uid: "), "\n")
		n, _ := strconv.Atoi(uid)
		m.uid = store.UID(n)
		flags, text, _ := strings.Cut(strings.TrimPrefix(rest, "flags:"), "\ntext:\n")
		m.flags = strings.Fields(flags)
		m.text = text
		msgs = append(msgs, m)
	}
	return msgs
}

// Dovecot and the Store share an mbox: Dovecot reads what the Store
// appended (flags, keywords, content), writes its X-IMAPbase and X-UID
// fields, and the Store then agrees on every UID; flags Dovecot sets and a
// message it saves are seen by the Store.
func TestDovecotSharesMbox(t *testing.T) {
	home := filepath.Join(t.TempDir(), "home")
	d := testpeer.StartDovecot(t, testpeer.DovecotConfig{MailDir: home,
		Extra: "mail_location = mbox:~/mail:INBOX=~/inbox\nmbox_write_locks = dotlock fcntl\n"})
	ctx := context.Background()
	inbox := filepath.Join(home, "inbox")
	s, err := OpenStore(inbox, &Config{PollInterval: 20e6})
	if err != nil {
		t.Fatal(err)
	}
	mb, _ := s.OpenMailbox(ctx, "INBOX")
	bodies := []string{
		"From: a@example.org\nSubject: one\n\nFrom the start\n>From quoted\n",
		"Subject: two\n\nbody\n",
	}
	flags := [][]string{{store.FlagSeen, store.FlagFlagged}, {store.FlagAnswered, store.FlagDraft, "$Label1"}}
	for i, b := range bodies {
		if _, err := mb.Append(ctx, strings.NewReader(b), &store.AppendOptions{Flags: flags[i]}); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.MkdirAll(filepath.Join(home, "mail"), 0o700); err != nil {
		t.Fatal(err)
	}
	d.ChownMailDirs(t)
	got := doveadmFetch(t, d)
	if len(got) != 2 {
		t.Fatalf("Dovecot sees %d messages", len(got))
	}
	// Dovecot serves lines as stored: it does not undo mboxrd quoting.
	// And it ignores X-Keywords not listed in X-IMAPbase, which an
	// append cannot add without rewriting the first message (and drops
	// them when it rewrites the headers, below).
	dovecotView := []string{strings.Replace(strings.Replace(bodies[0], ">From", ">>From", 1), "\nFrom", "\n>From", 1), bodies[1]}
	for i, m := range got {
		sys := slices.DeleteFunc(slices.Clone(flags[i]), func(f string) bool { return !store.IsSystemFlag(f) })
		if !store.SameFlags(m.flags, sys) || m.text != dovecotView[i] {
			t.Errorf("Dovecot message %d: flags %v text %q; want %v %q", i, m.flags, m.text, sys, dovecotView[i])
		}
	}
	// Dovecot marks the first answered and saves a third message.
	if _, err := d.Doveadm(t, "flags", "add", "-u", d.User, `\Answered Work`, "mailbox", "INBOX", "uid", strconv.Itoa(int(got[0].uid))); err != nil {
		t.Fatal(err)
	}
	third := "Subject: three\n\nfrom Dovecot\n"
	save := exec.Command(testpeer.Need(t, "doveadm"), "-c", d.ConfigPath, "save", "-u", d.User, "-m", "INBOX")
	save.Stdin = strings.NewReader(third)
	if out, err := save.CombinedOutput(); err != nil {
		t.Fatalf("doveadm save: %v %s", err, out)
	}
	want := doveadmFetch(t, d)
	l, err := mb.List(ctx, store.All)
	if err != nil {
		t.Fatal(err)
	}
	if len(l) != len(want) {
		t.Fatalf("Store lists %d messages, Dovecot %d", len(l), len(want))
	}
	for i, m := range l {
		dflags := slices.DeleteFunc(want[i].flags, func(f string) bool { return f == `\Recent` })
		if m.UID != want[i].uid || !store.SameFlags(m.Flags, dflags) {
			t.Errorf("message %d: Store UID %d %v, Dovecot UID %d %v", i, m.UID, m.Flags, want[i].uid, want[i].flags)
		}
		c, err := mb.Open(ctx, m.UID)
		if err != nil {
			t.Fatal(err)
		}
		b := make([]byte, c.Size())
		c.ReadAt(b, 0)
		c.Close()
		if i > 0 && string(b) != want[i].text {
			t.Errorf("message %d: Store reads %q, Dovecot %q", i, b, want[i].text)
		}
	}
	if !slices.ContainsFunc(l[0].Flags, func(f string) bool { return f == "Work" }) {
		t.Errorf("keyword Dovecot set not seen: %v", l[0].Flags)
	}
}
