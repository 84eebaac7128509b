package main

import (
	"bytes"
	"errors"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mailstack/mailstack/mx/mxtest"
)

// zone is served by the loopback DNS server of every test here.
var zone = []string{
	"example.org. 300 IN MX 20 backup.example.org.",
	"example.org. 300 IN MX 10 mail.example.org.",
	"example.org. 300 IN MX 30 gone.example.org.",
	"mail.example.org. 300 IN A 192.0.2.25",
	"mail.example.org. 300 IN AAAA 2001:db8::25",
	"backup.example.org. 300 IN A 192.0.2.26",
	"implicit.example. 300 IN A 192.0.2.27",
	"xn--bcher-kva.example. 300 IN MX 10 mx.xn--bcher-kva.example.",
	"mx.xn--bcher-kva.example. 300 IN A 192.0.2.28",
	"null.example. 300 IN MX 0 .",
	"broken.example. 300 IN MX 10 mail.example.org.",
	"silent.example. 300 IN MX 10 mail.example.org.",
	"txt.example. 300 IN TXT \"no mail\"",
}

func newServer(t *testing.T) *mxtest.Server {
	t.Helper()
	srv, err := mxtest.NewServer(zone...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	srv.Set("broken.example", mxtest.ServFail)
	srv.Set("silent.example", mxtest.Drop)
	return srv
}

func TestRun(t *testing.T) {
	srv := newServer(t)
	cases := []struct {
		name      string
		args      []string
		code      int
		stdout    string
		stderrHas []string
	}{
		{"RFC 5321 §5.1 preference order", []string{"example.org"}, 0,
			"10 mail.example.org 192.0.2.25 2001:db8::25\n20 backup.example.org 192.0.2.26\n",
			[]string{"skipping 30 gone.example.org", "no such domain"}},
		{"RFC 5321 §5.1 implicit MX", []string{"implicit.example"}, 0, "0 implicit.example 192.0.2.27\n", nil},
		{"RFC 5891 IDN", []string{"bücher.example"}, 0, "10 mx.xn--bcher-kva.example 192.0.2.28\n", nil},
		{"RFC 7505 null MX", []string{"null.example"}, 68, "", []string{"null.example", "556 5.1.10"}},
		{"NXDOMAIN", []string{"nx.example"}, 68, "", []string{"nx.example", "no such domain", "550 5.1.2"}},
		{"no MX, no address", []string{"txt.example"}, 68, "", []string{"550 5.4.4"}},
		{"invalid domain", []string{"bad-.example"}, 68, "", []string{"550 5.1.2"}},
		{"SERVFAIL", []string{"broken.example"}, 75, "", []string{"broken.example", "SERVFAIL", "451 4.4.3"}},
		{"timeout", []string{"-timeout", "100ms", "silent.example"}, 75, "", []string{"DNS timeout", "451 4.4.3"}},
		{"no domain", nil, 64, "", []string{"usage: mxlookup"}},
		{"two domains", []string{"a.example", "b.example"}, 64, "", []string{"usage: mxlookup"}},
		{"unknown flag", []string{"-x", "example.org"}, 64, "", []string{"flag provided but not defined"}},
		{"bad server", []string{"-server", "127.0.0.1", "example.org"}, 64, "", []string{"-server"}},
		{"bad timeout", []string{"-timeout", "0s", "example.org"}, 64, "", []string{"-timeout"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			args := c.args
			if c.code != 64 {
				args = append([]string{"-server", srv.Addr}, args...)
			}
			var stdout, stderr bytes.Buffer
			code := run(args, &stdout, &stderr)
			if code != c.code {
				t.Errorf("exit %d, want %d; stderr %q", code, c.code, stderr.String())
			}
			if stdout.String() != c.stdout {
				t.Errorf("stdout %q, want %q", stdout.String(), c.stdout)
			}
			for _, s := range c.stderrHas {
				if !strings.Contains(stderr.String(), s) {
					t.Errorf("stderr %q lacks %q", stderr.String(), s)
				}
			}
			if c.code == 0 && c.stderrHas == nil && stderr.Len() > 0 {
				t.Errorf("stderr %q", stderr.String())
			}
		})
	}
}

// The built command exits with the statuses run returns.
func TestBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the command")
	}
	srv := newServer(t)
	bin := filepath.Join(t.TempDir(), "mxlookup")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	for _, c := range []struct {
		domain string
		code   int
		stdout string
	}{
		{"example.org", 0, "10 mail.example.org 192.0.2.25 2001:db8::25\n20 backup.example.org 192.0.2.26\n"},
		{"null.example", 68, ""},
		{"broken.example", 75, ""},
	} {
		cmd := exec.Command(bin, "-server", srv.Addr, c.domain)
		var stdout bytes.Buffer
		cmd.Stdout = &stdout
		err := cmd.Run()
		code := 0
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		if code != c.code || stdout.String() != c.stdout {
			t.Errorf("%s: exit %d, stdout %q; want %d, %q", c.domain, code, stdout.String(), c.code, c.stdout)
		}
	}
}
