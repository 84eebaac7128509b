package main

import "github.com/mailstack/mailstack/examples/internal/passwd"

// loadUsers reads a Dovecot passwd-file: one "user:{SCHEME}password" line
// per user, further colon-separated fields ignored, '#' comments. PLAIN
// (also CLEAR, CLEARTEXT) and BLF-CRYPT are known; a password without a
// scheme is refused unless it is a bcrypt hash.
func loadUsers(path string) (*passwd.DB, error) {
	return passwd.Open(path, nil)
}
