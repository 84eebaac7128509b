package store

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// MaxNameLength is the longest mailbox name ValidateName accepts, in bytes.
const MaxNameLength = 512

// ValidateName checks a mailbox name against the rules every store shares,
// so that no name can escape a store's root or confuse its layout: valid
// UTF-8, at most MaxNameLength bytes, no control characters, no empty
// hierarchy part (leading, trailing or doubled delim), no part "." or "..",
// and no '/' (the file-system separator) inside a part, whatever the
// delimiter. It returns an error wrapping ErrInvalidName.
func ValidateName(name string, delim rune) error {
	bad := func(why string) error {
		return fmt.Errorf("%w: %q: %s", ErrInvalidName, name, why)
	}
	switch {
	case name == "":
		return bad("empty")
	case len(name) > MaxNameLength:
		return bad("too long")
	case !utf8.ValidString(name):
		return bad("not UTF-8")
	}
	for _, r := range name {
		if unicode.IsControl(r) || r == utf8.RuneError {
			return bad("control character")
		}
	}
	for part := range strings.SplitSeq(name, string(delim)) {
		switch {
		case part == "":
			return bad("empty hierarchy part")
		case part == "." || part == "..":
			return bad("dot part")
		case strings.ContainsRune(part, '/'):
			return bad("path separator")
		}
	}
	return nil
}

// IsInbox reports whether name names the inbox (RFC 9051 §5.1: "INBOX" is
// case-insensitive).
func IsInbox(name string) bool { return equalFold(name, "INBOX") }

// NormalizeInbox returns name with a leading INBOX part in any case spelled
// "INBOX", so "inbox/x" and "INBOX/x" name the same mailbox.
func NormalizeInbox(name string, delim rune) string {
	if len(name) >= 5 && equalFold(name[:5], "INBOX") &&
		(len(name) == 5 || strings.HasPrefix(name[5:], string(delim))) {
		return "INBOX" + name[5:]
	}
	return name
}
