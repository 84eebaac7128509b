package maildir

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/mailstack/mailstack/store"
)

// The test binary re-executes itself as a helper process when
// MAILDIR_TEST_HELPER names a mode; see helperMain.
func TestMain(m *testing.M) {
	if mode := os.Getenv("MAILDIR_TEST_HELPER"); mode != "" {
		os.Exit(helperMain(mode, os.Getenv("MAILDIR_TEST_DIR")))
	}
	os.Exit(m.Run())
}

// testBody is message n of writer w: its subject names both, and its body
// is a digest-derived pattern of varying length, so a reader can tell an
// intact message from a damaged one.
func testBody(w, n int) string {
	sum := sha256.Sum256([]byte(fmt.Sprintf("%d/%d", w, n)))
	h := hex.EncodeToString(sum[:])
	return fmt.Sprintf("Subject: w=%d n=%d\r\n\r\n%s\r\n", w, n, strings.Repeat(h+"\r\n", 1+n%50))
}

// checkBody parses a message written by testBody and reports whether it is
// intact.
func checkBody(b string) (w, n int, ok bool) {
	if _, err := fmt.Sscanf(b, "Subject: w=%d n=%d\r\n", &w, &n); err != nil {
		return 0, 0, false
	}
	return w, n, b == testBody(w, n)
}

func helperMain(mode, dir string) int {
	ctx := context.Background()
	w, _ := strconv.Atoi(os.Getenv("MAILDIR_TEST_WRITER"))
	count, _ := strconv.Atoi(os.Getenv("MAILDIR_TEST_COUNT"))
	start, _ := strconv.Atoi(os.Getenv("MAILDIR_TEST_START"))
	out := bufio.NewWriter(os.Stdout)
	switch mode {
	case "append", "deliver":
		s, err := Open(dir, nil)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		mb, err := s.OpenMailbox(ctx, "INBOX")
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		// Tell the parent the process is up, so its random kill lands in
		// the delivery loop and not in a slow start under load.
		fmt.Fprintln(out, "ready")
		out.Flush()
		for n := start; count == 0 || n < start+count; n++ {
			body := strings.NewReader(testBody(w, n))
			var uid store.UID
			if mode == "append" {
				var res store.AppendResult
				res, err = mb.Append(ctx, body, nil)
				uid = res.UID
			} else {
				_, err = Deliver(ctx, dir, body, nil)
			}
			if err != nil {
				fmt.Fprintln(os.Stderr, err)
				return 1
			}
			// Reported only once Append/Deliver returned.
			fmt.Fprintf(out, "ok %d %d\n", n, uid)
			out.Flush()
		}
	case "list":
		s, _ := Open(dir, nil)
		mb, _ := s.OpenMailbox(ctx, "INBOX")
		for {
			if _, err := os.Stat(filepath.Join(dir, "stop")); err == nil {
				return 0
			}
			l, err := mb.List(ctx, store.All)
			if err != nil {
				fmt.Fprintln(os.Stderr, "list:", err)
				return 1
			}
			for i := 0; i < len(l) && i < 20; i++ {
				m := l[rand.IntN(len(l))]
				c, err := mb.Open(ctx, m.UID)
				if err != nil {
					continue // expunged meanwhile is fine; there are none here
				}
				b, _ := io.ReadAll(io.NewSectionReader(c, 0, c.Size()))
				c.Close()
				if _, _, ok := checkBody(string(b)); !ok {
					fmt.Fprintf(os.Stderr, "list: damaged message UID %d\n", m.UID)
					return 1
				}
			}
		}
	}
	return 0
}

func helperCmd(t *testing.T, dir, mode string, env ...string) *exec.Cmd {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe, "-test.run=^$")
	cmd.Env = append(os.Environ(), append([]string{"MAILDIR_TEST_HELPER=" + mode, "MAILDIR_TEST_DIR=" + dir}, env...)...)
	cmd.Stderr = os.Stderr
	return cmd
}

type reported struct{ n, uid int }

// readReports collects the child's "ok N UID" lines; ready, when not nil,
// is closed when the child says "ready".
func readReports(t *testing.T, r io.Reader, ready chan<- struct{}) []reported {
	var out []reported
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		if sc.Text() == "ready" && ready != nil {
			close(ready)
			ready = nil
			continue
		}
		var rep reported
		if _, err := fmt.Sscanf(sc.Text(), "ok %d %d", &rep.n, &rep.uid); err == nil {
			out = append(out, rep)
		}
	}
	return out
}

// verifyMaildir checks the on-disk invariants: no partial or foreign file
// in new/ or cur/, a UID list that parses with unique ascending UIDs, and
// returns the messages by (writer, n).
func verifyMaildir(t *testing.T, dir string) map[[2]int]store.UID {
	t.Helper()
	for _, sub := range []string{"new", "cur"} {
		names, err := readNames(filepath.Join(dir, sub))
		if err != nil {
			t.Fatal(err)
		}
		for _, n := range names {
			b, err := os.ReadFile(filepath.Join(dir, sub, n))
			if err != nil {
				t.Fatal(err)
			}
			if _, _, ok := checkBody(string(b)); !ok {
				t.Errorf("%s/%s: partial or damaged file (%d bytes)", sub, n, len(b))
			}
		}
	}
	s, err := Open(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	mb, err := s.OpenMailbox(context.Background(), "INBOX")
	if err != nil {
		t.Fatal(err)
	}
	l, err := mb.List(context.Background(), store.All)
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join(dir, UIDListName))
	if err != nil {
		t.Fatal(err)
	}
	ul, _, err := ParseUIDList(data)
	if err != nil {
		t.Fatalf("UID list does not parse: %v", err)
	}
	seen := map[store.UID]bool{}
	bases := map[string]store.UID{}
	for _, r := range ul.Records {
		if seen[r.UID] {
			t.Fatalf("duplicate UID %d in UID list", r.UID)
		}
		seen[r.UID] = true
		b, _ := SplitName(r.Name)
		if u, dup := bases[b]; dup {
			t.Errorf("file %s has UIDs %d and %d: a UID was given twice to one message", b, u, r.UID)
		}
		bases[b] = r.UID
	}
	got := map[[2]int]store.UID{}
	for i, m := range l {
		if i > 0 && m.UID <= l[i-1].UID {
			t.Fatalf("UIDs not strictly ascending: %d after %d", m.UID, l[i-1].UID)
		}
		c, err := mb.Open(context.Background(), m.UID)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(io.NewSectionReader(c, 0, c.Size()))
		c.Close()
		w, n, ok := checkBody(string(b))
		if !ok {
			t.Fatalf("UID %d damaged", m.UID)
		}
		if _, dup := got[[2]int{w, n}]; dup {
			t.Fatalf("message w=%d n=%d stored twice", w, n)
		}
		got[[2]int{w, n}] = m.UID
	}
	return got
}

// A writer killed with SIGKILL at random moments never loses a message it
// reported delivered and never leaves a partial file in new/ or cur/.
func TestCrashSafety(t *testing.T) {
	if testing.Short() {
		t.Skip("kills 100 child processes")
	}
	dir := t.TempDir()
	var all []reported
	next := 0
	for round := range 100 {
		mode := "append"
		if round%3 == 2 {
			mode = "deliver" // the MDA path, without UIDs
		}
		cmd := helperCmd(t, dir, mode, "MAILDIR_TEST_START="+strconv.Itoa(next))
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		var reps []reported
		done, ready := make(chan struct{}), make(chan struct{})
		go func() { reps = readReports(t, out, ready); close(done) }()
		select {
		case <-ready:
		case <-done: // the child failed before its loop; its stderr says why
		case <-time.After(2 * time.Minute):
			t.Fatal("child did not start within 2 minutes")
		}
		time.Sleep(time.Duration(rand.IntN(60)) * time.Millisecond)
		cmd.Process.Signal(syscall.SIGKILL)
		<-done
		cmd.Wait()
		for _, r := range reps {
			if mode == "deliver" {
				r.uid = 0
			}
			all = append(all, r)
		}
		if len(reps) > 0 {
			next = reps[len(reps)-1].n + 1
		}
		next += 1000 // skip numbers a killed child may have half-written
	}
	got := verifyMaildir(t, dir)
	if len(all) == 0 {
		t.Fatal("no child ever reported a delivery")
	}
	for _, r := range all {
		uid, ok := got[[2]int{0, r.n}]
		if !ok {
			t.Errorf("message %d was reported delivered but is missing", r.n)
		} else if r.uid != 0 && uid != store.UID(r.uid) {
			t.Errorf("message %d: reported UID %d, now %d", r.n, r.uid, uid)
		}
	}
	t.Logf("%d messages reported across 100 killed writers; %d stored", len(all), len(got))
}

// Eight processes deliver at once while another lists and reads.
func TestConcurrentProcesses(t *testing.T) {
	writers, each := 8, 1000
	if testing.Short() {
		each = 50
	}
	dir := t.TempDir()
	if err := ensureMaildir(dir); err != nil {
		t.Fatal(err)
	}
	lister := helperCmd(t, dir, "list")
	if err := lister.Start(); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	reports := make([][]reported, writers)
	for w := range writers {
		cmd := helperCmd(t, dir, "deliver", "MAILDIR_TEST_WRITER="+strconv.Itoa(w), "MAILDIR_TEST_COUNT="+strconv.Itoa(each))
		var out bytes.Buffer
		cmd.Stdout = &out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		wg.Go(func() {
			if err := cmd.Wait(); err != nil {
				t.Errorf("writer %d: %v", w, err)
			}
			reports[w] = readReports(t, &out, nil)
		})
	}
	wg.Wait()
	os.WriteFile(filepath.Join(dir, "stop"), nil, 0o600)
	if err := lister.Wait(); err != nil {
		t.Errorf("lister: %v", err)
	}
	os.Remove(filepath.Join(dir, "stop"))
	got := verifyMaildir(t, dir)
	if len(got) != writers*each {
		t.Fatalf("%d messages stored, want %d", len(got), writers*each)
	}
	for w := range writers {
		if len(reports[w]) != each {
			t.Errorf("writer %d reported %d deliveries", w, len(reports[w]))
		}
		// Each writer's messages got strictly ascending UIDs in the order
		// it delivered them: a reader numbers a message only once every
		// message delivered before it is numbered too (see moveNew).
		for n := 1; n < each; n++ {
			prev, cur := got[[2]int{w, n - 1}], got[[2]int{w, n}]
			if cur <= prev {
				t.Errorf("writer %d: message %d has UID %d, after message %d with UID %d", w, n, cur, n-1, prev)
				break
			}
		}
	}
}

// Processes appending through Store (UIDs given at once) never share a UID.
func TestConcurrentAppendProcesses(t *testing.T) {
	writers, each := 4, 100
	dir := t.TempDir()
	var wg sync.WaitGroup
	var mu sync.Mutex
	uids := map[int]bool{}
	for w := range writers {
		cmd := helperCmd(t, dir, "append", "MAILDIR_TEST_WRITER="+strconv.Itoa(w), "MAILDIR_TEST_COUNT="+strconv.Itoa(each))
		var out bytes.Buffer
		cmd.Stdout = &out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		wg.Go(func() {
			if err := cmd.Wait(); err != nil {
				t.Errorf("writer %d: %v", w, err)
			}
			mu.Lock()
			defer mu.Unlock()
			for _, r := range readReports(t, &out, nil) {
				if uids[r.uid] {
					t.Errorf("UID %d given twice", r.uid)
				}
				uids[r.uid] = true
			}
		})
	}
	wg.Wait()
	got := verifyMaildir(t, dir)
	if len(got) != writers*each || len(uids) != writers*each {
		t.Fatalf("%d stored, %d UIDs reported; want %d", len(got), len(uids), writers*each)
	}
	for k, u := range got {
		if !uids[int(u)] {
			t.Errorf("message %v has UID %d that no writer reported", k, u)
		}
	}
}
