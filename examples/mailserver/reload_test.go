package main

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/mailstack/mailstack/internal/testpeer"
)

// TestReload: a reload takes the users file and the aliases as they are
// now; a broken file leaves the current ones in force.
func TestReload(t *testing.T) {
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "cfg.toml")
	conf := func(aliases string) {
		writeFile(t, cfgPath, fmt.Sprintf("data_dir = \".\"\ndomains = [\"a.test\"]\n[listen]\nsmtp = \"127.0.0.1:0\"\n[aliases]\n%s\n", aliases))
	}
	conf(`"info@a.test" = ["alice@a.test"]`)
	writeFile(t, filepath.Join(dir, "users"), "alice@a.test:{PLAIN}alice-pw\n")
	cfg, err := loadConfig(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	s := startServer(t, cfg)
	ctx := context.Background()
	rcptOK := func(rcpt string) bool {
		c := dialSMTP(t, s.addr("smtp"), "", "")
		if err := c.Mail(ctx, mustPath(t, "<x@outside.test>"), nil); err != nil {
			t.Fatal(err)
		}
		return c.Rcpt(ctx, mustPath(t, rcpt), nil) == nil
	}
	if !rcptOK("<info@a.test>") || rcptOK("<dave@a.test>") || rcptOK("<sales@a.test>") {
		t.Fatal("before the reload")
	}

	writeFile(t, filepath.Join(dir, "users"), "alice@a.test:{PLAIN}alice-pw\ndave@a.test:{PLAIN}dave-pw\n")
	conf(`"sales@a.test" = ["dave@a.test"]`)
	if err := s.reload(); err != nil {
		t.Fatal(err)
	}
	if rcptOK("<info@a.test>") || !rcptOK("<dave@a.test>") || !rcptOK("<sales@a.test>") {
		t.Error("after the reload")
	}
	if _, ok := s.directory().authenticate("dave@a.test", "dave-pw"); !ok {
		t.Error("dave cannot log in")
	}

	conf(`"sales@a.test" = ["erin@a.test"]`)
	if err := s.reload(); err == nil || !strings.Contains(err.Error(), `cfg.toml:6: aliases."sales@a.test": target erin@a.test is not a user`) {
		t.Errorf("reload with a bad alias: %v", err)
	}
	writeFile(t, filepath.Join(dir, "users"), "dave@a.test:{NOPE}x\n")
	if err := s.reload(); err == nil || !strings.Contains(err.Error(), "users:1:") {
		t.Errorf("reload with a bad users file: %v", err)
	}
	if !rcptOK("<sales@a.test>") {
		t.Error("a failed reload changed the directory")
	}
}

// TestSIGHUP: the program reloads its users file on SIGHUP.
func TestSIGHUP(t *testing.T) {
	testpeer.Need(t, "swaks")
	dir := t.TempDir()
	smtpAddr := testpeer.FreeAddr(t)
	writeFile(t, filepath.Join(dir, "cfg.toml"), fmt.Sprintf("data_dir = \".\"\ndomains = [\"a.test\"]\n[listen]\nsmtp = %q\n", smtpAddr))
	writeFile(t, filepath.Join(dir, "users"), "alice@a.test:{PLAIN}alice-pw\n")
	p := startProcess(t, dir, "-config", "cfg.toml")
	writeFile(t, filepath.Join(dir, "users"), "alice@a.test:{PLAIN}alice-pw\ndave@a.test:{PLAIN}dave-pw\n")
	if err := p.cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	for limit := time.Now().Add(waitLimit); !strings.Contains(p.stderr.String(), "msg=reloaded"); {
		if time.Now().After(limit) {
			t.Fatal("no reload after SIGHUP")
		}
		time.Sleep(20 * time.Millisecond)
	}
	command(t, "swaks", "-S", "1", "--server", smtpAddr, "--from", "x@outside.test", "--to", "dave@a.test")
	waitMessages(t, filepath.Join(dir, "mail", "dave@a.test"), 1)
	if err := p.stop(t); err != nil {
		t.Errorf("SIGTERM: exit %v", err)
	}
}
