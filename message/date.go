package message

import (
	"strconv"
	"strings"
	"time"
)

// ParseDate parses a date-time (RFC 5322 §3.3) and the forms real mail
// uses: the obsolete zones and two- or three-digit years of §4.3, a missing
// day of week or seconds, full day and month names, comments, a missing
// zone (taken as UTC), common named zones (CET, BST, JST, ...), and the
// asctime order "Mon Jan 2 15:04:05 2006". Military and unknown zones are
// "-0000" (§4.3), i.e. UTC.
func ParseDate(s string) (time.Time, error) {
	toks := dateTokens(s)
	fail := func(msg string) (time.Time, error) {
		return time.Time{}, syntaxErr("date-time", s, 0, msg)
	}
	if len(toks) > 0 && dayName(toks[0]) {
		toks = toks[1:]
	}
	if len(toks) < 3 {
		return fail("too few fields")
	}
	var dayTok, monTok string
	if _, ok := monthNum(toks[0]); ok {
		monTok, dayTok = toks[0], toks[1]
	} else {
		dayTok, monTok = toks[0], toks[1]
	}
	day, err := strconv.Atoi(dayTok)
	if err != nil || day < 1 || day > 31 {
		return fail("bad day")
	}
	mon, ok := monthNum(monTok)
	if !ok {
		return fail("bad month")
	}
	year, hh, mm, ss := -1, -1, 0, 0
	loc := time.UTC
	for _, t := range toks[2:] {
		switch {
		case strings.IndexAny(t, ":.") >= 0 && hh < 0:
			if hh, mm, ss, ok = parseClock(t); !ok {
				return fail("bad time of day")
			}
		case year < 0 && isDigits(t):
			if year, ok = parseYear(t); !ok {
				return fail("bad year")
			}
		case t[0] == '+' || t[0] == '-' || isAlpha(t[0]):
			if z, ok := parseZone(t); ok {
				loc = z
			}
		}
	}
	if year < 0 || hh < 0 {
		return fail("missing year or time of day")
	}
	d := time.Date(year, mon, day, hh, mm, ss, 0, loc)
	if d.Day() != day && ss != 60 {
		return fail("day out of range for month")
	}
	return d, nil
}

// dateTokens drops comments and splits at white space and commas. The
// white space that the obsolete syntax allows around the colons of the
// time of day ("09 :  55 : 06", RFC 5322 §4.3) is dropped, so that the
// time is one token.
func dateTokens(s string) []string {
	var b strings.Builder
	depth := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '(':
			depth++
		case c == ')' && depth > 0:
			depth--
		case depth > 0:
		case c == ',' || c == '\t' || c == '\r' || c == '\n':
			b.WriteByte(' ')
		default:
			b.WriteByte(c)
		}
	}
	f := strings.Fields(b.String())
	out := f[:0]
	for i := 0; i < len(f); i++ {
		t := f[i]
		for i+1 < len(f) && (strings.HasSuffix(t, ":") || strings.HasPrefix(f[i+1], ":")) {
			i++
			t += f[i]
		}
		out = append(out, t)
	}
	return out
}

var dayNames = []string{"mon", "tue", "wed", "thu", "fri", "sat", "sun"}

func dayName(t string) bool {
	if len(t) < 3 {
		return false
	}
	for _, d := range dayNames {
		if strings.EqualFold(t[:3], d) && isAlphaString(t) {
			return true
		}
	}
	return false
}

var monthNames = []string{"jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"}

func monthNum(t string) (time.Month, bool) {
	if len(t) < 3 || !isAlphaString(t) {
		return 0, false
	}
	for i, m := range monthNames {
		if strings.EqualFold(t[:3], m) {
			return time.Month(i + 1), true
		}
	}
	return 0, false
}

func isAlpha(c byte) bool { return 'a' <= c|0x20 && c|0x20 <= 'z' }

func isAlphaString(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isAlpha(s[i]) {
			return false
		}
	}
	return true
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return len(s) > 0
}

// parseYear applies RFC 5322 §4.3: two digits below 50 are 20xx, else 19xx;
// three digits are added to 1900.
func parseYear(t string) (int, bool) {
	y, err := strconv.Atoi(t)
	if err != nil || len(t) > 4 {
		return 0, false
	}
	switch len(t) {
	case 1, 2:
		if y < 50 {
			return 2000 + y, true
		}
		return 1900 + y, true
	case 3:
		return 1900 + y, true
	}
	return y, true
}

// parseClock parses hh:mm[:ss] (seconds are optional, RFC 5322 §3.3), also
// with '.' as the separator some mailers use.
func parseClock(t string) (hh, mm, ss int, ok bool) {
	parts := strings.FieldsFunc(t, func(r rune) bool { return r == ':' || r == '.' })
	if len(parts) < 2 || len(parts) > 3 {
		return 0, 0, 0, false
	}
	var v [3]int
	for i, p := range parts {
		n, err := strconv.Atoi(p)
		if err != nil || len(p) > 2 {
			return 0, 0, 0, false
		}
		v[i] = n
	}
	if v[0] > 23 || v[1] > 59 || v[2] > 60 {
		return 0, 0, 0, false
	}
	return v[0], v[1], v[2], true
}

// namedZones are the obsolete zones of RFC 5322 §4.3 and named zones common
// in real mail.
var namedZones = map[string]int{
	"UT": 0, "UTC": 0, "GMT": 0, "Z": 0,
	"EST": -5, "EDT": -4, "CST": -6, "CDT": -5, "MST": -7, "MDT": -6, "PST": -8, "PDT": -7,
	"AKST": -9, "AKDT": -8, "HST": -10,
	"WET": 0, "WEST": 1, "BST": 1, "IST": 1, "CET": 1, "CEST": 2, "MET": 1, "MEST": 2,
	"EET": 2, "EEST": 3, "MSK": 3, "JST": 9, "KST": 9, "HKT": 8, "SGT": 8,
	"AEST": 10, "AEDT": 11, "ACST": 9, "AWST": 8, "NZST": 12, "NZDT": 13,
}

func parseZone(t string) (*time.Location, bool) {
	if t[0] == '+' || t[0] == '-' {
		d := t[1:]
		if len(d) != 4 || !isDigits(d) {
			return nil, false
		}
		h, _ := strconv.Atoi(d[:2])
		m, _ := strconv.Atoi(d[2:])
		if m > 59 {
			return nil, false
		}
		off := (h*60 + m) * 60
		if t[0] == '-' {
			off = -off
		}
		if off == 0 {
			return time.UTC, true
		}
		return time.FixedZone("", off), true
	}
	if h, ok := namedZones[strings.ToUpper(t)]; ok {
		if h == 0 {
			return time.UTC, true
		}
		return time.FixedZone("", h*3600), true
	}
	return time.UTC, true // military and unknown zones: -0000 (RFC 5322 §4.3)
}

// FormatDate formats t as an RFC 5322 §3.3 date-time.
func FormatDate(t time.Time) string {
	return t.Format("Mon, 02 Jan 2006 15:04:05 -0700")
}
