package envelope

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

func TestParseParams(t *testing.T) {
	tests := []struct {
		name string
		in   string
		utf8 bool
		want []Param
		err  error
	}{
		{"RFC 5321 §4.1.2 empty", "", false, nil, nil},
		{"RFC 5321 §4.1.2 spaces only", "   ", false, nil, nil},
		{"RFC 5321 §4.1.2 keyword only", "SMTPUTF8", false, []Param{{"SMTPUTF8", ""}}, nil},
		{"RFC 5321 §4.1.2 keyword=value", "SIZE=100", false, []Param{{"SIZE", "100"}}, nil},
		{"RFC 5321 §4.1.2 leading space after path", " SIZE=100 BODY=8BITMIME", false,
			[]Param{{"SIZE", "100"}, {"BODY", "8BITMIME"}}, nil},
		{"RFC 5321 §4.1.2 repeated spaces tolerated", "A=1   B=2 ", false, []Param{{"A", "1"}, {"B", "2"}}, nil},
		{"RFC 5321 §4.1.2 keyword with digit and hyphen", "X-1A=v", false, []Param{{"X-1A", "v"}}, nil},
		{"RFC 5321 §4.1.2 keyword starting with digit", "8BIT", false, []Param{{"8BIT", ""}}, nil},
		{"RFC 5321 §4.1.2 value with punctuation", "X=<>!~", false, []Param{{"X", "<>!~"}}, nil},
		{"RFC 5321 §4.1.2 keyword case kept", "size=1", false, []Param{{"size", "1"}}, nil},
		{"RFC 5321 §4.1.2 empty value", "SIZE=", false, nil, ErrParamSyntax},
		{"RFC 5321 §4.1.2 value with =", "X=a=b", false, nil, ErrParamSyntax},
		{"RFC 5321 §4.1.2 no keyword", "=1", false, nil, ErrParamSyntax},
		{"RFC 5321 §4.1.2 keyword starting with hyphen", "-X=1", false, nil, ErrParamSyntax},
		{"RFC 5321 §4.1.2 keyword with underscore", "X_Y=1", false, nil, ErrParamSyntax},
		{"RFC 5321 §4.1.2 tab is not a separator", "A=1\tB=2", false, nil, ErrParamSyntax},
		{"RFC 5321 §4.1.2 control char in value", "A=1\x00", false, nil, ErrParamSyntax},
		{"RFC 5321 §4.1.2 CR in value", "A=1\r\nRSET", false, nil, ErrParamSyntax},
		{"RFC 5321 §4.1.2 DEL in value", "A=\x7f", false, nil, ErrParamSyntax},
		{"RFC 5321 §4.1.2 duplicate", "SIZE=1 SIZE=2", false, nil, ErrParamDuplicate},
		{"RFC 5321 §4.1.2 duplicate differs in case", "SIZE=1 size=2", false, nil, ErrParamDuplicate},
		{"RFC 5321 §4.1.2 duplicate unknown", "X-A X-A", false, nil, ErrParamDuplicate},
		{"RFC 6531 §3.3 UTF-8 value refused without SMTPUTF8", "X=é", false, nil, ErrParamSyntax},
		{"RFC 6531 §3.3 UTF-8 value with SMTPUTF8", "X=é", true, []Param{{"X", "é"}}, nil},
		{"RFC 6531 §3.3 invalid UTF-8 refused", "X=\xff", true, nil, ErrParamSyntax},
		{"RFC 6531 §3.3 UTF-8 keyword refused", "É=1", true, nil, ErrParamSyntax},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			parse := ParseParams
			if tt.utf8 {
				parse = ParseParamsUTF8
			}
			got, err := parse(tt.in)
			if tt.err != nil {
				if !errors.Is(err, tt.err) {
					t.Fatalf("ParseParams(%q) error = %v, want %v", tt.in, err, tt.err)
				}
				var pe *ParamError
				if !errors.As(err, &pe) {
					t.Fatalf("error %T is not a *ParamError", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseParams(%q): %v", tt.in, err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("ParseParams(%q) = %#v, want %#v", tt.in, got, tt.want)
			}
		})
	}
}

func TestParseParamsLimit(t *testing.T) {
	var b strings.Builder
	for i := 0; i <= MaxParams; i++ {
		b.WriteString(" X")
		b.WriteString(strings.Repeat("A", i+1))
	}
	if _, err := ParseParams(b.String()); !errors.Is(err, ErrParamTooMany) {
		t.Fatalf("error = %v, want ErrParamTooMany", err)
	}
	params, err := ParseParams(strings.TrimPrefix(b.String()[:strings.LastIndexByte(b.String(), ' ')], " "))
	if err != nil || len(params) != MaxParams {
		t.Fatalf("%d params: err %v, want none", len(params), err)
	}
}

func TestFormatParamsDropsInvalid(t *testing.T) {
	got := FormatParams([]Param{
		{"SIZE", "10"},
		{"X", "a\r\nRSET"}, // would split the command line
		{"Y Z", ""},
		{"", "v"},
		{"B", "a=b"},
		{"U", "é"},
	})
	if got != "SIZE=10 U=é" {
		t.Fatalf("FormatParams = %q", got)
	}
}

func TestParseMailParams(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want MailParams
		err  error
	}{
		{"RFC 5321 §4.1.1.2 none", "", MailParams{}, nil},
		{"RFC 1870 §3 SIZE", "SIZE=12345", MailParams{Size: 12345, HasSize: true}, nil},
		{"RFC 1870 §3 SIZE=0", "SIZE=0", MailParams{HasSize: true}, nil},
		{"RFC 1870 §3 SIZE max uint64", "SIZE=18446744073709551615", MailParams{Size: 1<<64 - 1, HasSize: true}, nil},
		{"RFC 1870 §3 SIZE overflow", "SIZE=18446744073709551616", MailParams{}, ErrParamValue},
		{"RFC 1870 §3 SIZE 21 digits", "SIZE=000000000000000000001", MailParams{}, ErrParamValue},
		{"RFC 1870 §3 SIZE negative", "SIZE=-1", MailParams{}, ErrParamValue},
		{"RFC 1870 §3 SIZE not a number", "SIZE=10k", MailParams{}, ErrParamValue},
		{"RFC 1870 §3 SIZE without value", "SIZE", MailParams{}, ErrParamValue},
		{"RFC 6152 §2 BODY=7BIT", "BODY=7BIT", MailParams{Body: Body7Bit}, nil},
		{"RFC 6152 §2 BODY=8BITMIME", "BODY=8BITMIME", MailParams{Body: Body8BitMIME}, nil},
		{"RFC 6152 §2 BODY case-insensitive", "body=8bitmime", MailParams{Body: Body8BitMIME}, nil},
		{"RFC 3030 §3 BODY=BINARYMIME", "BODY=BINARYMIME", MailParams{Body: BodyBinaryMIME}, nil},
		{"RFC 6152 §2 BODY unknown", "BODY=9BIT", MailParams{}, ErrParamValue},
		{"RFC 6152 §2 BODY without value", "BODY", MailParams{}, ErrParamValue},
		{"RFC 6531 §3.4 SMTPUTF8", "SMTPUTF8", MailParams{SMTPUTF8: true}, nil},
		{"RFC 6531 §3.4 SMTPUTF8 takes no value", "SMTPUTF8=YES", MailParams{}, ErrParamValue},
		{"RFC 6531 §3.3 UTF-8 value allowed with SMTPUTF8", "SMTPUTF8 X-NAME=Grüße",
			MailParams{SMTPUTF8: true, Other: []Param{{"X-NAME", "Grüße"}}}, nil},
		{"RFC 6531 §3.3 UTF-8 value before SMTPUTF8", "X-NAME=Grüße SMTPUTF8",
			MailParams{SMTPUTF8: true, Other: []Param{{"X-NAME", "Grüße"}}}, nil},
		{"RFC 6531 §3.3 UTF-8 value without SMTPUTF8", "X-NAME=Grüße", MailParams{}, ErrParamSyntax},
		{"RFC 3461 §4.3 RET=FULL", "RET=FULL", MailParams{Ret: ReturnFull}, nil},
		{"RFC 3461 §4.3 RET=HDRS", "RET=hdrs", MailParams{Ret: ReturnHeaders}, nil},
		{"RFC 3461 §4.3 RET bad", "RET=BODY", MailParams{}, ErrParamValue},
		{"RFC 3461 §4.4 ENVID", "ENVID=QQ314159", MailParams{EnvID: "QQ314159"}, nil},
		{"RFC 3461 §4.4 ENVID xtext", "ENVID=a+2Bb+3Dc+20d", MailParams{EnvID: "a+b=c d"}, nil},
		{"RFC 3461 §4.4 ENVID bad xtext", "ENVID=a+2", MailParams{}, ErrParamValue},
		{"RFC 3461 §4.4 ENVID control char", "ENVID=a+0D+0Ab", MailParams{}, ErrParamValue},
		{"RFC 3461 §4.4 ENVID 8-bit", "ENVID=a+C3+A9", MailParams{}, ErrParamValue},
		{"RFC 3461 §4.4 ENVID 100 chars", "ENVID=" + strings.Repeat("e", 100), MailParams{EnvID: strings.Repeat("e", 100)}, nil},
		{"RFC 3461 §4.4 ENVID 101 chars", "ENVID=" + strings.Repeat("e", 101), MailParams{}, ErrParamValue},
		{"RFC 4954 §5 AUTH=<>", "AUTH=<>", MailParams{Auth: AuthUnknown}, nil},
		{"RFC 4954 §5 AUTH mailbox", "AUTH=e+3Dmc2@example.com", MailParams{Auth: "e=mc2@example.com"}, nil},
		{"RFC 4954 §5 AUTH quoted local part", "AUTH=\"a+20b\"@example.com", MailParams{Auth: "\"a b\"@example.com"}, nil},
		{"RFC 4954 §5 AUTH bad xtext", "AUTH=a+zz@example.com", MailParams{}, ErrParamValue},
		{"RFC 4954 §5 AUTH control", "AUTH=a+0A@example.com", MailParams{}, ErrParamValue},
		{"RFC 4954 §5 AUTH without value", "AUTH", MailParams{}, ErrParamValue},
		{"RFC 8689 §3 REQUIRETLS", "REQUIRETLS", MailParams{RequireTLS: true}, nil},
		{"RFC 8689 §3 REQUIRETLS takes no value", "REQUIRETLS=1", MailParams{}, ErrParamValue},
		{"RFC 5321 §4.1.2 unknown kept in order", "X-B=2 SIZE=5 X-A MT-PRIORITY=3",
			MailParams{Size: 5, HasSize: true, Other: []Param{{"X-B", "2"}, {"X-A", ""}, {"MT-PRIORITY", "3"}}}, nil},
		{"RFC 5321 §4.1.2 duplicate known", "BODY=7BIT BODY=8BITMIME", MailParams{}, ErrParamDuplicate},
		{"RFC 5321 §4.1.2 duplicate known, different case", "RET=FULL ret=HDRS", MailParams{}, ErrParamDuplicate},
		{"RFC 5321 §4.1.2 everything", "SIZE=1000 BODY=8BITMIME SMTPUTF8 RET=HDRS ENVID=id1 AUTH=<> REQUIRETLS",
			MailParams{Size: 1000, HasSize: true, Body: Body8BitMIME, SMTPUTF8: true, Ret: ReturnHeaders,
				EnvID: "id1", Auth: AuthUnknown, RequireTLS: true}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseMailParams(tt.in)
			if tt.err != nil {
				var pe *ParamError
				if !errors.Is(err, tt.err) || !errors.As(err, &pe) {
					t.Fatalf("ParseMailParams(%q) error = %v, want *ParamError wrapping %v", tt.in, err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseMailParams(%q): %v", tt.in, err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("ParseMailParams(%q) = %+v, want %+v", tt.in, got, tt.want)
			}
			again, err := ParseMailParams(got.String())
			if err != nil || !reflect.DeepEqual(again, got) {
				t.Fatalf("round trip of %q via %q = %+v, %v", tt.in, got.String(), again, err)
			}
		})
	}
}

func TestMailParamsString(t *testing.T) {
	p := MailParams{
		Size: 42, HasSize: true, Body: Body8BitMIME, SMTPUTF8: true, Ret: ReturnFull,
		EnvID: "id with space+plus", Auth: "user=1@example.com", RequireTLS: true,
		Other: []Param{{"MT-PRIORITY", "4"}, {"X-Y", ""}},
	}
	want := "SIZE=42 BODY=8BITMIME SMTPUTF8 RET=FULL ENVID=id+20with+20space+2Bplus " +
		"AUTH=user+3D1@example.com REQUIRETLS MT-PRIORITY=4 X-Y"
	if got := p.String(); got != want {
		t.Fatalf("String() = %q\nwant       %q", got, want)
	}
	if err := p.Validate(); err != nil {
		t.Fatalf("Validate: %v", err)
	}
}

func TestMailParamsValidate(t *testing.T) {
	tests := []struct {
		name string
		p    MailParams
		err  error
		str  string // what String writes despite the problem
	}{
		{"RFC 6152 §2 unknown BODY", MailParams{Body: "8BIT\r\nRSET"}, ErrParamValue, ""},
		{"RFC 3461 §4.3 unknown RET", MailParams{Ret: "ALL"}, ErrParamValue, ""},
		{"RFC 3461 §4.4 ENVID with CR LF", MailParams{EnvID: "a\r\nb"}, ErrParamValue, ""},
		{"RFC 3461 §4.4 ENVID too long once encoded", MailParams{EnvID: strings.Repeat("+", 34)}, ErrParamValue, ""},
		{"RFC 4954 §5 AUTH with NUL", MailParams{Auth: "a\x00@b"}, ErrParamValue, ""},
		{"RFC 5321 §4.1.2 Other with CR LF", MailParams{Other: []Param{{"X", "1\r\nRSET"}}}, ErrParamSyntax, ""},
		{"RFC 5321 §4.1.2 Other repeats SIZE", MailParams{Size: 1, HasSize: true, Other: []Param{{"size", "2"}}}, ErrParamDuplicate, "SIZE=1"},
		{"RFC 5321 §4.1.2 Other repeated", MailParams{Other: []Param{{"X", "1"}, {"x", "2"}}}, ErrParamDuplicate, "X=1"},
		{"RFC 6531 §3.3 Other UTF-8 without SMTPUTF8", MailParams{Other: []Param{{"X", "é"}}}, ErrParamSyntax, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.p.Validate(); !errors.Is(err, tt.err) {
				t.Fatalf("Validate() = %v, want %v", err, tt.err)
			}
			if got := tt.p.String(); got != tt.str {
				t.Fatalf("String() = %q, want %q", got, tt.str)
			}
		})
	}
}

func TestParseRcptParams(t *testing.T) {
	tests := []struct {
		name     string
		in       string
		smtputf8 bool
		want     RcptParams
		err      error
	}{
		{"RFC 5321 §4.1.1.3 none", "", false, RcptParams{}, nil},
		{"RFC 3461 §4.1 NOTIFY=NEVER", "NOTIFY=NEVER", false, RcptParams{Notify: NotifyNever}, nil},
		{"RFC 3461 §4.1 NOTIFY=SUCCESS", "NOTIFY=SUCCESS", false, RcptParams{Notify: NotifySuccess}, nil},
		{"RFC 3461 §4.1 NOTIFY list", "NOTIFY=SUCCESS,FAILURE,DELAY", false,
			RcptParams{Notify: NotifySuccess | NotifyFailure | NotifyDelay}, nil},
		{"RFC 3461 §4.1 NOTIFY any order and case", "notify=delay,Failure", false,
			RcptParams{Notify: NotifyFailure | NotifyDelay}, nil},
		{"RFC 3461 §4.1 NOTIFY repeated element", "NOTIFY=DELAY,DELAY", false, RcptParams{Notify: NotifyDelay}, nil},
		{"RFC 3461 §4.1 NEVER not alone", "NOTIFY=NEVER,SUCCESS", false, RcptParams{}, ErrParamValue},
		{"RFC 3461 §4.1 NOTIFY unknown", "NOTIFY=ALWAYS", false, RcptParams{}, ErrParamValue},
		{"RFC 3461 §4.1 NOTIFY empty element", "NOTIFY=SUCCESS,,DELAY", false, RcptParams{}, ErrParamValue},
		{"RFC 3461 §4.1 NOTIFY trailing comma", "NOTIFY=SUCCESS,", false, RcptParams{}, ErrParamValue},
		{"RFC 3461 §4.1 NOTIFY no value", "NOTIFY", false, RcptParams{}, ErrParamValue},
		{"RFC 3461 §4.2 ORCPT rfc822", "ORCPT=rfc822;Bob@Example.COM", false,
			RcptParams{ORCPT: &OriginalRecipient{"rfc822", "Bob@Example.COM"}}, nil},
		{"RFC 3461 §4.2 ORCPT xtext", "ORCPT=rfc822;e+3Dmc2+2Bx@example.com", false,
			RcptParams{ORCPT: &OriginalRecipient{"rfc822", "e=mc2+x@example.com"}}, nil},
		{"RFC 3461 §4.2 ORCPT other type", "ORCPT=x400;c+3Dus", false,
			RcptParams{ORCPT: &OriginalRecipient{"x400", "c=us"}}, nil},
		{"RFC 3461 §4.2 ORCPT no type", "ORCPT=;a@b", false, RcptParams{}, ErrParamValue},
		{"RFC 3461 §4.2 ORCPT no semicolon", "ORCPT=a@b", false, RcptParams{}, ErrParamValue},
		{"RFC 3461 §4.2 ORCPT empty address", "ORCPT=rfc822;", false, RcptParams{}, ErrParamValue},
		{"RFC 3461 §4.2 ORCPT type not an atom", "ORCPT=rfc(822);a@b", false, RcptParams{}, ErrParamValue},
		{"RFC 3461 §4.2 ORCPT bad xtext", "ORCPT=rfc822;a+4@b", false, RcptParams{}, ErrParamValue},
		{"RFC 3461 §4.2 ORCPT control char", "ORCPT=rfc822;a+0D+0A@b", false, RcptParams{}, ErrParamValue},
		{"RFC 3461 §4.2 ORCPT 8-bit in rfc822", "ORCPT=rfc822;a+C3+A9@b", false, RcptParams{}, ErrParamValue},
		{"RFC 3461 §4.2 ORCPT 500 chars", "ORCPT=rfc822;" + strings.Repeat("a", 493), false,
			RcptParams{ORCPT: &OriginalRecipient{"rfc822", strings.Repeat("a", 493)}}, nil},
		{"RFC 3461 §4.2 ORCPT 501 chars", "ORCPT=rfc822;" + strings.Repeat("a", 494), false, RcptParams{}, ErrParamValue},
		{"RFC 6533 §3 utf-8-addr-xtext", `ORCPT=utf-8;j\x{F6}rg@example.com`, false,
			RcptParams{ORCPT: &OriginalRecipient{"utf-8", "jörg@example.com"}}, nil},
		{"RFC 6533 §3 utf-8-addr-xtext escaped specials", `ORCPT=UTF-8;a\x{2B}b\x{3D}c\x{5C}d\x{20}@x`, false,
			RcptParams{ORCPT: &OriginalRecipient{"UTF-8", `a+b=c\d @x`}}, nil},
		{"RFC 6533 §3 utf-8-addr-unitext", "ORCPT=utf-8;jörg@例え.jp", true,
			RcptParams{ORCPT: &OriginalRecipient{"utf-8", "jörg@例え.jp"}}, nil},
		{"RFC 6533 §3 unitext needs SMTPUTF8", "ORCPT=utf-8;jörg@example.com", false, RcptParams{}, ErrParamSyntax},
		{"RFC 6533 §3 raw + not a QCHAR", "ORCPT=utf-8;a+b@x", false, RcptParams{}, ErrParamValue},
		{"RFC 6533 §3 bare backslash", `ORCPT=utf-8;a\b@x`, false, RcptParams{}, ErrParamValue},
		{"RFC 6533 §3 surrogate", `ORCPT=utf-8;\x{D800}@x`, false, RcptParams{}, ErrParamValue},
		{"RFC 6533 §3 beyond U+10FFFF", `ORCPT=utf-8;\x{110000}@x`, false, RcptParams{}, ErrParamValue},
		{"RFC 6533 §3 NUL", `ORCPT=utf-8;\x{0}@x`, false, RcptParams{}, ErrParamValue},
		{"RFC 6533 §3 control char", `ORCPT=utf-8;\x{0A}@x`, false, RcptParams{}, ErrParamValue},
		{"RFC 6533 §3 unterminated", `ORCPT=utf-8;\x{F6`, false, RcptParams{}, ErrParamValue},
		{"RFC 6533 §3 empty braces", `ORCPT=utf-8;\x{}@x`, false, RcptParams{}, ErrParamValue},
		{"RFC 3461 §4 NOTIFY and ORCPT and unknown", "NOTIFY=FAILURE ORCPT=rfc822;u@x X-TRACE=1", false,
			RcptParams{Notify: NotifyFailure, ORCPT: &OriginalRecipient{"rfc822", "u@x"}, Other: []Param{{"X-TRACE", "1"}}}, nil},
		{"RFC 5321 §4.1.2 duplicate NOTIFY", "NOTIFY=NEVER NOTIFY=NEVER", false, RcptParams{}, ErrParamDuplicate},
		{"RFC 5321 §4.1.2 duplicate ORCPT", "ORCPT=rfc822;a@b orcpt=rfc822;c@d", false, RcptParams{}, ErrParamDuplicate},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseRcptParams(tt.in, tt.smtputf8)
			if tt.err != nil {
				var pe *ParamError
				if !errors.Is(err, tt.err) || !errors.As(err, &pe) {
					t.Fatalf("ParseRcptParams(%q) error = %v, want *ParamError wrapping %v", tt.in, err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseRcptParams(%q): %v", tt.in, err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("ParseRcptParams(%q) = %+v, want %+v", tt.in, got, tt.want)
			}
			s := got.Format(tt.smtputf8)
			again, err := ParseRcptParams(s, tt.smtputf8)
			if err != nil || !reflect.DeepEqual(again, got) {
				t.Fatalf("round trip of %q via %q = %+v, %v", tt.in, s, again, err)
			}
		})
	}
}

func TestRcptParamsFormat(t *testing.T) {
	p := RcptParams{
		Notify: NotifyDelay | NotifySuccess,
		ORCPT:  &OriginalRecipient{"utf-8", "jörg+tag@example.com"},
		Other:  []Param{{"X-A", "1"}},
	}
	if got, want := p.String(), `NOTIFY=SUCCESS,DELAY ORCPT=utf-8;j\x{F6}rg\x{2B}tag@example.com X-A=1`; got != want {
		t.Fatalf("String() = %q, want %q", got, want)
	}
	if got, want := p.Format(true), `NOTIFY=SUCCESS,DELAY ORCPT=utf-8;jörg\x{2B}tag@example.com X-A=1`; got != want {
		t.Fatalf("Format(true) = %q, want %q", got, want)
	}
	for _, utf8 := range []bool{false, true} {
		if err := p.Validate(utf8); err != nil {
			t.Fatalf("Validate(%v): %v", utf8, err)
		}
	}
}

func TestRcptParamsValidate(t *testing.T) {
	tests := []struct {
		name string
		p    RcptParams
		err  error
		str  string
	}{
		{"RFC 3461 §4.1 NEVER with SUCCESS", RcptParams{Notify: NotifyNever | NotifySuccess}, ErrParamValue, ""},
		{"RFC 3461 §4.1 unknown bits", RcptParams{Notify: 1 << 6}, ErrParamValue, ""},
		{"RFC 3461 §4.2 ORCPT type with space", RcptParams{ORCPT: &OriginalRecipient{"rfc 822", "a@b"}}, ErrParamValue, ""},
		{"RFC 3461 §4.2 ORCPT rfc822 with CR", RcptParams{ORCPT: &OriginalRecipient{"rfc822", "a\r@b"}}, ErrParamValue, ""},
		{"RFC 3461 §4.2 ORCPT too long", RcptParams{ORCPT: &OriginalRecipient{"rfc822", strings.Repeat("+", 200)}}, ErrParamValue, ""},
		{"RFC 5321 §4.1.2 Other repeats NOTIFY", RcptParams{Notify: NotifyNever, Other: []Param{{"Notify", "SUCCESS"}}}, ErrParamDuplicate, "NOTIFY=NEVER"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.p.Validate(false); !errors.Is(err, tt.err) {
				t.Fatalf("Validate() = %v, want %v", err, tt.err)
			}
			if got := tt.p.String(); got != tt.str {
				t.Fatalf("String() = %q, want %q", got, tt.str)
			}
		})
	}
}

func TestNotifyFlagsString(t *testing.T) {
	tests := []struct {
		f    NotifyFlags
		want string
	}{
		{0, ""},
		{NotifyNever, "NEVER"},
		{NotifyFailure, "FAILURE"},
		{NotifySuccess | NotifyFailure | NotifyDelay, "SUCCESS,FAILURE,DELAY"},
		{NotifyNever | NotifyDelay, ""},
	}
	for _, tt := range tests {
		if got := tt.f.String(); got != tt.want {
			t.Errorf("NotifyFlags(%d).String() = %q, want %q", tt.f, got, tt.want)
		}
	}
}

func TestParamErrorMessageQuotesInput(t *testing.T) {
	_, err := ParseMailParams("SIZE=1\x1b[31m")
	if err == nil || strings.ContainsAny(err.Error(), "\x1b") {
		t.Fatalf("error %q must quote control characters", err)
	}
}
