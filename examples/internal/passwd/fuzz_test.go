package passwd

import (
	"strings"
	"testing"
	"unicode"
)

// FuzzParseLine: a line either fails or gives a user without ':' and a
// PLAIN or BLF-CRYPT secret; a PLAIN secret checks itself, and the line
// written back reads the same.
func FuzzParseLine(f *testing.F) {
	for _, s := range []string{
		"alice:{PLAIN}secret",
		"Alice:{plain}x:1000:1000::/home/alice:/bin/sh",
		"bob:{BLF-CRYPT}$2y$04$abcdefghijklmnopqrstuu5Ykfn3e.Ydz6nUZ4C8w3h8FuSXMPzjK",
		"carol:$2a$04$abcdefghijklmnopqrstuu5Ykfn3e.Ydz6nUZ4C8w3h8FuSXMPzjK",
		"dave:clear",
		"x+y:{CLEARTEXT}",
		"../etc:{PLAIN}x",
		"a/b:{PLAIN}x",
		":{PLAIN}x",
		"alice:{PLAIN",
		"alice:{}x",
		"alice:{SHA512-CRYPT}$6$rounds=5000$x",
		"# comment",
		"  alice:{PLAIN}x \r",
		"ü:{PLAIN}ü",
	} {
		f.Add(s, false, false)
		f.Add(s, true, true)
	}
	f.Fuzz(func(t *testing.T, line string, barePlain, dirNames bool) {
		o := &Options{BarePlain: barePlain, DirNames: dirNames}
		user, s, err := ParseLine(line, o)
		if err != nil || user == "" {
			return
		}
		if strings.Contains(user, ":") || (dirNames && !SafeDirName(user)) {
			t.Fatalf("%q: user %q", line, user)
		}
		switch s.Scheme {
		case Plain:
			if !s.Check(s.Value) {
				t.Fatalf("%q: PLAIN secret does not check itself", line)
			}
		case BlfCrypt:
			// Check would run bcrypt at the hash's cost, up to 31.
		default:
			t.Fatalf("%q: scheme %q", line, s.Scheme)
		}
		// Trailing white space of the last field is not part of a line.
		if v := []rune(s.Value); len(v) > 0 && unicode.IsSpace(v[len(v)-1]) {
			return
		}
		user2, s2, err := ParseLine(user+":"+s.String(), o)
		if err != nil || user2 != user || s2 != s {
			t.Fatalf("%q: written back reads %q %v %v", line, user2, s2, err)
		}
	})
}
