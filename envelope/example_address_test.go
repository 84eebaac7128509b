package envelope_test

import (
	"errors"
	"fmt"

	"github.com/mailstack/mailstack/envelope"
)

func ExampleParseAddress() {
	a, err := envelope.ParseAddress(`"john \"jd\" doe"@Example.COM`, envelope.ParseOptions{})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("local %q, domain %q\n", a.Local, a.Domain)
	fmt.Println(a)
	fmt.Println(a.Equal(envelope.Address{Local: `john "jd" doe`, Domain: "example.com"}))

	// UTF-8 needs SMTPUTF8 (RFC 6531).
	_, err = envelope.ParseAddress("jöran@bücher.example", envelope.ParseOptions{})
	fmt.Println(errors.Is(err, envelope.ErrNeedsSMTPUTF8))
	// Output:
	// local "john \"jd\" doe", domain "Example.COM"
	// "john \"jd\" doe"@Example.COM
	// true
	// true
}

func ExampleCutReversePath() {
	// The argument of "MAIL FROM:", parameters included.
	path, params, err := envelope.CutReversePath(`<"a> b"@example.com> SIZE=1000`, envelope.ParseOptions{})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%s %q\n", path, params)

	null, _ := envelope.ParseReversePath("<>", envelope.ParseOptions{})
	fmt.Println(null.IsNull())
	// Output:
	// <"a> b"@example.com> " SIZE=1000"
	// true
}

func ExampleParseForwardPath() {
	for _, s := range []string{"<@relay.example:user@example.com>", "<Postmaster>", "<>"} {
		p, err := envelope.ParseForwardPath(s, envelope.ParseOptions{})
		if err != nil {
			fmt.Println(err)
			continue
		}
		fmt.Println(p, p.IsPostmaster())
	}
	// Output:
	// <user@example.com> false
	// <Postmaster> true
	// envelope: invalid forward-path at offset 0: null path not allowed here
}

func ExampleAddress_ToASCII() {
	a, _ := envelope.ParseAddress("info@bücher.example", envelope.ParseOptions{UTF8: true})
	ascii, _ := a.ToASCII()
	fmt.Println(ascii, ascii.IsASCII())

	_, err := envelope.Address{Local: "jöran", Domain: "example.com"}.ToASCII()
	fmt.Println(errors.Is(err, envelope.ErrUTF8LocalPart))
	// Output:
	// info@xn--bcher-kva.example true
	// true
}

func ExampleCheckHost() {
	// An EHLO argument is a domain or an address literal (RFC 5321 §4.1.1.1).
	for _, s := range []string{"mail.example.com", "[IPv6:2001:db8::25]", "mail_1.example"} {
		fmt.Println(s, envelope.CheckHost(s, envelope.ParseOptions{}) == nil)
	}
	// Output:
	// mail.example.com true
	// [IPv6:2001:db8::25] true
	// mail_1.example false
}
