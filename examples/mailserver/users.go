package main

import (
	"bufio"
	"crypto/rand"
	"encoding/base32"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"golang.org/x/crypto/bcrypt"

	"github.com/mailstack/mailstack/examples/internal/passwd"
)

// readUsers reads a Dovecot passwd-file: lines "user:{SCHEME}password",
// optionally followed by more ":"-separated fields, which are ignored.
// Blank lines and "#" comments are skipped; a password without a scheme is
// PLAIN (or BLF-CRYPT when it is a bcrypt hash). Each user must be an
// address in one of domains; it is kept in canonical form, and listed
// once. Errors name the file and line.
func readUsers(path string, domains []string) (map[string]passwd.Secret, error) {
	return passwd.Load(path, usersOptions(domains))
}

// parseUserLine reads one line of the users file.
func parseUserLine(line string, domains []string) (string, passwd.Secret, error) {
	return passwd.ParseLine(line, usersOptions(domains))
}

// usersOptions make the users addresses in domains, in canonical form,
// that can name a Maildir.
func usersOptions(domains []string) *passwd.Options {
	return &passwd.Options{
		BarePlain: true,
		Form:      "user@domain:{SCHEME}password",
		User: func(user string) (string, error) {
			a, err := parseAddr(user)
			if err != nil {
				return "", err
			}
			if !safeName(a.String()) {
				return "", fmt.Errorf("%q cannot name a Maildir", user)
			}
			if !slices.Contains(domains, a.Domain) {
				return "", fmt.Errorf("%s: domain %s is not in domains", user, a.Domain)
			}
			return a.String(), nil
		},
	}
}

// safeName keeps a user name to one path element that is not hidden.
func safeName(u string) bool {
	return passwd.SafeDirName(u) && u[0] != '.'
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
