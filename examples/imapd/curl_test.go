package main

import (
	"context"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mailstack/mailstack/internal/testpeer"
	"github.com/mailstack/mailstack/maildir"
)

// TestCurl drives the server with curl's IMAP client: LIST, FETCH by UID,
// a custom command (-X) and APPEND (-T).
func TestCurl(t *testing.T) {
	curl := testpeer.Need(t, "curl")
	addr, root := startImapd(t)
	msg := "From: a@example.org\r\nSubject: curl\r\n\r\nhello curl\r\n"
	if _, err := maildir.Deliver(context.Background(), filepath.Join(root, "bob"), strings.NewReader(msg), nil); err != nil {
		t.Fatal(err)
	}
	run := func(args ...string) string {
		t.Helper()
		out, err := exec.Command(curl, append([]string{"-sS", "--max-time", "20", "-u", "bob:bob pass"}, args...)...).CombinedOutput()
		if err != nil {
			t.Fatalf("curl %v: %v\n%s", args, err, out)
		}
		return string(out)
	}
	if out := run("imap://" + addr + "/"); !strings.Contains(out, `* LIST (\HasNoChildren) "." INBOX`) &&
		!strings.Contains(out, `"INBOX"`) {
		t.Fatalf("LIST: %q", out)
	}
	if out := run("imap://" + addr + "/INBOX;UID=1"); out != msg {
		t.Fatalf("FETCH: %q", out)
	}
	if out := run("imap://"+addr+"/INBOX", "-X", "STATUS INBOX (MESSAGES UNSEEN)"); !strings.Contains(out, "MESSAGES 1 UNSEEN 0") {
		t.Fatalf("-X STATUS: %q", out)
	}
	eml := filepath.Join(t.TempDir(), "m.eml")
	writeFile(t, eml, "Subject: appended\r\n\r\nby curl\r\n")
	run("-T", eml, "imap://"+addr+"/INBOX")
	if out := run("imap://"+addr+"/INBOX", "-X", "UID SEARCH SUBJECT appended"); !strings.Contains(out, "SEARCH 2") {
		t.Fatalf("after APPEND: %q", out)
	}
}
