package message

import (
	"io"
	"testing"
)

var io_ErrUnexpectedEOF = io.ErrUnexpectedEOF

func TestDecodeText(t *testing.T) {
	cases := []struct{ name, in, want string }{
		{"RFC 2047 §8 a", "=?ISO-8859-1?Q?a?=", "a"},
		{"RFC 2047 §8 a b", "=?ISO-8859-1?Q?a?= b", "a b"},
		{"RFC 2047 §8 adjacent", "=?ISO-8859-1?Q?a?= =?ISO-8859-1?Q?b?=", "ab"},
		{"RFC 2047 §8 folded ws", "=?ISO-8859-1?Q?a?=\r\n   =?ISO-8859-1?Q?b?=", "ab"},
		{"RFC 2047 §8 underscore", "=?ISO-8859-1?Q?a_b?=", "a b"},
		{"RFC 2047 §8 two charsets", "=?ISO-8859-1?Q?a?= =?ISO-8859-2?Q?_b?=", "a b"},
		{"RFC 2047 §8 Keld", "=?ISO-8859-1?Q?Keld_J=F8rn_Simonsen?=", "Keld Jørn Simonsen"},
		{"RFC 2047 §8 B", "=?ISO-8859-1?B?SWYgeW91IGNhbiByZWFkIHRoaXMgeW8=?=", "If you can read this yo"},
		{"RFC 2231 §5 language", "=?US-ASCII*EN?Q?Keith_Moore?=", "Keith Moore"},
		{"split UTF-8 char across words", "=?utf-8?q?caf=C3?= =?utf-8?q?=A9?=", "café"},
		{"koi8-r", "=?koi8-r?b?8NLJ18XU?=", "Привет"},
		{"shift_jis", "=?shift_jis?B?k/qWe4zq?=", "日本語"},
		{"unknown charset kept", "=?x-bogus?q?abc?= tail", "=?x-bogus?q?abc?= tail"},
		{"not a word", "a =?utf-8?x?bad?= b", "a =?utf-8?x?bad?= b"},
		{"touching text", "Re:=?utf-8?q?x?=", "Re:x"},
		{"bad base64 kept", "=?utf-8?b?!!!?=", "=?utf-8?b?!!!?="},
		{"8-bit raw latin1", "caf\xe9", "caf\uFFFD"},
		{"RFC 6532 UTF-8", "café", "café"},
	}
	for _, c := range cases {
		if got := DecodeText([]byte(c.in)); got != c.want {
			t.Errorf("%s: DecodeText(%q) = %q, want %q", c.name, c.in, got, c.want)
		}
	}
}

func TestEncodeText(t *testing.T) {
	for _, s := range []string{"plain ascii", "Grüße aus Köln", "日本語のテキスト", "a =?q?b?= c", "x\x01y", "€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€"} {
		enc := EncodeText(s)
		if needsEncoding(s) == (enc == s) {
			t.Errorf("EncodeText(%q) = %q", s, enc)
		}
		for _, w := range splitWSP(enc) {
			if len(w.text) > maxEncodedWord {
				t.Errorf("word %q longer than 75 (RFC 2047 §2)", w.text)
			}
		}
		if got := DecodeText([]byte(enc)); got != s {
			t.Errorf("round trip %q -> %q -> %q", s, enc, got)
		}
	}
}
