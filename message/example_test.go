package message_test

import (
	"fmt"
	"io"
	"strings"

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
