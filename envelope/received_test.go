package envelope

import (
	"bytes"
	"net/mail"
	"net/netip"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

func TestWithProtocolName(t *testing.T) {
	tests := []struct {
		p    WithProtocol
		want string
	}{
		{WithProtocol{}, "SMTP"}, // RFC 3848 §2 (RFC 5321 HELO)
		{WithProtocol{TLS: true, Auth: true}, "SMTP"},
		{WithProtocol{ESMTP: true}, "ESMTP"},
		{WithProtocol{ESMTP: true, Auth: true}, "ESMTPA"},
		{WithProtocol{ESMTP: true, TLS: true}, "ESMTPS"},
		{WithProtocol{ESMTP: true, TLS: true, Auth: true}, "ESMTPSA"},
		{WithProtocol{LMTP: true}, "LMTP"},
		{WithProtocol{LMTP: true, ESMTP: true}, "LMTP"},
		{WithProtocol{LMTP: true, Auth: true}, "LMTPA"},
		{WithProtocol{LMTP: true, TLS: true}, "LMTPS"},
		{WithProtocol{LMTP: true, TLS: true, Auth: true}, "LMTPSA"},
		{WithProtocol{ESMTP: true, UTF8: true}, "UTF8SMTP"}, // RFC 6531 §3.7.3
		{WithProtocol{UTF8: true}, "UTF8SMTP"},
		{WithProtocol{ESMTP: true, UTF8: true, Auth: true}, "UTF8SMTPA"},
		{WithProtocol{ESMTP: true, UTF8: true, TLS: true}, "UTF8SMTPS"},
		{WithProtocol{ESMTP: true, UTF8: true, TLS: true, Auth: true}, "UTF8SMTPSA"},
		{WithProtocol{LMTP: true, UTF8: true}, "UTF8LMTP"},
		{WithProtocol{LMTP: true, UTF8: true, Auth: true}, "UTF8LMTPA"},
		{WithProtocol{LMTP: true, UTF8: true, TLS: true}, "UTF8LMTPS"},
		{WithProtocol{LMTP: true, UTF8: true, TLS: true, Auth: true}, "UTF8LMTPSA"},
	}
	for _, tt := range tests {
		if got := tt.p.Name(); got != tt.want {
			t.Errorf("%+v.Name() = %q, want %q", tt.p, got, tt.want)
		}
	}
}

var receivedDate = time.Date(2024, 3, 5, 9, 7, 3, 0, time.FixedZone("", 3600))

func TestReceivedString(t *testing.T) {
	tests := []struct {
		name string
		r    Received
		want string
	}{
		{"RFC 5321 §4.4 full", Received{
			FromHelo: "client.example", FromHost: "rdns.example.net", FromIP: netip.MustParseAddr("192.0.2.1"),
			By: "mx.example.org", With: "ESMTPS", ID: "4Tq2Lm0Zb9z", For: &Address{"bob", "example.org"},
			Date: receivedDate,
		}, "Received: from client.example (rdns.example.net [192.0.2.1]) by mx.example.org\r\n" +
			"\twith ESMTPS id 4Tq2Lm0Zb9z for <bob@example.org>;\r\n" +
			"\tTue, 5 Mar 2024 09:07:03 +0100\r\n"},
		{"RFC 5321 §4.4 HELO equals reverse name", Received{
			FromHelo: "mail.example", FromHost: "mail.example", FromIP: netip.MustParseAddr("192.0.2.1"),
			By: "mx.example.org", With: "SMTP", Date: receivedDate,
		}, "Received: from mail.example ([192.0.2.1]) by mx.example.org with SMTP;\r\n" +
			"\tTue, 5 Mar 2024 09:07:03 +0100\r\n"},
		{"RFC 5321 §4.1.3 IPv6 literal", Received{
			FromHelo: "[IPv6:2001:db8::1]", FromIP: netip.MustParseAddr("2001:db8::1"),
			By: "mx.example.org", With: "ESMTP", Date: receivedDate,
		}, "Received: from [IPv6:2001:db8::1] by mx.example.org with ESMTP;\r\n" +
			"\tTue, 5 Mar 2024 09:07:03 +0100\r\n"},
		{"RFC 5321 §4.1.3 IPv4-mapped address unmapped", Received{
			FromHelo: "h.example", FromIP: netip.MustParseAddr("::ffff:192.0.2.7"), By: "mx", Date: receivedDate,
		}, "Received: from h.example ([192.0.2.7]) by mx; Tue, 5 Mar 2024 09:07:03 +0100\r\n"},
		{"RFC 5321 §4.4 invalid HELO goes into the comment", Received{
			FromHelo: "not a (hostname)", FromHost: "rdns.example.net", FromIP: netip.MustParseAddr("192.0.2.1"),
			By: "mx.example.org", Date: receivedDate,
		}, "Received: from rdns.example.net (helo=not a \\(hostname\\) [192.0.2.1])\r\n" +
			"\tby mx.example.org; Tue, 5 Mar 2024 09:07:03 +0100\r\n"},
		{"RFC 5321 §4.4 invalid HELO, no reverse name", Received{
			FromHelo: "x;y", FromIP: netip.MustParseAddr("192.0.2.1"), By: "mx", Date: receivedDate,
		}, "Received: from [192.0.2.1] (helo=x;y) by mx; Tue, 5 Mar 2024 09:07:03 +0100\r\n"},
		{"RFC 5321 §4.4 HELO only", Received{FromHelo: "bad helo", By: "mx", Date: receivedDate},
			"Received: from unknown (helo=bad helo) by mx; Tue, 5 Mar 2024 09:07:03 +0100\r\n"},
		{"RFC 5321 §4.4 local submission without FROM", Received{By: "mx", With: "ESMTPSA", ID: "q1", Date: receivedDate},
			"Received: by mx with ESMTPSA id q1; Tue, 5 Mar 2024 09:07:03 +0100\r\n"},
		{"RFC 5321 §4.4 TLS comment", Received{
			FromHelo: "c.example", FromIP: netip.MustParseAddr("192.0.2.1"), By: "mx.example.org", With: "ESMTPS",
			TLS: "version=TLS1.3 cipher=TLS_AES_128_GCM_SHA256", Date: receivedDate,
		}, "Received: from c.example ([192.0.2.1])\r\n" +
			"\t(version=TLS1.3 cipher=TLS_AES_128_GCM_SHA256) by mx.example.org with ESMTPS;\r\n" +
			"\tTue, 5 Mar 2024 09:07:03 +0100\r\n"},
		{"RFC 6532 UTF-8 FOR address when allowed", Received{
			By: "mx", With: "UTF8SMTP", For: &Address{"jörg", "例え.jp"}, UTF8: true, Date: receivedDate,
		}, "Received: by mx with UTF8SMTP for <jörg@例え.jp>; Tue, 5 Mar 2024 09:07:03 +0100\r\n"},
		{"RFC 6532 UTF-8 FOR address replaced when not allowed", Received{
			By: "mx", For: &Address{"jörg", "example.jp"}, Date: receivedDate,
		}, "Received: by mx for <j??rg@example.jp>; Tue, 5 Mar 2024 09:07:03 +0100\r\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.r.String()
			if got != tt.want {
				t.Fatalf("String() =\n%q\nwant\n%q", got, tt.want)
			}
			checkOneHeaderField(t, got, tt.r.UTF8)
			for _, line := range strings.Split(got, "\r\n") {
				if utf8.RuneCountInString(line) > 78 {
					t.Errorf("line longer than 78 characters: %q", line)
				}
			}
			var b bytes.Buffer
			if n, err := tt.r.WriteTo(&b); err != nil || b.String() != got || n != int64(len(got)) {
				t.Fatalf("WriteTo = %q, %d, %v", b.String(), n, err)
			}
		})
	}
}

func TestReceivedFoldsAt78(t *testing.T) {
	r := Received{
		FromHelo: "a-rather-long-client-host-name.subdomain.example.com",
		FromHost: "another-long-reverse-dns-name.isp.example.net",
		FromIP:   netip.MustParseAddr("2001:db8:1234:5678:9abc:def0:1234:5678"),
		TLS:      "version=TLS1.3 cipher=TLS_AES_256_GCM_SHA384 bits=256/256 key-exchange X25519 server-signature RSA-PSS (2048 bits)",
		By:       "mx1.mail-cluster.example.org", With: "ESMTPS", ID: "4Tq2Lm0Zb9zABCDEF",
		For:  &Address{"someone.with.a.long.name", "example.org"},
		Date: receivedDate,
	}
	s := r.String()
	checkOneHeaderField(t, s, false)
	for _, line := range strings.Split(strings.TrimSuffix(s, "\r\n"), "\r\n") {
		if len(line) > 78 {
			t.Errorf("line of %d characters: %q", len(line), line)
		}
	}
}

// TestReceivedHostileInput feeds client-controlled fields with text meant
// to add header fields, end the field early, or hide the date in a comment.
func TestReceivedHostileInput(t *testing.T) {
	hostile := []string{
		"evil\r\nX-Injected: yes",
		"evil\nX-Injected: yes",
		"evil\rX-Injected: yes",
		"evil\r\n\r\nbody",
		"(unclosed comment",
		"unopened) comment",
		"trailing backslash\\",
		"\\) escaped",
		"semi;colon; Mon, 1 Jan 2001 00:00:00 +0000",
		"\"unbalanced quote",
		"<angle>brackets>",
		"non-ASCII héllo \xff\xfe",
		"\x00nul\x7fdel\x1besc",
		"\u0085next line\u2028separator",
		strings.Repeat("x", 5000),
		strings.Repeat("(", 2000),
		strings.Repeat("\\", 2000),
		strings.Repeat("é", 2000),
	}
	for _, h := range hostile {
		for _, utf8 := range []bool{false, true} {
			fields := []Received{
				{FromHelo: h, FromIP: netip.MustParseAddr("192.0.2.1"), By: "mx"},
				{FromHelo: "ok.example", FromHost: h, By: "mx"},
				{By: h},
				{By: "mx", With: h},
				{By: "mx", ID: h},
				{By: "mx", For: &Address{h, "example.org"}},
				{By: "mx", For: &Address{"u", h}},
				{By: "mx", TLS: h},
			}
			for i, r := range fields {
				r.Date, r.UTF8 = receivedDate, utf8
				s := r.String()
				if !checkOneHeaderField(t, s, utf8) {
					t.Fatalf("field %d, input %q, utf8 %v:\n%q", i, h, utf8, s)
				}
			}
		}
	}
}

// checkOneHeaderField asserts that s is exactly one header field named
// Received whose lines fit RFC 5322 §2.1.1, whose comments are balanced,
// and whose date, after the last ";" outside comments, parses.
func checkOneHeaderField(t *testing.T, s string, allowUTF8 bool) bool {
	t.Helper()
	ok := true
	fail := func(format string, args ...any) {
		t.Errorf(format, args...)
		ok = false
	}
	if !strings.HasPrefix(s, "Received: ") || !strings.HasSuffix(s, "\r\n") {
		fail("not a Received field ending in CRLF: %q", s)
		return false
	}
	body := strings.TrimSuffix(s, "\r\n")
	for i, line := range strings.Split(body, "\r\n") {
		if strings.ContainsAny(line, "\r\n") {
			fail("bare CR or LF in line %d", i)
		}
		if i > 0 && !strings.HasPrefix(line, "\t") {
			fail("line %d is not a continuation: %q", i, line)
		}
		if len(line) > 998 {
			fail("line %d is %d octets, over RFC 5322's 998", i, len(line))
		}
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < 32 && c != '\r' && c != '\n' && c != '\t') || c == 127 || (c >= 128 && !allowUTF8) {
			fail("octet %#x at %d", c, i)
			break
		}
	}
	msg, err := mail.ReadMessage(strings.NewReader(s + "\r\nbody\r\n"))
	if err != nil {
		fail("net/mail cannot read it: %v", err)
		return false
	}
	if len(msg.Header) != 1 || len(msg.Header["Received"]) != 1 {
		fail("header holds %d fields: %v", len(msg.Header), msg.Header)
	}
	// Scan comments (with quoted-pairs) to find the last top-level ";".
	unfolded := strings.ReplaceAll(body, "\r\n", "")
	depth, semi := 0, -1
	for i := 0; i < len(unfolded); i++ {
		switch c := unfolded[i]; {
		case c == '\\' && depth > 0:
			i++
		case c == '(':
			depth++
		case c == ')' && depth > 0:
			depth--
		case c == ')':
			fail("unbalanced ')' at %d", i)
		case c == ';' && depth == 0:
			semi = i
		}
	}
	if depth != 0 {
		fail("unclosed comment")
	}
	if semi < 0 {
		fail("no ';' before the date")
		return false
	}
	if d, err := mail.ParseDate(strings.TrimSpace(unfolded[semi+1:])); err != nil || !d.Equal(receivedDate) {
		fail("date after ';' is %q: %v", unfolded[semi+1:], err)
	}
	return ok
}
