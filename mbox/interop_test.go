package mbox

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/mailstack/mailstack/internal/testpeer"
)

func TestMain(m *testing.M) {
	if os.Getenv("MBOX_TEST_HELPER") == "append" {
		os.Exit(helperAppend())
	}
	os.Exit(m.Run())
}

func helperAppend() int {
	path := os.Getenv("MBOX_TEST_PATH")
	w, _ := strconv.Atoi(os.Getenv("MBOX_TEST_WRITER"))
	n, _ := strconv.Atoi(os.Getenv("MBOX_TEST_COUNT"))
	for i := range n {
		if err := Append(context.Background(), path, strings.NewReader(concBody(w, i)), &AppendOptions{Sender: "w" + strconv.Itoa(w) + "@x"}); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
	}
	return 0
}

func concBody(w, i int) string {
	return fmt.Sprintf("Subject: w%d-%d\n\nFrom line %d\n>From quoted\nbody %s\n", w, i, i, strings.Repeat("z", i%300))
}

var pyBodies = []string{
	"Subject: one\n\nFrom the start\n>From quoted\n>>From twice\nend\n",
	"Subject: two\n\nplain\n",
	"Subject: three\n\n\nFrom after blank\n",
}

// mboxrd unquoting in python, so python's raw bytes (mailbox.mbox is mboxo
// and keeps the quoting) can be compared byte for byte.
const pyUnquote = `
import re
def unquote(b): return re.sub(rb'(?m)^>(>*From )', rb'\1', b)
`

// python3's mailbox.mbox reads what we write.
func TestPythonReadsOurMbox(t *testing.T) {
	py := testpeer.Need(t, "python3")
	p := filepath.Join(t.TempDir(), "mbox")
	for _, b := range pyBodies {
		if err := Append(context.Background(), p, strings.NewReader(b), &AppendOptions{Sender: "a@example.org"}); err != nil {
			t.Fatal(err)
		}
	}
	script := pyUnquote + `
import mailbox, sys
mb = mailbox.mbox(sys.argv[1], create=False)
for k in mb.keys():
    sys.stdout.buffer.write(unquote(mb.get_bytes(k)) + b"\0" + mb.get_message(k).get_from().encode() + b"\0")
`
	out, err := exec.Command(py, "-c", script, p).Output()
	if err != nil {
		t.Fatalf("python3: %v", err)
	}
	parts := strings.Split(string(out), "\x00")
	if len(parts) != 2*len(pyBodies)+1 {
		t.Fatalf("python saw %d parts: %q", len(parts), out)
	}
	for i, b := range pyBodies {
		if parts[2*i] != b {
			t.Errorf("python read message %d as %q, want %q", i, parts[2*i], b)
		}
		if !strings.HasPrefix(parts[2*i+1], "a@example.org ") {
			t.Errorf("python From_ line %q", parts[2*i+1])
		}
	}
}

// We read what python3's mailbox.mbox writes (mboxo): bodies equal to
// python's own reading of them.
func TestReadPythonMbox(t *testing.T) {
	py := testpeer.Need(t, "python3")
	dir := t.TempDir()
	p := filepath.Join(dir, "mbox")
	script := `
import mailbox, sys
mb = mailbox.mbox(sys.argv[1])
for b in sys.argv[2:]:
    mb.add(b.encode())
mb.flush()
for k in mb.keys():
    sys.stdout.buffer.write(mb.get_bytes(k) + b"\0")
`
	out, err := exec.Command(py, append([]string{"-c", script, p}, pyBodies...)...).Output()
	if err != nil {
		t.Fatalf("python3: %v", err)
	}
	want := strings.Split(string(out), "\x00")
	f, _ := os.Open(p)
	defer f.Close()
	got := readAllMsgs(t, f, MboxO)
	if len(got) != len(pyBodies) {
		t.Fatalf("read %d messages, want %d", len(got), len(pyBodies))
	}
	for i := range got {
		if got[i].body != want[i] {
			t.Errorf("message %d: %q, python reads %q", i, got[i].body, want[i])
		}
	}
}

// Eight processes append at once under locking; python3 counts them all
// intact.
func TestConcurrentAppend(t *testing.T) {
	py := testpeer.Need(t, "python3")
	writers, each := 8, 1000
	if testing.Short() {
		each = 50
	}
	p := filepath.Join(t.TempDir(), "mbox")
	exe, _ := os.Executable()
	var wg sync.WaitGroup
	for w := range writers {
		cmd := exec.Command(exe, "-test.run=^$")
		cmd.Env = append(os.Environ(), "MBOX_TEST_HELPER=append", "MBOX_TEST_PATH="+p,
			"MBOX_TEST_WRITER="+strconv.Itoa(w), "MBOX_TEST_COUNT="+strconv.Itoa(each))
		cmd.Stderr = os.Stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		wg.Go(func() {
			if err := cmd.Wait(); err != nil {
				t.Errorf("writer %d: %v", w, err)
			}
		})
	}
	wg.Wait()
	script := pyUnquote + `
import mailbox, sys
mb = mailbox.mbox(sys.argv[1], create=False)
for k in mb.keys():
    sys.stdout.buffer.write(unquote(mb.get_bytes(k)) + b"\0")
`
	out, err := exec.Command(py, "-c", script, p).Output()
	if err != nil {
		t.Fatalf("python3: %v", err)
	}
	msgs := strings.Split(strings.TrimSuffix(string(out), "\x00"), "\x00")
	if len(msgs) != writers*each {
		t.Fatalf("python counts %d messages, want %d", len(msgs), writers*each)
	}
	seen := map[string]bool{}
	for _, m := range msgs {
		var w, i int
		if _, err := fmt.Sscanf(m, "Subject: w%d-%d\n", &w, &i); err != nil || m != concBody(w, i) || seen[m] {
			t.Fatalf("damaged or duplicate message %q", trunc(m))
		}
		seen[m] = true
	}
	f, _ := os.Open(p)
	defer f.Close()
	if got := readAllMsgs(t, f, MboxRD); len(got) != writers*each {
		t.Errorf("our reader counts %d", len(got))
	}
}
