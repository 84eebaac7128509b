package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mailstack/mailstack/internal/testpeer"
	"github.com/mailstack/mailstack/pop3"
)

// session is what one POP3 server says about a maildrop.
type session struct {
	uidl []pop3.UniqueID
	list []pop3.MessageSize
	stat [2]int64
	retr []string
	top  []string
}

// fetchAll reads everything about every message, without deleting.
func fetchAll(t *testing.T, addr, user, pass string) session {
	t.Helper()
	ctx := context.Background()
	c, err := pop3.Dial(ctx, addr, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Login(ctx, user, pass); err != nil {
		t.Fatalf("login at %s: %v", addr, err)
	}
	var s session
	n, size, err := c.Stat(ctx)
	if err != nil {
		t.Fatal(err)
	}
	s.stat = [2]int64{int64(n), size}
	if s.uidl, err = c.UIDL(ctx); err != nil {
		t.Fatal(err)
	}
	if s.list, err = c.List(ctx); err != nil {
		t.Fatal(err)
	}
	read := func(r io.ReadCloser, err error) string {
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		b, err := io.ReadAll(r)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	for i := 1; i <= n; i++ {
		s.retr = append(s.retr, read(c.Retr(ctx, i)))
		s.top = append(s.top, read(c.Top(ctx, i, 0)), read(c.Top(ctx, i, 2)))
	}
	if err := c.Quit(ctx); err != nil {
		t.Fatal(err)
	}
	return s
}

// TestDovecotOracle serves one Maildir with Dovecot's pop3 and then with
// pop3d, and requires the same answers from both: unique-ids (pop3d reads
// the UIDs Dovecot assigned from dovecot-uidlist and formats them as
// Dovecot's default pop3_uidl_format), sizes counted with CRLF, and the
// bytes of RETR and TOP for files with LF or CRLF line endings, dot lines,
// no final newline, or no body.
func TestDovecotOracle(t *testing.T) {
	d := testpeer.StartDovecot(t, testpeer.DovecotConfig{})
	msgs := []string{
		"From: a@example.test\nSubject: lf\n\n.dot\n..dots\n.\nline 4\nline 5\n",
		"From: b@example.test\r\nSubject: crlf\r\n\r\nbody\r\n.\r\n",
		"Subject: no final newline\n\nlast line",
		"Subject: header only\n",
		"Subject: empty body\n\n",
		"Subject: long\n\n" + strings.Repeat("z", 5000) + "\n" + strings.Repeat(".q\n", 1000),
	}
	for i, m := range msgs {
		name := filepath.Join(d.MailDir, "new", fmt.Sprintf("170000000%d.M%dP1.oracle", i, i))
		if err := os.WriteFile(name, []byte(m), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	d.ChownMailDirs(t)
	want := fetchAll(t, d.POP3Addr, d.User, d.Password)
	if len(want.retr) != len(msgs) || !strings.Contains(want.retr[0], "\r\n.dot\r\n") {
		t.Fatalf("Dovecot served %d messages: %q", len(want.retr), want.retr)
	}

	// pop3d serves the same directory: -root is its parent and the
	// user is its base name.
	dir := t.TempDir()
	users := filepath.Join(dir, "users")
	user := filepath.Base(d.MailDir)
	os.WriteFile(users, []byte(user+":{PLAIN}pw\n"), 0o600)
	daemon := startWith(t, "-root", filepath.Dir(d.MailDir), "-users", users, "-insecure-auth")
	got := fetchAll(t, daemon.addr, user, "pw")

	if got.stat != want.stat {
		t.Errorf("STAT: pop3d %v, Dovecot %v", got.stat, want.stat)
	}
	for i := range want.uidl {
		if i >= len(got.uidl) || got.uidl[i] != want.uidl[i] {
			t.Errorf("UIDL: pop3d %v, Dovecot %v", got.uidl, want.uidl)
			break
		}
	}
	for i := range want.list {
		if i >= len(got.list) || got.list[i] != want.list[i] {
			t.Errorf("LIST: pop3d %v, Dovecot %v", got.list, want.list)
			break
		}
	}
	for i := range want.retr {
		if i >= len(got.retr) || got.retr[i] != want.retr[i] {
			t.Errorf("RETR %d: pop3d %q\nDovecot %q", i+1, at(got.retr, i), want.retr[i])
		}
	}
	for i := range want.top {
		if i >= len(got.top) || got.top[i] != want.top[i] {
			t.Errorf("TOP %d %d: pop3d %q\nDovecot %q", i/2+1, 2*(i%2), at(got.top, i), want.top[i])
		}
	}
}

func at(s []string, i int) string {
	if i < len(s) {
		return s[i]
	}
	return "<missing>"
}
