package envelope

import (
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzParseParams checks that every parameter list the parsers accept
// formats into one they parse back to the same value, and that what they
// write is always a well-formed, single-line parameter list.
func FuzzParseParams(f *testing.F) {
	for _, s := range []string{
		"",
		"SIZE=1000 BODY=8BITMIME", // RFC 1870, RFC 6152
		"BODY=BINARYMIME",         // RFC 3030
		"RET=HDRS ENVID=QQ314159", // RFC 3461 §9 example
		"NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;Bob@Example.COM", // RFC 3461 §9 example
		"NOTIFY=NEVER",                      // RFC 3461 §4.1
		"ORCPT=rfc822;e+3Dmc2@example.com",  // xtext
		`ORCPT=utf-8;j\x{F6}rg@example.com`, // RFC 6533 utf-8-addr-xtext
		"ORCPT=utf-8;jörg@例え.jp",            // RFC 6533 utf-8-addr-unitext
		"AUTH=<>",                           // RFC 4954 §5
		"AUTH=e+3Dmc2@example.com",          // RFC 4954 §5 example
		"SMTPUTF8 BODY=8BITMIME",            // RFC 6531
		"REQUIRETLS",                        // RFC 8689
		"SIZE=18446744073709551615",         // uint64 max
		"SIZE=18446744073709551616",         // overflow
		"  BODY=8bitmime   size=0 ",         // odd spacing, lower case
		"XVERP MT-PRIORITY=-4 HOLDFOR=30 BY=120;R TRANSID=<a@b>", // extensions seen in the wild
		"SIZE=1 size=2",  // duplicate
		"X-A=é SMTPUTF8", // UTF-8 value
		"ENVID=a+2",      // bad xtext
		"A=1\r\nRSET",    // injection attempt
	} {
		f.Add(s, false)
		f.Add(s, true)
	}
	f.Fuzz(func(t *testing.T, s string, smtputf8 bool) {
		checkGenericParams(t, s, smtputf8)
		checkMailParams(t, s)
		checkRcptParams(t, s, smtputf8)
	})
}

func checkGenericParams(t *testing.T, s string, smtputf8 bool) {
	parse := ParseParams
	if smtputf8 {
		parse = ParseParamsUTF8
	}
	params, err := parse(s)
	if err != nil {
		return
	}
	if len(params) > MaxParams {
		t.Fatalf("%d params, over MaxParams", len(params))
	}
	for _, p := range params {
		if !p.Valid(smtputf8) {
			t.Fatalf("parsed invalid param %q", p)
		}
	}
	out := FormatParams(params)
	checkSingleLine(t, out)
	again, err := parse(out)
	if err != nil || !reflect.DeepEqual(again, params) {
		t.Fatalf("%q -> %q -> %q, %v", s, out, again, err)
	}
}

func checkMailParams(t *testing.T, s string) {
	mp, err := ParseMailParams(s)
	if err != nil {
		return
	}
	if err := mp.Validate(); err != nil {
		t.Fatalf("parsed %q fails Validate: %v", s, err)
	}
	out := mp.String()
	checkSingleLine(t, out)
	again, err := ParseMailParams(out)
	if err != nil || !reflect.DeepEqual(again, mp) {
		t.Fatalf("%q -> %q -> %+v, %v", s, out, again, err)
	}
}

func checkRcptParams(t *testing.T, s string, smtputf8 bool) {
	rp, err := ParseRcptParams(s, smtputf8)
	if err != nil {
		return
	}
	if err := rp.Validate(smtputf8); err != nil {
		t.Fatalf("parsed %q fails Validate: %v", s, err)
	}
	out := rp.Format(smtputf8)
	checkSingleLine(t, out)
	again, err := ParseRcptParams(out, smtputf8)
	if err != nil || !reflect.DeepEqual(again, rp) {
		t.Fatalf("%q -> %q -> %+v, %v", s, out, again, err)
	}
	// The 7-bit form must parse in a session without SMTPUTF8 whenever the
	// only non-ASCII text was an ORCPT address.
	if smtputf8 && len(rp.Other) == 0 {
		seven := rp.Format(false)
		if hasNonASCII(seven) {
			t.Fatalf("7-bit form %q holds non-ASCII", seven)
		}
		if _, err := ParseRcptParams(seven, false); err != nil && !strings.Contains(err.Error(), "ORCPT") {
			t.Fatalf("7-bit form %q: %v", seven, err)
		}
	}
}

func checkSingleLine(t *testing.T, s string) {
	if strings.ContainsAny(s, "\r\n\x00") {
		t.Fatalf("formatted parameters %q would split the command line", s)
	}
}

// FuzzXtext checks the xtext (RFC 3461 §4) and utf-8-addr (RFC 6533 §3)
// codecs: encoding then decoding is the identity, and decoding accepts
// nothing that does not re-encode to an equivalent, no longer form.
func FuzzXtext(f *testing.F) {
	for _, s := range []string{
		"", "abc", "a+2Bb", "e+3Dmc2", "+20", "+2b", "+", "+4", "+GG", "a b", "a=b", "\xff",
		`j\x{F6}rg`, `\x{1F600}`, `\x{10FFFF}`, `\x{110000}`, `\x{D800}`, `\x{0}`, `\x{`, `\`,
		"jörg@例え.jp", `a\x{2B}b\x{3D}c\x{5C}d\x{20}`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		enc := EncodeXtext(s)
		if dec, err := DecodeXtext(enc); err != nil || dec != s {
			t.Fatalf("xtext %q -> %q -> %q, %v", s, enc, dec, err)
		}
		if !isValue(enc, false) && enc != "" {
			t.Fatalf("xtext %q is not an esmtp-value", enc)
		}
		if dec, err := DecodeXtext(s); err == nil {
			if re := EncodeXtext(dec); len(re) > len(s) {
				t.Fatalf("re-encoding %q grew to %q", s, re)
			}
		}

		if utf8.ValidString(s) && !strings.ContainsRune(s, 0) {
			x := EncodeUTF8AddrXtext(s)
			if hasNonASCII(x) || !isValue(x, false) && x != "" {
				t.Fatalf("utf-8-addr-xtext %q is not a 7-bit esmtp-value", x)
			}
			u := EncodeUTF8AddrUnitext(s)
			if !isValue(u, true) && u != "" {
				t.Fatalf("utf-8-addr-unitext %q is not an esmtp-value", u)
			}
			for _, e := range []string{x, u} {
				if dec, err := DecodeUTF8Addr(e); err != nil || dec != s {
					t.Fatalf("utf-8-addr %q -> %q -> %q, %v", s, e, dec, err)
				}
			}
		}
		if dec, err := DecodeUTF8Addr(s); err == nil {
			if !utf8.ValidString(dec) || strings.ContainsRune(dec, 0) {
				t.Fatalf("DecodeUTF8Addr(%q) = %q: invalid UTF-8 or NUL", s, dec)
			}
			if again, err := DecodeUTF8Addr(EncodeUTF8AddrXtext(dec)); err != nil || again != dec {
				t.Fatalf("utf-8-addr round trip of %q: %q, %v", dec, again, err)
			}
		}
	})
}
