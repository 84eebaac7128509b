package imapwire

import (
	"errors"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// ErrBadUTF7 reports a mailbox name that is not valid modified UTF-7
// (RFC 3501 §5.1.3).
var ErrBadUTF7 = errors.New("imapwire: invalid modified UTF-7")

// modified base64 alphabet: RFC 2152 base64 with ',' instead of '/'.
const b64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,"

var b64dec = func() (t [256]int8) {
	for i := range t {
		t[i] = -1
	}
	for i := 0; i < len(b64); i++ {
		t[b64[i]] = int8(i)
	}
	return t
}()

// EncodeUTF7 encodes a UTF-8 mailbox name in modified UTF-7 (RFC 3501
// §5.1.3): printable ASCII stands for itself, "&" is "&-", and other
// characters are UTF-16 in modified base64 between "&" and "-". Invalid
// UTF-8 bytes are encoded as U+FFFD.
func EncodeUTF7(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c <= 0x7e {
			b.WriteByte(c)
			if c == '&' {
				b.WriteByte('-')
			}
			i++
			continue
		}
		// A run of characters outside printable ASCII.
		j := i
		var u []uint16
		for j < len(s) && (s[j] < 0x20 || s[j] > 0x7e) {
			r, n := utf8.DecodeRuneInString(s[j:])
			j += n
			u = utf16.AppendRune(u, r)
		}
		b.WriteByte('&')
		writeB64(&b, u)
		b.WriteByte('-')
		i = j
	}
	return b.String()
}

func writeB64(b *strings.Builder, u []uint16) {
	var acc uint32
	bits := 0
	for _, w := range u {
		acc = acc<<16 | uint32(w)
		bits += 16
		for bits >= 6 {
			bits -= 6
			b.WriteByte(b64[(acc>>uint(bits))&0x3f])
		}
	}
	if bits > 0 {
		b.WriteByte(b64[(acc<<uint(6-bits))&0x3f])
	}
}

// DecodeUTF7 decodes a modified UTF-7 mailbox name to UTF-8. It is strict,
// as RFC 3501 §5.1.3 requires of the encoding: no raw 8-bit or control
// bytes, no "&" run that encodes only printable ASCII, no empty "&-"
// other than for "&" itself, no two adjacent encoded runs, zero padding
// bits and well-formed UTF-16. Errors wrap ErrBadUTF7.
func DecodeUTF7(s string) (string, error) {
	if !strings.Contains(s, "&") {
		for i := 0; i < len(s); i++ {
			if s[i] < 0x20 || s[i] > 0x7e {
				return "", ErrBadUTF7
			}
		}
		return s, nil
	}
	var b strings.Builder
	prevEncoded := false
	for i := 0; i < len(s); {
		c := s[i]
		if c < 0x20 || c > 0x7e {
			return "", ErrBadUTF7
		}
		if c != '&' {
			b.WriteByte(c)
			i++
			prevEncoded = false
			continue
		}
		end := strings.IndexByte(s[i+1:], '-')
		if end < 0 {
			return "", ErrBadUTF7
		}
		run := s[i+1 : i+1+end]
		i += end + 2
		if run == "" {
			b.WriteByte('&')
			prevEncoded = false
			continue
		}
		if prevEncoded {
			return "", ErrBadUTF7 // RFC 3501 §5.1.3: runs must be merged
		}
		if err := decodeRun(&b, run); err != nil {
			return "", err
		}
		prevEncoded = true
	}
	return b.String(), nil
}

func decodeRun(b *strings.Builder, run string) error {
	var acc uint32
	bits := 0
	var u []uint16
	for i := 0; i < len(run); i++ {
		v := b64dec[run[i]]
		if v < 0 {
			return ErrBadUTF7
		}
		acc = acc<<6 | uint32(v)
		bits += 6
		if bits >= 16 {
			bits -= 16
			u = append(u, uint16(acc>>uint(bits)))
		}
	}
	// Leftover bits are padding and must be fewer than 6, all zero.
	if bits >= 6 || acc&(1<<uint(bits)-1) != 0 || len(u) == 0 {
		return ErrBadUTF7
	}
	for i := 0; i < len(u); i++ {
		w := u[i]
		var r rune
		switch {
		case utf16.IsSurrogate(rune(w)):
			if w >= 0xdc00 || i+1 == len(u) {
				return ErrBadUTF7
			}
			r = utf16.DecodeRune(rune(w), rune(u[i+1]))
			if r == utf8.RuneError {
				return ErrBadUTF7
			}
			i++
		default:
			r = rune(w)
		}
		if r >= 0x20 && r <= 0x7e {
			return ErrBadUTF7 // printable ASCII must represent itself
		}
		b.WriteRune(r)
	}
	return nil
}
