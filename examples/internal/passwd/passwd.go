// Package passwd reads the users of a Dovecot passwd-file for the example
// servers (smtp-sink, imapd, pop3d, mailserver) and checks their
// passwords. It is example support, not library API.
//
//	db, err := passwd.Open("/etc/imapd.passwd", nil)
//	...
//	ok := db.Check(user, password)
//
// A passwd-file has one user per line, "user:{SCHEME}password", optionally
// followed by more ":"-separated fields (uid, gid, home, ...), which are
// ignored. Blank lines and lines starting with "#" are skipped. Two schemes
// are understood: {PLAIN} (also {CLEAR}, {CLEARTEXT}) and {BLF-CRYPT}
// (bcrypt, "$2a$", "$2b$" or "$2y$"); a bare bcrypt hash counts as
// BLF-CRYPT, as Dovecot's CRYPT scheme would read it.
//
// No RFC defines the format; it is Dovecot's (doc.dovecot.org,
// "Passwd-file" and "Password Schemes").
package passwd

import (
	"crypto/rand"
	"crypto/subtle"
	"errors"
	"fmt"
	"strings"
	"sync"

	"golang.org/x/crypto/bcrypt"
)

// The schemes a Secret holds.
const (
	Plain    = "PLAIN"
	BlfCrypt = "BLF-CRYPT"
)

// Errors of ParseSecret, wrapped by ParseLine, Read, Load and Open.
var (
	// ErrNoScheme: the password has no {SCHEME} prefix and is not a
	// bcrypt hash (see Options.BarePlain).
	ErrNoScheme = errors.New("password without {SCHEME}")
	// ErrUnterminated: "{" without the "}" that ends the scheme.
	ErrUnterminated = errors.New("unterminated {SCHEME}")
	// ErrBadHash: a BLF-CRYPT value that is not a bcrypt hash.
	ErrBadHash = errors.New("bad BLF-CRYPT hash")
)

// SchemeError reports a password scheme this package cannot verify, such
// as {SHA512-CRYPT}.
type SchemeError struct {
	Scheme string // upper case, without the braces
}

// Error names the scheme and the ones that are supported.
func (e *SchemeError) Error() string {
	return "password scheme {" + e.Scheme + "} is not supported (use {BLF-CRYPT} or {PLAIN})"
}

// Secret is one user's password as stored.
type Secret struct {
	Scheme string // Plain or BlfCrypt
	Value  string // the password (Plain) or its bcrypt hash (BlfCrypt)
}

// ParseSecret reads "{SCHEME}value", or a bare bcrypt hash. Errors are
// ErrNoScheme, ErrUnterminated, ErrBadHash or a *SchemeError.
func ParseSecret(s string) (Secret, error) {
	scheme, value := "", s
	if strings.HasPrefix(s, "{") {
		end := strings.IndexByte(s, '}')
		if end < 0 {
			return Secret{}, ErrUnterminated
		}
		scheme, value = strings.ToUpper(s[1:end]), s[end+1:]
	} else if strings.HasPrefix(s, "$2") {
		scheme = BlfCrypt
	}
	switch scheme {
	case "PLAIN", "CLEAR", "CLEARTEXT":
		return Secret{Scheme: Plain, Value: value}, nil
	case BlfCrypt:
		if _, err := bcrypt.Cost([]byte(value)); err != nil {
			return Secret{}, fmt.Errorf("%w: %v", ErrBadHash, err)
		}
		return Secret{Scheme: BlfCrypt, Value: value}, nil
	case "":
		return Secret{}, ErrNoScheme
	}
	return Secret{}, &SchemeError{Scheme: scheme}
}

// String formats s as a passwd-file writes it, "{SCHEME}value".
func (s Secret) String() string {
	return "{" + s.Scheme + "}" + s.Value
}

// Check reports whether password is s's: compared in constant time for
// PLAIN (the length aside), by bcrypt for BLF-CRYPT. The zero Secret
// matches nothing.
func (s Secret) Check(password string) bool {
	switch s.Scheme {
	case Plain:
		return subtle.ConstantTimeCompare([]byte(s.Value), []byte(password)) == 1
	case BlfCrypt:
		return bcrypt.CompareHashAndPassword([]byte(s.Value), []byte(password)) == nil
	}
	return false
}

// CheckAbsent spends the time a bcrypt check takes and returns false. A
// server calls it for a user that does not exist, so that unknown users
// do not answer faster than wrong passwords.
func CheckAbsent(password string) bool {
	Secret{Scheme: BlfCrypt, Value: dummyHash()}.Check(password)
	return false
}

// dummyHash is a bcrypt hash of a random password at the default cost,
// the cost "doveadm pw -s BLF-CRYPT" uses.
var dummyHash = sync.OnceValue(func() string {
	h, _ := bcrypt.GenerateFromPassword([]byte(rand.Text()), bcrypt.DefaultCost)
	return string(h)
})
