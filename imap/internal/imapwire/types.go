package imapwire

import (
	"strings"
	"time"
	"unicode/utf8"
)

// ExpectSeqSet reads a sequence-set (RFC 9051 §9) or "$" (RFC 5182).
func (d *Decoder) ExpectSeqSet(s *SeqSet) bool {
	raw := d.chars(func(c byte) bool {
		return c >= '0' && c <= '9' || c == ':' || c == ',' || c == '*' || c == '$'
	})
	if d.err != nil {
		return false
	}
	set, err := ParseSeqSet(raw)
	if err != nil {
		return d.syntax("bad sequence set")
	}
	*s = set
	return true
}

// ExpectMailbox reads a mailbox name (RFC 9051 §9 mailbox = "INBOX" /
// astring) and returns it in UTF-8: decoded from modified UTF-7, or as
// sent once UTF8=ACCEPT is enabled (RFC 6855 §3). "INBOX" in any case is
// returned as "INBOX".
func (d *Decoder) ExpectMailbox(s *string) bool {
	var raw string
	if !d.ExpectAString(&raw) {
		return false
	}
	name, err := d.mailboxName(raw)
	if err != nil {
		return d.syntax("mailbox name is not valid modified UTF-7")
	}
	if equalFold(name, "INBOX") {
		name = "INBOX"
	}
	*s = name
	return true
}

// mailboxName converts a name as sent to UTF-8.
func (d *Decoder) mailboxName(raw string) (string, error) {
	if d.UTF8 {
		if !utf8.ValidString(raw) {
			return "", ErrBadUTF7
		}
		return raw, nil
	}
	return DecodeUTF7(raw)
}

// ExpectListMailbox reads the pattern of LIST (RFC 9051 §9 list-mailbox:
// list-chars including the wildcards "%" and "*", or a string), decoded
// to UTF-8 like ExpectMailbox.
func (d *Decoder) ExpectListMailbox(s *string) bool {
	var raw string
	if !d.String(&raw) {
		if d.err != nil {
			return false
		}
		raw = d.chars(isListChar)
		if raw == "" {
			return d.syntax("expected list-mailbox")
		}
	}
	name, err := d.mailboxName(raw)
	if err != nil {
		return d.syntax("mailbox pattern is not valid modified UTF-7")
	}
	*s = name
	return d.err == nil
}

// ExpectFlag reads a flag: "\" atom or a keyword atom (RFC 9051 §9
// flag). System flags keep the client's spelling; the caller
// canonicalises.
func (d *Decoder) ExpectFlag(s *string) bool {
	if d.Special('\\') {
		var a string
		if !d.ExpectAtom(&a) {
			return false
		}
		*s = `\` + a
		return true
	}
	return d.ExpectAtom(s)
}

// ExpectFlagList reads "(" [flag *(SP flag)] ")".
func (d *Decoder) ExpectFlagList(flags *[]string) bool {
	*flags = nil
	return d.ExpectList(func() bool {
		var f string
		if !d.ExpectFlag(&f) {
			return false
		}
		*flags = append(*flags, f)
		return true
	})
}

var months = [...]string{"jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"}

// ExpectDateTime reads a quoted date-time (RFC 9051 §9):
// "dd-Mon-yyyy hh:mm:ss +zzzz", the day possibly space-padded.
func (d *Decoder) ExpectDateTime(t *time.Time) bool {
	var s string
	c, ok := d.peek()
	if !ok {
		return false
	}
	if c != '"' || !d.quoted(&s) {
		return d.syntax("expected date-time")
	}
	v, ok := parseDateTime(s)
	if !ok {
		return d.syntax("bad date-time")
	}
	*t = v
	return true
}

func parseDateTime(s string) (time.Time, bool) {
	date, rest, ok := strings.Cut(strings.TrimPrefix(s, " "), " ")
	if !ok {
		return time.Time{}, false
	}
	day, ok := parseDate(date)
	if !ok {
		return time.Time{}, false
	}
	t, err := time.Parse("15:04:05 -0700", rest)
	if err != nil || len(rest) != 14 {
		return time.Time{}, false
	}
	return time.Date(day.Year(), day.Month(), day.Day(), t.Hour(), t.Minute(), t.Second(), 0, t.Location()), true
}

// parseDate parses date-text "d-Mon-yyyy" (RFC 9051 §9).
func parseDate(s string) (time.Time, bool) {
	parts := strings.Split(s, "-")
	if len(parts) != 3 || len(parts[0]) < 1 || len(parts[0]) > 2 || len(parts[2]) != 4 {
		return time.Time{}, false
	}
	day, ok1 := atoiDigits(parts[0])
	year, ok2 := atoiDigits(parts[2])
	mon := -1
	for i, m := range months {
		if equalFold(parts[1], m) {
			mon = i
		}
	}
	if !ok1 || !ok2 || mon < 0 || day < 1 || day > 31 {
		return time.Time{}, false
	}
	t := time.Date(year, time.Month(mon+1), day, 0, 0, 0, 0, time.UTC)
	if t.Day() != day {
		return time.Time{}, false // 31-Feb
	}
	return t, true
}

func atoiDigits(s string) (int, bool) {
	n := 0
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
		n = n*10 + int(s[i]-'0')
	}
	return n, s != ""
}

// ExpectDate reads a search date (RFC 9051 §9 date = date-text / DQUOTE
// date-text DQUOTE); the result is midnight UTC of that day.
func (d *Decoder) ExpectDate(t *time.Time) bool {
	var s string
	c, ok := d.peek()
	if !ok {
		return false
	}
	if c == '"' {
		if !d.quoted(&s) {
			return false
		}
	} else {
		s = d.chars(func(c byte) bool { return isAtomChar(c) })
	}
	v, ok := parseDate(s)
	if !ok {
		return d.syntax("bad date")
	}
	*t = v
	return true
}

// FormatDateTime formats t as an IMAP date-time (RFC 9051 §9), without
// the quotes.
func FormatDateTime(t time.Time) string { return t.Format("02-Jan-2006 15:04:05 -0700") }
