package maildir

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/mailstack/mailstack/store"
)

// Delimiter is the hierarchy separator of mailbox names, as in Dovecot's
// default Maildir++ layout: folder "Lists.Go" lives in directory
// ".Lists.Go" under the root.
const Delimiter = '.'

// errBadUTF7 is returned for a malformed modified UTF-7 string.
var errBadUTF7 = errors.New("maildir: malformed modified UTF-7")

// EncodeFolderName returns the directory name (without the leading '.')
// that holds the mailbox name, encoding it in modified UTF-7 (RFC 3501
// §5.1.3) as Dovecot does on disk by default. The name is validated first
// (store.ValidateName), so no result can contain '/' or escape the root.
func EncodeFolderName(name string) (string, error) {
	if err := store.ValidateName(name, Delimiter); err != nil {
		return "", err
	}
	if store.IsInbox(name) {
		return "", fmt.Errorf("%w: INBOX is the root", store.ErrInvalidName)
	}
	return encodeUTF7(name), nil
}

// DecodeFolderName is the inverse of EncodeFolderName: it decodes a
// directory name (without the leading '.') into a mailbox name.
func DecodeFolderName(dir string) (string, error) {
	name, err := decodeUTF7(dir)
	if err != nil {
		return "", err
	}
	if err := store.ValidateName(name, Delimiter); err != nil {
		return "", err
	}
	return name, nil
}

const b64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,"

func encodeUTF7(s string) string {
	var b strings.Builder
	var units []uint16
	flush := func() {
		if len(units) == 0 {
			return
		}
		b.WriteByte('&')
		var acc uint32
		bits := 0
		for _, u := range units {
			acc = acc<<16 | uint32(u)
			bits += 16
			for bits >= 6 {
				bits -= 6
				b.WriteByte(b64[acc>>bits&63])
			}
		}
		if bits > 0 {
			b.WriteByte(b64[acc<<(6-bits)&63])
		}
		b.WriteByte('-')
		units = units[:0]
	}
	for _, r := range s {
		if r >= 0x20 && r <= 0x7e {
			flush()
			if r == '&' {
				b.WriteString("&-")
			} else {
				b.WriteRune(r)
			}
			continue
		}
		units = utf16.AppendRune(units, r)
	}
	flush()
	return b.String()
}

func decodeUTF7(s string) (string, error) {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c > 0x7e {
			return "", errBadUTF7
		}
		if c != '&' {
			b.WriteByte(c)
			continue
		}
		j := strings.IndexByte(s[i+1:], '-')
		if j < 0 {
			return "", errBadUTF7
		}
		enc := s[i+1 : i+1+j]
		i += j + 1
		if enc == "" {
			b.WriteByte('&')
			continue
		}
		if err := decodeB64Run(&b, enc); err != nil {
			return "", err
		}
	}
	return b.String(), nil
}

// decodeB64Run decodes one &...- run (RFC 3501 §5.1.3: modified BASE64 of
// UTF-16BE, no padding, must not encode printable ASCII).
func decodeB64Run(b *strings.Builder, enc string) error {
	var acc uint32
	bits := 0
	var units []uint16
	for k := 0; k < len(enc); k++ {
		v := strings.IndexByte(b64, enc[k])
		if v < 0 {
			return errBadUTF7
		}
		acc = acc<<6 | uint32(v)
		bits += 6
		if bits >= 16 {
			bits -= 16
			units = append(units, uint16(acc>>bits))
		}
	}
	if bits >= 6 || acc&(1<<bits-1) != 0 || len(units) == 0 {
		return errBadUTF7 // leftover bits must be zero padding
	}
	for _, r := range utf16.Decode(units) {
		if r == utf8.RuneError || (r >= 0x20 && r <= 0x7e) {
			return errBadUTF7
		}
		b.WriteRune(r)
	}
	return nil
}
