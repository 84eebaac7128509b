package envelope

import (
	"errors"
	"strings"
	"testing"
)

// addressSeeds are RFC 5321 and RFC 6531 examples plus oddities seen in the
// wild or near the parser's edges.
var addressSeeds = []string{
	"user@example.com",
	"first.last@sub.example.com",
	`"john doe"@example.com`,
	`"a\"b\\c"@example.com`,
	`""@example.com`,
	`"\u"@example.com`,
	"user@[192.0.2.1]",
	"user@[192.000.002.001]",
	"user@[IPv6:2001:db8::1]",
	"user@[IPv6:::ffff:192.0.2.1]",
	"user@[IPv6:fe80::1%eth0]",
	"user@[x-tag:content]",
	"user@xn--bcher-kva.example",
	"user@bücher.example",
	"δοκιμή@παράδειγμα.δοκιμή",
	"用户@例子.广告",
	"postmaster@example.com",
	"Postmaster",
	"user@example.com.",
	"user@-a.example",
	"a..b@example.com",
	"\"unterminated@example.com",
	"\"a\\",
	"us\x00er@example.com",
	"user\r\n@example.com",
	"us\u0085er@example.com",
	"us\xffer@example.com",
	"user@a\u3002b",
	"user@a\u200db",
	rep("l", 64) + "@" + dom(63, 63, 63, 63),
	rep("l", 65) + "@x",
	"u@" + dom(63, 63, 63, 62, 1),
	"u@" + rep("a", 59) + "ü.example",
	"u@" + rep("例", 57) + ".example",
	"u@xn--fsq" + rep("a", 56) + ".xn--fsq" + rep("a", 56),
	"u@XN--BCHER-KVA.example",
	"u@ｅｘａｍｐｌｅ.com",
}

// FuzzParseAddress checks that ParseAddress never panics, that its errors
// are *SyntaxError inside the input, and that every address it accepts
// formats within the RFC 5321 §4.5.3.1 limits and parses back to itself.
func FuzzParseAddress(f *testing.F) {
	for _, s := range addressSeeds {
		f.Add(s, false)
		f.Add(s, true)
	}
	f.Fuzz(func(t *testing.T, s string, utf8 bool) {
		opts := ParseOptions{UTF8: utf8}
		a, err := ParseAddress(s, opts)
		if err != nil {
			var se *SyntaxError
			if !errors.As(err, &se) || se.Offset < 0 || se.Offset > len(s) {
				t.Fatalf("bad error %#v", err)
			}
			return
		}
		checkAddress(t, a, opts)
		out := a.String()
		if len(out) > len(s) {
			t.Fatalf("String %q longer than input %q", out, s)
		}
		if !utf8 && !a.IsASCII() {
			t.Fatalf("non-ASCII %#v without UTF8", a)
		}
		checkConversions(t, a)
	})
}

// checkAddress asserts the invariants of an accepted address.
func checkAddress(t *testing.T, a Address, opts ParseOptions) {
	t.Helper()
	out := a.String()
	if len(formatLocal(a.Local)) > MaxLocalPartLength || len(a.Domain) > MaxDomainLength {
		t.Fatalf("%q exceeds the length limits", out)
	}
	b, err := ParseAddress(out, opts)
	if err != nil || b != a {
		t.Fatalf("%#v formats as %q, which parses to %#v, %v", a, out, b, err)
	}
	if err := a.Validate(opts); err != nil {
		t.Fatalf("Validate(%#v): %v", a, err)
	}
	if !a.Equal(b) {
		t.Fatalf("%#v not Equal to itself", a)
	}
	if strings.ContainsAny(out, "\r\n\x00") {
		t.Fatalf("String %q holds line breaks", out)
	}
}

// checkConversions asserts that IDN conversion of an accepted address gives
// addresses that parse and compare Equal.
func checkConversions(t *testing.T, a Address) {
	t.Helper()
	ascii, err := a.ToASCII()
	switch {
	case err != nil && asciiOnly(a.Local):
		t.Fatalf("ToASCII(%#v): %v", a, err)
	case err == nil:
		if !ascii.IsASCII() || !ascii.Equal(a) {
			t.Fatalf("ToASCII(%#v) = %#v", a, ascii)
		}
		if _, err := ParseAddress(ascii.String(), ParseOptions{}); err != nil {
			t.Fatalf("ToASCII(%#v) = %#v does not parse: %v", a, ascii, err)
		}
	}
	uni, err := a.ToUnicode()
	if err != nil {
		return // fake A-labels ("xn--zz") parse but do not decode
	}
	b, err := ParseAddress(uni.String(), ParseOptions{UTF8: true})
	if err != nil || b != uni || !uni.Equal(a) {
		t.Fatalf("ToUnicode(%#v) = %#v, reparsed %#v, %v", a, uni, b, err)
	}
}

// FuzzParsePath checks the reverse-path and forward-path parsers the same
// way, and that Cut* splits off exactly the path.
func FuzzParsePath(f *testing.F) {
	seeds := []string{
		"<>",
		"<Postmaster>",
		"<postmaster@example.com>",
		"<user@example.com> SIZE=1000 BODY=8BITMIME",
		`<"a> b"@example.com> RET=HDRS`,
		"<@a.example,@b.example:user@c.example>",
		"<@[192.0.2.1]:user@c.example>",
		"<user@[IPv6:2001:db8::1]>",
		"<用户@例子.广告> SMTPUTF8",
		"user@example.com SIZE=1",
		"postmaster",
		"<user@example.com",
		"<<>>",
		"< >",
		"<@a.example:>",
		"<user@example.com>SIZE=1",
		pathOfLen(256),
		pathOfLen(257),
		"<" + rep("@a,", 100) + "@a:u@b>",
	}
	for _, s := range seeds {
		for flags := range uint8(8) {
			f.Add(s, flags)
		}
	}
	f.Fuzz(func(t *testing.T, s string, flags uint8) {
		forward := flags&1 != 0
		opts := ParseOptions{UTF8: flags&2 != 0, AllowBareAddress: flags&4 != 0}
		parse, cut := ParseReversePath, CutReversePath
		if forward {
			parse, cut = ParseForwardPath, CutForwardPath
		}
		p, rest, err := cut(s, opts)
		if err != nil {
			var se *SyntaxError
			if !errors.As(err, &se) || se.Offset < 0 || se.Offset > len(s) {
				t.Fatalf("bad error %#v", err)
			}
			if _, err2 := parse(s, opts); err2 == nil {
				t.Fatalf("Parse accepted %q that Cut refused: %v", s, err)
			}
			return
		}
		if !strings.HasSuffix(s, rest) || rest != "" && rest[0] != ' ' {
			t.Fatalf("Cut(%q) left %q", s, rest)
		}
		if whole, err := parse(s[:len(s)-len(rest)], opts); err != nil || whole != p {
			t.Fatalf("Parse of the cut path %q = %#v, %v", s[:len(s)-len(rest)], whole, err)
		}
		out := p.String()
		if len(out) > MaxPathLength {
			t.Fatalf("String %q is %d octets", out, len(out))
		}
		again, err := parse(out, ParseOptions{UTF8: opts.UTF8})
		if err != nil || again != p {
			t.Fatalf("%#v formats as %q, which parses to %#v, %v", p, out, again, err)
		}
		switch {
		case forward && p.IsNull():
			t.Fatalf("null forward-path from %q", s)
		case !forward && p.IsPostmaster():
			t.Fatalf("<Postmaster> reverse-path from %q", s)
		case !p.IsNull() && !p.IsPostmaster():
			checkAddress(t, p.Mailbox, opts)
		}
	})
}
