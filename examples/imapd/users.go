package main

import (
	"context"

	"github.com/mailstack/mailstack/examples/internal/passwd"
	"github.com/mailstack/mailstack/imap"
)

// userDB holds the users of a Dovecot passwd-file.
type userDB struct{ *passwd.DB }

// loadUsers reads a Dovecot passwd-file: "user:{SCHEME}password" and
// optional further ":"-separated fields, which are ignored. {PLAIN} and
// {BLF-CRYPT} are understood; a password without a scheme is PLAIN, or
// BLF-CRYPT when it is a bcrypt hash. Blank lines and "#" comments are
// skipped. User names must name one directory under the root.
func loadUsers(path string) (*userDB, error) {
	db, err := passwd.Open(path, &passwd.Options{BarePlain: true, DirNames: true})
	if err != nil {
		return nil, err
	}
	return &userDB{db}, nil
}

// Authenticate implements imap.Authenticator.
func (db *userDB) Authenticate(ctx context.Context, user, pass string) error {
	if !db.Check(user, pass) {
		return imap.ErrAuthFailed
	}
	return nil
}
