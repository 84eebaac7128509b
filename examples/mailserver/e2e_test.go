package main

import (
	"bufio"
	"context"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/mailstack/mailstack/internal/testpeer"
	"github.com/mailstack/mailstack/mx/mxtest"
	"github.com/mailstack/mailstack/queue"
)

// twoServers starts the servers of a.test (user alice) and b.test (user
// bob) and a loopback DNS server publishing their MX records, both
// pointing at 127.0.0.1; each relays to the other's smtp port.
func twoServers(t *testing.T) (a, b *testServer) {
	t.Helper()
	dns, err := mxtest.NewServer(
		"a.test. 60 IN MX 10 mx.a.test.", "mx.a.test. 60 IN A 127.0.0.1",
		"b.test. 60 IN MX 10 mx.b.test.", "mx.b.test. 60 IN A 127.0.0.1",
	)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { dns.Close() })
	aSMTP, bSMTP := testpeer.FreeAddr(t), testpeer.FreeAddr(t)
	ca := testConfig(t, "mx.a.test", "a.test", "alice@a.test:{PLAIN}alice-pw")
	ca.Listen.SMTP, ca.DNS.Servers, ca.Relay.MXPort = aSMTP, []string{dns.Addr}, portOf(t, bSMTP)
	cb := testConfig(t, "mx.b.test", "b.test", "bob@b.test:{PLAIN}bob-pw")
	cb.Listen.SMTP, cb.DNS.Servers, cb.Relay.MXPort = bSMTP, []string{dns.Addr}, portOf(t, aSMTP)
	return startServer(t, ca), startServer(t, cb)
}

func portOf(t *testing.T, addr string) int {
	t.Helper()
	_, p, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatal(err)
	}
	n, err := strconv.Atoi(p)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestTwoServers follows a message over the whole path: swaks submits it
// to a.test's MSA (STARTTLS, AUTH); a.test looks up b.test's MX and relays
// over SMTP; b.test delivers it over LMTP into bob's Maildir, where an
// IDLEing imaplib session sees it arrive; curl reads the same bytes over
// POP3. Then bob replies, and alice reads the reply over IMAP.
func TestTwoServers(t *testing.T) {
	testpeer.Need(t, "swaks")
	testpeer.Need(t, "curl")
	a, b := twoServers(t)

	idle := startIdle(t, b.addr("imap"), "bob@b.test", "bob-pw")
	submit(t, a.addr("submission"), "alice@a.test", "alice-pw", "alice@a.test", "bob@b.test",
		"--header", "Subject: hello bob", "--header", "Message-ID: <first@a.test>", "--body", "over two hops")
	fetched := idle.result(t)

	ev := a.events.wait(t, "relay to b.test", func(ev qevent) bool {
		return !ev.local() && ev.Kind == queue.EventDelivered
	})
	if ev.Destination != "b.test" || !strings.HasPrefix(ev.Host, "mx.b.test[127.0.0.1:") {
		t.Errorf("relayed to %s at %s, want b.test at mx.b.test", ev.Destination, ev.Host)
	}
	for _, want := range []string{
		"Return-Path: <alice@a.test>\r\n", "Delivered-To: bob@b.test\r\n",
		"by mx.b.test with LMTP", "by mx.b.test with ESMTPS", "by mx.a.test with ESMTPSA",
		"Subject: hello bob\r\n", "over two hops",
	} {
		if !strings.Contains(fetched, want) {
			t.Errorf("message in bob's INBOX lacks %q:\n%s", want, fetched)
		}
	}
	if n := strings.Count(fetched, "\r\nReceived: "); n != 3 {
		t.Errorf("%d Received fields, want 3 (a.test's MSA, b.test's MTA, b.test's LMTP):\n%s", n, fetched)
	}

	pop := command(t, "curl", "-sS", "-k", "--ssl-reqd", "-u", "bob@b.test:bob-pw", "pop3://"+b.addr("pop3")+"/1")
	if pop != fetched {
		t.Errorf("POP3 RETR differs from IMAP FETCH:\n%q\n%q", pop, fetched)
	}

	submit(t, b.addr("submission"), "bob@b.test", "bob-pw", "bob@b.test", "alice@a.test",
		"--header", "Subject: Re: hello bob", "--header", "In-Reply-To: <first@a.test>", "--body", "got it")
	a.events.wait(t, "reply delivered to alice", deliveredTo("alice@a.test"))
	reply := command(t, "curl", "-sS", "-k", "-u", "alice@a.test:alice-pw", "imaps://"+a.addr("imaps")+"/INBOX;UID=1")
	for _, want := range []string{"Subject: Re: hello bob", "In-Reply-To: <first@a.test>", "by mx.a.test with ESMTPS", "by mx.b.test with ESMTPSA", "got it"} {
		if !strings.Contains(reply, want) {
			t.Errorf("reply in alice's INBOX lacks %q:\n%s", want, reply)
		}
	}
}

// idleSession is python3's imaplib waiting in IDLE (testdata/idle.py).
type idleSession struct {
	cmd    *exec.Cmd
	lines  *bufio.Scanner
	stderr *syncBuffer
	out    string
}

// startIdle logs in as user over IMAP with STARTTLS and returns once the
// session is IDLEing on INBOX.
func startIdle(t *testing.T, addr, user, password string) *idleSession {
	t.Helper()
	py := testpeer.Need(t, "python3")
	host, port, _ := net.SplitHostPort(addr)
	out := filepath.Join(t.TempDir(), "fetched.eml")
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	t.Cleanup(cancel)
	cmd := exec.CommandContext(ctx, py, "testdata/idle.py", host, port, user, password, out)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	stderr := &syncBuffer{}
	cmd.Stderr = stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	s := &idleSession{cmd: cmd, lines: bufio.NewScanner(stdout), stderr: stderr, out: out}
	if !s.lines.Scan() || s.lines.Text() != "idling" {
		t.Fatalf("imaplib did not start IDLE: %q\n%s", s.lines.Text(), stderr.String())
	}
	return s
}

// result waits for the session to see the message and returns its bytes.
func (s *idleSession) result(t *testing.T) string {
	t.Helper()
	if !s.lines.Scan() || s.lines.Text() != "fetched" {
		t.Fatalf("imaplib did not fetch a message: %q\n%s", s.lines.Text(), s.stderr.String())
	}
	if err := s.cmd.Wait(); err != nil {
		t.Fatalf("imaplib: %v\n%s", err, s.stderr.String())
	}
	b, err := os.ReadFile(s.out)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestImplicitTLS: submissions, imaps and pop3s speak TLS from the first
// octet (RFC 8314), and serve the same mail as their STARTTLS twins.
func TestImplicitTLS(t *testing.T) {
	testpeer.Need(t, "swaks")
	testpeer.Need(t, "curl")
	s := startServer(t, testConfig(t, "mx.a.test", "a.test", "alice@a.test:{PLAIN}alice-pw"))
	command(t, "swaks", "-S", "1", "--server", s.addr("submissions"), "--tls-on-connect", "--auth", "LOGIN",
		"--auth-user", "alice@a.test", "--auth-password", "alice-pw", "--from", "alice+out@a.test", "--to", "alice@a.test",
		"--header", "Subject: implicit TLS")
	s.events.wait(t, "delivery to alice", deliveredTo("alice@a.test"))
	imaps := command(t, "curl", "-sS", "-k", "-u", "alice@a.test:alice-pw", "imaps://"+s.addr("imaps")+"/INBOX;UID=1")
	pop3s := command(t, "curl", "-sS", "-k", "-u", "alice@a.test:alice-pw", "pop3s://"+s.addr("pop3s")+"/1")
	if !strings.Contains(imaps, "Subject: implicit TLS") || !strings.Contains(imaps, "with ESMTPSA") || pop3s != imaps {
		t.Errorf("imaps read\n%s\npop3s read\n%s", imaps, pop3s)
	}
	// Passwords never travel in clear: the plaintext ports want TLS first.
	if out, err := runCommand("curl", "-sS", "-u", "alice@a.test:alice-pw", "pop3://"+s.addr("pop3")+"/1"); err == nil {
		t.Errorf("POP3 login without TLS succeeded:\n%s", out)
	}
	if out, err := runCommand("curl", "-sS", "-u", "alice@a.test:alice-pw", "imap://"+s.addr("imap")+"/INBOX;UID=1"); err == nil {
		t.Errorf("IMAP login without TLS succeeded:\n%s", out)
	}
}
