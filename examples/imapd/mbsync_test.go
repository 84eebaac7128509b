package main

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/mailstack/mailstack/internal/testpeer"
	"github.com/mailstack/mailstack/maildir"
)

// localState lists a Maildir's messages as "subject:flags", sorted.
func localState(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	for _, sub := range []string{"new", "cur"} {
		ents, _ := os.ReadDir(filepath.Join(dir, sub))
		for _, e := range ents {
			b, err := os.ReadFile(filepath.Join(dir, sub, e.Name()))
			if err != nil {
				t.Fatal(err)
			}
			subj := ""
			for _, l := range strings.Split(string(b), "\n") {
				if strings.HasPrefix(l, "Subject: ") {
					subj = strings.TrimSpace(strings.TrimPrefix(l, "Subject: "))
				}
			}
			_, flags, _ := strings.Cut(e.Name(), ":2,")
			out = append(out, subj+":"+flags)
		}
	}
	sort.Strings(out)
	return out
}

// imapCmd runs one command as alice and returns the untagged lines.
func imapCmd(t *testing.T, addr string, cmds ...string) []string {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(20 * time.Second))
	r := bufio.NewReader(c)
	r.ReadString('\n')
	var out []string
	for i, cmd := range append([]string{"LOGIN alice secret", "SELECT INBOX"}, cmds...) {
		tag := fmt.Sprintf("x%d", i)
		fmt.Fprintf(c, "%s %s\r\n", tag, cmd)
		for {
			l, err := r.ReadString('\n')
			if err != nil {
				t.Fatal(err)
			}
			if strings.HasPrefix(l, tag+" ") {
				if !strings.HasPrefix(l, tag+" OK") {
					t.Fatalf("%s: %s", cmd, l)
				}
				break
			}
			out = append(out, strings.TrimSpace(l))
		}
	}
	return out
}

// TestMbsync synchronises a mailbox with mbsync both ways: new messages
// and flags, a second run that changes nothing, then remote deliveries
// and flag changes.
func TestMbsync(t *testing.T) {
	mbsync := testpeer.Need(t, "mbsync")
	addr, root := startImapd(t)
	remote := filepath.Join(root, "alice")
	for i := 1; i <= 3; i++ {
		msg := fmt.Sprintf("From: a@example.org\nSubject: m%d\nMessage-ID: <m%d@x>\n\nbody %d\n", i, i, i)
		if _, err := maildir.Deliver(context.Background(), remote, strings.NewReader(msg), nil); err != nil {
			t.Fatal(err)
		}
	}
	local := filepath.Join(t.TempDir(), "local")
	os.MkdirAll(local, 0o755)
	host, port, _ := strings.Cut(addr, ":")
	cfg := filepath.Join(t.TempDir(), "mbsyncrc")
	writeFile(t, cfg, fmt.Sprintf(`IMAPAccount remote
Host %s
Port %s
User alice
Pass secret
SSLType None
AuthMechs LOGIN

IMAPStore remote
Account remote

MaildirStore local
Path %s/
Inbox %s/INBOX

Channel ch
Far :remote:
Near :local:
Patterns INBOX
Create Both
SyncState *
Sync All
`, host, port, local, local))
	sync := func() {
		t.Helper()
		out, err := exec.Command(mbsync, "-c", cfg, "-a").CombinedOutput()
		if err != nil {
			t.Fatalf("mbsync: %v\n%s", err, out)
		}
	}
	sync()
	inbox := filepath.Join(local, "INBOX")
	if got := localState(t, inbox); strings.Join(got, " ") != "m1: m2: m3:" {
		t.Fatalf("after first sync: %v", got)
	}
	sync()
	if got := localState(t, inbox); strings.Join(got, " ") != "m1: m2: m3:" {
		t.Fatalf("second sync changed something: %v", got)
	}
	// Flag m1 locally: mbsync pushes \Flagged.
	ents, _ := filepath.Glob(filepath.Join(inbox, "*", "*"))
	for _, e := range ents {
		if b, _ := os.ReadFile(e); strings.Contains(string(b), "Subject: m1") {
			base, _, _ := strings.Cut(filepath.Base(e), ":2,")
			os.Rename(e, filepath.Join(inbox, "cur", base+":2,F"))
		}
	}
	sync()
	lines := imapCmd(t, addr, "SEARCH FLAGGED", "UID STORE 2 +FLAGS (\\Seen)")
	if !contains(lines, "* SEARCH 1") {
		t.Fatalf("remote flags after push: %q", lines)
	}
	// A remote delivery and a remote flag change come down.
	maildir.Deliver(context.Background(), remote, strings.NewReader("Subject: m4\nMessage-ID: <m4@x>\n\nfour\n"), nil)
	sync()
	if got := localState(t, inbox); strings.Join(got, " ") != "m1:F m2:S m3: m4:" {
		t.Fatalf("after remote changes: %v", got)
	}
	sync()
	if got := localState(t, inbox); strings.Join(got, " ") != "m1:F m2:S m3: m4:" {
		t.Fatalf("last sync changed something: %v", got)
	}
}

func contains(lines []string, want string) bool {
	for _, l := range lines {
		if l == want {
			return true
		}
	}
	return false
}
