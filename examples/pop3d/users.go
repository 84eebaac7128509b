package main

import "github.com/mailstack/mailstack/examples/internal/passwd"

// loadUsers reads a Dovecot passwd-file: "user:password[:uid:gid:...]",
// with the password as {SCHEME}value. PLAIN (also CLEAR, CLEARTEXT) and
// BLF-CRYPT are understood; a bare bcrypt hash ($2a$, $2b$, $2y$) counts
// as BLF-CRYPT. Blank lines and lines starting with # are skipped. User
// names must name one directory under the root.
func loadUsers(path string) (*passwd.DB, error) {
	return passwd.Open(path, &passwd.Options{DirNames: true})
}
