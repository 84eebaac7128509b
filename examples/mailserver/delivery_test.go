package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mailstack/mailstack/envelope"
	"github.com/mailstack/mailstack/internal/testpeer"
	"github.com/mailstack/mailstack/lmtp"
	"github.com/mailstack/mailstack/maildir"
)

// TestLMTPDelivery: the LMTP listener resolves sub-addresses (the detail's
// folder if it exists, else INBOX) and aliases, stores one copy per
// mailbox whatever the number of recipients leading there, and answers
// each recipient on its own (RFC 2033 §4.2).
func TestLMTPDelivery(t *testing.T) {
	cfg := testConfig(t, "mx.a.test", "a.test", "alice@a.test:{PLAIN}alice-pw", "bob@a.test:{PLAIN}bob-pw")
	cfg.Aliases = map[string][]string{"team@a.test": {"alice@a.test", "bob@a.test"}}
	s := startServer(t, cfg)
	st, err := maildir.Open(s.maildirPath("bob@a.test", ""), nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.CreateMailbox(context.Background(), "Lists", nil); err != nil {
		t.Fatal(err)
	}
	st.Close()

	ctx := context.Background()
	c, err := lmtp.Dial(ctx, "tcp", s.addr("lmtp"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	rcpts := []string{"<bob+Lists@a.test>", "<bob+nope@a.test>", "<team@a.test>", "<nobody@a.test>", "<x@elsewhere.test>"}
	paths := make([]envelope.Path, len(rcpts))
	for i, r := range rcpts {
		paths[i] = mustPath(t, r)
	}
	msg := "From: x@outside.test\r\nSubject: over LMTP\r\n\r\nbody\r\n"
	res, err := c.Send(ctx, mustPath(t, "<x@outside.test>"), paths, strings.NewReader(msg), nil)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"", "", "", "550 5.1.1", "550 5.1.1"}
	for i, r := range res {
		if got := replyOf(r.Err); !strings.HasPrefix(got, want[i]) || (want[i] == "" && r.Err != nil) {
			t.Errorf("%s: %q, want %q", rcpts[i], got, want[i])
		}
	}
	folders := []struct {
		user, folder string
		n            int
		deliveredTo  string
	}{
		{"bob@a.test", "Lists", 1, "bob+Lists@a.test"},
		{"bob@a.test", "", 1, "bob+nope@a.test"}, // and team@a.test: one copy
		{"alice@a.test", "", 1, "team@a.test"},
	}
	for _, f := range folders {
		msgs := maildirMessages(t, s.maildirPath(f.user, f.folder))
		if len(msgs) != f.n {
			t.Errorf("%s %s: %d messages, want %d", f.user, folderName(f.folder), len(msgs), f.n)
			continue
		}
		if want := "Return-Path: <x@outside.test>\r\nDelivered-To: " + f.deliveredTo + "\r\nReceived: "; !strings.HasPrefix(msgs[0], want) {
			t.Errorf("%s %s starts\n%.200s\nwant %q", f.user, folderName(f.folder), msgs[0], want)
		}
		if !strings.HasSuffix(msgs[0], msg) {
			t.Errorf("%s %s: message altered:\n%s", f.user, folderName(f.folder), msgs[0])
		}
	}
}

// TestLMTPFromPeer: an external MTA (swaks speaking LMTP, as Postfix's
// lmtp client would) delivers through the lmtp listener.
func TestLMTPFromPeer(t *testing.T) {
	testpeer.Need(t, "swaks")
	s := startServer(t, testConfig(t, "mx.a.test", "a.test", "alice@a.test:{PLAIN}alice-pw"))
	out := command(t, "swaks", "-S", "1", "--protocol", "LMTP", "--server", s.addr("lmtp"),
		"--from", "x@outside.test", "--to", "alice+x@a.test,nobody@a.test")
	if !strings.Contains(out, "550 5.1.1") {
		t.Errorf("unknown recipient accepted:\n%s", out)
	}
	if n := len(maildirMessages(t, s.maildirPath("alice@a.test", ""))); n != 1 {
		t.Errorf("alice's INBOX holds %d messages, want 1", n)
	}
}

// TestDetailFolder covers the choice of folder for a detail.
func TestDetailFolder(t *testing.T) {
	s := &server{cfg: &Config{DataDir: t.TempDir()}}
	for _, f := range []string{".Lists", ".A.B", ".x"} {
		if err := os.MkdirAll(filepath.Join(s.maildirPath("u@a.test", ""), f), 0o700); err != nil {
			t.Fatal(err)
		}
	}
	writeFile(t, filepath.Join(s.maildirPath("u@a.test", ""), ".file"), "")
	tests := []struct{ detail, want string }{
		{"", ""},
		{"Lists", "Lists"},
		{"lists", ""}, // folder names are exact
		{"A.B", "A.B"},
		{"inbox", ""},
		{"..", ""},
		{"../x", ""},
		{"file", ""},
		{"nope", ""},
	}
	for _, tt := range tests {
		if got := s.folderFor("u@a.test", tt.detail); got != tt.want {
			t.Errorf("folderFor(%q) = %q, want %q", tt.detail, got, tt.want)
		}
	}
}
