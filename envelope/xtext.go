package envelope

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"
)

// ErrXtextSyntax reports text that is not valid xtext (RFC 3461 §4) or
// utf-8-addr-xtext / utf-8-addr-unitext (RFC 6533 §3). Errors returned by
// the decoders wrap it together with the offset of the offending byte.
var ErrXtextSyntax = errors.New("envelope: malformed xtext")

const upperHex = "0123456789ABCDEF"

// isXchar reports whether c may appear unencoded in xtext: RFC 3461 §4,
// xchar = any ASCII CHAR between "!" (33) and "~" (126) inclusive, except
// for "+" and "=".
func isXchar(c byte) bool {
	return c >= '!' && c <= '~' && c != '+' && c != '='
}

// EncodeXtext encodes s as xtext (RFC 3461 §4): every octet outside
// xchar is written as "+" and two upper-case hex digits. Any octet string
// can be encoded, so the result is always a valid esmtp-value (or empty).
func EncodeXtext(s string) string {
	n := 0
	for i := 0; i < len(s); i++ {
		if !isXchar(s[i]) {
			n++
		}
	}
	if n == 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 2*n)
	for i := 0; i < len(s); i++ {
		c := s[i]
		if isXchar(c) {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('+')
		b.WriteByte(upperHex[c>>4])
		b.WriteByte(upperHex[c&0x0f])
	}
	return b.String()
}

// DecodeXtext decodes xtext (RFC 3461 §4). The result may hold any octet;
// callers check what their parameter allows. RFC 3461 asks for upper-case
// hex digits after "+"; lower-case ones are accepted too, because real
// senders emit them and the meaning is unambiguous.
func DecodeXtext(s string) (string, error) {
	if strings.IndexByte(s, '+') < 0 {
		for i := 0; i < len(s); i++ {
			if !isXchar(s[i]) {
				return "", xtextError(s, i)
			}
		}
		return s, nil
	}
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '+':
			if i+2 >= len(s) {
				return "", xtextError(s, i)
			}
			hi, ok1 := unhex(s[i+1])
			lo, ok2 := unhex(s[i+2])
			if !ok1 || !ok2 {
				return "", xtextError(s, i)
			}
			b = append(b, hi<<4|lo)
			i += 2
		case isXchar(c):
			b = append(b, c)
		default:
			return "", xtextError(s, i)
		}
	}
	return string(b), nil
}

func unhex(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	}
	return 0, false
}

func xtextError(s string, i int) error {
	return fmt.Errorf("%w: %q at offset %d", ErrXtextSyntax, s[i], i)
}

// isQchar reports whether c may appear unencoded in utf-8-addr-xtext:
// RFC 6533 §3, QCHAR = %x21-2a / %x2c-3c / %x3e-5b / %x5d-7e, that is
// printable ASCII except "+", "=" and "\".
func isQchar(c byte) bool {
	return c >= '!' && c <= '~' && c != '+' && c != '=' && c != '\\'
}

// EncodeUTF8AddrXtext encodes an address as utf-8-addr-xtext (RFC 6533 §3),
// the 7-bit form usable in ORCPT=utf-8;... whether or not SMTPUTF8 is in
// effect: QCHARs stay, every other character becomes \x{HEX} with at least
// two upper-case hex digits. Invalid UTF-8 octets are encoded as U+FFFD,
// since the form can only carry Unicode characters.
func EncodeUTF8AddrXtext(s string) string {
	return encodeUTF8Addr(s, false)
}

// EncodeUTF8AddrUnitext encodes an address as utf-8-addr-unitext (RFC 6533
// §3), the form for SMTPUTF8 sessions: like EncodeUTF8AddrXtext but
// non-ASCII characters stay as UTF-8. Invalid UTF-8 octets become
// \x{FFFD}.
func EncodeUTF8AddrUnitext(s string) string {
	return encodeUTF8Addr(s, true)
}

func encodeUTF8Addr(s string, keepUTF8 bool) string {
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if isQchar(c) {
				b.WriteByte(c)
			} else {
				writeEmbedded(&b, rune(c))
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if keepUTF8 && !(r == utf8.RuneError && size == 1) {
			b.WriteString(s[i : i+size])
		} else {
			writeEmbedded(&b, r)
		}
		i += size
	}
	return b.String()
}

// writeEmbedded writes an EmbeddedUnicodeChar: "\x{" HEXPOINT "}" with the
// fewest upper-case digits, but at least two (RFC 6533 §3 HEXPOINT).
func writeEmbedded(b *strings.Builder, r rune) {
	b.WriteString(`\x{`)
	digits := 2
	for v := r >> 8; v > 0; v >>= 4 {
		digits++
	}
	for shift := (digits - 1) * 4; shift >= 0; shift -= 4 {
		b.WriteByte(upperHex[(r>>uint(shift))&0x0f])
	}
	b.WriteByte('}')
}

// DecodeUTF8Addr decodes utf-8-addr-xtext or utf-8-addr-unitext (RFC 6533
// §3); the unitext form is a superset, so one decoder serves both. The
// input must be valid UTF-8 whose ASCII characters are QCHARs; each
// \x{HEX} must name a Unicode scalar value other than NUL (1 to 6 hex
// digits, either case: Postfix and Sendmail accept lower case too). The
// result is valid UTF-8.
func DecodeUTF8Addr(s string) (string, error) {
	if !strings.Contains(s, `\`) {
		if err := checkUnitext(s); err != nil {
			return "", err
		}
		return s, nil
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == '\\':
			r, n, ok := parseEmbedded(s[i:])
			if !ok {
				return "", xtextError(s, i)
			}
			b.WriteRune(r)
			i += n
		case c < utf8.RuneSelf:
			if !isQchar(c) {
				return "", xtextError(s, i)
			}
			b.WriteByte(c)
			i++
		default:
			r, size := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && size == 1 {
				return "", xtextError(s, i)
			}
			b.WriteString(s[i : i+size])
			i += size
		}
	}
	return b.String(), nil
}

// checkUnitext validates a string with no escapes: QCHARs and UTF-8.
func checkUnitext(s string) error {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if !isQchar(c) {
				return xtextError(s, i)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			return xtextError(s, i)
		}
		i += size
	}
	return nil
}

// parseEmbedded parses "\x{HEX}" at the start of s and returns the rune
// and the number of octets consumed.
func parseEmbedded(s string) (rune, int, bool) {
	if len(s) < 5 || s[1] != 'x' || s[2] != '{' {
		return 0, 0, false
	}
	var r rune
	for i := 3; i < len(s) && i < 3+7; i++ {
		c := s[i]
		if c == '}' {
			if i == 3 || r == 0 || r > utf8.MaxRune || (r >= 0xD800 && r <= 0xDFFF) {
				return 0, 0, false
			}
			return r, i + 1, true
		}
		v, ok := unhex(c)
		if !ok || i == 3+6 {
			return 0, 0, false
		}
		r = r<<4 | rune(v)
	}
	return 0, 0, false
}
