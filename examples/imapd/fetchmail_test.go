package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mailstack/mailstack/internal/testpeer"
	"github.com/mailstack/mailstack/maildir"
)

// TestFetchmail fetches over IMAP with fetchmail, keeping the messages,
// then runs again: the second run finds no new mail (exit status 1).
func TestFetchmail(t *testing.T) {
	fm := testpeer.Need(t, "fetchmail")
	addr, root := startImapd(t)
	for _, s := range []string{"one", "two"} {
		msg := "From: a@example.org\nSubject: " + s + "\n\nbody\n"
		if _, err := maildir.Deliver(context.Background(), filepath.Join(root, "alice"), strings.NewReader(msg), nil); err != nil {
			t.Fatal(err)
		}
	}
	dir := t.TempDir()
	out := filepath.Join(dir, "out")
	host, port, _ := strings.Cut(addr, ":")
	rc := "poll " + host + " service " + port + " protocol IMAP user alice password secret keep sslproto '' mda \"cat >> " + out + "\"\n"
	run := func() (string, int) {
		cmd := exec.Command(fm, "-f", "-", "--nodetach", "--nosyslog")
		cmd.Stdin = strings.NewReader(rc)
		cmd.Env = append(os.Environ(), "FETCHMAILHOME="+dir, "HOME="+dir)
		b, err := cmd.CombinedOutput()
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		return string(b), code
	}
	if log, code := run(); code != 0 {
		t.Fatalf("fetchmail exit %d:\n%s", code, log)
	}
	b, _ := os.ReadFile(out)
	if !strings.Contains(string(b), "Subject: one") || !strings.Contains(string(b), "Subject: two") {
		t.Fatalf("fetched: %q", b)
	}
	if log, code := run(); code != 1 {
		t.Fatalf("second run: exit %d, want 1 (no new mail):\n%s", code, log)
	}
}
