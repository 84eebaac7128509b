package main

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
)

// buildDir holds the binary built for the tests that run the real program.
var buildDir string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "mailserver-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	buildDir = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

var build struct {
	once sync.Once
	path string
	err  error
	out  []byte
}

// binary builds the mailserver command once per test run.
func binary(t *testing.T) string {
	t.Helper()
	build.once.Do(func() {
		build.path = filepath.Join(buildDir, "mailserver")
		build.out, build.err = exec.Command("go", "build", "-o", build.path, ".").CombinedOutput()
	})
	if build.err != nil {
		t.Fatalf("go build: %v\n%s", build.err, build.out)
	}
	return build.path
}

// process is the mailserver program running in a directory of its own.
type process struct {
	cmd    *exec.Cmd
	banner []string // what it printed on standard output at start
	stderr *syncBuffer
	done   chan error
}

// bannerEnd is the last line printBanner writes.
const bannerEnd = "the certificate is self-signed"

// startProcess runs the binary in dir with args and returns once it has
// printed its banner, that is once every listener is bound.
func startProcess(t *testing.T, dir string, args ...string) *process {
	t.Helper()
	return startProcessEnv(t, dir, nil, args...)
}

// startProcessEnv is startProcess with more environment variables.
func startProcessEnv(t *testing.T, dir string, env []string, args ...string) *process {
	t.Helper()
	cmd := exec.Command(binary(t), args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	p := &process{cmd: cmd, stderr: &syncBuffer{}, done: make(chan error, 1)}
	cmd.Stderr = p.stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-p.done
		if t.Failed() {
			t.Logf("mailserver log:\n%s", p.stderr.String())
		}
	})
	banner := make(chan bool, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		complete := false
		for sc.Scan() {
			if !complete {
				p.banner = append(p.banner, sc.Text())
				if strings.HasPrefix(sc.Text(), bannerEnd) {
					complete = true
					banner <- true
				}
			}
		}
		if !complete {
			banner <- false
		}
		p.done <- cmd.Wait()
	}()
	if !<-banner {
		t.Fatalf("mailserver exited before it listened:\n%s", p.stderr.String())
	}
	return p
}

// stop sends SIGTERM and returns the exit error.
func (p *process) stop(t *testing.T) error {
	t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	err := <-p.done
	p.done <- err // for the cleanup
	return err
}

// kill sends SIGKILL and waits for the process to be gone.
func (p *process) kill(t *testing.T) {
	t.Helper()
	p.cmd.Process.Kill()
	err := <-p.done
	p.done <- err
}

// line returns the banner line starting with prefix, without it.
func (p *process) line(prefix string) (string, bool) {
	for _, l := range p.banner {
		if rest, ok := strings.CutPrefix(l, prefix); ok {
			return rest, true
		}
	}
	return "", false
}

// listenAddr returns the address the banner gives for a service.
func (p *process) listenAddr(t *testing.T, name string) string {
	t.Helper()
	rest, ok := p.line("listening " + name + " ")
	if !ok {
		t.Fatalf("no listener %s in the banner:\n%s", name, strings.Join(p.banner, "\n"))
	}
	addr, _, _ := strings.Cut(rest, " ")
	return addr
}

// portsFree reports whether every port can be bound on 127.0.0.1 now.
func portsFree(ports []int) bool {
	var ls []net.Listener
	defer func() {
		for _, l := range ls {
			l.Close()
		}
	}()
	for _, p := range ports {
		l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", p))
		if err != nil {
			return false
		}
		ls = append(ls, l)
	}
	return true
}
