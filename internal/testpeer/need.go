package testpeer

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// InCI reports whether the tests run under CI, that is whether the
// environment variable CI holds a true value ("true", "1", ... as
// strconv.ParseBool reads it). Under CI a missing peer fails the test
// instead of skipping it, so a broken CI image cannot pass by skipping.
func InCI() bool {
	ci, err := strconv.ParseBool(os.Getenv("CI"))
	return err == nil && ci
}

// Need returns the absolute path of the program name, found in $PATH or, for
// daemons and their helpers, in the sbin and libexec directories that are
// often not in a test's $PATH (see sbinDirs). A name holding a slash is
// checked as it is. When the program is absent, Need skips t, or fails it
// when InCI reports true, with a message naming the Debian package that
// provides the program.
func Need(t testing.TB, name string) string {
	t.Helper()
	path, found := lookup(name)
	return needResolved(t, name, path, found)
}

// needResolved applies Need's rule to a lookup already made.
func needResolved(t testing.TB, name, path string, found bool) string {
	t.Helper()
	switch needDecision(found, InCI()) {
	case needUse:
		return path
	case needSkip:
		t.Skip(missingMessage(name, false))
	default:
		t.Fatal(missingMessage(name, true))
	}
	return "" // not reached: Skip and Fatal end the test
}

// needOutcome is what Need does about a peer.
type needOutcome int

const (
	needUse  needOutcome = iota // the peer is installed: return its path
	needSkip                    // absent on a developer's machine: skip
	needFail                    // absent under CI: fail
)

// needDecision is the whole skip-or-fail rule, kept apart from the lookup so
// that it can be tested on its own.
func needDecision(found, ci bool) needOutcome {
	switch {
	case found:
		return needUse
	case ci:
		return needFail
	default:
		return needSkip
	}
}

// sbinDirs are searched after $PATH: tests often run with a $PATH lacking
// the sbin directories (dovecot, smtp-sink), and Dovecot's service binaries
// (imap, pop3, lmtp) live in its libexec directory.
var sbinDirs = []string{
	"/usr/local/sbin", "/usr/sbin", "/sbin",
	"/usr/lib/dovecot", "/usr/libexec/dovecot", "/usr/local/libexec/dovecot",
	"/usr/lib/postfix/sbin", "/usr/libexec/postfix",
}

// lookup finds the program name and returns its absolute path.
func lookup(name string) (string, bool) {
	if strings.ContainsRune(name, '/') {
		if isExecutable(name) {
			abs, err := filepath.Abs(name)
			return abs, err == nil
		}
		return "", false
	}
	if path, err := exec.LookPath(name); err == nil {
		abs, err := filepath.Abs(path)
		return abs, err == nil
	}
	return lookupIn(name, sbinDirs)
}

// lookupIn finds the program name in one of dirs.
func lookupIn(name string, dirs []string) (string, bool) {
	for _, dir := range dirs {
		path := filepath.Join(dir, name)
		if isExecutable(path) {
			return path, true
		}
	}
	return "", false
}

// isExecutable reports whether path is a regular file with an execute bit.
func isExecutable(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.Mode().IsRegular() && fi.Mode().Perm()&0o111 != 0
}

// missingMessage explains which program is missing and how to install it.
func missingMessage(name string, ci bool) string {
	msg := "testpeer: " + name + " not found in $PATH or " +
		strings.Join(sbinDirs, ", ") + "; " + installHint(name)
	if ci {
		msg += " (CI=true: a missing peer fails the test instead of skipping it)"
	}
	return msg
}

// installHint names the Debian package that provides the program name.
func installHint(name string) string {
	pkg, ok := debianPackages[filepath.Base(name)]
	if !ok {
		return "install the Debian package that provides it (apt-file search " + filepath.Base(name) + ")"
	}
	return "install the Debian package " + pkg + " (apt-get install " + pkg + ")"
}

// debianPackages maps each peer program the tests use to the Debian 12
// package that provides it.
var debianPackages = invert(map[string][]string{
	"dovecot-core":   {"dovecot", "doveadm", "doveconf"},
	"dovecot-imapd":  {"imap", "imap-login"},
	"dovecot-pop3d":  {"pop3", "pop3-login"},
	"dovecot-lmtpd":  {"lmtp"},
	"swaks":          {"swaks"},
	"postfix":        {"smtp-source", "smtp-sink", "qmqp-source", "qmqp-sink", "postfix", "postconf", "postmap", "postqueue", "sendmail"},
	"curl":           {"curl"},
	"isync":          {"mbsync"},
	"fetchmail":      {"fetchmail"},
	"mutt":           {"mutt"},
	"msmtp":          {"msmtp"},
	"python3":        {"python3"},
	"mblaze":         {"mlist", "mscan", "mshow", "mflag", "mdeliver", "minc", "mpick", "mseq", "mthread", "mdirs", "mexport", "mmime", "mhdr", "maddr", "mgenmid", "mrefile", "msort", "mcom"},
	"nsd":            {"nsd", "nsd-checkconf", "nsd-control"},
	"openssl":        {"openssl"},
	"bsdutils":       {"script"},
	"tmux":           {"tmux"},
	"socat":          {"socat"},
	"bind9-dnsutils": {"dig"},
	"ldnsutils":      {"drill"},
})

// invert turns package -> programs into program -> package.
func invert(programs map[string][]string) map[string]string {
	m := make(map[string]string)
	for pkg, names := range programs {
		for _, name := range names {
			m[name] = pkg
		}
	}
	return m
}
