package maildir

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mailstack/mailstack/internal/testpeer"
	"github.com/mailstack/mailstack/store"
)

var ctxb = context.Background()

func sameFlagSet(a, b []string) bool {
	return store.SameFlags(a, b)
}

// Dovecot serves a Maildir that mailstack wrote: same UIDs, flags,
// keywords, folders and bytes.
func TestDovecotReadsOurMaildir(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "mail")
	s, err := Open(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.CreateMailbox(ctxb, "Lists.Go", nil); err != nil {
		t.Fatal(err)
	}
	type want struct {
		body  string
		flags []string
	}
	wants := map[string][]want{
		"INBOX": {
			{"From: a@example.org\r\nSubject: one\r\n\r\nFrom the start\r\n>From quoted\r\n", nil},
			{"Subject: two\r\n\r\nbody\r\n", []string{store.FlagSeen, store.FlagFlagged}},
			{"Subject: three\r\n\r\nbody\r\n", []string{store.FlagAnswered, "$Forwarded", "Project-X"}},
			{"Subject: four\r\n\r\nbody\r\n", []string{store.FlagDraft, store.FlagDeleted}},
			// LF line ends: Dovecot takes its RFC822.SIZE from our ",W=".
			{"Subject: six\n\nlf\nonly\n", nil},
		},
		"Lists.Go": {{"Subject: list mail\r\n\r\nhi\r\n", []string{store.FlagSeen, "$Label1"}}},
	}
	uids := map[string][]store.UID{}
	for box, ws := range wants {
		mb, err := s.OpenMailbox(ctxb, box)
		if err != nil {
			t.Fatal(err)
		}
		for _, w := range ws {
			r, err := mb.Append(ctxb, strings.NewReader(w.body), &store.AppendOptions{Flags: w.flags})
			if err != nil {
				t.Fatal(err)
			}
			uids[box] = append(uids[box], r.UID)
		}
	}
	// One message arrives by the MDA path, seen by nobody yet.
	if _, err := Deliver(ctxb, dir, strings.NewReader("Subject: five\r\n\r\nnew\r\n"), nil); err != nil {
		t.Fatal(err)
	}
	in, _ := s.OpenMailbox(ctxb, "INBOX")
	l, _ := in.List(ctxb, store.All) // gives it a UID
	wants["INBOX"] = append(wants["INBOX"], want{"Subject: five\r\n\r\nnew\r\n", nil})
	uids["INBOX"] = append(uids["INBOX"], l[len(l)-1].UID)
	st, _ := in.Status(ctxb)

	d := testpeer.StartDovecot(t, testpeer.DovecotConfig{MailDir: dir})
	ic := dialIMAP(t, d.IMAPAddr, d.User, d.Password)
	for box, ws := range wants {
		v, msgs := ic.fetchAll(box)
		if box == "INBOX" && v != st.UIDValidity {
			t.Errorf("Dovecot UIDVALIDITY %d, ours %d", v, st.UIDValidity)
		}
		if len(msgs) != len(ws) {
			t.Fatalf("%s: Dovecot shows %d messages, want %d", box, len(msgs), len(ws))
		}
		for i, m := range msgs {
			if m.uid != uint32(uids[box][i]) {
				t.Errorf("%s #%d: Dovecot UID %d, ours %d", box, i, m.uid, uids[box][i])
			}
			if !sameFlagSet(m.flags, ws[i].flags) {
				t.Errorf("%s UID %d: Dovecot FLAGS %v, ours %v", box, m.uid, m.flags, ws[i].flags)
			}
			if want := toCRLF(ws[i].body); m.body != want || m.size != int64(len(want)) {
				t.Errorf("%s UID %d: Dovecot BODY[] %q RFC822.SIZE %d, want %q", box, m.uid, m.body, m.size, want)
			}
		}
	}
}

// mailstack reads a Maildir Dovecot filled: LMTP deliveries, flags and a
// keyword set over IMAP, a folder created and appended to over IMAP.
func TestReadDovecotMaildir(t *testing.T) {
	d := testpeer.StartDovecot(t, testpeer.DovecotConfig{})
	for i := range 3 {
		lmtpDeliver(t, d.LMTPAddr, d.User, fmt.Sprintf("From: a@example.org\r\nSubject: m%d\r\n\r\nFrom here\r\nbody %d\r\n", i, i))
	}
	ic := dialIMAP(t, d.IMAPAddr, d.User, d.Password)
	ic.cmd("SELECT INBOX")
	ic.cmd(`UID STORE 1 +FLAGS (\Seen $Label1)`)
	ic.cmd(`UID STORE 2 +FLAGS (\Flagged \Answered)`)
	ic.cmd(`CREATE "Lists.Go"`)
	ic.cmd(`CREATE "Entw&APw-rfe"`) // "Entwürfe" in modified UTF-7
	msg := []byte("Subject: appended\r\n\r\nx\r\n")
	ic.cmd(fmt.Sprintf(`APPEND "Lists.Go" (\Draft Work) {%d}`, len(msg)), msg)
	type box struct {
		v    uint32
		msgs []imapMsg
	}
	dv := map[string]box{}
	for _, name := range []string{"INBOX", "Lists.Go"} {
		v, msgs := ic.fetchAll(name)
		dv[name] = box{v, msgs}
	}
	ic.cmd("LOGOUT")

	s, err := Open(d.MailDir, nil)
	if err != nil {
		t.Fatal(err)
	}
	list, err := s.Mailboxes(ctxb)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, m := range list {
		names = append(names, m.Name)
	}
	for _, n := range []string{"INBOX", "Lists.Go", "Entwürfe"} {
		if !slices.Contains(names, n) {
			t.Errorf("mailbox %q not listed; have %v", n, names)
		}
	}
	for name, b := range dv {
		mb, err := s.OpenMailbox(ctxb, name)
		if err != nil {
			t.Fatal(err)
		}
		st, _ := mb.Status(ctxb)
		if st.UIDValidity != b.v {
			t.Errorf("%s: UIDVALIDITY %d, Dovecot %d", name, st.UIDValidity, b.v)
		}
		l, err := mb.List(ctxb, store.All)
		if err != nil {
			t.Fatal(err)
		}
		if len(l) != len(b.msgs) {
			t.Fatalf("%s: %d messages, Dovecot %d", name, len(l), len(b.msgs))
		}
		for i, m := range l {
			dm := b.msgs[i]
			if uint32(m.UID) != dm.uid || !sameFlagSet(m.Flags, dm.flags) {
				t.Errorf("%s: ours UID %d %v, Dovecot UID %d %v", name, m.UID, m.Flags, dm.uid, dm.flags)
			}
			c, err := mb.Open(ctxb, m.UID)
			if err != nil {
				t.Fatal(err)
			}
			buf := make([]byte, c.Size())
			c.ReadAt(buf, 0)
			c.Close()
			// Dovecot stores LF line ends and serves CRLF (as an IMAP
			// server must, RFC 9051 §2.2).
			if toCRLF(string(buf)) != dm.body {
				t.Errorf("%s UID %d: body %q differs from Dovecot's BODY[] %q", name, m.UID, buf, dm.body)
			}
			// Dovecot names its files with ",W=<size in CRLF form>".
			if m.CRLFSize != dm.size || dm.size != int64(len(dm.body)) {
				t.Errorf("%s UID %d: CRLFSize %d, Dovecot RFC822.SIZE %d, BODY[] %d octets", name, m.UID, m.CRLFSize, dm.size, len(dm.body))
			}
		}
	}
}

// mblaze's mlist and mflag read and write the same flags as we do.
func TestMblazeFlags(t *testing.T) {
	mlist := testpeer.Need(t, "mlist")
	mflag := testpeer.Need(t, "mflag")
	dir := t.TempDir()
	s, _ := Open(dir, nil)
	mb, _ := s.OpenMailbox(ctxb, "INBOX")
	flagSets := [][]string{nil, {store.FlagSeen}, {store.FlagFlagged, store.FlagSeen}, {store.FlagAnswered}, {store.FlagDeleted}, {store.FlagDraft}}
	for i, fl := range flagSets {
		if _, err := mb.Append(ctxb, strings.NewReader(fmt.Sprintf("Subject: %d\n\nx\n", i)), &store.AppendOptions{Flags: fl}); err != nil {
			t.Fatal(err)
		}
	}
	count := func(opt string) int {
		out, err := exec.Command(mlist, opt, dir).Output()
		if err != nil {
			t.Fatalf("mlist %s: %v", opt, err)
		}
		return len(strings.Fields(string(out)))
	}
	// mlist(1): -S seen, -F flagged, -R replied, -T trashed, -D draft.
	for opt, want := range map[string]int{"-S": 2, "-F": 1, "-R": 1, "-T": 1, "-D": 1, "-s": 4} {
		if got := count(opt); got != want {
			t.Errorf("mlist %s: %d messages, want %d", opt, got, want)
		}
	}
	// mflag sets \Flagged on the first message behind our back.
	out, _ := exec.Command(mlist, dir).Output()
	files := strings.Fields(string(out))
	slices.Sort(files)
	var first string
	l, _ := mb.List(ctxb, store.UIDSetOf(1))
	for _, f := range files {
		c, _ := mb.Open(ctxb, l[0].UID)
		buf := make([]byte, c.Size())
		c.ReadAt(buf, 0)
		c.Close()
		if b, _ := os.ReadFile(f); string(b) == string(buf) {
			first = f
		}
	}
	time.Sleep(10 * time.Millisecond)
	if err := exec.Command(mflag, "-F", first).Run(); err != nil {
		t.Fatalf("mflag: %v", err)
	}
	l, _ = mb.List(ctxb, store.UIDSetOf(1))
	if !l[0].HasFlag(store.FlagFlagged) {
		t.Errorf("after mflag -F, UID 1 has %v", l[0].Flags)
	}
}

func toCRLF(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\n", "\r\n")
}
