package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"

	"github.com/mailstack/mailstack/envelope"
	"github.com/mailstack/mailstack/internal/testpeer"
	"github.com/mailstack/mailstack/queue"
	"github.com/mailstack/mailstack/smtp"
)

// waitLimit guards every wait against a hang; nothing is asserted about
// how long anything takes.
const waitLimit = 60 * time.Second

// testServer is a mail server running in-process for a test.
type testServer struct {
	*server
	events *events
	logs   *syncBuffer
}

// testConfig returns a configuration for host (say "mx.a.test") serving
// domain, with every service on a loopback port the kernel picks, the
// users given as "user@domain:{SCHEME}secret" lines, and a data directory
// of its own.
func testConfig(t *testing.T, host, domain string, users ...string) *Config {
	t.Helper()
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "users"), strings.Join(users, "\n")+"\n")
	port0 := "127.0.0.1:0"
	return &Config{
		Hostname: host, DataDir: dir, Domains: []string{domain}, UsersFile: "users",
		Listen: Listen{SMTP: port0, Submission: port0, Submissions: port0, LMTP: port0, IMAP: port0, IMAPS: port0, POP3: port0, POP3S: port0},
		Relay:  Relay{MXPort: 25},
	}
}

// startServer checks cfg as loadConfig would, starts the server and stops
// it gracefully when the test ends.
func startServer(t *testing.T, cfg *Config) *testServer {
	t.Helper()
	return startServerWith(t, cfg, nil)
}

// startServerWith is startServer with a function that may change the
// server before it runs.
func startServerWith(t *testing.T, cfg *Config, adjust func(*server)) *testServer {
	t.Helper()
	if errs := cfg.check(); len(errs) > 0 {
		t.Fatalf("config: %v", errs)
	}
	ev := newEvents()
	logs := &syncBuffer{}
	log := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	s, err := newServer(cfg, log, ev.add)
	if err != nil {
		t.Fatal(err)
	}
	if adjust != nil {
		adjust(s)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("run: %v", err)
		}
		if t.Failed() {
			t.Logf("log of %s:\n%s", cfg.Hostname, logs.String())
		}
	})
	return &testServer{server: s, events: ev, logs: logs}
}

// events records queue events and lets a test wait for one.
type events struct {
	mu   sync.Mutex
	all  []qevent
	more chan struct{}
}

type qevent struct {
	queue.Event
}

// local reports an event of the LMTP route: delivery into this server's
// Maildirs.
func (ev qevent) local() bool { return strings.HasPrefix(ev.Destination, "lmtp:") }

func newEvents() *events { return &events{more: make(chan struct{})} }

func (e *events) add(ev queue.Event) {
	e.mu.Lock()
	e.all = append(e.all, qevent{ev})
	close(e.more)
	e.more = make(chan struct{})
	e.mu.Unlock()
}

// wait returns the first event (counting from the start) that match
// accepts.
func (e *events) wait(t *testing.T, what string, match func(qevent) bool) qevent {
	t.Helper()
	limit := time.After(waitLimit)
	for i := 0; ; {
		e.mu.Lock()
		for ; i < len(e.all); i++ {
			if match(e.all[i]) {
				ev := e.all[i]
				e.mu.Unlock()
				return ev
			}
		}
		more := e.more
		e.mu.Unlock()
		select {
		case <-more:
		case <-limit:
			t.Fatalf("no queue event: %s", what)
		}
	}
}

// deliveredTo matches the queue's local delivery to rcpt.
func deliveredTo(rcpt string) func(qevent) bool {
	return func(ev qevent) bool {
		return ev.local() && ev.Kind == queue.EventDelivered && strings.EqualFold(ev.Rcpt.Mailbox.String(), rcpt)
	}
}

// syncBuffer is a bytes.Buffer safe for concurrent writers.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

func writeFile(t *testing.T, path, data string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
}

// command runs a peer program and returns its combined output, failing
// the test if it fails.
func command(t *testing.T, name string, args ...string) string {
	t.Helper()
	out, err := runCommand(testpeer.Need(t, name), args...)
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return out
}

// runCommand runs a program and returns its combined output.
func runCommand(name string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	out, err := exec.CommandContext(ctx, name, args...).CombinedOutput()
	return string(out), err
}

// passwordOf is the password tests give a user: the local part and "-pw".
func passwordOf(user string) string {
	local, _, _ := strings.Cut(user, "@")
	return local + "-pw"
}

// submit sends a message with swaks over submission (STARTTLS, AUTH
// PLAIN) and returns swaks's transcript.
func submit(t *testing.T, addr, user, password, from, to string, extra ...string) string {
	t.Helper()
	args := append([]string{"-S", "1", "--server", addr, "-tls", "--auth", "PLAIN",
		"--auth-user", user, "--auth-password", password, "--from", from, "--to", to}, extra...)
	return command(t, "swaks", args...)
}

// dialSMTP returns an SMTP client for addr, authenticated as user if user
// is not empty, which trusts any certificate (they are self-signed).
func dialSMTP(t *testing.T, addr, user, password string) *smtp.Client {
	t.Helper()
	cfg := &smtp.ClientConfig{LocalName: "client.test", TLSConfig: &tls.Config{InsecureSkipVerify: true}}
	if user != "" {
		cfg.Auth = sasl.NewPlainClient("", user, password)
	}
	c, err := smtp.Dial(context.Background(), addr, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// replyOf returns the SMTP reply inside err ("" for nil), as
// "code x.y.z".
func replyOf(err error) string {
	if err == nil {
		return ""
	}
	var r *envelope.Reply
	if !errors.As(err, &r) {
		return err.Error()
	}
	return r.Error()
}

func mustPath(t *testing.T, s string) envelope.Path {
	t.Helper()
	p, err := envelope.ParseReversePath(s, envelope.ParseOptions{})
	if err != nil {
		p, err = envelope.ParseForwardPath(s, envelope.ParseOptions{}) // <Postmaster>
	}
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// maildirMessages reads a Maildir's messages (new and cur), in no order.
func maildirMessages(t *testing.T, dir string) []string {
	t.Helper()
	var msgs []string
	for _, sub := range []string{"new", "cur"} {
		ents, err := os.ReadDir(filepath.Join(dir, sub))
		if err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
		for _, e := range ents {
			b, err := os.ReadFile(filepath.Join(dir, sub, e.Name()))
			if err != nil {
				t.Fatal(err)
			}
			msgs = append(msgs, string(b))
		}
	}
	return msgs
}

func discardLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }
