package envelope_test

import (
	"fmt"
	"net/netip"
	"strings"
	"time"

	"github.com/mailstack/mailstack/envelope"
)

func ExampleReceived() {
	r := envelope.Received{
		FromHelo: "client.example", // as the client sent it: escaped if hostile
		FromHost: "rdns.example.net",
		FromIP:   netip.MustParseAddr("192.0.2.1"),
		By:       "mx.example.org",
		With:     envelope.WithProtocol{ESMTP: true, TLS: true}.Name(),
		ID:       "4Tq2Lm0Zb9z",
		For:      &envelope.Address{Local: "bob", Domain: "example.org"},
		Date:     time.Date(2024, 3, 5, 9, 7, 3, 0, time.UTC),
	}
	// Lines end in CRLF; shown here as plain newlines.
	fmt.Print(strings.ReplaceAll(r.String(), "\r\n", "\n"))
	// Output:
	// Received: from client.example (rdns.example.net [192.0.2.1]) by mx.example.org
	// 	with ESMTPS id 4Tq2Lm0Zb9z for <bob@example.org>;
	// 	Tue, 5 Mar 2024 09:07:03 +0000
}
