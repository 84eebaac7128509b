package message_test

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/mailstack/mailstack/message"
)

func ExampleParse() {
	raw := "From: Mary Smith <mary@example.net>\r\nSubject: =?utf-8?q?Gr=C3=BC=C3=9Fe?=\r\n" +
		"Content-Type: multipart/mixed; boundary=b\r\n\r\n" +
		"--b\r\nContent-Type: text/plain\r\n\r\nhello\r\n--b--\r\n"
	m, _ := message.Parse(strings.NewReader(raw), int64(len(raw)), nil)
	env, _ := m.Envelope()
	fmt.Printf("%s\n", m.BodyStructure().AppendIMAP(nil, false))
	fmt.Println(env.From[0].Name, env.From[0].Addr())
	sec, _ := message.ParseSection("1", "")
	r, _, _ := m.Section(sec)
	body, _ := io.ReadAll(r)
	fmt.Printf("%q\n", body)
	// Output:
	// (("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 5 0) "mixed")
	// Mary Smith mary@example.net
	// "hello"
}

func ExampleParseHeader() {
	raw := []byte("Subject: =?utf-8?q?caf=C3=A9?=\r\nX-Old: 1\r\n\r\nbody")
	h, n := message.ParseHeader(raw)
	fmt.Println(h.Text("subject"))
	h.Set("X-Old", "2")
	fmt.Printf("%q %q\n", h.Bytes(), raw[n:])
	// Output:
	// café
	// "Subject: =?utf-8?q?caf=C3=A9?=\r\nX-Old: 2\r\n\r\n" "body"
}

func ExampleBuilder() {
	b := &message.Builder{
		From:    []message.Address{{Name: "Jörg Müller", Local: "joerg", Domain: "example.org"}},
		To:      []message.Address{{Local: "bob", Domain: "example.net"}},
		Subject: "Grüße",
		Text:    "Hello Bob,\nthe report is attached.\n",
		Attachments: []message.Attachment{
			{Filename: "Übersicht.csv", ContentType: "text/csv; charset=utf-8", Body: strings.NewReader("a,b\r\n1,2\r\n")},
		},
		// Fixed for the example; leave them unset to get the current time,
		// a random Message-ID and random boundaries.
		Date:      time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC),
		MessageID: "report-1@example.org",
		Rand:      strings.NewReader(strings.Repeat("\x00", 20)),
	}
	var out strings.Builder
	if _, err := b.WriteTo(&out); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Print(strings.ReplaceAll(out.String(), "\r\n", "\n"))
	// Output:
	// Date: Wed, 01 May 2024 12:00:00 +0000
	// From: =?utf-8?b?SsO2cmcgTcO8bGxlcg==?= <joerg@example.org>
	// To: bob@example.net
	// Subject: =?utf-8?b?R3LDvMOfZQ==?=
	// Message-ID: <report-1@example.org>
	// MIME-Version: 1.0
	// Content-Type: multipart/mixed; boundary="=_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	//
	// --=_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa
	// Content-Type: text/plain; charset=utf-8
	// Content-Transfer-Encoding: 7bit
	//
	// Hello Bob,
	// the report is attached.
	//
	// --=_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa
	// Content-Type: text/csv; charset=utf-8; name*=utf-8''%C3%9Cbersicht.csv
	// Content-Transfer-Encoding: 7bit
	// Content-Disposition: attachment; filename*=utf-8''%C3%9Cbersicht.csv
	//
	// a,b
	// 1,2
	//
	// --=_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa--
}
