package main

import (
	"bufio"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/mailstack/mailstack/internal/testpeer"
)

// TestBinaryExitsOnSignal builds the command, starts it, and checks that
// it prints "listening on ADDR" first, serves, and on SIGTERM or SIGINT
// says BYE to a logged-in session and exits with status 0.
func TestBinaryExitsOnSignal(t *testing.T) {
	dir := t.TempDir()
	bin := filepath.Join(dir, "imapd")
	build := exec.Command(filepath.Join(runtime.GOROOT(), "bin", "go"), "build", "-o", bin, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	users := filepath.Join(dir, "users")
	writeFile(t, users, "alice:{PLAIN}secret\n")
	for _, sig := range []os.Signal{syscall.SIGTERM, syscall.SIGINT} {
		t.Run(sig.String(), func(t *testing.T) {
			addr := testpeer.FreeAddr(t)
			cmd := exec.Command(bin, "-listen", addr, "-root", filepath.Join(dir, "mail"), "-users", users, "-insecure-auth")
			stdout, err := cmd.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			var stderr strings.Builder
			cmd.Stderr = &stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			exited := make(chan error, 1)
			out := bufio.NewReader(stdout)
			line, err := out.ReadString('\n')
			if err != nil || line != "listening on "+addr+"\n" {
				cmd.Process.Kill()
				cmd.Wait()
				t.Fatalf("first line %q (%v), want %q; stderr: %s", line, err, "listening on "+addr, stderr.String())
			}
			go func() { exited <- cmd.Wait() }()

			c, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			r := bufio.NewReader(c)
			greeting, _ := r.ReadString('\n')
			c.Write([]byte("a LOGIN alice secret\r\n"))
			login, _ := r.ReadString('\n')
			if !strings.HasPrefix(greeting, "* OK") || !strings.HasPrefix(login, "a OK") {
				t.Fatalf("greeting %q, LOGIN %q", greeting, login)
			}

			if err := cmd.Process.Signal(sig); err != nil {
				t.Fatal(err)
			}
			if bye, _ := r.ReadString('\n'); !strings.HasPrefix(bye, "* BYE") {
				t.Errorf("session got %q, want * BYE", bye)
			}
			select {
			case err := <-exited:
				if err != nil || cmd.ProcessState.ExitCode() != 0 {
					t.Fatalf("exit: %v (status %d); stderr: %s", err, cmd.ProcessState.ExitCode(), stderr.String())
				}
			case <-time.After(time.Minute): // a hang guard, not a timing requirement
				cmd.Process.Kill()
				t.Fatalf("still running a minute after %v", sig)
			}
		})
	}
}
