package maildir

import (
	"strings"

	"github.com/mailstack/mailstack/store"
)

// Info is the part of a Maildir file name after the base name: ":2," and
// the flag letters (https://cr.yp.to/proto/maildir.html), such as
// ":2,FS". Keyword letters a–z index the folder's dovecot-keywords file.
//
// Letters and IMAP flags, as Dovecot maps them:
//
//	D  \Draft     F  \Flagged    R  \Answered
//	S  \Seen      T  \Deleted    a–z  keywords
//
// P (passed) and any other letter are kept on rename but not shown as IMAP
// flags, as Dovecot does: $Forwarded is an ordinary keyword.
const infoSep = ":2,"

// MaxFileName bounds file names the parsers accept.
const MaxFileName = 255

// SplitName splits a Maildir file name into its base (the unique part,
// everything before the first ':') and its flag letters (after ":2,"; ""
// when the name has no info or an info of another version).
func SplitName(name string) (base, flags string) {
	i := strings.IndexByte(name, ':')
	if i < 0 {
		return name, ""
	}
	base, info := name[:i], name[i:]
	if strings.HasPrefix(info, infoSep) {
		flags = info[len(infoSep):]
		// A second comma starts fields no one defines; ignore them.
		if j := strings.IndexByte(flags, ','); j >= 0 {
			flags = flags[:j]
		}
	}
	return base, flags
}

var letterFlags = [...]struct {
	letter byte
	flag   string
}{
	{'D', store.FlagDraft},
	{'F', store.FlagFlagged},
	{'R', store.FlagAnswered},
	{'S', store.FlagSeen},
	{'T', store.FlagDeleted},
}

// ParseFlags returns the IMAP flags of the letters, naming keyword letters
// through kw (kw[i] is the keyword of letter 'a'+i; "" or out of range
// letters are unknown and skipped), in canonical order.
func ParseFlags(letters string, kw []string) []string {
	var out []string
	for i := 0; i < len(letters); i++ {
		c := letters[i]
		switch {
		case c >= 'a' && c <= 'z':
			if k := int(c - 'a'); k < len(kw) && kw[k] != "" {
				out = append(out, kw[k])
			}
		default:
			for _, lf := range letterFlags {
				if lf.letter == c {
					out = append(out, lf.flag)
				}
			}
		}
	}
	if len(out) > 1 {
		out = dedupe(out)
		store.SortFlags(out)
	}
	return out
}

func dedupe(in []string) []string {
	out := in[:0]
	for i, f := range in {
		dup := false
		for _, g := range in[:i] {
			if g == f {
				dup = true
				break
			}
		}
		if !dup {
			out = append(out, f)
		}
	}
	return out
}

// FormatFlags returns the letters for flags, in ASCII order as the Maildir
// spec requires, keeping letters of old that no IMAP flag covers (P and
// unknown letters). letter maps a keyword to its letter (0 if it has none).
func FormatFlags(flags []string, old string, letter func(kw string) byte) string {
	var set [128]bool
	for i := 0; i < len(old); i++ {
		c := old[i]
		if c < 128 && !(c >= 'a' && c <= 'z') && !isFlagLetter(c) && c > ' ' {
			set[c] = true
		}
	}
	for _, f := range flags {
		done := false
		for _, lf := range letterFlags {
			if store.IsSystemFlag(f) && strings.EqualFold(f, lf.flag) {
				set[lf.letter] = true
				done = true
			}
		}
		if !done {
			if c := letter(f); c != 0 {
				set[c] = true
			}
		}
	}
	var b []byte
	for c := range set {
		if set[c] {
			b = append(b, byte(c))
		}
	}
	return string(b)
}

func isFlagLetter(c byte) bool {
	for _, lf := range letterFlags {
		if lf.letter == c {
			return true
		}
	}
	return false
}
