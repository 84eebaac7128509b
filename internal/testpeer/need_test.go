package testpeer

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func TestNeedDecision(t *testing.T) {
	cases := []struct {
		found, ci bool
		want      needOutcome
	}{
		{found: true, ci: false, want: needUse},
		{found: true, ci: true, want: needUse},
		{found: false, ci: false, want: needSkip},
		{found: false, ci: true, want: needFail},
	}
	for _, c := range cases {
		if got := needDecision(c.found, c.ci); got != c.want {
			t.Errorf("needDecision(found=%v, ci=%v) = %v, want %v", c.found, c.ci, got, c.want)
		}
	}
}

func TestInCI(t *testing.T) {
	cases := []struct {
		value string
		want  bool
	}{
		{"true", true},
		{"1", true},
		{"TRUE", true},
		{"", false},
		{"false", false},
		{"0", false},
		{"yes", false}, // not a strconv.ParseBool value
	}
	for _, c := range cases {
		t.Setenv("CI", c.value)
		if got := InCI(); got != c.want {
			t.Errorf("CI=%q: InCI() = %v, want %v", c.value, got, c.want)
		}
	}
}

func TestNeedFindsProgram(t *testing.T) {
	sh := Need(t, "sh")
	if !filepath.IsAbs(sh) || !isExecutable(sh) {
		t.Errorf("Need(sh) = %q, want an absolute path to an executable", sh)
	}
	if got := Need(t, sh); got != sh {
		t.Errorf("Need(%q) = %q, want the path itself", sh, got)
	}
}

func TestLookupIn(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "tool"), []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "data"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(dir, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	dirs := []string{filepath.Join(dir, "missing"), dir}
	if path, ok := lookupIn("tool", dirs); !ok || path != filepath.Join(dir, "tool") {
		t.Errorf("lookupIn(tool) = %q, %v", path, ok)
	}
	for _, name := range []string{"data", "sub", "absent"} {
		if path, ok := lookupIn(name, dirs); ok {
			t.Errorf("lookupIn(%s) = %q, want not found", name, path)
		}
	}
}

// TestNeedSbinFallback checks that daemons outside $PATH are still found.
func TestNeedSbinFallback(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	for _, dir := range sbinDirs {
		entries, err := os.ReadDir(dir)
		if err != nil {
			continue
		}
		for _, e := range entries {
			want := filepath.Join(dir, e.Name())
			if !isExecutable(want) {
				continue
			}
			if got, ok := lookup(e.Name()); !ok || got != want {
				t.Errorf("lookup(%s) with an empty $PATH = %q, %v; want %s", e.Name(), got, ok, want)
			}
			return
		}
	}
	t.Skip("no executable in any of", sbinDirs)
}

func TestInstallHint(t *testing.T) {
	for name, pkg := range map[string]string{
		"mbsync": "isync", "smtp-sink": "postfix", "dovecot": "dovecot-core",
		"lmtp": "dovecot-lmtpd", "mlist": "mblaze", "/usr/sbin/smtp-source": "postfix",
	} {
		if hint := installHint(name); !strings.Contains(hint, "apt-get install "+pkg+")") {
			t.Errorf("installHint(%s) = %q, want package %s", name, hint, pkg)
		}
	}
	if hint := installHint("no-such-tool"); !strings.Contains(hint, "no-such-tool") {
		t.Errorf("installHint for an unknown program does not name it: %q", hint)
	}
}

// helperEnv marks the test binary's re-run of itself in TestNeedMissing.
const helperEnv = "TESTPEER_NEED_HELPER"

// TestNeedHelperProcess is run by TestNeedMissing in a child process with
// an empty $PATH; on its own it does nothing.
func TestNeedHelperProcess(t *testing.T) {
	if os.Getenv(helperEnv) != "1" {
		return
	}
	Need(t, "mbsync")
	t.Log("Need returned") // must not be reached: mbsync is not in sbinDirs
}

// TestNeedMissing runs Need for a missing program in a child test process,
// locally and under CI=true, and checks it skips or fails as the project's
// rule says, naming the Debian package.
func TestNeedMissing(t *testing.T) {
	cases := []struct {
		ci       string
		wantFail bool
		verdict  string
	}{
		{"", false, "--- SKIP: TestNeedHelperProcess"},
		{"true", true, "--- FAIL: TestNeedHelperProcess"},
	}
	for _, c := range cases {
		cmd := exec.Command(os.Args[0], "-test.run=^TestNeedHelperProcess$", "-test.v", "-test.count=1")
		cmd.Env = append(os.Environ(), helperEnv+"=1", "PATH="+t.TempDir(), "CI="+c.ci)
		out, err := cmd.CombinedOutput()
		if failed := err != nil; failed != c.wantFail {
			t.Errorf("CI=%q: child exit error %v, want failure=%v\n%s", c.ci, err, c.wantFail, out)
		}
		for _, want := range []string{c.verdict, "mbsync not found", "apt-get install isync"} {
			if !strings.Contains(string(out), want) {
				t.Errorf("CI=%q: child output lacks %q:\n%s", c.ci, want, out)
			}
		}
		if strings.Contains(string(out), "Need returned") {
			t.Errorf("CI=%q: Need returned for a missing program:\n%s", c.ci, out)
		}
	}
}
