package main

import (
	"bufio"
	"context"
	"crypto/tls"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"golang.org/x/crypto/bcrypt"

	"github.com/mailstack/mailstack/envelope"
	"github.com/mailstack/mailstack/internal/testpeer"
	"github.com/mailstack/mailstack/lmtp"
	"github.com/mailstack/mailstack/smtp"
)

// lineWriter hands run's first output line to a channel.
type lineWriter struct{ ch chan string }

func (w lineWriter) Write(p []byte) (int, error) {
	select {
	case w.ch <- strings.TrimSpace(string(p)):
	default:
	}
	return len(p), nil
}

// startSink runs the sink in-process with args and returns its address.
func startSink(t *testing.T, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	lines := make(chan string, 1)
	done := make(chan error, 1)
	go func() { done <- run(ctx, append([]string{"-listen", "127.0.0.1:0"}, args...), lineWriter{lines}) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("run: %v", err)
		}
	})
	select {
	case line := <-lines:
		addr, ok := strings.CutPrefix(line, "listening on ")
		if !ok {
			t.Fatalf("first line %q", line)
		}
		return addr
	case err := <-done:
		t.Fatalf("run: %v", err)
	}
	return ""
}

var (
	from = envelope.Path{Mailbox: envelope.Address{Local: "a", Domain: "example.org"}}
	to   = []envelope.Path{{Mailbox: envelope.Address{Local: "b", Domain: "example.org"}}}
)

// send submits one message with the package's client.
func send(t *testing.T, addr string, cfg *smtp.ClientConfig, body string) error {
	t.Helper()
	ctx := context.Background()
	c, err := smtp.Dial(ctx, addr, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	res, err := c.Send(ctx, from, to, strings.NewReader(body), nil)
	if err == nil && !res[0].Accepted() {
		err = res[0].Err
	}
	c.Quit(ctx)
	return err
}

// maildirMessages returns the contents of DIR/new.
func maildirMessages(t *testing.T, dir string) []string {
	t.Helper()
	names, err := filepath.Glob(filepath.Join(dir, "new", "*"))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, n := range names {
		b, err := os.ReadFile(n)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, string(b))
	}
	return out
}

func TestSinkMaildir(t *testing.T) {
	dir := t.TempDir()
	addr := startSink(t, "-maildir", dir)
	for i := 0; i < 3; i++ {
		if err := send(t, addr, nil, "Subject: m\r\n\r\nbody\r\n"); err != nil {
			t.Fatal(err)
		}
	}
	msgs := maildirMessages(t, dir)
	if len(msgs) != 3 {
		t.Fatalf("%d messages in the Maildir", len(msgs))
	}
	if !strings.HasPrefix(msgs[0], "Received: ") || !strings.HasSuffix(msgs[0], "\r\n\r\nbody\r\n") {
		t.Errorf("message %q", msgs[0])
	}
}

func TestSinkLMTP(t *testing.T) {
	dir := t.TempDir()
	addr := startSink(t, "-lmtp", "-maildir", dir)
	ctx := context.Background()
	c, err := lmtp.Dial(ctx, "tcp", addr, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	rcpts := append(to, envelope.Path{Mailbox: envelope.Address{Local: "c", Domain: "example.org"}})
	res, err := c.Send(ctx, from, rcpts, strings.NewReader("x\r\n"), nil)
	if err != nil || len(res) != 2 || !res[0].Accepted() || !res[1].Accepted() {
		t.Fatalf("Send: %v %+v", err, res)
	}
	if msgs := maildirMessages(t, dir); len(msgs) != 1 || !strings.Contains(msgs[0], "with LMTP") {
		t.Fatalf("Maildir: %q", msgs)
	}
}

func TestSinkAuth(t *testing.T) {
	hash, err := bcrypt.GenerateFromPassword([]byte("hunter2"), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	users := filepath.Join(t.TempDir(), "passwd")
	content := "# test users\n" +
		"alice:{PLAIN}secret:1000:1000::/home/alice::\n" +
		"bob:{BLF-CRYPT}" + strings.Replace(string(hash), "$2a$", "$2y$", 1) + "\n" +
		"carol:" + string(hash) + "\n"
	if err := os.WriteFile(users, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	addr := startSink(t, "-users", users)
	tlsConf := &tls.Config{InsecureSkipVerify: true}
	tests := []struct {
		user, pass string
		ok         bool
	}{
		{"alice", "secret", true},
		{"alice", "wrong", false},
		{"bob", "hunter2", true},
		{"bob", "hunter3", false},
		{"carol", "hunter2", true},
		{"dave", "secret", false},
	}
	for _, tt := range tests {
		cfg := &smtp.ClientConfig{TLSConfig: tlsConf, TLSPolicy: smtp.TLSRequired, Auth: sasl.NewPlainClient("", tt.user, tt.pass)}
		err := send(t, addr, cfg, "x\r\n")
		if (err == nil) != tt.ok {
			t.Errorf("%s/%s: %v", tt.user, tt.pass, err)
		}
	}
}

func TestSinkUsersFileErrors(t *testing.T) {
	for _, line := range []string{"alice", "alice:secret", "alice:{MD5}x", "alice:{BLF-CRYPT}nothash", ":{PLAIN}x", "alice:{PLAIN"} {
		path := filepath.Join(t.TempDir(), "passwd")
		os.WriteFile(path, []byte(line+"\n"), 0o600)
		if _, err := loadUsers(path); err == nil {
			t.Errorf("%q accepted", line)
		}
	}
}

func TestSinkFlags(t *testing.T) {
	for _, args := range [][]string{{"-tls-cert", "x"}, {"extra"}, {"-nosuch"}} {
		if err := run(context.Background(), args, io.Discard); err == nil {
			t.Errorf("%q accepted", args)
		}
	}
}

func TestSinkSwaksTLS(t *testing.T) {
	swaks := testpeer.Need(t, "swaks")
	addr := startSink(t)
	out, err := exec.Command(swaks, "--server", addr, "-tls", "--from", "a@example.org", "--to", "b@example.org").CombinedOutput()
	if err != nil || !strings.Contains(string(out), "250 2.0.0 OK") {
		t.Fatalf("swaks: %v\n%s", err, out)
	}
}

// The built command prints its address and exits with status 0 on
// SIGTERM.
func TestSinkSignal(t *testing.T) {
	gobin := testpeer.Need(t, "go")
	bin := filepath.Join(t.TempDir(), "smtp-sink")
	if out, err := exec.Command(gobin, "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	cmd := exec.Command(bin, "-listen", "127.0.0.1:0")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil || !strings.HasPrefix(line, "listening on 127.0.0.1:") {
		cmd.Process.Kill()
		t.Fatalf("first line %q: %v", line, err)
	}
	addr := strings.TrimSpace(strings.TrimPrefix(line, "listening on "))
	if err := send(t, addr, nil, "x\r\n"); err != nil {
		t.Fatal(err)
	}
	cmd.Process.Signal(syscall.SIGTERM)
	waited := make(chan error, 1)
	go func() { waited <- cmd.Wait() }()
	select {
	case err := <-waited:
		if err != nil {
			t.Fatalf("exit: %v", err)
		}
	case <-time.After(30 * time.Second):
		cmd.Process.Kill()
		t.Fatal("no exit after SIGTERM")
	}
}
