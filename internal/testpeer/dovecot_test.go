package testpeer

import (
	"bytes"
	"crypto/rand"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// testMessage returns a message with a unique marker, CRLF line ends and
// lines that need dot-stuffing on the wire (RFC 5321 §4.5.2).
func testMessage(t *testing.T) (msg []byte, marker string) {
	t.Helper()
	marker = "testpeer-marker-" + rand.Text()
	msg = []byte(strings.Join([]string{
		"From: Sender <a@example.test>",
		"To: " + DefaultUser,
		"Subject: testpeer " + marker,
		"Message-ID: <" + marker + "@example.test>",
		"Date: Thu, 26 Nov 2026 06:00:00 +0000",
		"",
		"Body line with the marker " + marker,
		".a line that starts with a dot",
		"..two dots",
		".",
		"\ttab-indented line",
		"last line",
		"",
	}, "\r\n"))
	return msg, marker
}

// deliverLMTP delivers msg, which ends in CRLF, to rcpt with swaks.
func deliverLMTP(t *testing.T, lmtpAddr, rcpt string, msg []byte) {
	t.Helper()
	swaks := Need(t, "swaks")
	file := filepath.Join(t.TempDir(), "msg.eml")
	// swaks sends the file as lines and ends the last one itself: a final
	// CRLF in the file would arrive as an extra empty line.
	if err := os.WriteFile(file, bytes.TrimSuffix(msg, []byte("\r\n")), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(swaks, "--protocol", "LMTP", "--server", lmtpAddr,
		"--from", "a@example.test", "--to", rcpt, "--data", "@"+file).CombinedOutput()
	if err != nil {
		t.Fatalf("swaks LMTP delivery to %s failed: %v\n%s", rcpt, err, out)
	}
}

// mailClient runs testdata/mailclient.py with Python's imaplib/poplib.
func mailClient(t *testing.T, cmd, addr, user, password string) []byte {
	t.Helper()
	python := Need(t, "python3")
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatal(err)
	}
	c := exec.Command(python, filepath.Join("testdata", "mailclient.py"), cmd, host, port, user, password)
	var stderr bytes.Buffer
	c.Stderr = &stderr
	out, err := c.Output()
	if err != nil {
		t.Fatalf("mailclient.py %s %s as %s: %v\n%s", cmd, addr, user, err, stderr.Bytes())
	}
	return out
}

// imapFetch returns BODY[] of the first INBOX message, as imaplib saw it.
func imapFetch(t *testing.T, d *Dovecot, user, password string) []byte {
	t.Helper()
	return mailClient(t, "imap-fetch", d.IMAPAddr, user, password)
}

// maildirFiles lists the messages in new/ and cur/ of a Maildir.
func maildirFiles(t *testing.T, dir string) []string {
	t.Helper()
	var files []string
	for _, sub := range []string{"new", "cur"} {
		m, err := filepath.Glob(filepath.Join(dir, sub, "*"))
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, m...)
	}
	return files
}

// TestDovecotLMTPToIMAP is the helper's proof: a message delivered over
// LMTP by swaks comes back byte for byte through imaplib, POP3 counts it,
// and it is stored in MailDir.
func TestDovecotLMTPToIMAP(t *testing.T) {
	t.Parallel()
	d := StartDovecot(t, DovecotConfig{})
	msg, marker := testMessage(t)
	deliverLMTP(t, d.LMTPAddr, d.User, msg)

	got := imapFetch(t, d, d.User, d.Password)
	// Dovecot's LMTP prepends trace fields (RFC 5321 §4.4) and keeps the
	// rest as sent: dot-stuffing undone, CRLF line ends.
	if !bytes.HasSuffix(got, msg) {
		t.Fatalf("IMAP BODY[] does not end with the delivered message\n got: %q\nwant suffix: %q", got, msg)
	}
	if !bytes.Contains(got[:len(got)-len(msg)], []byte("Return-Path: <a@example.test>\r\n")) {
		t.Errorf("no Return-Path from MAIL FROM in the trace fields: %q", got[:len(got)-len(msg)])
	}

	pop := strings.Split(strings.TrimSpace(string(mailClient(t, "pop3-stat", d.POP3Addr, d.User, d.Password))), "\n")
	if len(pop) != 2 || !strings.HasPrefix(pop[0], "+OK") {
		t.Fatalf("POP3 greeting and STAT: %q", pop)
	}
	// RFC 1939 §5: STAT's size counts CRLF line ends, as BODY[] does.
	if want := "1 " + strconv.Itoa(len(got)); pop[1] != want {
		t.Errorf("POP3 STAT = %q, want %q", pop[1], want)
	}

	files := maildirFiles(t, d.MailDir)
	if len(files) != 1 {
		t.Fatalf("Maildir %s holds %d messages, want 1: %v", d.MailDir, len(files), files)
	}
	disk, err := os.ReadFile(files[0])
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(disk, []byte(marker)) || !bytes.Equal(bytes.ReplaceAll(disk, []byte("\n"), []byte("\r\n")), got) {
		t.Errorf("Maildir file %s differs from IMAP BODY[] (after LF to CRLF):\n%q", files[0], disk)
	}

	status, err := d.Doveadm(t, "mailbox", "status", "-u", d.User, "messages", "INBOX")
	if err != nil {
		t.Fatal(err)
	}
	if strings.TrimSpace(string(status)) != "INBOX messages=1" {
		t.Errorf("doveadm mailbox status = %q, want INBOX messages=1", status)
	}
}

// TestDovecotSideBySide runs two instances at once, one on a Maildir the
// test supplies (under t.TempDir, whose parents are mode 0700) that already
// holds a message, with an extra user and extra settings, and checks that
// deliveries reach only the intended Maildir.
func TestDovecotSideBySide(t *testing.T) {
	t.Parallel()
	supplied := filepath.Join(t.TempDir(), "deep", "Maildir")
	preMsg, preMarker := testMessage(t)
	if err := os.MkdirAll(filepath.Join(supplied, "cur"), 0o700); err != nil {
		t.Fatal(err)
	}
	preFile := filepath.Join(supplied, "cur", "1700000000.M1P1.testpeer:2,S")
	if err := os.WriteFile(preFile, bytes.ReplaceAll(preMsg, []byte("\r\n"), []byte("\n")), 0o600); err != nil {
		t.Fatal(err)
	}

	a := StartDovecot(t, DovecotConfig{})
	b := StartDovecot(t, DovecotConfig{
		MailDir:  supplied,
		User:     "bob@example.test",
		Password: "bob's password",
		Users:    map[string]string{"carol@example.test": "carol-pw"},
		Extra:    "mail_max_userip_connections = 7",
	})
	if a.Dir == b.Dir || a.IMAPAddr == b.IMAPAddr || a.LMTPAddr == b.LMTPAddr {
		t.Fatalf("instances share a directory or a port: %+v %+v", a, b)
	}

	if got := imapFetch(t, b, b.User, b.Password); !bytes.Contains(got, []byte(preMarker)) {
		t.Errorf("message placed in the supplied Maildir before start not served: %q", got)
	}

	msg, marker := testMessage(t)
	deliverLMTP(t, b.LMTPAddr, "carol@example.test", msg)
	if got := imapFetch(t, b, "carol@example.test", "carol-pw"); !bytes.HasSuffix(got, msg) {
		t.Errorf("extra user's message not served intact: %q", got)
	}
	carolFiles := maildirFiles(t, b.UserMailDir("carol@example.test"))
	if len(carolFiles) != 1 {
		t.Errorf("carol's Maildir holds %v, want 1 message", carolFiles)
	}
	if n := len(maildirFiles(t, b.MailDir)); n != 1 {
		t.Errorf("bob's Maildir holds %d messages after a delivery to carol, want 1", n)
	}
	if n := len(maildirFiles(t, a.MailDir)); n != 0 {
		t.Errorf("the other instance's Maildir holds %d messages, want 0", n)
	}
	for _, f := range carolFiles {
		if data, _ := os.ReadFile(f); !bytes.Contains(data, []byte(marker)) {
			t.Errorf("%s lacks the marker", f)
		}
	}

	// A message the test adds while Dovecot runs: as root it must be handed
	// to the mail user before Dovecot can read it (mode 0600, owner root).
	lateMsg, lateMarker := testMessage(t)
	lateFile := filepath.Join(b.MailDir, "new", "1700000001.M2P2.testpeer")
	if err := os.WriteFile(lateFile, bytes.ReplaceAll(lateMsg, []byte("\r\n"), []byte("\n")), 0o600); err != nil {
		t.Fatal(err)
	}
	b.ChownMailDirs(t)
	bodies, err := b.Doveadm(t, "fetch", "-u", b.User, "body", "mailbox", "INBOX", "all")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(bodies, []byte(lateMarker)) || !bytes.Contains(bodies, []byte(preMarker)) {
		t.Errorf("doveadm fetch does not show both of bob's messages:\n%s", bodies)
	}

	doveconf := Need(t, "doveconf")
	out, err := exec.Command(doveconf, "-c", b.ConfigPath, "-h", "mail_max_userip_connections").CombinedOutput()
	if err != nil || strings.TrimSpace(string(out)) != "7" {
		t.Errorf("Extra did not override mail_max_userip_connections: %q, %v", out, err)
	}
}

// TestDovecotStopLeavesNothing checks that Stop ends every process of the
// instance, closes its ports, and may be called again.
func TestDovecotStopLeavesNothing(t *testing.T) {
	t.Parallel()
	d := StartDovecot(t, DovecotConfig{})
	mailClient(t, "pop3-stat", d.POP3Addr, d.User, d.Password) // spawn pop3 processes
	pgid := d.proc.cmd.Process.Pid
	instance := "dovecot-tp" + strings.TrimPrefix(filepath.Base(d.Dir), "testpeer-dovecot-") + "/"
	if len(instanceProcesses(instance, d.ConfigPath)) == 0 {
		t.Fatalf("found no process of %s while it runs", instance)
	}
	d.Stop()
	d.Stop()
	if m := groupMembers(pgid); len(m) != 0 {
		t.Errorf("processes %v of group %d survive Stop", m, pgid)
	}
	if p := instanceProcesses(instance, d.ConfigPath); len(p) != 0 {
		t.Errorf("processes of the instance survive Stop: %v", p)
	}
	for _, addr := range []string{d.IMAPAddr, d.POP3Addr, d.LMTPAddr} {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			t.Errorf("%s still accepts connections after Stop", addr)
		}
	}
}

// instanceProcesses finds live processes by command line: Dovecot titles
// its children "dovecot-INSTANCE/service", and the master's arguments name
// the config file. Unlike the process group this also catches a child that
// left the group.
func instanceProcesses(prefix, configPath string) []string {
	matches, _ := filepath.Glob("/proc/[0-9]*/cmdline")
	var found []string
	for _, m := range matches {
		data, err := os.ReadFile(m)
		if err != nil || len(data) == 0 {
			continue
		}
		cmdline := string(bytes.ReplaceAll(data, []byte{0}, []byte{' '}))
		if strings.HasPrefix(cmdline, prefix) || strings.Contains(cmdline, configPath) {
			found = append(found, filepath.Base(filepath.Dir(m))+": "+cmdline)
		}
	}
	return found
}

// TestDovecotConfigChecks covers the names and passwords the passwd-file
// cannot hold.
func TestDovecotConfigChecks(t *testing.T) {
	users := []struct {
		name string
		ok   bool
	}{
		{"user@example.test", true},
		{"bob", true},
		{"a.b+tag@sub.example.test", true},
		{"", false},
		{".", false},
		{"..", false},
		{"User@example.test", false},
		{"a:b@example.test", false},
		{"a/b@example.test", false},
		{"a b@example.test", false},
		{"a%u", false},
		{"a\nb", false},
	}
	for _, c := range users {
		if err := checkUser(c.name); (err == nil) != c.ok {
			t.Errorf("checkUser(%q) = %v, want ok=%v", c.name, err, c.ok)
		}
	}
	passwords := []struct {
		pw string
		ok bool
	}{
		{"secret", true},
		{"with space and 'quote'", true},
		{"", false},
		{"a:b", false},
		{"a\nb", false},
		{"a\x00b", false},
	}
	for _, c := range passwords {
		if err := checkPassword("u", c.pw); (err == nil) != c.ok {
			t.Errorf("checkPassword(%q) = %v, want ok=%v", c.pw, err, c.ok)
		}
	}
}

// TestDovecotRetriesTakenPort makes the first choice of ports collide with
// a listener, as when another process binds a port between FreePort and
// Dovecot, and checks that StartDovecot retries with fresh ports.
func TestDovecotRetriesTakenPort(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	taken := ln.Addr().(*net.TCPAddr).Port
	calls := 0
	choose := func(n int) ([]int, error) {
		calls++
		ports, err := freePorts(n)
		if calls == 1 && err == nil {
			ports[1] = taken // POP3
		}
		return ports, err
	}
	d := startDovecot(t, DovecotConfig{}, choose)
	if calls != 2 {
		t.Errorf("ports chosen %d times, want 2", calls)
	}
	if d.POP3Addr == ln.Addr().String() {
		t.Errorf("POP3 runs on the taken port %s", d.POP3Addr)
	}
	if !strings.Contains(d.LogContents(), "Address already in use") {
		t.Errorf("the log does not show the lost race:\n%s", d.LogContents())
	}
	pop := mailClient(t, "pop3-stat", d.POP3Addr, d.User, d.Password)
	if !bytes.HasPrefix(pop, []byte("+OK")) {
		t.Errorf("POP3 after the retry: %q", pop)
	}
}
