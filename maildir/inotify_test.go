//go:build linux

package maildir

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/mailstack/mailstack/store"
)

// waitUntil waits for watch signals until cond holds after one; the
// deadline only catches a hang. cond is checked after a signal, never
// before: reading the mailbox rescans it, which would find the change
// without any signal.
func waitUntil(t *testing.T, c <-chan struct{}, what string, cond func() bool) {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		select {
		case <-c:
			if cond() {
				return
			}
		case <-deadline:
			t.Fatalf("no watch signal showing %s", what)
		}
	}
}

// drain empties a watch channel, so that the next signal is a new one.
func drain(c <-chan struct{}) {
	select {
	case <-c:
	default:
	}
}

func TestWatchSeesOtherProcesses(t *testing.T) {
	// With an hour between polls, only inotify can wake a watcher of
	// one Store when an MDA (package-level Deliver, as Postfix's
	// local(8) or Dovecot's LDA would) delivers, or another Store
	// flags and expunges.
	if runtime.GOOS != "linux" {
		t.Skip("inotify is Linux's; elsewhere folders are polled")
	}
	dir := t.TempDir()
	a, err := Open(dir, &Config{PollInterval: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := Open(dir, &Config{PollInterval: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if err := b.CreateMailbox(ctx, "Work", nil); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"INBOX", "Work"} {
		ma, err := a.OpenMailbox(ctx, name)
		if err != nil {
			t.Fatal(err)
		}
		defer ma.Close()
		if _, err := ma.Status(ctx); err != nil { // a first scan, as SELECT does
			t.Fatal(err)
		}
		c := ma.Watch(ctx)
		count := func(n int) func() bool {
			return func() bool { st, err := ma.Status(ctx); return err == nil && st.Messages == n }
		}
		target := dir
		if name != "INBOX" {
			target = filepath.Join(dir, ".Work")
		}
		if _, err := Deliver(ctx, target, strings.NewReader("Subject: hi\r\n\r\nbody\r\n"), nil); err != nil {
			t.Fatal(err)
		}
		waitUntil(t, c, name+": a delivery by an MDA", count(1))

		mb, err := b.OpenMailbox(ctx, name)
		if err != nil {
			t.Fatal(err)
		}
		defer mb.Close()
		drain(c)
		if _, err := mb.SetFlags(ctx, store.All, store.FlagsAdd, []string{store.FlagSeen, store.FlagDeleted}, nil); err != nil {
			t.Fatal(err)
		}
		waitUntil(t, c, name+": a flag change by another Store", func() bool {
			l, err := ma.List(ctx, store.All)
			return err == nil && len(l) == 1 && l[0].HasFlag(store.FlagSeen)
		})
		drain(c)
		if uids, err := mb.Expunge(ctx, store.All); err != nil || len(uids) != 1 {
			t.Fatalf("expunge: %v, %v", uids, err)
		}
		waitUntil(t, c, name+": an expunge by another Store", count(0))
	}
}

func TestWatchPollsWithoutInotify(t *testing.T) {
	// Where inotify cannot be had, another Store's delivery is still
	// seen, by polling.
	saved := openNotifier
	defer func() { openNotifier = saved }()
	openNotifier = func() (*inotify, error) { return nil, syscall.EMFILE }
	testWatchPolls(t, func(a *Store, f *folder) {
		f.mu.Lock()
		defer f.mu.Unlock()
		a.mu.Lock()
		defer a.mu.Unlock()
		if a.ino != nil || f.ino != nil || !errors.Is(a.inoErr, syscall.EMFILE) {
			t.Errorf("inotify in use: %v %v %v", a.ino, f.ino, a.inoErr)
		}
	})
}

// testWatchPolls checks that a Watch on one Store fires after another
// Store delivers, with a short PollInterval, and calls check on the
// watching Store and folder while the watch runs.
func testWatchPolls(t *testing.T, check func(a *Store, f *folder)) {
	t.Helper()
	dir := t.TempDir()
	a, err := Open(dir, &Config{PollInterval: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := Open(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ma, err := a.OpenMailbox(ctx, "INBOX")
	if err != nil {
		t.Fatal(err)
	}
	defer ma.Close()
	if _, err := ma.Status(ctx); err != nil {
		t.Fatal(err)
	}
	c := ma.Watch(ctx)
	check(a, ma.(*mailbox).f)
	if _, err := b.Deliver(ctx, "INBOX", strings.NewReader("Subject: hi\r\n\r\nbody\r\n"), nil); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, c, "a delivery by another Store", func() bool {
		st, err := ma.Status(ctx)
		return err == nil && st.Messages == 1
	})
}

// eventually waits, up to a generous deadline, for cond.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !cond(); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("never: %s", what)
		}
	}
}

// openFDs counts this process's open descriptors, and its inotify ones.
func openFDs(t *testing.T) (all, ino int) {
	t.Helper()
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skip("no /proc/self/fd")
	}
	for _, e := range ents {
		if l, _ := os.Readlink(filepath.Join("/proc/self/fd", e.Name())); l == "anon_inode:inotify" {
			ino++
		}
	}
	return len(ents) - 1, ino // less the directory read
}

// watchGoroutines returns the stacks of goroutines running the watch
// code of one Store (tests that do not close their Stores leave theirs),
// known by the receivers in the stack trace: its inotify instance and
// folders.
func watchGoroutines(n *inotify, folders []*folder) []string {
	var calls []string
	if n != nil {
		calls = append(calls, fmt.Sprintf("maildir.(*inotify).read(%p", n))
	}
	for _, f := range folders {
		calls = append(calls, fmt.Sprintf("maildir.(*folder).poll(%p", f))
	}
	buf := make([]byte, 1<<22)
	var out []string
	for _, g := range strings.Split(string(buf[:runtime.Stack(buf, true)]), "\n\n") {
		for _, c := range calls {
			if strings.Contains(g, c) {
				out = append(out, g)
			}
		}
	}
	return out
}

func TestCloseLeavesNothing(t *testing.T) {
	// Watches on two folders, ended, and Close leave no goroutine and
	// no descriptor behind; a folder's watches go with its last
	// watcher.
	goroutines := runtime.NumGoroutine()
	fds, inoFDs := openFDs(t)
	dir := t.TempDir()
	s, err := Open(dir, &Config{PollInterval: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	other, err := Open(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := s.CreateMailbox(ctx, "Work", nil); err != nil {
		t.Fatal(err)
	}
	var ino *inotify // the Store's, kept to look for its reader after Close
	var cancels []context.CancelFunc
	var boxes []store.Mailbox
	var inbox <-chan struct{}
	for _, name := range []string{"INBOX", "INBOX", "Work"} {
		mb, err := s.OpenMailbox(ctx, name)
		if err != nil {
			t.Fatal(err)
		}
		boxes = append(boxes, mb)
		if _, err := mb.Status(ctx); err != nil {
			t.Fatal(err)
		}
		wctx, cancel := context.WithCancel(ctx)
		cancels = append(cancels, cancel)
		inbox = mb.Watch(wctx)
	}
	if runtime.GOOS == "linux" {
		if _, ino := openFDs(t); ino != inoFDs+1 {
			t.Errorf("%d inotify descriptors while watching, want %d: one per Store", ino, inoFDs+1)
		}
		ino = s.notifier()
		ino.mu.Lock()
		if n := len(ino.folders); n != 6 {
			t.Errorf("%d inotify watches for two folders, want 6", n)
		}
		ino.mu.Unlock()
	}
	var folders []*folder
	for _, mb := range boxes {
		folders = append(folders, mb.(*mailbox).f)
	}
	if len(watchGoroutines(ino, folders)) == 0 {
		t.Fatal("watchGoroutines finds no goroutine while watching")
	}
	// Events flow: another Store's delivery to Work reaches its watcher.
	if _, err := other.Deliver(ctx, "Work", strings.NewReader("Subject: x\r\n\r\ny\r\n"), nil); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, inbox, "a delivery to Work", func() bool { return true })
	cancels[2]() // Work's last watcher
	if runtime.GOOS == "linux" {
		eventually(t, "Work's watches removed", func() bool {
			ino.mu.Lock()
			defer ino.mu.Unlock()
			return len(ino.folders) == 3
		})
	}
	for i, cancel := range cancels {
		cancel()
		boxes[i].Close()
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	other.Close()
	eventually(t, "no watch goroutine left", func() bool { return len(watchGoroutines(ino, folders)) == 0 })
	eventually(t, "goroutines back to their number before", func() bool { return runtime.NumGoroutine() <= goroutines })
	eventually(t, "descriptors back to their number before", func() bool {
		all, ino := openFDs(t)
		return all <= fds && ino == inoFDs
	})
	if err := s.Close(); err != nil { // twice is harmless
		t.Fatal(err)
	}
}
