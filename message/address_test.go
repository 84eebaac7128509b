package message

import (
	"fmt"
	"strings"
	"testing"
)

// fmtAddrs renders a list compactly: name|route|local|domain, groups as name:[...].
func fmtAddrs(as []Address) string {
	var parts []string
	for _, a := range as {
		if a.IsGroup {
			parts = append(parts, fmt.Sprintf("%s:[%s]", a.Name, fmtAddrs(a.Members)))
			continue
		}
		parts = append(parts, fmt.Sprintf("%s|%s|%s|%s", a.Name, a.Route, a.Local, a.Domain))
	}
	return strings.Join(parts, "; ")
}

func TestParseAddressList(t *testing.T) {
	cases := []struct{ name, in, want string }{
		{"RFC 5322 A.1.1", `John Doe <jdoe@machine.example>`, "John Doe||jdoe|machine.example"},
		{"RFC 5322 A.1.1 to", `Mary Smith <mary@example.net>`, "Mary Smith||mary|example.net"},
		{"RFC 5322 A.1.2 quoted", `"Joe Q. Public" <john.q.public@example.com>`, "Joe Q. Public||john.q.public|example.com"},
		{"RFC 5322 A.1.2 list", `Mary Smith <mary@x.test>, jdoe@example.org, Who? <one@y.test>`,
			"Mary Smith||mary|x.test; ||jdoe|example.org; Who?||one|y.test"},
		{"RFC 5322 A.1.2 quoted comma", `<boss@nil.test>, "Giant; \"Big\" Box" <sysservices@example.net>`,
			`||boss|nil.test; Giant; "Big" Box||sysservices|example.net`},
		{"RFC 5322 A.1.3 group", `A Group:Ed Jones <c@a.test>,joe@where.test,John <jdoe@one.test>;`,
			"A Group:[Ed Jones||c|a.test; ||joe|where.test; John||jdoe|one.test]"},
		{"RFC 5322 A.1.3 empty group", `Undisclosed recipients:;`, "Undisclosed recipients:[]"},
		{"RFC 5322 A.5 comments", `Pete(A nice \) chap) <pete(his account)@silly.test(his host)>`, "Pete||pete|silly.test"},
		{"RFC 5322 A.5 group comments", `A Group(Some people)
     :Chris Jones <c@(Chris's host.)public.example>,
         joe@example.org,
  John <jdoe@one.test> (my dear friend); (the end of the group)`,
			"A Group:[Chris Jones||c|public.example; ||joe|example.org; John||jdoe|one.test]"},
		{"RFC 5322 A.6.1 obs phrase", `Joe Q. Public <john.q.public@example.com>`, "Joe Q. Public||john.q.public|example.com"},
		{"RFC 5322 A.6.1 obs list", `Mary Smith <@node.test:mary@example.net>, , jdoe@test  . example`,
			"Mary Smith|@node.test|mary|example.net; ||jdoe|test.example"},
		{"RFC 5322 A.6.3 obs ws", `John Doe <jdoe@machine(comment).  example>`, "John Doe||jdoe|machine.example"},
		{"comment as name", `pete@silly.test (Pete Resnick)`, "Pete Resnick||pete|silly.test"},
		{"quoted local part kept §3.4.1", `"john doe"@example.com`, `||"john doe"|example.com`},
		{"quoted local in angle", `J <"a..b"@x.test>`, `J||"a..b"|x.test`},
		{"RFC 2047 name", `=?ISO-8859-1?Q?Keld_J=F8rn_Simonsen?= <keld@dkuug.dk>`, "Keld Jørn Simonsen||keld|dkuug.dk"},
		{"RFC 2047 name koi8", `=?koi8-r?b?8NLJ18XU?= <a@b.ru>`, "Привет||a|b.ru"},
		{"RFC 6532 UTF-8", `Jörg <jörg@bücher.example>`, "Jörg||jörg|bücher.example"},
		{"domain literal", `a@[192.0.2.1]`, "||a|[192.0.2.1]"},
		{"null path", `<>`, "|||"},
		{"no domain", `undisclosed-recipients`, "||undisclosed-recipients|"},
		{"route list §4.4", `<@a.test,@b.test:x@c.test>`, "|@a.test,@b.test|x|c.test"},
		{"missing >", `Joe <joe@x.test`, "Joe||joe|x.test"},
		{"group name encoded", `=?utf-8?q?Gr=C3=BCppe?=: a@b;`, "Grüppe:[||a|b]"},
		{"unterminated quote runs to end", `"Joe <joe@x>`, `||"Joe <joe@x>|`},
	}
	for _, c := range cases {
		got, _ := ParseAddressList(c.in)
		if s := fmtAddrs(got); s != c.want {
			t.Errorf("%s:\n got %s\nwant %s", c.name, s, c.want)
		}
	}
}

func TestAddressRawName(t *testing.T) {
	as, err := ParseAddressList(`"Joe Q. Public" <a@b>, =?utf-8?q?x?= "y" <c@d>`)
	if err != nil {
		t.Fatal(err)
	}
	if as[0].RawName != "Joe Q. Public" || as[1].RawName != "=?utf-8?q?x?= y" {
		t.Errorf("RawName: %q %q", as[0].RawName, as[1].RawName)
	}
}

func TestAddressErrors(t *testing.T) {
	as, err := ParseAddressList(`good@x.test, @@@, other@y.test`)
	if err == nil {
		t.Error("no error for junk member")
	}
	if len(as) != 2 || as[1].Local != "other" {
		t.Errorf("recovery: %s", fmtAddrs(as))
	}
	if _, err := ParseAddress("a@b, c@d"); err == nil {
		t.Error("ParseAddress accepted a list")
	}
}

func TestAddressString(t *testing.T) {
	cases := []struct {
		a    Address
		want string
	}{
		{Address{Local: "a", Domain: "b"}, "a@b"},
		{Address{Name: "Joe Q. Public", Local: "a", Domain: "b"}, `"Joe Q. Public" <a@b>`},
		{Address{Name: "Jörg", Local: "a", Domain: "b"}, "=?utf-8?b?SsO2cmc=?= <a@b>"},
		{Address{Name: "G", IsGroup: true, Members: []Address{{Local: "a", Domain: "b"}}}, "G: a@b;"},
	}
	for _, c := range cases {
		if got := c.a.String(); got != c.want {
			t.Errorf("String() = %q, want %q", got, c.want)
		}
		back, err := ParseAddressList(c.a.String())
		if err != nil || len(back) != 1 || back[0].Name != c.a.Name || back[0].Addr() != c.a.Addr() {
			t.Errorf("round trip of %q: %s %v", c.want, fmtAddrs(back), err)
		}
	}
}
