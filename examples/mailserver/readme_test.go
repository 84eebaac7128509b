package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/mailstack/mailstack/internal/testpeer"
)

// readmeBlock returns the lines of the first code block fenced as
// "```"+lang that follows heading in README.md.
func readmeBlock(t *testing.T, heading, lang string) []string {
	t.Helper()
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, after, ok := strings.Cut(string(b), "\n"+heading+"\n")
	if !ok {
		t.Fatalf("README.md has no heading %q", heading)
	}
	_, block, ok := strings.Cut(after, "\n```"+lang+"\n")
	if !ok {
		t.Fatalf("README.md has no ```%s block after %q", lang, heading)
	}
	block, _, _ = strings.Cut(block, "\n```")
	return strings.Split(block, "\n")
}

// defaultPorts are the ports of the embedded default, as the README says.
var defaultPorts = []int{2525, 2587, 2465, 2424, 2143, 2993, 2110, 2995}

// portOffset returns 0 when the embedded default's ports are free, else
// an offset under which they all are (other programs may hold them on a
// shared machine).
func portOffset(t *testing.T) int {
	for off := 0; off < 30000; off += 1000 {
		ports := make([]int, len(defaultPorts))
		for i, p := range defaultPorts {
			ports[i] = p + off
		}
		if portsFree(ports) {
			return off
		}
	}
	t.Fatal("no free set of ports for the embedded default")
	return 0
}

var loopbackPort = regexp.MustCompile(`127\.0\.0\.1:(\d+)`)

// shiftPorts adds off to every 127.0.0.1 port in s.
func shiftPorts(s string, off int) string {
	return loopbackPort.ReplaceAllStringFunc(s, func(m string) string {
		p, _ := strconv.Atoi(m[len("127.0.0.1:"):])
		return "127.0.0.1:" + strconv.Itoa(p+off)
	})
}

// TestREADMESteps runs the program as the README says, with no arguments
// in an empty directory, and follows "Send yourself a message" and "Read
// it" to the letter: the commands are taken from README.md, with the
// printed password (and, if the default ports are busy, -port-offset).
func TestREADMESteps(t *testing.T) {
	testpeer.Need(t, "swaks")
	testpeer.Need(t, "curl")
	passwordLine := readmeBlock(t, "### Send yourself a message", "")
	send := readmeBlock(t, "### Send yourself a message", "sh")
	read := readmeBlock(t, "### Read it", "sh")
	if len(passwordLine) != 1 || passwordLine[0] != demoUser+" password: "+passwordPlaceholder {
		t.Fatalf("README's password line: %q", passwordLine)
	}
	off := portOffset(t)
	var args []string
	if off != 0 {
		t.Logf("default ports busy: running with -port-offset %d", off)
		args = []string{"-port-offset", strconv.Itoa(off)}
	}
	dir := t.TempDir()
	p := startProcess(t, dir, args...)
	password, ok := p.line(demoUser + " password: ")
	if !ok {
		t.Fatalf("no password line:\n%s", strings.Join(p.banner, "\n"))
	}
	steps := append(append([]string(nil), send...), read...)
	for i, step := range steps {
		steps[i] = strings.ReplaceAll(shiftPorts(step, off), passwordPlaceholder, password)
		if !slices.Contains(p.banner, "  "+steps[i]) {
			t.Errorf("the server does not print the README's command\n  %s\nbanner:\n%s", steps[i], strings.Join(p.banner, "\n"))
		}
	}
	var out string
	for i, step := range steps {
		if i == len(send) {
			// The 250 means queued; a person reads a moment later.
			waitMessages(t, filepath.Join(dir, "mailserver-data", "mail", demoUser), 1)
		}
		out = shellStdout(t, step)
	}
	if !strings.Contains(out, "This is a test mailing") || !strings.Contains(out, "From: "+demoUser) {
		t.Errorf("curl did not read the message swaks sent:\n%s", out)
	}
	if err := p.stop(t); err != nil {
		t.Fatalf("SIGTERM: exit %v", err)
	}

	// The password is printed once; it stays valid after a restart.
	p = startProcess(t, dir, args...)
	if _, ok := p.line(demoUser + " password: "); ok {
		t.Errorf("a restart printed a new password")
	}
	if again := shellStdout(t, steps[len(steps)-1]); again != out {
		t.Errorf("after a restart, curl read\n%s\nbefore\n%s", again, out)
	}
	if err := p.stop(t); err != nil {
		t.Fatalf("SIGTERM: exit %v", err)
	}
}

// shellStdout runs a command line with sh and returns its standard output
// (curl writes its progress meter to standard error).
func shellStdout(t *testing.T, line string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	cmd := exec.CommandContext(ctx, "sh", "-c", line)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s: %v\n%s%s", line, err, out, stderr.Bytes())
	}
	return string(out)
}
