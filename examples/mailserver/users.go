package main

import (
	"bufio"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base32"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"golang.org/x/crypto/bcrypt"
)

// maxUsersLine bounds one line of the users file.
const maxUsersLine = 64 << 10

// secret is a stored password in one of the schemes Dovecot's passwd-file
// names: {PLAIN} (also CLEAR, CLEARTEXT) or {BLF-CRYPT}.
type secret struct {
	scheme string // "PLAIN" or "BLF-CRYPT"
	value  string
}

// check compares a password with the secret in constant time (bcrypt's own
// comparison for hashes).
func (s secret) check(password string) bool {
	switch s.scheme {
	case "PLAIN":
		return subtle.ConstantTimeCompare([]byte(s.value), []byte(password)) == 1
	case "BLF-CRYPT":
		return bcrypt.CompareHashAndPassword([]byte(s.value), []byte(password)) == nil
	}
	return false
}

// parseSecret reads "{SCHEME}value"; without a scheme the value is PLAIN,
// or BLF-CRYPT when it looks like a bcrypt hash (Dovecot's guess too).
func parseSecret(p string) (secret, error) {
	scheme := ""
	if strings.HasPrefix(p, "{") {
		end := strings.IndexByte(p, '}')
		if end < 0 {
			return secret{}, errors.New("unterminated {SCHEME}")
		}
		scheme, p = strings.ToUpper(p[1:end]), p[end+1:]
	}
	if scheme == "" {
		scheme = "PLAIN"
		if strings.HasPrefix(p, "$2") {
			scheme = "BLF-CRYPT"
		}
	}
	switch scheme {
	case "PLAIN", "CLEAR", "CLEARTEXT":
		return secret{"PLAIN", p}, nil
	case "BLF-CRYPT":
		if _, err := bcrypt.Cost([]byte(p)); err != nil {
			return secret{}, fmt.Errorf("bad BLF-CRYPT hash: %w", err)
		}
		return secret{"BLF-CRYPT", p}, nil
	}
	return secret{}, fmt.Errorf("password scheme {%s} is not supported (use {BLF-CRYPT} or {PLAIN})", scheme)
}

// readUsers reads a Dovecot passwd-file: lines "user:{SCHEME}password",
// optionally followed by more ":"-separated fields, which are ignored.
// Blank lines and "#" comments are skipped. Each user must be an address
// in one of domains; errors name the file and line.
func readUsers(path string, domains []string) (map[string]secret, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	users := map[string]secret{}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 4096), maxUsersLine)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		name, s, err := parseUserLine(line, domains)
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %w", path, n, err)
		}
		if _, dup := users[name]; dup {
			return nil, fmt.Errorf("%s:%d: %s is listed twice", path, n, name)
		}
		users[name] = s
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return users, nil
}

func parseUserLine(line string, domains []string) (string, secret, error) {
	user, rest, ok := strings.Cut(line, ":")
	if !ok {
		return "", secret{}, errors.New(`want "user@domain:{SCHEME}password"`)
	}
	a, err := parseAddr(user)
	if err != nil {
		return "", secret{}, err
	}
	if !safeName(a.String()) {
		return "", secret{}, fmt.Errorf("%q cannot name a Maildir", user)
	}
	if !slices.Contains(domains, a.Domain) {
		return "", secret{}, fmt.Errorf("%s: domain %s is not in domains", user, a.Domain)
	}
	pass, _, _ := strings.Cut(rest, ":")
	s, err := parseSecret(pass)
	if err != nil {
		return "", secret{}, fmt.Errorf("%s: %w", user, err)
	}
	return a.String(), s, nil
}

// safeName keeps a user name to one path element that is not hidden.
func safeName(u string) bool {
	if u == "" || u[0] == '.' || len(u) > 255 {
		return false
	}
	for _, r := range u {
		if r == '/' || r == '\\' || r < 0x20 || r == 0x7f {
			return false
		}
	}
	return true
}

// hashPassword returns the {BLF-CRYPT} form of password at a bcrypt cost
// (bcrypt.DefaultCost, 10, as doveadm's), with the $2y$
// prefix Dovecot's "doveadm pw -s BLF-CRYPT" writes (the same algorithm as
// $2a$ for passwords of valid UTF-8).
func hashPassword(password string, cost int) (string, error) {
	h, err := bcrypt.GenerateFromPassword([]byte(password), cost)
	if err != nil {
		return "", err
	}
	return "{BLF-CRYPT}$2y$" + strings.TrimPrefix(string(h), "$2a$"), nil
}

// hashPasswordCommand is "mailserver hash-password": it reads a password
// (the first line of in) and prints its {BLF-CRYPT} hash.
func hashPasswordCommand(in io.Reader, out io.Writer) error {
	line, err := bufio.NewReader(io.LimitReader(in, 4096)).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return err
	}
	pw := strings.TrimRight(line, "\r\n")
	if pw == "" {
		return errors.New("hash-password: no password on standard input")
	}
	if len(pw) > 72 {
		return errors.New("hash-password: bcrypt uses at most 72 bytes of a password")
	}
	h, err := hashPassword(pw, bcrypt.DefaultCost)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintln(out, h)
	return err
}

// newPassword returns a random password of 16 lower-case letters and
// digits (80 bits).
func newPassword() string {
	b := make([]byte, 10)
	rand.Read(b)
	return strings.ToLower(base32.StdEncoding.EncodeToString(b))
}

// createUsersFile writes a users file with one user and a new password,
// which it returns. It fails if the file exists, so a password is made
// only once.
func createUsersFile(path, user string) (string, error) {
	pw := newPassword()
	h, err := hashPassword(pw, bcrypt.DefaultCost)
	if err != nil {
		return "", err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return "", err
	}
	_, err = fmt.Fprintf(f, "# Users: address:{SCHEME}password (Dovecot passwd-file). Make a hash with\n"+
		"#   echo 'PASSWORD' | mailserver hash-password\n%s:%s\n", user, h)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return pw, err
}
