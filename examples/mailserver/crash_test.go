package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mailstack/mailstack/internal/testpeer"
	"github.com/mailstack/mailstack/mx/mxtest"
	"github.com/mailstack/mailstack/smtp"
)

// stallingMX is a remote MX that first accepts connections and never
// greets, so that a delivery to it stays in progress, and later serves
// them with an SMTP server that keeps what it receives.
type stallingMX struct {
	ln       net.Listener
	accepted chan struct{} // a connection was held
	received chan string   // messages, once serving

	mu      sync.Mutex
	serving bool
	held    []net.Conn
	srv     *smtp.Server
}

func newStallingMX(t *testing.T) *stallingMX {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	m := &stallingMX{ln: ln, accepted: make(chan struct{}, 1), received: make(chan string, 10)}
	m.srv = &smtp.Server{Hostname: "mx.remote.test", Backend: smtp.DataFunc(func(ctx context.Context, tx *smtp.Transaction, r io.Reader) error {
		b, err := io.ReadAll(r)
		if err == nil {
			m.received <- string(b)
		}
		return err
	})}
	go m.accept()
	t.Cleanup(func() { ln.Close(); m.srv.Close(); m.release() })
	return m
}

func (m *stallingMX) accept() {
	for {
		c, err := m.ln.Accept()
		if err != nil {
			return
		}
		m.mu.Lock()
		if m.serving {
			m.mu.Unlock()
			go m.srv.ServeConn(c)
			continue
		}
		m.held = append(m.held, c)
		m.mu.Unlock()
		select {
		case m.accepted <- struct{}{}:
		default:
		}
	}
}

// release drops the held connections and serves new ones.
func (m *stallingMX) release() {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.serving = true
	for _, c := range m.held {
		c.Close()
	}
	m.held = nil
}

// TestKillAfterAccept kills the server with SIGKILL once it has answered
// 250 to a local message and to an outbound one whose delivery is in
// progress, and restarts it: the local message reaches the Maildir and the
// outbound one its MX.
func TestKillAfterAccept(t *testing.T) {
	testpeer.Need(t, "swaks")
	remote := newStallingMX(t)
	dns, err := mxtest.NewServer("remote.test. 60 IN MX 10 mx.remote.test.", "mx.remote.test. 60 IN A 127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { dns.Close() })
	dir := t.TempDir()
	smtpAddr, subAddr := testpeer.FreeAddr(t), testpeer.FreeAddr(t)
	writeFile(t, filepath.Join(dir, "mailserver.toml"), fmt.Sprintf(`hostname = "mx.a.test"
data_dir = "data"
domains = ["a.test"]
[listen]
smtp = %q
submission = %q
[dns]
servers = [%q]
[relay]
mx_port = %d
`, smtpAddr, subAddr, dns.Addr, remote.ln.Addr().(*net.TCPAddr).Port))
	if err := os.Mkdir(filepath.Join(dir, "data"), 0o700); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(dir, "data", "users"), "alice@a.test:{PLAIN}alice-pw\n")

	p := startProcess(t, dir, "-config", "mailserver.toml")
	command(t, "swaks", "-S", "1", "--server", smtpAddr, "--from", "x@outside.test", "--to", "alice@a.test",
		"--header", "Subject: local before the crash")
	submit(t, subAddr, "alice@a.test", "alice-pw", "alice@a.test", "r@remote.test", "--header", "Subject: outbound before the crash")
	select {
	case <-remote.accepted:
	case <-time.After(waitLimit):
		t.Fatal("the outbound queue never connected to the MX")
	}
	p.kill(t)

	remote.release()
	p = startProcess(t, dir, "-config", "mailserver.toml")
	select {
	case msg := <-remote.received:
		if !strings.Contains(msg, "Subject: outbound before the crash") {
			t.Errorf("the MX received\n%s", msg)
		}
	case <-time.After(waitLimit):
		t.Fatal("the queued outbound message was not delivered after the restart")
	}
	inbox := filepath.Join(dir, "data", "mail", "alice@a.test")
	msgs := waitMessages(t, inbox, 1)
	if !strings.Contains(msgs[0], "Subject: local before the crash") {
		t.Errorf("alice's INBOX holds\n%s", msgs[0])
	}
	if err := p.stop(t); err != nil {
		t.Errorf("SIGTERM: exit %v", err)
	}
}

// waitMessages polls a Maildir until it holds at least n messages; the
// server is another process, whose events the test cannot hook.
func waitMessages(t *testing.T, dir string, n int) []string {
	t.Helper()
	limit := time.Now().Add(waitLimit)
	for {
		msgs := maildirMessages(t, dir)
		if len(msgs) >= n {
			return msgs
		}
		if time.Now().After(limit) {
			t.Fatalf("%s holds %d messages, want %d", dir, len(msgs), n)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
