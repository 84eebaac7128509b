package envelope

import (
	"errors"
	"net/netip"
	"strings"
	"testing"
)

// errAny marks a test case that must fail with a *SyntaxError of any kind.
var errAny = errors.New("any syntax error")

// rep repeats s n times.
func rep(s string, n int) string { return strings.Repeat(s, n) }

// dom builds a domain of labels of the given lengths, joined by dots.
func dom(lens ...int) string {
	labels := make([]string, len(lens))
	for i, n := range lens {
		labels[i] = rep(string(rune('a'+i%26)), n)
	}
	return strings.Join(labels, ".")
}

// checkErr asserts that err matches want: nil, errAny, or a sentinel.
func checkErr(t *testing.T, err, want error) {
	t.Helper()
	if want == nil {
		if err != nil {
			t.Fatalf("unexpected error: %v", err)
		}
		return
	}
	if err == nil {
		t.Fatalf("no error, want %v", want)
	}
	var se *SyntaxError
	if !errors.As(err, &se) {
		t.Fatalf("error %v (%T) is not a *SyntaxError", err, err)
	}
	if want != errAny && !errors.Is(err, want) {
		t.Fatalf("error %v does not wrap %v", err, want)
	}
}

type addrCase struct {
	name string // RFC section and what the case shows
	in   string
	utf8 bool
	want Address // when err is nil
	str  string  // String(); "" means in
	err  error
}

var addrCases = []addrCase{
	// Dot-string local parts, RFC 5321 §4.1.2.
	{name: "5321 §4.1.2 plain", in: "user@example.com", want: Address{"user", "example.com"}},
	{name: "5321 §4.1.2 dot-string", in: "first.last@example.com", want: Address{"first.last", "example.com"}},
	{name: "5321 §4.1.2 one-letter parts", in: "a@b", want: Address{"a", "b"}},
	{name: "5321 §4.1.2 all atext specials", in: "!#$%&'*+-/=?^_`{|}~@example.com", want: Address{"!#$%&'*+-/=?^_`{|}~", "example.com"}},
	{name: "5321 §4.1.2 subaddress", in: "user+tag@example.com", want: Address{"user+tag", "example.com"}},
	{name: "5321 §2.4 case preserved", in: "User@Example.COM", want: Address{"User", "Example.COM"}},
	{name: "5321 §4.1.2 digits and hyphens in domain", in: "u@123.a-b.example-c.com", want: Address{"u", "123.a-b.example-c.com"}},
	{name: "5321 §4.1.2 all-numeric labels are sub-domains", in: "u@1.2.3.4", want: Address{"u", "1.2.3.4"}},
	{name: "5321 §4.5.1 postmaster mailbox", in: "postmaster@example.com", want: Address{"postmaster", "example.com"}},
	// Quoted-string local parts, RFC 5321 §4.1.2.
	{name: "5321 §4.1.2 quoted with space", in: `"john doe"@example.com`, want: Address{"john doe", "example.com"}},
	{name: "5321 §4.1.2 quoted with escaped quote", in: `"a\"b"@example.com`, want: Address{`a"b`, "example.com"}},
	{name: "5321 §4.1.2 quoted with escaped backslash", in: `"a\\b"@example.com`, want: Address{`a\b`, "example.com"}},
	{name: "5321 §4.1.2 needless quotes dropped", in: `"user"@example.com`, want: Address{"user", "example.com"}, str: "user@example.com"},
	{name: "5321 §4.1.2 needless quoted-pairs dropped", in: `"\u\s\e\r"@example.com`, want: Address{"user", "example.com"}, str: "user@example.com"},
	{name: "5321 §4.1.2 empty quoted-string", in: `""@example.com`, want: Address{"", "example.com"}},
	{name: "5321 §4.1.2 quoted trailing dot", in: `"user."@example.com`, want: Address{"user.", "example.com"}},
	{name: "5321 §4.1.2 quoted double dot", in: `"a..b"@example.com`, want: Address{"a..b", "example.com"}},
	{name: "5321 §4.1.2 quoted at sign", in: `"a@b"@example.com`, want: Address{"a@b", "example.com"}},
	{name: "5321 §4.1.2 quoted angle bracket and space", in: `"a> b"@example.com`, want: Address{"a> b", "example.com"}},
	{name: "5321 §4.1.2 escaped space", in: `"a\ b"@example.com`, want: Address{"a b", "example.com"}, str: `"a b"@example.com`},
	{name: "5321 §4.1.2 only a space", in: `" "@example.com`, want: Address{" ", "example.com"}},
	{name: "5321 §4.1.2 quoted comma and colon", in: `"a,b:c"@example.com`, want: Address{"a,b:c", "example.com"}},
	// Address literals, RFC 5321 §4.1.3.
	{name: "5321 §4.1.3 IPv4 literal", in: "user@[192.0.2.1]", want: Address{"user", "[192.0.2.1]"}},
	{name: "5321 §4.1.3 IPv4 Snum with leading zeros", in: "user@[192.000.002.001]", want: Address{"user", "[192.000.002.001]"}},
	{name: "5321 §4.1.3 IPv6 compressed", in: "user@[IPv6:2001:db8::1]", want: Address{"user", "[IPv6:2001:db8::1]"}},
	{name: "5321 §4.1.3 IPv6 full", in: "user@[IPv6:2001:db8:0:0:0:0:0:1]", want: Address{"user", "[IPv6:2001:db8:0:0:0:0:0:1]"}},
	{name: "5321 §4.1.3 IPv6 tag any case", in: "user@[ipv6:2001:DB8::1]", want: Address{"user", "[ipv6:2001:DB8::1]"}},
	{name: "5321 §4.1.3 IPv6v4-comp IPv4-mapped", in: "user@[IPv6:::ffff:192.0.2.1]", want: Address{"user", "[IPv6:::ffff:192.0.2.1]"}},
	{name: "5321 §4.1.3 IPv6v4-full", in: "user@[IPv6:2001:db8:0:0:0:0:192.0.2.1]", want: Address{"user", "[IPv6:2001:db8:0:0:0:0:192.0.2.1]"}},
	{name: "5321 §4.1.3 IPv6 loopback", in: "user@[IPv6:::1]", want: Address{"user", "[IPv6:::1]"}},
	// Length limits, RFC 5321 §4.5.3.1.
	{name: "5321 §4.5.3.1.1 local part of 64", in: rep("l", 64) + "@example.com", want: Address{rep("l", 64), "example.com"}},
	{name: "5321 §4.5.3.1.1 quoted local part of 64 as written", in: `"` + rep("q", 61) + ` "@x`, want: Address{rep("q", 61) + " ", "x"}},
	{name: "5321 §4.5.3.1.1 local part of 65", in: rep("l", 65) + "@example.com", err: ErrLocalPartTooLong},
	{name: "5321 §4.5.3.1.1 quoted local part of 65 as written", in: `"` + rep("q", 62) + ` "@x`, err: ErrLocalPartTooLong},
	{name: "5321 §4.5.3.1.1 local part of 1000", in: rep("l", 1000) + "@x", err: ErrLocalPartTooLong},
	{name: "1035 §2.3.4 label of 63", in: "u@" + dom(63, 3), want: Address{"u", dom(63, 3)}},
	{name: "1035 §2.3.4 label of 64", in: "u@" + dom(64, 3), err: ErrLabelTooLong},
	{name: "5321 §4.5.3.1.2 domain of 255", in: "u@" + dom(63, 63, 63, 63), want: Address{"u", dom(63, 63, 63, 63)}},
	{name: "5321 §4.5.3.1.2 domain of 256", in: "u@" + dom(63, 63, 63, 62, 1), err: ErrDomainTooLong},
	{name: "5321 §4.5.3.1.2 domain of 10000", in: "u@" + rep("a.", 5000) + "a", err: ErrDomainTooLong},
	{name: "5321 §4.5.3.1.2 address literal of 256", in: "u@[IPv6:" + rep("0", 246) + "::1]", err: ErrDomainTooLong},
	// Internationalized addresses, RFC 6531 §3.3, RFC 5890.
	{name: "6531 §3.3 A-label needs no SMTPUTF8", in: "user@xn--bcher-kva.example", want: Address{"user", "xn--bcher-kva.example"}},
	{name: "5321 §4.1.2 invalid A-label is still LDH", in: "user@xn--zz.example", want: Address{"user", "xn--zz.example"}},
	{name: "6531 §3.3 Greek", in: "δοκιμή@παράδειγμα.δοκιμή", utf8: true, want: Address{"δοκιμή", "παράδειγμα.δοκιμή"}},
	{name: "6531 §3.3 Chinese", in: "用户@例子.广告", utf8: true, want: Address{"用户", "例子.广告"}},
	{name: "6531 §3.3 U-label domain", in: "user@bücher.example", utf8: true, want: Address{"user", "bücher.example"}},
	{name: "6531 §3.3 U-label mapped for lookup", in: "user@Bücher.example", utf8: true, want: Address{"user", "Bücher.example"}},
	{name: "6531 §3.3 UTF-8 in quoted-string", in: `"jöran ö"@example.com`, utf8: true, want: Address{"jöran ö", "example.com"}},
	{name: "6531 §3.3 UTF-8 local part, ASCII domain", in: "jöran@example.com", utf8: true, want: Address{"jöran", "example.com"}},
	{name: "6531 §3.3 ASCII under SMTPUTF8", in: "user@example.com", utf8: true, want: Address{"user", "example.com"}},
	{name: "5321 §4.5.3.1.1 64 octets of UTF-8", in: rep("ü", 32) + "@x", utf8: true, want: Address{rep("ü", 32), "x"}},
	{name: "5321 §4.5.3.1.1 66 octets of UTF-8", in: rep("ü", 33) + "@x", utf8: true, err: ErrLocalPartTooLong},
	{name: "6531 §3.3 UTF-8 local part without SMTPUTF8", in: "jöran@example.com", err: ErrNeedsSMTPUTF8},
	{name: "6531 §3.3 UTF-8 quoted-string without SMTPUTF8", in: `"jö ran"@example.com`, err: ErrNeedsSMTPUTF8},
	{name: "6531 §3.3 U-label without SMTPUTF8", in: "user@bücher.example", err: ErrNeedsSMTPUTF8},
	{name: "6531 §3.3 invalid UTF-8", in: "us\xffer@example.com", utf8: true, err: errAny},
	{name: "6531 §3.3 invalid UTF-8 in domain", in: "user@b\xc3.example", utf8: true, err: errAny},
	{name: "6531 §3.3 truncated UTF-8 at end", in: "user@example.b\xc3", utf8: true, err: errAny},
	{name: "6531 §3.3 C1 control NEL", in: "us\u0085er@example.com", utf8: true, err: errAny},
	{name: "6531 §3.3 no UTF-8 in quoted-pair", in: `"\ü"@example.com`, utf8: true, err: errAny},
	{name: "5891 §4.2.3.3 ZWJ without context", in: "user@a\u200db.example", utf8: true, err: ErrIDNA},
	{name: "5891 §5.5 disallowed code point", in: "user@a\u2028b.example", utf8: true, err: ErrIDNA},
	{name: "5321 §4.1.2 ideographic full stop is not a dot", in: "user@a\u3002b.example", utf8: true, err: ErrIDNA},
	{name: "5890 §2.3.2.1 U-label whose A-label exceeds 63", in: "user@" + rep("a", 59) + "ü.example", utf8: true, err: ErrLabelTooLong},
	{name: "5890 §2.3.2.1 U-label of 171 octets, A-label of 63", in: "u@" + rep("例", 57) + ".example", utf8: true, want: Address{"u", rep("例", 57) + ".example"}},
	{name: "5890 §2.3.2.1 U-label whose A-label is 64", in: "u@" + rep("例", 58) + ".example", utf8: true, err: ErrLabelTooLong},
	{name: "5321 §4.5.3.1.2 domain over 255 in A-label form", in: "user@" + strings.Repeat("üü.", 48) + "a", utf8: true, err: ErrDomainTooLong},
	// Malformed local parts, RFC 5321 §4.1.2.
	{name: "5321 §4.1.2 empty input", in: "", err: errAny},
	{name: "5321 §4.1.2 empty local part", in: "@example.com", err: errAny},
	{name: "5321 §4.1.2 no at sign", in: "user", err: errAny},
	{name: "5321 §4.1.2 no domain", in: "user@", err: errAny},
	{name: "5321 §4.1.2 two at signs", in: "user@@example.com", err: errAny},
	{name: "5321 §4.1.2 at sign in domain", in: "a@b@example.com", err: errAny},
	{name: "5321 §4.1.2 leading dot", in: ".user@example.com", err: errAny},
	{name: "5321 §4.1.2 trailing dot", in: "user.@example.com", err: errAny},
	{name: "5321 §4.1.2 two dots", in: "us..er@example.com", err: errAny},
	{name: "5321 §4.1.2 space in dot-string", in: "us er@example.com", err: errAny},
	{name: "5321 §4.1.2 unbalanced quote", in: `"user@example.com`, err: errAny},
	{name: "5321 §4.1.2 quote inside atom", in: `us"er"@example.com`, err: errAny},
	{name: "5321 §4.1.2 text after quoted-string", in: `"a"b@example.com`, err: errAny},
	{name: "5321 §4.1.2 quoted-string and dot-string mixed", in: `"a".b@example.com`, err: errAny},
	{name: "5321 §4.1.2 backslash at end", in: `"user\`, err: errAny},
	{name: "5321 §4.1.2 backslash outside quotes", in: `us\er@example.com`, err: errAny},
	{name: "5321 §4.1.2 NUL in dot-string", in: "us\x00er@example.com", err: errAny},
	{name: "5321 §4.1.2 NUL in quoted-string", in: "\"us\x00er\"@example.com", err: errAny},
	{name: "5321 §4.1.2 CRLF in local part", in: "user\r\n@example.com", err: errAny},
	{name: "5321 §4.1.2 HTAB not in qtextSMTP", in: "\"a\tb\"@example.com", err: errAny},
	{name: "5321 §4.1.2 DEL in quoted-string", in: "\"a\x7fb\"@example.com", err: errAny},
	{name: "5321 §4.1.2 quoted-pair of a control", in: "\"a\\\x01b\"@example.com", err: errAny},
	{name: "5321 §4.1.2 leading space", in: " user@example.com", err: errAny},
	{name: "5321 §4.1.2 angle brackets are the path's", in: "<user@example.com>", err: errAny},
	{name: "5322 comments are not SMTP", in: "user(comment)@example.com", err: errAny},
	// Malformed domains, RFC 5321 §4.1.2.
	{name: "5321 §4.1.2 trailing dot in domain", in: "user@example.com.", err: errAny},
	{name: "5321 §4.1.2 leading dot in domain", in: "user@.example.com", err: errAny},
	{name: "5321 §4.1.2 empty label", in: "user@example..com", err: errAny},
	{name: "5321 §4.1.2 only a dot", in: "user@.", err: errAny},
	{name: "5321 §4.1.2 label starts with hyphen", in: "user@-example.com", err: errAny},
	{name: "5321 §4.1.2 label ends with hyphen", in: "user@example-.com", err: errAny},
	{name: "5321 §4.1.2 underscore", in: "user@exa_mple.com", err: errAny},
	{name: "5321 §4.1.2 space in domain", in: "user@exa mple.com", err: errAny},
	{name: "5321 §4.1.2 CR in domain", in: "user@example.com\r", err: errAny},
	{name: "5321 §4.1.2 NUL in domain", in: "user@exam\x00ple.com", err: errAny},
	// Malformed address literals, RFC 5321 §4.1.3.
	{name: "5321 §4.1.3 IPv6 bad hex", in: "user@[IPv6:2001:db8::g]", err: ErrAddressLiteral},
	{name: "5321 §4.1.3 IPv6 nine groups", in: "user@[IPv6:1:2:3:4:5:6:7:8:9]", err: ErrAddressLiteral},
	{name: "5321 §4.1.3 IPv6 two double colons", in: "user@[IPv6:2001::db8::1]", err: ErrAddressLiteral},
	{name: "5321 §4.1.3 IPv6 zone", in: "user@[IPv6:fe80::1%eth0]", err: ErrAddressLiteral},
	{name: "5321 §4.1.3 IPv6 tag on IPv4", in: "user@[IPv6:192.0.2.1]", err: ErrAddressLiteral},
	{name: "5321 §4.1.3 IPv6 without tag", in: "user@[2001:db8::1]", err: ErrAddressLiteral},
	{name: "5321 §4.1.3 empty IPv6", in: "user@[IPv6:]", err: ErrAddressLiteral},
	{name: "5321 §4.1.3 General-address-literal refused", in: "user@[x-foo:bar]", err: ErrAddressLiteral},
	{name: "5321 §4.1.3 General-address-literal bad tag", in: "user@[x_y:bar]", err: ErrAddressLiteral},
	{name: "5321 §4.1.3 IPv4 octet over 255", in: "user@[192.0.2.256]", err: ErrAddressLiteral},
	{name: "5321 §4.1.3 IPv4 three octets", in: "user@[192.0.2]", err: ErrAddressLiteral},
	{name: "5321 §4.1.3 IPv4 four-digit Snum", in: "user@[1920.0.2.1]", err: ErrAddressLiteral},
	{name: "5321 §4.1.3 IPv4 trailing dot", in: "user@[192.0.2.1.]", err: ErrAddressLiteral},
	{name: "5321 §4.1.3 space in literal", in: "user@[ 192.0.2.1]", err: ErrAddressLiteral},
	{name: "5321 §4.1.3 empty literal", in: "user@[]", err: ErrAddressLiteral},
	{name: "5321 §4.1.3 unterminated literal", in: "user@[192.0.2.1", err: ErrAddressLiteral},
	{name: "5321 §4.1.3 text after literal", in: "user@[192.0.2.1]x", err: errAny},
	{name: "5321 §4.1.3 literal inside domain", in: "user@a.[192.0.2.1]", err: errAny},
	{name: "6531 §3.3 no UTF-8 in literals", in: "user@[IPv6:ü]", utf8: true, err: ErrAddressLiteral},
}

// TestParseAddress runs the table and, for every accepted address, checks
// String, the parse→String→parse round trip and Validate.
func TestParseAddress(t *testing.T) {
	if len(addrCases) < 60 {
		t.Fatalf("only %d cases", len(addrCases))
	}
	for _, tc := range addrCases {
		t.Run(tc.name, func(t *testing.T) {
			opts := ParseOptions{UTF8: tc.utf8}
			got, err := ParseAddress(tc.in, opts)
			checkErr(t, err, tc.err)
			if err != nil {
				if got != (Address{}) {
					t.Errorf("got %#v with an error", got)
				}
				return
			}
			if got != tc.want {
				t.Fatalf("got %#v, want %#v", got, tc.want)
			}
			str := tc.str
			if str == "" {
				str = tc.in
			}
			if got.String() != str {
				t.Errorf("String() = %q, want %q", got.String(), str)
			}
			again, err := ParseAddress(got.String(), opts)
			if err != nil || again != got {
				t.Errorf("round trip: %#v, %v", again, err)
			}
			if err := got.Validate(opts); err != nil {
				t.Errorf("Validate: %v", err)
			}
			if !got.Equal(again) {
				t.Errorf("not Equal to itself")
			}
		})
	}
}

// TestSyntaxErrorOffset checks that errors point at the offending octet and
// that the message carries no raw input.
func TestSyntaxErrorOffset(t *testing.T) {
	cases := []struct {
		in     string
		offset int
		reason string
	}{
		{"us er@example.com", 2, "invalid character space in local part"},
		{"a..b@example.com", 2, "two dots in a row in local part"},
		{"a@example..com", 10, "empty domain label (two dots in a row)"},
		{"a@example.com.", 13, "domain ends with a dot"},
		{"a@b_c", 3, "invalid character '_' in domain"},
		{"\"ab", 3, "unterminated quoted string"},
		{"a\r\n@b", 1, "invalid character 0x0D in local part"},
		{rep("x", 70) + "@b", 64, "local part longer than 64 octets"},
		{"a@" + dom(64), 2 + 63, "domain label longer than 63 octets"},
		{"jö@b", 1, "non-ASCII address requires SMTPUTF8"},
		{"a@[1.2.3.4", 10, "address literal without closing ']'"},
	}
	for _, tc := range cases {
		_, err := ParseAddress(tc.in, ParseOptions{})
		var se *SyntaxError
		if !errors.As(err, &se) {
			t.Errorf("%q: error %v is not a *SyntaxError", tc.in, err)
			continue
		}
		if se.Offset != tc.offset || !strings.HasSuffix(se.Error(), tc.reason) || se.Kind != "address" {
			t.Errorf("%q: got offset %d, %q; want %d, %q", tc.in, se.Offset, se.Error(), tc.offset, tc.reason)
		}
		if strings.ContainsAny(se.Error(), "\r\nö") {
			t.Errorf("%q: message holds raw input: %q", tc.in, se.Error())
		}
	}
}

// TestAddressString covers RFC 5321 §4.1.2 quoting of hand-built addresses
// and the guard against injecting text through them.
func TestAddressString(t *testing.T) {
	cases := []struct {
		a     Address
		want  string
		valid bool
	}{
		{Address{"user", "example.com"}, "user@example.com", true},
		{Address{"john doe", "example.com"}, `"john doe"@example.com`, true},
		{Address{`a"b\c`, "example.com"}, `"a\"b\\c"@example.com`, true},
		{Address{".a", "example.com"}, `".a"@example.com`, true},
		{Address{"", "example.com"}, `""@example.com`, true},
		{Address{"jöran", "example.com"}, "jöran@example.com", true},
		{Address{"Postmaster", ""}, "Postmaster", false},
		{Address{}, "", false},
		{Address{"a\r\nRCPT TO:<x>", "example.com"}, `"a??RCPT TO:<x>"@example.com`, false},
		{Address{"a", "example.com\r\nX: y"}, "a@example.com??X:?y", false},
		{Address{"a", "b> AUTH=<c"}, "a@b??AUTH??c", false},
		{Address{"a\x85b", "example.com"}, `"a?b"@example.com`, false},
		{Address{"a\xffb", "example.com"}, `"a?b"@example.com`, false},
	}
	for _, tc := range cases {
		if got := tc.a.String(); got != tc.want {
			t.Errorf("%#v.String() = %q, want %q", tc.a, got, tc.want)
		}
		err := tc.a.Validate(ParseOptions{UTF8: true})
		if (err == nil) != tc.valid {
			t.Errorf("%#v.Validate() = %v, want valid=%v", tc.a, err, tc.valid)
		}
	}
}

// TestAddressEqual covers RFC 5321 §2.4 (case of local parts and domains)
// and §4.5.1 (postmaster).
func TestAddressEqual(t *testing.T) {
	cases := []struct {
		a, b Address
		want bool
	}{
		{Address{"user", "example.com"}, Address{"user", "EXAMPLE.com"}, true},
		{Address{"user", "example.com"}, Address{"User", "example.com"}, false},
		{Address{"postmaster", "example.com"}, Address{"PostMaster", "Example.com"}, true},
		{Address{"Postmaster", ""}, Address{"POSTMASTER", ""}, true},
		{Address{"postmaster", ""}, Address{"postmaster", "example.com"}, false},
		{Address{"user", "bücher.example"}, Address{"user", "xn--bcher-kva.example"}, true},
		{Address{"user", "BÜCHER.example"}, Address{"user", "XN--BCHER-KVA.EXAMPLE"}, true},
		{Address{"user", "[IPv6:2001:db8::1]"}, Address{"user", "[ipv6:2001:DB8:0:0:0:0:0:1]"}, true},
		{Address{"user", "[192.0.2.1]"}, Address{"user", "[192.000.002.001]"}, true},
		{Address{"user", "[192.0.2.1]"}, Address{"user", "[IPv6:::ffff:192.0.2.1]"}, false},
		{Address{"user", "[192.0.2.1]"}, Address{"user", "192.0.2.1"}, false},
		{Address{"user", "example.com"}, Address{"user", "example.org"}, false},
		{Address{"user", "a\u200db"}, Address{"user", "xn--ab-m1t"}, false},
	}
	for _, tc := range cases {
		if got := tc.a.Equal(tc.b); got != tc.want {
			t.Errorf("%#v.Equal(%#v) = %v, want %v", tc.a, tc.b, got, tc.want)
		}
		if got := tc.b.Equal(tc.a); got != tc.want {
			t.Errorf("Equal is not symmetric for %#v, %#v", tc.a, tc.b)
		}
	}
}

// TestIDNConversion covers U-label ↔ A-label conversion (RFC 5890,
// RFC 5891) in both directions, and RFC 6531 §3.2: a UTF-8 local part
// cannot be made ASCII.
func TestIDNConversion(t *testing.T) {
	toASCII := []struct{ in, want string }{
		{"bücher.example", "xn--bcher-kva.example"},
		{"BÜCHER.Example", "xn--bcher-kva.Example"},
		{"例え.テスト", "xn--r8jz45g.xn--zckzah"},
		{"παράδειγμα.δοκιμή", "xn--hxajbheg2az3al.xn--jxalpdlp"},
		{"faß.de", "xn--fa-hia.de"}, // IDNA2008, not transitional "fass"
		{"xn--bcher-kva.example", "xn--bcher-kva.example"},
		{"Example.COM", "Example.COM"},
		{"[IPv6:2001:db8::1]", "[IPv6:2001:db8::1]"},
	}
	for _, tc := range toASCII {
		got, err := DomainToASCII(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("DomainToASCII(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
	toUnicode := []struct{ in, want string }{
		{"xn--bcher-kva.example", "bücher.example"},
		{"XN--BCHER-KVA.example", "bücher.example"},
		{"xn--r8jz45g.xn--zckzah", "例え.テスト"},
		{"Example.COM", "Example.COM"},
		{"bücher.example", "bücher.example"},
		{"[192.0.2.1]", "[192.0.2.1]"},
	}
	for _, tc := range toUnicode {
		got, err := DomainToUnicode(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("DomainToUnicode(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
	// Invalid punycode, or punycode that decodes to a label IDNA2008
	// forbids, or to plain ASCII (RFC 5890 §2.3.2.1 "fake A-labels").
	for _, in := range []string{"xn--zz.example", "xn--bcher-kvb.example", "xn--ab-m1t.example"} {
		_, err := DomainToUnicode(in)
		checkErr(t, err, ErrIDNA)
	}
	// 57 × "例" is a 63-octet A-label but 171 octets of UTF-8: two of them
	// fit in 255 octets only as A-labels.
	long := "xn--fsq" + rep("a", 56)
	if u, err := DomainToUnicode(long); err != nil || u != rep("例", 57) {
		t.Errorf("DomainToUnicode(%q) = %q, %v", long, u, err)
	}
	if _, err := DomainToUnicode(long + "." + long); !errors.Is(err, ErrDomainTooLong) {
		t.Errorf("DomainToUnicode of a 343-octet result: %v", err)
	}
	if _, err := DomainToUnicode("xn--abc-.example"); err == nil {
		t.Errorf("DomainToUnicode accepted a label ending in a hyphen")
	}
	for _, in := range []string{"a\u200db.example", "exa mple.com", "", "a..b"} {
		if _, err := DomainToASCII(in); err == nil {
			t.Errorf("DomainToASCII(%q) accepted", in)
		}
	}

	a := Address{"user", "bücher.example"}
	ascii, err := a.ToASCII()
	if err != nil || ascii != (Address{"user", "xn--bcher-kva.example"}) || !ascii.IsASCII() || a.IsASCII() {
		t.Errorf("ToASCII = %#v, %v", ascii, err)
	}
	back, err := ascii.ToUnicode()
	if err != nil || back != a {
		t.Errorf("ToUnicode = %#v, %v", back, err)
	}
	if !a.Equal(ascii) {
		t.Errorf("U-label and A-label addresses not Equal")
	}
	if _, err := (Address{"jöran", "example.com"}).ToASCII(); !errors.Is(err, ErrUTF8LocalPart) {
		t.Errorf("ToASCII of UTF-8 local part: %v", err)
	}
	if _, err := (Address{"u", "xn--zz.example"}).ToUnicode(); !errors.Is(err, ErrIDNA) {
		t.Errorf("ToUnicode of invalid A-label: %v", err)
	}
	pm := Address{Local: "Postmaster"}
	if got, err := pm.ToASCII(); err != nil || got != pm {
		t.Errorf("ToASCII(Postmaster) = %#v, %v", got, err)
	}
}

// TestCheckHost covers the EHLO argument (RFC 5321 §4.1.1.1) and the
// domain helpers.
func TestCheckHost(t *testing.T) {
	cases := []struct {
		in         string
		utf8       bool
		host, dom_ bool // accepted by CheckHost, by CheckDomain
	}{
		{"mail.example.com", false, true, true},
		{"localhost", false, true, true},
		{"[192.0.2.1]", false, true, false},
		{"[IPv6:2001:db8::1]", false, true, false},
		{"bücher.example", false, false, false},
		{"bücher.example", true, true, true},
		{"xn--bcher-kva.example", false, true, true},
		{"", false, false, false},
		{"mail.example.com.", false, false, false},
		{"mail example", false, false, false},
		{"[192.0.2.1", false, false, false},
		{"[192.0.2.1]x", false, false, false},
		{"mail_1.example", false, false, false},
		{dom(63, 63, 63, 63), false, true, true},
		{dom(63, 63, 63, 63, 1), false, false, false},
	}
	for _, tc := range cases {
		opts := ParseOptions{UTF8: tc.utf8}
		if err := CheckHost(tc.in, opts); (err == nil) != tc.host {
			t.Errorf("CheckHost(%q, %v) = %v", tc.in, tc.utf8, err)
		}
		if err := CheckDomain(tc.in, opts); (err == nil) != tc.dom_ {
			t.Errorf("CheckDomain(%q, %v) = %v", tc.in, tc.utf8, err)
		}
	}
	ip, err := ParseAddressLiteral("[IPv6:::ffff:192.0.2.1]")
	if err != nil || ip != netip.MustParseAddr("::ffff:192.0.2.1") {
		t.Errorf("ParseAddressLiteral = %v, %v", ip, err)
	}
	ip, err = ParseAddressLiteral("[192.0.2.1]")
	if err != nil || ip != netip.MustParseAddr("192.0.2.1") {
		t.Errorf("ParseAddressLiteral = %v, %v", ip, err)
	}
	for _, in := range []string{"192.0.2.1", "[192.0.2.1]x", "[tag:x]", ""} {
		if _, err := ParseAddressLiteral(in); err == nil {
			t.Errorf("ParseAddressLiteral(%q) accepted", in)
		}
	}
}
