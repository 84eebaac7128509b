package envelope

import (
	"errors"
	"testing"
)

func TestXtext(t *testing.T) {
	tests := []struct {
		name    string
		decoded string
		encoded string
	}{
		{"RFC 3461 §4 empty", "", ""},
		{"RFC 3461 §4 plain xchars", "abc<>!~", "abc<>!~"},
		{"RFC 3461 §4 plus", "a+b", "a+2Bb"},
		{"RFC 3461 §4 equals", "e=mc2", "e+3Dmc2"},
		{"RFC 3461 §4 space", "a b", "a+20b"},
		{"RFC 3461 §4 controls", "\x00\r\n\x7f", "+00+0D+0A+7F"},
		{"RFC 3461 §4 8-bit octets", "\xc3\xa9\xff", "+C3+A9+FF"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := EncodeXtext(tt.decoded); got != tt.encoded {
				t.Errorf("EncodeXtext(%q) = %q, want %q", tt.decoded, got, tt.encoded)
			}
			got, err := DecodeXtext(tt.encoded)
			if err != nil || got != tt.decoded {
				t.Errorf("DecodeXtext(%q) = %q, %v; want %q", tt.encoded, got, err, tt.decoded)
			}
		})
	}
}

func TestDecodeXtextLenient(t *testing.T) {
	// RFC 3461 §4 wants upper-case hex; lower case is unambiguous.
	for in, want := range map[string]string{"a+2bb": "a+b", "+41": "A", "+3d": "="} {
		if got, err := DecodeXtext(in); err != nil || got != want {
			t.Errorf("DecodeXtext(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
}

func TestDecodeXtextErrors(t *testing.T) {
	for _, in := range []string{"+", "+4", "a+4", "+GG", "a b", "a=b", "\x00", "é", "\x7f", "a+-1"} {
		if _, err := DecodeXtext(in); !errors.Is(err, ErrXtextSyntax) {
			t.Errorf("DecodeXtext(%q) error = %v, want ErrXtextSyntax", in, err)
		}
	}
}

func TestUTF8Addr(t *testing.T) {
	tests := []struct {
		name    string
		decoded string
		xtext   string
		unitext string
	}{
		{"RFC 6533 §3 ASCII", "user@example.com", "user@example.com", "user@example.com"},
		{"RFC 6533 §3 two-digit form", "jörg@x", `j\x{F6}rg@x`, "jörg@x"},
		{"RFC 6533 §3 three-digit form", "\u0101@x", `\x{101}@x`, "\u0101@x"},
		{"RFC 6533 §3 four-digit form", "例@x", `\x{4F8B}@x`, "例@x"},
		{"RFC 6533 §3 five-digit form", "\U0001F600@x", `\x{1F600}@x`, "\U0001F600@x"},
		{"RFC 6533 §3 six-digit form", "\U0010FFFD@x", `\x{10FFFD}@x`, "\U0010FFFD@x"},
		{"RFC 6533 §3 xtext specials", `a+b=c\d e`, `a\x{2B}b\x{3D}c\x{5C}d\x{20}e`, `a\x{2B}b\x{3D}c\x{5C}d\x{20}e`},
		{"RFC 6533 §3 controls", "\x01\x7f", `\x{01}\x{7F}`, `\x{01}\x{7F}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := EncodeUTF8AddrXtext(tt.decoded); got != tt.xtext {
				t.Errorf("EncodeUTF8AddrXtext(%q) = %q, want %q", tt.decoded, got, tt.xtext)
			}
			if got := EncodeUTF8AddrUnitext(tt.decoded); got != tt.unitext {
				t.Errorf("EncodeUTF8AddrUnitext(%q) = %q, want %q", tt.decoded, got, tt.unitext)
			}
			for _, enc := range []string{tt.xtext, tt.unitext} {
				if got, err := DecodeUTF8Addr(enc); err != nil || got != tt.decoded {
					t.Errorf("DecodeUTF8Addr(%q) = %q, %v; want %q", enc, got, err, tt.decoded)
				}
			}
		})
	}
}

func TestUTF8AddrInvalidInput(t *testing.T) {
	// Invalid UTF-8 cannot be carried; the encoders substitute U+FFFD.
	if got := EncodeUTF8AddrXtext("a\xffb"); got != `a\x{FFFD}b` {
		t.Errorf("EncodeUTF8AddrXtext = %q", got)
	}
	if got := EncodeUTF8AddrUnitext("a\xffb"); got != `a\x{FFFD}b` {
		t.Errorf("EncodeUTF8AddrUnitext = %q", got)
	}
	for _, in := range []string{
		`\`, `\x`, `\x{`, `\x{}`, `\x{41`, `\y{41}`, `\x{G1}`, `\x{1234567}`, `\x{110000}`,
		`\x{D800}`, `\x{DFFF}`, `\x{0}`, `\x{000}`, "a+b", "a=b", "a b", "a\x00", "\xff", "\xc3",
	} {
		if _, err := DecodeUTF8Addr(in); !errors.Is(err, ErrXtextSyntax) {
			t.Errorf("DecodeUTF8Addr(%q) error = %v, want ErrXtextSyntax", in, err)
		}
	}
	// Lower-case hex and leading zeros are accepted, as Postfix does.
	if got, err := DecodeUTF8Addr(`\x{f6}\x{0041}`); err != nil || got != "öA" {
		t.Errorf("DecodeUTF8Addr lenient = %q, %v", got, err)
	}
}
