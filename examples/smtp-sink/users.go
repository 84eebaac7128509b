package main

import (
	"bufio"
	"crypto/subtle"
	"errors"
	"fmt"
	"os"
	"strings"

	"golang.org/x/crypto/bcrypt"

	"github.com/mailstack/mailstack/envelope"
)

// maxUsersFile bounds the passwd-file read at start-up.
const maxUsersFile = 16 << 20

// userDB holds the users of a Dovecot passwd-file: one "user:password"
// line per user, further colon-separated fields ignored, '#' comments.
// A password is "{SCHEME}secret"; PLAIN (also CLEARTEXT) and BLF-CRYPT
// (bcrypt, $2a$/$2b$/$2y$) are known. A bare bcrypt hash counts as
// BLF-CRYPT, as Dovecot's CRYPT scheme would read it.
type userDB struct {
	users map[string]secret
}

// secret is one user's password as stored.
type secret struct {
	scheme string // "PLAIN" or "BLF-CRYPT"
	value  string
}

// loadUsers reads a passwd-file.
func loadUsers(path string) (*userDB, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	db := &userDB{users: make(map[string]secret)}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 4096), 64<<10)
	n, size := 0, 0
	for sc.Scan() {
		n++
		size += len(sc.Bytes()) + 1
		if size > maxUsersFile {
			return nil, fmt.Errorf("%s: larger than %d octets", path, maxUsersFile)
		}
		if err := db.parseLine(sc.Text()); err != nil {
			return nil, fmt.Errorf("%s:%d: %w", path, n, err)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return db, nil
}

// parseLine adds the user of one line.
func (db *userDB) parseLine(line string) error {
	line = strings.TrimRight(line, "\r")
	if strings.TrimSpace(line) == "" || strings.HasPrefix(strings.TrimSpace(line), "#") {
		return nil
	}
	user, rest, ok := strings.Cut(line, ":")
	if !ok || user == "" {
		return errors.New("expected user:password")
	}
	pass, _, _ := strings.Cut(rest, ":")
	s, err := parseSecret(pass)
	if err != nil {
		return err
	}
	db.users[user] = s
	return nil
}

// parseSecret reads "{SCHEME}value".
func parseSecret(pass string) (secret, error) {
	scheme, value := "", pass
	if strings.HasPrefix(pass, "{") {
		end := strings.IndexByte(pass, '}')
		if end < 0 {
			return secret{}, errors.New("unterminated {SCHEME}")
		}
		scheme, value = strings.ToUpper(pass[1:end]), pass[end+1:]
	} else if strings.HasPrefix(pass, "$2") {
		scheme = "BLF-CRYPT"
	}
	switch scheme {
	case "PLAIN", "CLEARTEXT", "CLEAR":
		return secret{scheme: "PLAIN", value: value}, nil
	case "BLF-CRYPT":
		if _, err := bcrypt.Cost([]byte(value)); err != nil {
			return secret{}, fmt.Errorf("BLF-CRYPT: %w", err)
		}
		return secret{scheme: scheme, value: value}, nil
	case "":
		return secret{}, errors.New("password without {SCHEME}")
	}
	return secret{}, fmt.Errorf("unsupported scheme {%s}", scheme)
}

// check verifies a password, answering 535 5.7.8 on failure (RFC 4954).
func (db *userDB) check(user, pass string) error {
	s, ok := db.users[user]
	switch {
	case !ok:
	case s.scheme == "PLAIN":
		if subtle.ConstantTimeCompare([]byte(s.value), []byte(pass)) == 1 {
			return nil
		}
	case s.scheme == "BLF-CRYPT":
		if bcrypt.CompareHashAndPassword([]byte(s.value), []byte(pass)) == nil {
			return nil
		}
	}
	return envelope.ReplyAuthFailed
}
