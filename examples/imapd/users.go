package main

import (
	"bufio"
	"context"
	"crypto/subtle"
	"fmt"
	"os"
	"strings"

	"golang.org/x/crypto/bcrypt"

	"github.com/mailstack/mailstack/imap"
)

// userDB holds the users of a Dovecot passwd-file.
type userDB struct {
	pw map[string]secret
}

type secret struct {
	scheme string // "PLAIN" or "BLF-CRYPT"
	value  string
}

// loadUsers reads a Dovecot passwd-file: "user:{SCHEME}password" and
// optional further ":"-separated fields, which are ignored. {PLAIN} and
// {BLF-CRYPT} are understood; a password without a scheme is PLAIN, or
// BLF-CRYPT when it is a bcrypt hash. Blank lines and "#" comments are
// skipped.
func loadUsers(path string) (*userDB, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	db := &userDB{pw: map[string]secret{}}
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		user, rest, ok := strings.Cut(line, ":")
		if !ok || user == "" || !safeUser(user) {
			return nil, fmt.Errorf("%s:%d: bad line", path, n)
		}
		pass, _, _ := strings.Cut(rest, ":")
		s, err := parseSecret(pass)
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %w", path, n, err)
		}
		db.pw[user] = s
	}
	return db, sc.Err()
}

func parseSecret(p string) (secret, error) {
	scheme := ""
	if strings.HasPrefix(p, "{") {
		end := strings.IndexByte(p, '}')
		if end < 0 {
			return secret{}, fmt.Errorf("unterminated scheme")
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
	return secret{}, fmt.Errorf("unsupported password scheme %q", scheme)
}

func (db *userDB) has(user string) bool {
	_, ok := db.pw[user]
	return ok
}

// Authenticate implements imap.Authenticator.
func (db *userDB) Authenticate(ctx context.Context, user, pass string) error {
	s, ok := db.pw[user]
	if !ok {
		return imap.ErrAuthFailed
	}
	switch s.scheme {
	case "PLAIN":
		if subtle.ConstantTimeCompare([]byte(s.value), []byte(pass)) == 1 {
			return nil
		}
	case "BLF-CRYPT":
		if bcrypt.CompareHashAndPassword([]byte(s.value), []byte(pass)) == nil {
			return nil
		}
	}
	return imap.ErrAuthFailed
}

// safeUser keeps user names to one path element.
func safeUser(u string) bool {
	if u == "" || u == "." || u == ".." || len(u) > 255 {
		return false
	}
	for _, r := range u {
		if r == '/' || r == '\\' || r < 0x20 || r == 0x7f {
			return false
		}
	}
	return true
}
