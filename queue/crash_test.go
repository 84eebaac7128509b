package queue

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	gosmtp "github.com/emersion/go-smtp"
	"github.com/mailstack/mailstack/mx"
)

// Environment of the crash test's child process.
const (
	crashEnvDir  = "MAILSTACK_QUEUE_CRASH_DIR"
	crashEnvDNS  = "MAILSTACK_QUEUE_CRASH_DNS"
	crashEnvPort = "MAILSTACK_QUEUE_CRASH_PORT"
)

// TestQueueCrashChild is the queue process of TestQueueCrashSafety: it
// runs only as that test's child, delivers until the spool is empty and
// exits, unless it is killed first.
func TestQueueCrashChild(t *testing.T) {
	dir := os.Getenv(crashEnvDir)
	if dir == "" {
		t.Skip("runs only as the child of TestQueueCrashSafety")
	}
	port, _ := strconv.Atoi(os.Getenv(crashEnvPort))
	q, err := Open(Config{
		Dir: dir, Hostname: "crash.test", MXPort: port, Concurrency: 4,
		Resolver: &mx.Resolver{Servers: []string{os.Getenv(crashEnvDNS)}, CacheSize: -1},
		Retry:    RetryPolicy{MinBackoff: time.Millisecond, MaxBackoff: 5 * time.Millisecond},
		Logger:   slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug})),
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { q.Run(ctx); close(done) }()
	for q.Len() > 0 {
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	<-done
}

var msgIDRE = regexp.MustCompile(`Message-ID: <([^>]+)>`)

func TestQueueCrashSafety(t *testing.T) {
	// A queue process killed with SIGKILL mid-delivery 20 times loses
	// nothing: after the restarts every enqueued message has been
	// delivered (at least once; duplicates are counted and allowed, see
	// the package documentation).
	if testing.Short() {
		t.Skip("slow")
	}
	const messages, kills = 400, 20
	var mu sync.Mutex
	got := make(map[string]int)
	received := make(chan struct{}, 1000)
	s := startSink(t, func(s *sink, _ *gosmtp.Server) {
		s.data = func() { time.Sleep(2 * time.Millisecond) }
	})
	_, port, _ := strings.Cut(s.Addr, ":")
	w := newWorld(t, "dst.test. 60 IN MX 10 mx.dst.test.", "mx.dst.test. 60 IN A 127.0.0.1")
	dir := t.TempDir()

	q, err := Open(Config{Dir: dir, Hostname: "crash.test"})
	if err != nil {
		t.Fatal(err)
	}
	for i := range messages {
		enqueue(t, q, "<s@sender.test>", fmt.Sprintf("crash%03d", i), "<a@dst.test>", "<b@dst.test>")
	}
	q = nil // never run in this process

	seen := 0
	update := func() int {
		msgs := s.Messages()
		for _, m := range msgs[seen:] {
			if id := msgIDRE.FindStringSubmatch(m.Data); id != nil {
				mu.Lock()
				got[id[1]]++
				mu.Unlock()
			}
			received <- struct{}{}
		}
		seen = len(msgs)
		return seen
	}
	start := func() (*exec.Cmd, chan error) {
		cmd := exec.Command(os.Args[0], "-test.run=^TestQueueCrashChild$", "-test.count=1")
		cmd.Env = append(os.Environ(), crashEnvDir+"="+dir, crashEnvDNS+"="+w.dns.Addr, crashEnvPort+"="+port)
		var out strings.Builder
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		exited := make(chan error, 1)
		go func() { exited <- cmd.Wait() }()
		return cmd, exited
	}
	killedMid := 0
	for round := range kills {
		before := update()
		cmd, exited := start()
		// Kill once round%3+1 more messages have arrived (while others
		// are in flight), or at once if the child finished.
		target := before + round%3 + 1
		for update() < target {
			select {
			case err := <-exited:
				t.Fatalf("child exited before being killed (round %d): %v", round, err)
			case <-time.After(5 * time.Millisecond):
			}
		}
		cmd.Process.Kill() // SIGKILL
		<-exited
		killedMid++
	}
	// A last run without interference empties the spool.
	cmd, exited := start()
	select {
	case err := <-exited:
		if err != nil {
			t.Fatalf("final child: %v\n%s", err, cmd.Stdout)
		}
	case <-time.After(2 * time.Minute):
		cmd.Process.Kill()
		<-exited
		out := cmd.Stdout.(*strings.Builder).String()
		t.Fatalf("final child did not finish:\n%s", out[max(0, len(out)-5000):])
	}
	update()
	dups := 0
	for i := range messages {
		id := fmt.Sprintf("crash%03d@sender.test", i)
		mu.Lock()
		n := got[id]
		mu.Unlock()
		if n == 0 {
			t.Errorf("message %s lost", id)
		}
		dups += max(n-1, 0)
	}
	spoolEmpty(t, dir)
	t.Logf("%d kills, %d messages, all delivered; %d duplicate deliveries (allowed: killed between acceptance and record)", killedMid, messages, dups)
}
