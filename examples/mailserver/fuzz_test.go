package main

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"unicode"

	"github.com/mailstack/mailstack/examples/internal/passwd"
)

// FuzzUsersLine: a users file line either fails or yields a canonical user
// name that is safe as a directory name, whose line, written back, reads
// the same.
func FuzzUsersLine(f *testing.F) {
	for _, s := range []string{
		"alice@a.test:{PLAIN}secret",
		"Alice@A.TEST:{plain}x:1000:1000::/home/alice:/bin/sh",
		"bob@a.test:{BLF-CRYPT}$2y$04$abcdefghijklmnopqrstuu5Ykfn3e.Ydz6nUZ4C8w3h8FuSXMPzjK",
		"carol@a.test:$2a$04$abcdefghijklmnopqrstuu5Ykfn3e.Ydz6nUZ4C8w3h8FuSXMPzjK",
		"dave@a.test:clear",
		"\"quoted local\"@a.test:{PLAIN}x",
		"x+y@a.test:{CLEARTEXT}",
		"../etc@a.test:{PLAIN}x",
		"a/b@a.test:{PLAIN}x",
		"@a.test:{PLAIN}x",
		"alice@a.test:{PLAIN",
		"alice@[127.0.0.1]:{PLAIN}x",
		"ü@a.test:{PLAIN}x",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		name, s, err := parseUserLine(line, []string{"a.test"})
		if err != nil || name == "" { // an error, or a blank or comment line
			return
		}
		a, err := parseAddr(name)
		if err != nil || a.String() != name || !safeName(name) {
			t.Fatalf("user %q from %q is not canonical and safe (%v)", name, line, err)
		}
		if s.Scheme == passwd.Plain {
			if !s.Check(s.Value) {
				t.Fatalf("%q: PLAIN secret does not check itself", line)
			}
			if strings.TrimRightFunc(s.Value, unicode.IsSpace) != s.Value {
				return // trailing white space of the last field is not part of a line
			}
			name2, s2, err := parseUserLine(name+":{PLAIN}"+s.Value, []string{"a.test"})
			if err != nil || name2 != name || s2 != s {
				t.Fatalf("%q: written back reads %q %v %v", line, name2, s2, err)
			}
		}
	})
}

// FuzzKeyLine: keyLine never panics, and a line it names holds an
// assignment or a table header.
func FuzzKeyLine(f *testing.F) {
	f.Add([]byte("[relay]\nmx_port = 25\n"), "relay.mx_port")
	f.Add([]byte("[aliases]\n\"a@b.test\" = [\"c@b.test\"]\n"), `aliases."a@b.test"`)
	f.Add([]byte("'x.y' = 1\n[ 'a' . \"b\" ]\nc=2"), "a.b.c")
	f.Add([]byte("a = \"=\" # b = 1\n"), "b")
	f.Add([]byte("\"unterminated = 1\n'\n"), "'")
	f.Fuzz(func(t *testing.T, src []byte, key string) {
		n := keyLine(src, key)
		lines := bytes.Split(src, []byte("\n"))
		if n < 0 || n > len(lines) {
			t.Fatalf("line %d of %d", n, len(lines))
		}
		if n > 0 {
			l := strings.TrimSpace(string(lines[n-1]))
			if !strings.Contains(l, "=") && !strings.HasPrefix(l, "[") {
				t.Fatalf("line %d %q is no assignment", n, l)
			}
		}
	})
}

// FuzzConfig: a configuration is either refused with *ConfigErrors whose
// lines exist, or accepted in a normalised form that checks again without
// change.
func FuzzConfig(f *testing.F) {
	f.Add([]byte("data_dir = \"/d\"\ndomains = [\"a.test\"]\n"))
	f.Add([]byte("data_dir = \"d\"\ndomains = [\"A.Test\", \"bücher.example\"]\nhostname = \"mx.a.test\"\n[listen]\nsmtp = \"127.0.0.1:25\"\n[dns]\nservers = [\"::1\", \"127.0.0.1:53\"]\n[relay]\nmx_port = 2525\nsmarthost = \"relay:587\"\n[aliases]\n\"Info@a.test\" = [\"x@a.test\"]\n"))
	f.Add([]byte("[relay]\nmx_port = \"x\"\n"))
	f.Add([]byte("[lisen]\nsmtp = 1\n[listen]\nsmtp = \"x\"\n"))
	f.Add([]byte("domains = [\n"))
	f.Fuzz(func(t *testing.T, src []byte) {
		c, err := parseConfig("f.toml", src)
		if err != nil {
			var ce *ConfigError
			if !errors.As(err, &ce) {
				t.Fatalf("%T: %v", err, err)
			}
			if ce.Line > bytes.Count(src, []byte("\n"))+1 {
				t.Fatalf("error on line %d of a %d-line file", ce.Line, bytes.Count(src, []byte("\n"))+1)
			}
			return
		}
		if len(c.Domains) == 0 || c.Relay.MXPort < 1 || c.Relay.MXPort > 65535 || c.DataDir == "" {
			t.Fatalf("accepted %+v", c)
		}
		before := strings.Join(c.Domains, ",")
		if errs := c.check(); len(errs) > 0 || strings.Join(c.Domains, ",") != before {
			t.Fatalf("normalised config does not check again: %v", errs)
		}
	})
}
