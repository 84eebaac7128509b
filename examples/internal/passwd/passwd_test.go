package passwd

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/crypto/bcrypt"
)

// hash4 is a bcrypt hash at cost 4 (the minimum, for speed) of "s3cret".
var hash4 = func() string {
	h, err := bcrypt.GenerateFromPassword([]byte("s3cret"), bcrypt.MinCost)
	if err != nil {
		panic(err)
	}
	return string(h)
}()

// The cases follow Dovecot's passwd-file format (doc.dovecot.org,
// "Passwd-file") and password schemes ("Password Schemes").
func TestParseLine(t *testing.T) {
	y := "$2y$" + strings.TrimPrefix(hash4, "$2a$")
	tests := []struct {
		line       string
		o          Options
		user       string
		secret     Secret
		wantErr    error
		wantErrMsg string
	}{
		{line: "alice:{PLAIN}secret", user: "alice", secret: Secret{Plain, "secret"}},
		// Further fields (uid, gid, gecos, home, shell, extra) are ignored.
		{line: "alice:{plain}x:1000:1000::/home/alice:/bin/sh", user: "alice", secret: Secret{Plain, "x"}},
		// The password ends at the next ':', as in Dovecot.
		{line: "  alice:{PLAIN}pa:ss \r", user: "alice", secret: Secret{Plain, "pa"}},
		{line: "carol:{CLEARTEXT}x", user: "carol", secret: Secret{Plain, "x"}},
		{line: "dave:{CLEAR}", user: "dave", secret: Secret{Plain, ""}},
		{line: "bob:{BLF-CRYPT}" + y, user: "bob", secret: Secret{BlfCrypt, y}},
		// A bare bcrypt hash is BLF-CRYPT, as Dovecot's CRYPT reads it.
		{line: "bob:" + hash4, user: "bob", secret: Secret{BlfCrypt, hash4}},
		{line: "", user: ""},
		{line: "   \t", user: ""},
		{line: "# alice:{PLAIN}x", user: ""},
		{line: "  # indented comment", user: ""},
		{line: "alice", wantErr: ErrSyntax, wantErrMsg: `want "user:{SCHEME}password"`},
		{line: "alice", o: Options{Form: "user@domain:{SCHEME}password"}, wantErr: ErrSyntax, wantErrMsg: `want "user@domain:{SCHEME}password"`},
		{line: ":{PLAIN}x", wantErr: ErrSyntax, wantErrMsg: "empty user name"},
		{line: "alice:secret", wantErr: ErrNoScheme},
		{line: "alice:secret", o: Options{BarePlain: true}, user: "alice", secret: Secret{Plain, "secret"}},
		{line: "alice:{}x", o: Options{BarePlain: true}, wantErr: ErrNoScheme},
		{line: "alice:", wantErr: ErrNoScheme},
		{line: "alice:{PLAIN", wantErr: ErrUnterminated, wantErrMsg: "alice: unterminated {SCHEME}"},
		{line: "alice:{BLF-CRYPT}nothash", wantErr: ErrBadHash},
		{line: "alice:$2y$nothash", wantErr: ErrBadHash},
		{line: "alice:{SHA512-CRYPT}$6$x", wantErrMsg: "{SHA512-CRYPT} is not supported"},
		{line: "alice:{md5}x", wantErrMsg: "{MD5} is not supported"},
		{line: "../etc:{PLAIN}x", o: Options{DirNames: true}, wantErr: ErrSyntax, wantErrMsg: "cannot name a directory"},
		{line: "../etc:{PLAIN}x", user: "../etc", secret: Secret{Plain, "x"}},
		{line: "a/b:{PLAIN}x", o: Options{DirNames: true}, wantErr: ErrSyntax},
		{line: "..:{PLAIN}x", o: Options{DirNames: true}, wantErr: ErrSyntax},
		{line: "a\x01b:{PLAIN}x", o: Options{DirNames: true}, wantErr: ErrSyntax},
		{line: "Alice:{PLAIN}x", o: Options{User: lower}, user: "alice", secret: Secret{Plain, "x"}},
		{line: "root:{PLAIN}x", o: Options{User: lower}, wantErr: errRoot},
	}
	for _, tt := range tests {
		user, s, err := ParseLine(tt.line, &tt.o)
		if tt.wantErr != nil || tt.wantErrMsg != "" {
			if err == nil || (tt.wantErr != nil && !errors.Is(err, tt.wantErr)) || !strings.Contains(err.Error(), tt.wantErrMsg) {
				t.Errorf("ParseLine(%q): %v, want %v %q", tt.line, err, tt.wantErr, tt.wantErrMsg)
			}
			continue
		}
		if err != nil || user != tt.user || s != tt.secret {
			t.Errorf("ParseLine(%q) = %q %v %v, want %q %v", tt.line, user, s, err, tt.user, tt.secret)
		}
	}
	var se *SchemeError
	if _, _, err := ParseLine("a:{SHA512-CRYPT}x", nil); !errors.As(err, &se) || se.Scheme != "SHA512-CRYPT" {
		t.Errorf("unsupported scheme: %v", err)
	}
}

var errRoot = errors.New("root may not log in")

func lower(u string) (string, error) {
	if u == "root" {
		return "", errRoot
	}
	return strings.ToLower(u), nil
}

func TestCheck(t *testing.T) {
	tests := []struct {
		s        Secret
		password string
		ok       bool
	}{
		{Secret{Plain, "secret"}, "secret", true},
		{Secret{Plain, "secret"}, "Secret", false},
		{Secret{Plain, "secret"}, "secret ", false},
		{Secret{Plain, ""}, "", true},
		{Secret{BlfCrypt, hash4}, "s3cret", true},
		{Secret{BlfCrypt, hash4}, "s3cret ", false},
		{Secret{}, "", false},
		{Secret{"SHA512-CRYPT", "x"}, "x", false},
	}
	for _, tt := range tests {
		if got := tt.s.Check(tt.password); got != tt.ok {
			t.Errorf("%v.Check(%q) = %v", tt.s, tt.password, got)
		}
	}
	if CheckAbsent("s3cret") {
		t.Error("CheckAbsent succeeded")
	}
	if s := (Secret{Plain, "x"}).String(); s != "{PLAIN}x" {
		t.Errorf("String = %q", s)
	}
}

// kline is a comment line of 1 KiB.
var kline = "#" + strings.Repeat("x", 1022) + "\n"

func TestRead(t *testing.T) {
	users, err := Read(strings.NewReader("# users\n\nalice:{PLAIN}a::::\nbob:"+hash4+"\n"), "f", nil)
	if err != nil || len(users) != 2 || !users["alice"].Check("a") || !users["bob"].Check("s3cret") {
		t.Fatalf("Read = %v, %v", users, err)
	}
	errs := []struct{ file, want string }{
		{"alice:{PLAIN}a\nbob\n", `f:2: malformed line: want "user:{SCHEME}password"`},
		{"alice:{PLAIN}a\nalice:{PLAIN}b\n", "f:2: alice is listed twice"},
		{"a:{PLAIN}x\n" + strings.Repeat("x", MaxLineLen+1) + "\n", "f:2: bufio.Scanner: token too long"},
		{strings.Repeat(kline, MaxFileSize/len(kline)+1), "f: larger than 16777216 octets"},
	}
	for _, tt := range errs {
		_, err := Read(strings.NewReader(tt.file), "f", nil)
		var le *LineError
		if !errors.As(err, &le) || err.Error() != tt.want {
			t.Errorf("Read(%.20q...): %v, want %s", tt.file, err, tt.want)
		}
	}
	// Duplicates are found after Options.User.
	_, err = Read(strings.NewReader("alice:{PLAIN}a\nALICE:{PLAIN}b\n"), "f", &Options{User: lower})
	if err == nil || !strings.Contains(err.Error(), "alice is listed twice") {
		t.Errorf("duplicate after User: %v", err)
	}
	// Exactly MaxFileSize octets are fine.
	if _, err := Read(strings.NewReader(strings.Repeat(kline, MaxFileSize/len(kline))), "f", nil); err != nil {
		t.Errorf("file of MaxFileSize: %v", err)
	}
}

func TestDB(t *testing.T) {
	path := filepath.Join(t.TempDir(), "passwd")
	write := func(s string) {
		if err := os.WriteFile(path, []byte(s), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := Open(path, nil); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Open of a missing file: %v", err)
	}
	write("alice:secret\n")
	if _, err := Open(path, nil); !errors.Is(err, ErrNoScheme) || !strings.HasPrefix(err.Error(), path+":1: ") {
		t.Errorf("Open of a bad file: %v", err)
	}
	db, err := Open(path, &Options{BarePlain: true})
	if err != nil {
		t.Fatal(err)
	}
	if db.Len() != 1 || !db.Check("alice", "secret") || db.Check("alice", "x") || db.Check("bob", "secret") {
		t.Error("Check after Open")
	}
	write("bob:{PLAIN}b\n")
	if err := db.Reload(); err != nil {
		t.Fatal(err)
	}
	if _, ok := db.Lookup("alice"); ok || !db.Check("bob", "b") {
		t.Error("Reload did not replace the users")
	}
	write("bob:{MD5}b\n")
	if err := db.Reload(); err == nil || !db.Check("bob", "b") {
		t.Errorf("failed Reload: %v, and the old users must stay", err)
	}
}

func TestSafeDirName(t *testing.T) {
	for _, u := range []string{"alice", "a.b", "alice@example.test", ".hidden", "ü", strings.Repeat("x", 255)} {
		if !SafeDirName(u) {
			t.Errorf("SafeDirName(%q) = false", u)
		}
	}
	for _, u := range []string{"", ".", "..", "a/b", `a\b`, "a\x00", "a\nb", "a\x7f", strings.Repeat("x", 256)} {
		if SafeDirName(u) {
			t.Errorf("SafeDirName(%q) = true", u)
		}
	}
}
