package main

import (
	"bytes"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"golang.org/x/crypto/bcrypt"

	"github.com/mailstack/mailstack/envelope"
	"github.com/mailstack/mailstack/examples/internal/passwd"
)

// TestREADMEUsersFile: the README's users file example is valid, and its
// hash is alice-secret's.
func TestREADMEUsersFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "users")
	writeFile(t, path, strings.Join(readmeBlock(t, "### Users", ""), "\n")+"\n")
	users, err := readUsers(path, []string{"example.test"})
	if err != nil {
		t.Fatal(err)
	}
	if !users["alice@example.test"].Check("alice-secret") || !users["bob@example.test"].Check("for-tests-only") {
		t.Errorf("users %v", users)
	}
}

func TestReadUsers(t *testing.T) {
	path := filepath.Join(t.TempDir(), "users")
	h, err := hashPassword("s3cret", bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, path, "# comment\n\n  Alice@A.test:{PLAIN}pa:ss:1000:1000::/home/alice\n"+
		"bob@a.test:"+h+"\ncarol@a.test:clear\ndave@a.test:{CLEARTEXT}x\n")
	users, err := readUsers(path, []string{"a.test"})
	if err != nil {
		t.Fatal(err)
	}
	checks := []struct {
		user, password string
		ok             bool
	}{
		{"alice@a.test", "pa", true}, // the password ends at the next ':', as in Dovecot
		{"alice@a.test", "pa:ss", false},
		{"bob@a.test", "s3cret", true},
		{"bob@a.test", "s3cret ", false},
		{"carol@a.test", "clear", true},
		{"dave@a.test", "x", true},
	}
	for _, c := range checks {
		if got := users[c.user].Check(c.password); got != c.ok {
			t.Errorf("%s with %q: %v, want %v", c.user, c.password, got, c.ok)
		}
	}
	if len(users) != 4 {
		t.Errorf("%d users", len(users))
	}
}

func TestReadUsersErrors(t *testing.T) {
	tests := []struct{ line, want string }{
		{"alice@a.test", `want "user@domain:{SCHEME}password"`},
		{"alice:{PLAIN}x", "not an address"},
		{"alice@b.test:{PLAIN}x", "domain b.test is not in domains"},
		{"alice@a.test:{SHA512-CRYPT}$6$x", "{SHA512-CRYPT} is not supported"},
		{"alice@a.test:{BLF-CRYPT}nothash", "bad BLF-CRYPT hash"},
		{"alice@a.test:{PLAIN x", "unterminated {SCHEME}"},
		{"alice@a.test:{PLAIN}x\nAlice@a.test:{PLAIN}y", "alice@a.test is listed twice"},
	}
	for _, tt := range tests {
		path := filepath.Join(t.TempDir(), "users")
		writeFile(t, path, "# users\n"+tt.line+"\n")
		_, err := readUsers(path, []string{"a.test"})
		if err == nil || !strings.Contains(err.Error(), path+":") || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%q: %v, want %s:N: ...%s", tt.line, err, path, tt.want)
		}
	}
}

func TestHashPasswordCommand(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if code := cli([]string{"hash-password"}, strings.NewReader("correct horse\n"), &stdout, &stderr); code != 0 {
		t.Fatalf("mailserver hash-password: exit %d, %s", code, stderr.String())
	}
	h := strings.TrimSuffix(stdout.String(), "\n")
	if !strings.HasPrefix(h, "{BLF-CRYPT}$2y$10$") { // as doveadm pw -s BLF-CRYPT
		t.Fatalf("hash %q", h)
	}
	s, err := passwd.ParseSecret(h)
	if err != nil || !s.Check("correct horse") {
		t.Errorf("hash does not check: %v", err)
	}
	for _, in := range []string{"", "\n", strings.Repeat("x", 73)} {
		if err := hashPasswordCommand(strings.NewReader(in), &stdout); err == nil {
			t.Errorf("hashed %q", in)
		}
	}
}

// testDirectory has users alice and bob+x (a login with the separator in
// it), an alias of alice, and an alias of both.
func testDirectory(t *testing.T) *directory {
	t.Helper()
	c := &Config{Domains: []string{"a.test"}, Aliases: map[string][]string{
		"postmaster@a.test": {"alice@a.test"},
		"team@a.test":       {"alice@a.test", "bob+x@a.test"},
	}}
	d, err := newDirectory(c, map[string]passwd.Secret{
		"alice@a.test": {Scheme: passwd.Plain, Value: "alice-pw"},
		"bob+x@a.test": {Scheme: passwd.Plain, Value: "bob-pw"},
	})
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func addr(t *testing.T, s string) envelope.Address {
	t.Helper()
	a, err := envelope.ParseAddress(s, envelope.ParseOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func TestResolve(t *testing.T) {
	d := testDirectory(t)
	tests := []struct {
		addr, users, detail string
		ok                  bool
	}{
		{"alice@a.test", "alice@a.test", "", true},
		{"ALICE@A.Test", "alice@a.test", "", true}, // RFC 5321 §2.4: domains ignore case; local parts here too
		{"alice+Lists@a.test", "alice@a.test", "Lists", true},
		{"alice+@a.test", "alice@a.test", "", true},
		{"alice+a+b@a.test", "alice@a.test", "a+b", true},
		{"postmaster@a.test", "alice@a.test", "", true},
		{"postmaster+x@a.test", "alice@a.test", "x", true},
		{"team@a.test", "alice@a.test bob+x@a.test", "", true},
		{"bob+x@a.test", "bob+x@a.test", "", true}, // the exact login wins over a sub-address
		{"bob@a.test", "", "", false},
		{"+alice@a.test", "", "", false},
		{"alice@b.test", "", "", false},
		{"nobody@a.test", "", "", false},
	}
	for _, tt := range tests {
		users, detail, ok := d.resolve(addr(t, tt.addr))
		if strings.Join(users, " ") != tt.users || detail != tt.detail || ok != tt.ok {
			t.Errorf("resolve(%s) = %q %q %v, want %q %q %v", tt.addr, users, detail, ok, tt.users, tt.detail, tt.ok)
		}
	}
}

func TestOwnsAndAuthenticate(t *testing.T) {
	d := testDirectory(t)
	if !d.owns("alice@a.test", addr(t, "team+x@a.test")) || !d.owns("bob+x@a.test", addr(t, "team@a.test")) ||
		d.owns("bob+x@a.test", addr(t, "postmaster@a.test")) || d.owns("alice@a.test", addr(t, "bob+x@a.test")) {
		t.Error("owns")
	}
	if u, ok := d.authenticate("Alice@A.test", "alice-pw"); !ok || u != "alice@a.test" {
		t.Errorf("authenticate = %q %v", u, ok)
	}
	for _, c := range [][2]string{{"alice@a.test", "bob-pw"}, {"postmaster@a.test", "alice-pw"}, {"alice", "alice-pw"}} {
		if _, ok := d.authenticate(c[0], c[1]); ok {
			t.Errorf("authenticate(%q, %q) succeeded", c[0], c[1])
		}
	}
	c := &Config{Aliases: map[string][]string{"alice@a.test": {"bob+x@a.test"}}}
	if _, err := newDirectory(c, d.users); err == nil || !strings.Contains(err.Error(), "is also a user") {
		t.Errorf("an alias named as a user: %v", err)
	}
	if slices.Contains(strings.Fields(d.String()), "0") {
		t.Errorf("String %q", d.String())
	}
}
