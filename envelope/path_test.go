package envelope

import (
	"errors"
	"testing"
)

type pathCase struct {
	name    string // RFC section and what the case shows
	in      string
	forward bool // RCPT TO (forward-path) rather than MAIL FROM (reverse-path)
	opts    ParseOptions
	want    Path   // when err is nil
	str     string // String(); "" means in
	err     error
}

// mailbox of the given total path length: "<" + 64 octets + "@" + domain + ">".
func pathOfLen(n int) string {
	d := n - 2 - 64 - 1 // domain octets
	lens := []int{}
	for d > 0 {
		l := min(63, d)
		if d-l == 1 { // never leave a lone dot for the last label
			l--
		}
		lens = append(lens, l)
		d -= l + 1
	}
	return "<" + rep("l", 64) + "@" + dom(lens...) + ">"
}

var bare = ParseOptions{AllowBareAddress: true}

var pathCases = []pathCase{
	// Reverse-path, RFC 5321 §4.1.1.2, §4.1.2.
	{name: "5321 §4.1.1.2 null reverse-path", in: "<>", want: Path{}},
	{name: "5321 §4.1.2 reverse-path", in: "<user@example.com>", want: Path{Address{"user", "example.com"}}},
	{name: "5321 §4.1.2 quoted local part with space and >", in: `<"a> b"@example.com>`, want: Path{Address{"a> b", "example.com"}}},
	{name: "5321 §4.1.2 quoted local part with escaped quote", in: `<"a\"b"@example.com>`, want: Path{Address{`a"b`, "example.com"}}},
	{name: "5321 §4.1.2 needless quoting dropped", in: `<"user"@example.com>`, want: Path{Address{"user", "example.com"}}, str: "<user@example.com>"},
	{name: "5321 §4.1.3 IPv4 literal", in: "<user@[192.0.2.1]>", want: Path{Address{"user", "[192.0.2.1]"}}},
	{name: "5321 §4.1.3 IPv6 literal", in: "<user@[IPv6:2001:db8::1]>", want: Path{Address{"user", "[IPv6:2001:db8::1]"}}},
	{name: "5321 §4.1.2/App C source route dropped", in: "<@a.example,@b.example:user@c.example>", want: Path{Address{"user", "c.example"}}, str: "<user@c.example>"},
	{name: "5321 App C one-hop source route", in: "<@a.example:user@c.example>", want: Path{Address{"user", "c.example"}}, str: "<user@c.example>"},
	{name: "821 §4.1.2 literal in source route", in: "<@[192.0.2.1]:user@c.example>", want: Path{Address{"user", "c.example"}}, str: "<user@c.example>"},
	{name: "5321 §4.1.1.3 Postmaster is not a reverse-path", in: "<Postmaster>", err: errAny},
	{name: "5321 §4.1.2 missing brackets", in: "user@example.com", err: errAny},
	{name: "5321 §4.1.2 missing >", in: "<user@example.com", err: errAny},
	{name: "5321 §4.1.2 missing <", in: "user@example.com>", opts: bare, err: errAny},
	{name: "5321 §4.1.2 doubled brackets", in: "<<user@example.com>>", err: errAny},
	{name: "5321 §4.1.2 space after <", in: "< user@example.com>", err: errAny},
	{name: "5321 §4.1.2 space before >", in: "<user@example.com >", err: errAny},
	{name: "5321 §4.1.2 empty input", in: "", err: errAny},
	{name: "5321 §4.1.2 lone <", in: "<", err: errAny},
	{name: "5321 §4.1.2 null path with space", in: "< >", err: errAny},
	{name: "5321 §4.1.2 source route without colon", in: "<@a.example user@b.example>", err: errAny},
	{name: "5321 §4.1.2 source route entry without @", in: "<@a.example,b.example:user@c.example>", err: errAny},
	{name: "5321 §4.1.2 empty source route domain", in: "<@:user@b.example>", err: errAny},
	{name: "5321 §4.1.2 source route without mailbox", in: "<@a.example,@b.example>", err: errAny},
	{name: "5321 §4.1.2 source route then null", in: "<@a.example:>", err: errAny},
	{name: "5321 §4.1.2 unbalanced quote", in: `<"user@example.com>`, err: errAny},
	{name: "5321 §4.1.2 CRLF inside path", in: "<user@exa\r\nmple.com>", err: errAny},
	{name: "5321 §4.1.2 NUL inside path", in: "<us\x00er@example.com>", err: errAny},
	{name: "5321 §4.1.2 text glued to path", in: "<user@example.com>SIZE=100", err: errAny},
	{name: "5321 §4.1.2 mailbox error inside path", in: "<user@example..com>", err: errAny},
	// Forward-path, RFC 5321 §4.1.1.3.
	{name: "5321 §4.1.1.3 forward-path", in: "<user@example.com>", forward: true, want: Path{Address{"user", "example.com"}}},
	{name: "5321 §4.1.1.3 <Postmaster>", in: "<Postmaster>", forward: true, want: Path{Address{Local: "Postmaster"}}},
	{name: "5321 §4.1.1.3 <postmaster> any case", in: "<postmaster>", forward: true, want: Path{Address{Local: "postmaster"}}},
	{name: "5321 §4.1.1.3 <POSTMASTER> any case", in: "<POSTMASTER>", forward: true, want: Path{Address{Local: "POSTMASTER"}}},
	{name: "5321 §4.1.1.3 <postmaster@domain>", in: "<postmaster@example.com>", forward: true, want: Path{Address{"postmaster", "example.com"}}},
	{name: "5321 §4.1.1.3 null forward-path", in: "<>", forward: true, err: ErrNullPath},
	{name: "5321 §4.1.1.3 Postmaster with suffix", in: "<Postmasterx>", forward: true, err: errAny},
	{name: "5321 §4.1.1.3 Postmaster with source route", in: "<@a.example:Postmaster>", forward: true, err: errAny},
	{name: "5321 §4.1.1.3 quoted Postmaster has no exception", in: `<"Postmaster">`, forward: true, err: errAny},
	{name: "5321 App C forward source route", in: "<@a.example,@b.example:user@c.example>", forward: true, want: Path{Address{"user", "c.example"}}, str: "<user@c.example>"},
	// Length limit, RFC 5321 §4.5.3.1.3.
	{name: "5321 §4.5.3.1.3 path of 256", in: pathOfLen(256), want: Path{Address{rep("l", 64), pathOfLen(256)[66:255]}}},
	{name: "5321 §4.5.3.1.3 path of 257", in: pathOfLen(257), err: ErrPathTooLong},
	{name: "5321 §4.5.3.1.3 longest local part and domain", in: "<" + rep("l", 64) + "@" + dom(63, 63, 63, 63) + ">", err: ErrPathTooLong},
	{name: "5321 §4.5.3.1.3 source route counts", in: "<@" + dom(63, 63, 60) + ":" + pathOfLen(256)[1:], err: ErrPathTooLong},
	{name: "5321 §4.5.3.1.3 endless source route", in: "<" + rep("@a,", 10000) + "@a:u@b>", err: ErrPathTooLong},
	{name: "5321 §4.5.3.1.1 local part over 64 in path", in: "<" + rep("l", 65) + "@example.com>", err: ErrLocalPartTooLong},
	{name: "5321 §4.5.3.1.2 domain over 255 in path", in: "<u@" + dom(63, 63, 63, 62, 1) + ">", err: ErrDomainTooLong},
	// RFC 6531 §3.3: UTF-8 only under SMTPUTF8.
	{name: "6531 §3.3 UTF-8 path", in: "<用户@例子.广告>", opts: ParseOptions{UTF8: true}, want: Path{Address{"用户", "例子.广告"}}},
	{name: "6531 §3.3 UTF-8 path without SMTPUTF8", in: "<用户@例子.广告>", err: ErrNeedsSMTPUTF8},
	{name: "6531 §3.3 U-label in source route without SMTPUTF8", in: "<@bücher.example:u@example.com>", err: ErrNeedsSMTPUTF8},
	{name: "6531 §3.3 A-label path", in: "<u@xn--bcher-kva.example>", want: Path{Address{"u", "xn--bcher-kva.example"}}},
	// Lenient bare addresses, an option; RFC 5321 §4.1.2 requires brackets.
	{name: "lenient bare reverse-path", in: "user@example.com", opts: bare, want: Path{Address{"user", "example.com"}}, str: "<user@example.com>"},
	{name: "lenient bare quoted local part", in: `"a b"@example.com`, opts: bare, want: Path{Address{"a b", "example.com"}}, str: `<"a b"@example.com>`},
	{name: "lenient bare Postmaster", in: "postmaster", forward: true, opts: bare, want: Path{Address{Local: "postmaster"}}, str: "<postmaster>"},
	{name: "lenient still takes brackets", in: "<user@example.com>", opts: bare, want: Path{Address{"user", "example.com"}}},
	{name: "lenient null path needs brackets", in: "<>", opts: bare, want: Path{}},
	{name: "lenient empty is not null", in: "", opts: bare, err: errAny},
	{name: "lenient bare of 254", in: pathOfLen(256)[1:255], opts: bare, want: Path{Address{rep("l", 64), pathOfLen(256)[66:255]}}, str: pathOfLen(256)},
	{name: "lenient bare of 255", in: pathOfLen(257)[1:256], opts: bare, err: ErrPathTooLong},
}

// TestParsePath runs the table through ParseReversePath/ParseForwardPath
// and Cut*, and checks String and the parse→String→parse round trip.
func TestParsePath(t *testing.T) {
	for _, tc := range pathCases {
		t.Run(tc.name, func(t *testing.T) {
			parse, cut := ParseReversePath, CutReversePath
			if tc.forward {
				parse, cut = ParseForwardPath, CutForwardPath
			}
			got, err := parse(tc.in, tc.opts)
			checkErr(t, err, tc.err)
			var se *SyntaxError
			if errors.As(err, &se) && se.Kind != pathKind(tc.forward) {
				t.Errorf("Kind = %q", se.Kind)
			}
			cgot, rest, cerr := cut(tc.in+" SIZE=1", tc.opts)
			if (cerr == nil) != (err == nil) || cgot != got || err == nil && rest != " SIZE=1" {
				t.Errorf("Cut with parameters: %#v, %q, %v", cgot, rest, cerr)
			}
			if err != nil {
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
			again, err := parse(got.String(), ParseOptions{UTF8: tc.opts.UTF8})
			if err != nil || again != got {
				t.Errorf("round trip: %#v, %v", again, err)
			}
			if len(got.String()) > MaxPathLength {
				t.Errorf("String() is %d octets", len(got.String()))
			}
		})
	}
}

// TestCutPath checks where a path ends when ESMTP parameters follow
// (RFC 5321 §4.1.1.2: "MAIL FROM:" Reverse-path [SP Mail-parameters]).
func TestCutPath(t *testing.T) {
	cases := []struct {
		in, rest string
		want     Path
	}{
		{"<user@example.com> SIZE=100 BODY=8BITMIME", " SIZE=100 BODY=8BITMIME", Path{Address{"user", "example.com"}}},
		{`<"a b> c"@example.com> BODY=8BITMIME`, " BODY=8BITMIME", Path{Address{"a b> c", "example.com"}}},
		{"<> RET=HDRS", " RET=HDRS", Path{}},
		{"<user@example.com>", "", Path{Address{"user", "example.com"}}},
		{"<user@example.com>  ", "  ", Path{Address{"user", "example.com"}}},
	}
	for _, tc := range cases {
		got, rest, err := CutReversePath(tc.in, ParseOptions{})
		if err != nil || got != tc.want || rest != tc.rest {
			t.Errorf("CutReversePath(%q) = %#v, %q, %v", tc.in, got, rest, err)
		}
	}
	got, rest, err := CutForwardPath("<Postmaster> NOTIFY=NEVER", ParseOptions{})
	if err != nil || !got.IsPostmaster() || rest != " NOTIFY=NEVER" {
		t.Errorf("CutForwardPath(<Postmaster>) = %#v, %q, %v", got, rest, err)
	}
	got, rest, err = CutReversePath("user@example.com SIZE=1", bare)
	if err != nil || got.Mailbox != (Address{"user", "example.com"}) || rest != " SIZE=1" {
		t.Errorf("bare CutReversePath = %#v, %q, %v", got, rest, err)
	}
}

// TestPathPredicates covers IsNull and IsPostmaster (RFC 5321 §4.1.1.3,
// §4.5.5).
func TestPathPredicates(t *testing.T) {
	null, _ := ParseReversePath("<>", ParseOptions{})
	pm, _ := ParseForwardPath("<PostMaster>", ParseOptions{})
	pmd, _ := ParseForwardPath("<postmaster@example.com>", ParseOptions{})
	empty, _ := ParseForwardPath(`<""@example.com>`, ParseOptions{})
	switch {
	case !null.IsNull() || null.IsPostmaster() || null.String() != "<>":
		t.Errorf("null path: %#v", null)
	case pm.IsNull() || !pm.IsPostmaster():
		t.Errorf("<PostMaster>: %#v", pm)
	case pmd.IsNull() || pmd.IsPostmaster() || !pmd.Mailbox.IsPostmaster():
		t.Errorf("<postmaster@example.com>: %#v", pmd)
	case empty.IsNull() || empty.String() != `<""@example.com>`:
		t.Errorf(`<""@example.com>: %#v`, empty)
	}
}
