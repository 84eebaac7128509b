package main

import (
	"bufio"
	"bytes"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"golang.org/x/crypto/bcrypt"

	"github.com/mailstack/mailstack/internal/testpeer"
)

// startImapd runs the command in-process with a users file holding
// alice (PLAIN) and returns the address, the root and a stop function.
func startImapd(t *testing.T, extra ...string) (addr, root string) {
	t.Helper()
	dir := t.TempDir()
	root = filepath.Join(dir, "mail")
	users := filepath.Join(dir, "users")
	hash, err := bcrypt.GenerateFromPassword([]byte("bob pass"), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, users, "# test users\nalice:{PLAIN}secret::::\nbob:{BLF-CRYPT}"+string(hash)+"\n")
	pr, pw := io.Pipe()
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	args := append([]string{"-listen", testpeer.FreeAddr(t), "-root", root, "-users", users, "-insecure-auth"}, extra...)
	var stderr bytes.Buffer
	go func() {
		defer wg.Done()
		if code := run(args, pw, &stderr, stop); code != 0 {
			t.Errorf("imapd exited %d: %s", code, stderr.String())
		}
		pw.Close()
	}()
	line, err := bufio.NewReader(pr).ReadString('\n')
	if err != nil {
		t.Fatalf("no listening line: %v %s", err, stderr.String())
	}
	go io.Copy(io.Discard, pr)
	t.Cleanup(func() { close(stop); wg.Wait() })
	return strings.TrimSpace(strings.TrimPrefix(line, "listening on ")), root
}

func writeFile(t *testing.T, path, data string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestPythonImaplib(t *testing.T) {
	py := testpeer.Need(t, "python3")
	addr, root := startImapd(t)
	host, port, _ := strings.Cut(addr, ":")
	out, err := exec.Command(py, "testdata/client.py", host, port, "alice", "secret", filepath.Join(root, "alice")).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "ok") {
		t.Fatalf("python3 imaplib: %v\n%s", err, out)
	}
}
