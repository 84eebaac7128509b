package maildir

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/mailstack/mailstack/internal/testpeer"
	"github.com/mailstack/mailstack/store"
)

var pyBodies = []string{
	"Subject: crlf\r\n\r\nFrom the start\r\n>From quoted\r\n",
	"Subject: lf\n\nFrom here\n>>From there\nlast line without newline",
	"Subject: 8bit\n\nh\xc3\xa9llo\n",
}

// python3's mailbox.Maildir reads what we write, byte for byte, with flags.
func TestPythonReadsOurMaildir(t *testing.T) {
	py := testpeer.Need(t, "python3")
	dir := t.TempDir()
	s, _ := Open(dir, nil)
	mb, _ := s.OpenMailbox(ctxb, "INBOX")
	flags := [][]string{{store.FlagSeen}, {store.FlagFlagged, store.FlagAnswered}, nil}
	for i, b := range pyBodies {
		if _, err := mb.Append(ctxb, strings.NewReader(b), &store.AppendOptions{Flags: flags[i]}); err != nil {
			t.Fatal(err)
		}
	}
	out := filepath.Join(t.TempDir(), "out")
	script := `
import mailbox, sys, os
md = mailbox.Maildir(sys.argv[1], factory=None, create=False)
items = sorted(md.iteritems(), key=lambda kv: md.get_bytes(kv[0]).split(b"\n")[0])
os.makedirs(sys.argv[2])
for i, (key, msg) in enumerate(items):
    open(os.path.join(sys.argv[2], "%d" % i), "wb").write(md.get_bytes(key))
    open(os.path.join(sys.argv[2], "%d.flags" % i), "w").write(msg.get_flags())
`
	if b, err := exec.Command(py, "-c", script, dir, out).CombinedOutput(); err != nil {
		t.Fatalf("python3: %v\n%s", err, b)
	}
	sorted := slices.Clone(pyBodies)
	slices.SortFunc(sorted, func(a, b string) int { return strings.Compare(strings.Split(a, "\n")[0], strings.Split(b, "\n")[0]) })
	wantFlags := map[string]string{pyBodies[0]: "S", pyBodies[1]: "FR", pyBodies[2]: ""}
	for i, want := range sorted {
		got, _ := os.ReadFile(filepath.Join(out, string(rune('0'+i))))
		if string(got) != want {
			t.Errorf("python read %q, want %q", got, want)
		}
		fl, _ := os.ReadFile(filepath.Join(out, string(rune('0'+i))+".flags"))
		if string(fl) != wantFlags[want] {
			t.Errorf("python flags %q, want %q", fl, wantFlags[want])
		}
	}
}

// We read what python3's mailbox.Maildir writes, byte for byte, with flags.
func TestReadPythonMaildir(t *testing.T) {
	py := testpeer.Need(t, "python3")
	dir := filepath.Join(t.TempDir(), "md")
	in := t.TempDir()
	for i, b := range pyBodies {
		os.WriteFile(filepath.Join(in, string(rune('0'+i))), []byte(b), 0o600)
	}
	script := `
import mailbox, sys, os
md = mailbox.Maildir(sys.argv[1], create=True)
for i in range(3):
    md.add(open(os.path.join(sys.argv[2], str(i)), "rb").read())
m = mailbox.MaildirMessage(b"Subject: flagged\n\nx\n")
m.set_subdir("cur"); m.set_flags("RS")
md.add(m)
`
	if b, err := exec.Command(py, "-c", script, dir, in).CombinedOutput(); err != nil {
		t.Fatalf("python3: %v\n%s", err, b)
	}
	s, _ := Open(dir, nil)
	mb, _ := s.OpenMailbox(ctxb, "INBOX")
	l, err := mb.List(ctxb, store.All)
	if err != nil || len(l) != 4 {
		t.Fatalf("List = %d, %v", len(l), err)
	}
	seen := map[string]bool{}
	for _, m := range l {
		c, _ := mb.Open(ctxb, m.UID)
		buf := make([]byte, c.Size())
		c.ReadAt(buf, 0)
		c.Close()
		body := string(buf)
		if strings.HasPrefix(body, "Subject: flagged") {
			if !store.SameFlags(m.Flags, []string{store.FlagAnswered, store.FlagSeen}) {
				t.Errorf("python's RS message has flags %v", m.Flags)
			}
			continue
		}
		if !slices.Contains(pyBodies, body) {
			t.Errorf("UID %d: %q is none of the bodies python wrote", m.UID, body)
		}
		seen[body] = true
		if len(m.Flags) != 0 {
			t.Errorf("UID %d flags %v, want none", m.UID, m.Flags)
		}
	}
	if len(seen) != 3 {
		t.Errorf("read %d distinct bodies", len(seen))
	}
}
