package mutf7

import (
	"errors"
	"strings"
	"testing"
)

func TestEncodeDecode(t *testing.T) {
	cases := []struct{ utf8, utf7 string }{
		{"", ""},
		{"INBOX", "INBOX"},
		{"~peter/mail/台北/日本語", "~peter/mail/&U,BTFw-/&ZeVnLIqe-"}, // RFC 3501 §5.1.3
		{"&", "&-"},     // RFC 3501 §5.1.3: "&" is "&-"
		{"a&b", "a&-b"}, // RFC 3501 §5.1.3
		{"A&B", "A&-B"}, // RFC 3501 §5.1.3
		{"&&", "&-&-"},  // RFC 3501 §5.1.3
		{"Entwürfe", "Entw&APw-rfe"},
		{"é&é", "&AOk-&-&AOk-"}, // "&-" may follow a shifted run
		{"é-x", "&AOk--x"},      // a "-" after the run's end is itself
		{"😀", "&2D3eAA-"},       // RFC 2781 §2.1: a surrogate pair
		{"€uro", "&IKw-uro"},
		{"\ufffd", "&,,0-"}, // U+FFFD is a character like any other
		{"a\tb", "a&AAk-b"}, // RFC 3501 §5.1.3: control characters are shifted
		{"\x7f", "&AH8-"},   // DEL is not printable
		{"日本語.Lists", "&ZeVnLIqe-.Lists"},
	}
	for _, c := range cases {
		if got := Encode(c.utf8); got != c.utf7 {
			t.Errorf("Encode(%q) = %q, want %q", c.utf8, got, c.utf7)
		}
		got, err := Decode(c.utf7)
		if err != nil || got != c.utf8 {
			t.Errorf("Decode(%q) = %q, %v, want %q", c.utf7, got, err, c.utf8)
		}
	}
	// Invalid UTF-8 is encoded as U+FFFD.
	if got := Encode("a\xffb"); got != "a&,,0-b" {
		t.Errorf("Encode of invalid UTF-8 = %q", got)
	}
}

// Each of these violates a rule of RFC 3501 §5.1.3 (or RFC 2781 for the
// UTF-16 inside).
func TestDecodeInvalid(t *testing.T) {
	cases := []struct{ in, why string }{
		{"&", `"&" without "-"`},
		{"&Jjo", `"&" without "-"`},
		{"&U,BTFw", `"&" without "-"`},
		{"\xc3\xbc", "byte 0xc3"},            // raw 8-bit: must be shifted
		{"a\tb", "byte 0x09"},                // raw control character
		{"&ü-", "not modified base64"},       // 8-bit inside a run
		{"&Jjo!-", "not modified base64"},    // '!' is not in the alphabet
		{"&Jjo/-", "not modified base64"},    // '/' is ',' in modified base64
		{"&AGE-", "printable ASCII encoded"}, // "a" must stand for itself
		{"&AGEAYQ-", "printable ASCII encoded"},
		{"&ACY-", "printable ASCII encoded"}, // "&" must be "&-"
		{"&AP-", "bad padding"},              // padding bits set
		{"&AOkA-", "bad padding"},            // 6 bits or more left over
		{"&A-", "bad padding"},               // no whole code unit
		{"&2D0-", "ill-formed UTF-16"},       // a lone high surrogate
		{"&2D3-", "bad padding"},
		{"&2D0AYQ-", "ill-formed UTF-16"}, // high surrogate, then 'a'
		{"&2D3YPQ-", "ill-formed UTF-16"}, // two high surrogates
		{"&3gA-", "ill-formed UTF-16"},    // a lone low surrogate
		{"&2D0-x", "ill-formed UTF-16"},
		{"&U,BTFw-&ZeVnLIqe-", "adjacent shifted runs"}, // must be one run
		{"&Jjo-&Jjo-", "adjacent shifted runs"},
	}
	for _, c := range cases {
		got, err := Decode(c.in)
		if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), c.why) {
			t.Errorf("Decode(%q) = %q, %v, want an error for %s", c.in, got, err, c.why)
		}
	}
}

func BenchmarkDecode(b *testing.B) {
	for b.Loop() {
		Decode("~peter/mail/&U,BTFw-/&ZeVnLIqe-")
	}
}
