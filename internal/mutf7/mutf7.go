// Package mutf7 is modified UTF-7, the encoding of IMAP mailbox names
// (RFC 3501 §5.1.3) that Dovecot's Maildir layout also uses for folder
// directory names on disk. Package imap and package maildir share it.
//
//	dir := mutf7.Encode("Entwürfe")  // "Entw&APw-rfe"
//	name, err := mutf7.Decode(dir) // "Entwürfe", nil
//
// Printable US-ASCII stands for itself, "&" is written "&-", and every
// other character is UTF-16 in modified base64 (RFC 2152 base64 with ","
// for "/", no padding) between "&" and "-". Decode is strict: the
// encoding of a name is unique, so that two spellings never name the same
// mailbox.
//
//	RFC 3501 §5.1.3  Mailbox International Naming Convention
//	RFC 2152         UTF-7 (the base64 of the shifted runs)
//	RFC 2781         UTF-16 (surrogate pairs)
package mutf7

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// ErrInvalid is wrapped by every error of Decode.
var ErrInvalid = errors.New("mutf7: invalid modified UTF-7")

// alphabet is modified base64: RFC 2152 base64 with ',' instead of '/'.
const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,"

var decodeMap = func() (t [256]int8) {
	for i := range t {
		t[i] = -1
	}
	for i := 0; i < len(alphabet); i++ {
		t[alphabet[i]] = int8(i)
	}
	return t
}()

// printable reports whether c stands for itself (RFC 3501 §5.1.3:
// US-ASCII 0x20 to 0x7e).
func printable[T byte | rune](c T) bool { return c >= 0x20 && c <= 0x7e }

// Encode encodes a UTF-8 name in modified UTF-7. Invalid UTF-8 bytes are
// encoded as U+FFFD. Each run of characters that are not printable ASCII
// is one shifted run, as the RFC requires.
func Encode(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		c := s[i]
		if printable(c) {
			b.WriteByte(c)
			if c == '&' {
				b.WriteByte('-')
			}
			i++
			continue
		}
		var u []uint16
		for i < len(s) && !printable(s[i]) {
			r, n := utf8.DecodeRuneInString(s[i:])
			u = utf16.AppendRune(u, r)
			i += n
		}
		b.WriteByte('&')
		writeBase64(&b, u)
		b.WriteByte('-')
	}
	return b.String()
}

// writeBase64 writes UTF-16 code units in modified base64, the last
// sextet padded with zero bits.
func writeBase64(b *strings.Builder, u []uint16) {
	var acc uint32
	bits := 0
	for _, w := range u {
		acc = acc<<16 | uint32(w)
		bits += 16
		for bits >= 6 {
			bits -= 6
			b.WriteByte(alphabet[acc>>bits&0x3f])
		}
	}
	if bits > 0 {
		b.WriteByte(alphabet[acc<<(6-bits)&0x3f])
	}
}

// Decode decodes a modified UTF-7 name to UTF-8. It refuses, with an error
// wrapping ErrInvalid, all that RFC 3501 §5.1.3 rules out: bytes outside
// printable ASCII, a "&" without its "-", characters outside the modified
// base64 alphabet, a shifted run that encodes printable ASCII or nothing
// ("&-" stands for "&" only), two adjacent shifted runs (they must be one),
// padding of 6 bits or more or with bits set, and ill-formed UTF-16.
func Decode(s string) (string, error) {
	if !strings.Contains(s, "&") {
		for i := 0; i < len(s); i++ {
			if !printable(s[i]) {
				return "", fmt.Errorf("%w: byte %#02x at offset %d", ErrInvalid, s[i], i)
			}
		}
		return s, nil // most names: no copy
	}
	var b strings.Builder
	b.Grow(len(s))
	prevShifted := false
	for i := 0; i < len(s); {
		c := s[i]
		if !printable(c) {
			return "", fmt.Errorf("%w: byte %#02x at offset %d", ErrInvalid, c, i)
		}
		if c != '&' {
			b.WriteByte(c)
			prevShifted = false
			i++
			continue
		}
		end := strings.IndexByte(s[i+1:], '-')
		if end < 0 {
			return "", fmt.Errorf("%w: \"&\" without \"-\" at offset %d", ErrInvalid, i)
		}
		run := s[i+1 : i+1+end]
		if run == "" {
			b.WriteByte('&')
			prevShifted = false
			i += 2
			continue
		}
		if prevShifted {
			return "", fmt.Errorf("%w: adjacent shifted runs at offset %d", ErrInvalid, i)
		}
		if err := decodeRun(&b, run); err != nil {
			return "", fmt.Errorf("%w: %s at offset %d", ErrInvalid, err, i)
		}
		prevShifted = true
		i += end + 2
	}
	return b.String(), nil
}

// Errors of decodeRun, which Decode wraps in ErrInvalid.
var (
	errAlphabet  = errors.New("not modified base64")
	errPadding   = errors.New("bad padding")
	errSurrogate = errors.New("ill-formed UTF-16")
	errASCII     = errors.New("printable ASCII encoded")
)

// decodeRun decodes the modified base64 between "&" and "-".
func decodeRun(b *strings.Builder, run string) error {
	var acc uint32
	bits := 0
	u := make([]uint16, 0, len(run)*6/16)
	for i := 0; i < len(run); i++ {
		v := decodeMap[run[i]]
		if v < 0 {
			return errAlphabet
		}
		acc = acc<<6 | uint32(v)
		bits += 6
		if bits >= 16 {
			bits -= 16
			u = append(u, uint16(acc>>bits))
		}
	}
	// What is left is padding: fewer than 6 bits, all zero.
	if bits >= 6 || acc&(1<<bits-1) != 0 || len(u) == 0 {
		return errPadding
	}
	for i := 0; i < len(u); i++ {
		r := rune(u[i])
		if utf16.IsSurrogate(r) {
			// A high surrogate, then a low one (RFC 2781 §2.2).
			if r >= 0xdc00 || i+1 == len(u) {
				return errSurrogate
			}
			if r = utf16.DecodeRune(r, rune(u[i+1])); r == utf8.RuneError {
				return errSurrogate
			}
			i++
		}
		if printable(r) {
			return errASCII
		}
		b.WriteRune(r)
	}
	return nil
}
