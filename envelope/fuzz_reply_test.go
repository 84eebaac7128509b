package envelope

import (
	"bufio"
	"bytes"
	"reflect"
	"strings"
	"testing"
)

var replySeeds = []string{
	"220 mx.example.org ESMTP Postfix\r\n",
	"250-mx.example.org\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n250-ETRN\r\n250-STARTTLS\r\n" +
		"250-ENHANCEDSTATUSCODES\r\n250-8BITMIME\r\n250-DSN\r\n250-SMTPUTF8\r\n250 CHUNKING\r\n", // Postfix EHLO
	"250 2.1.0 Ok\r\n",
	"354 End data with <CR><LF>.<CR><LF>\r\n",
	"550-5.7.1 [192.0.2.1] The IP you're using to send mail is not authorized to\r\n" +
		"550-5.7.1 send email directly to our servers. Please use the SMTP relay at your\r\n" +
		"550 5.7.1 service provider instead. https://support.google.com/mail/?p=NotAuthorizedError\r\n", // Gmail
	"421 4.7.0 Try again later, closing connection.\r\n",
	"550 5.1.1 <nobody@example.org>: Recipient address rejected: User unknown in local recipient table\r\n",
	"452 4.5.3 Error: too many recipients\r\n",
	"250\r\n",
	"250-\r\n250 \r\n",
	"250 ok\n",                // bare LF
	"550 2.0.0 odd class\r\n", // enhanced code of the wrong class is text
	"250-a\r\n251 b\r\n",      // mismatched codes
	"2500 x\r\n",
	"250 a\rb\r\n",
	"556 5.1.10 null MX\r\n",
	"250 " + strings.Repeat("x", 600) + "\r\n",
}

// FuzzReadReply feeds ReadReply arbitrary input under arbitrary limits. It
// must never panic or exceed its limits, and any reply it accepts must
// survive WriteTo and ReadReply unchanged (up to the normalisation WriteTo
// documents).
func FuzzReadReply(f *testing.F) {
	for _, s := range replySeeds {
		f.Add([]byte(s), uint16(0), uint8(0))
		f.Add([]byte(s), uint16(512), uint8(5))
	}
	f.Fuzz(func(t *testing.T, data []byte, maxLine uint16, maxLines uint8) {
		opts := &ReadReplyOptions{MaxLineLength: int(maxLine), MaxLines: int(maxLines)}
		lineLimit, lineCount := opts.limits()
		r, err := ReadReply(bufio.NewReader(bytes.NewReader(data)), opts)
		if err != nil {
			return
		}
		if len(r.Lines) > lineCount {
			t.Fatalf("%d lines, limit %d", len(r.Lines), lineCount)
		}
		for _, l := range r.Lines {
			// A line holds at least "250-" and "\n" besides its text.
			if l != "" && len(l)+5 > lineLimit {
				t.Fatalf("text of %d octets read under a line limit of %d", len(l), lineLimit)
			}
		}
		if !r.Enhanced.IsZero() && (!r.Enhanced.Valid() || r.Enhanced.Class != r.Code/100) {
			t.Fatalf("enhanced code %v on %d", r.Enhanced, r.Code)
		}
		checkReplyRoundTrip(t, r)
	})
}

// FuzzReplyWriteTo builds replies from arbitrary parts, including text
// with line breaks and control characters, and checks that WriteTo emits
// exactly one well-formed reply with lines of at most 512 octets that
// ReadReply reads back.
func FuzzReplyWriteTo(f *testing.F) {
	f.Add(250, 2, 0, 0, "OK")
	f.Add(550, 5, 1, 1, "no such user\r\n550 5.1.1 forged")
	f.Add(354, 0, 0, 0, "go ahead")
	f.Add(452, 4, 5, 3, "a\nb\rc\x00d")
	f.Add(550, 5, 7, 1, strings.Repeat("long text ", 120))
	f.Add(250, 0, 0, 0, "2.0.0 looks enhanced")
	f.Fuzz(func(t *testing.T, code, class, subject, detail int, text string) {
		r := Replyf(code, EnhancedCode{class, subject, detail}, "%s", text)
		var b bytes.Buffer
		if _, err := r.WriteTo(&b); err != nil {
			if validCode(code) {
				t.Fatalf("WriteTo refused valid code %d: %v", code, err)
			}
			return
		}
		if !validCode(code) {
			t.Fatalf("WriteTo accepted code %d", code)
		}
		wire := b.String()
		for _, line := range strings.SplitAfter(wire, "\r\n") {
			if len(line) > MaxReplyLineLength {
				t.Fatalf("line of %d octets: %q", len(line), line)
			}
		}
		br := bufio.NewReader(&b)
		got, err := ReadReply(br, &ReadReplyOptions{MaxLineLength: MaxReplyLineLength, MaxLines: 1 << 20})
		if err != nil {
			t.Fatalf("ReadReply(%q): %v", wire, err)
		}
		if br.Buffered() != 0 {
			t.Fatalf("WriteTo emitted more than one reply: %q", wire)
		}
		want := r.wireLines()
		if ambiguousEnhanced(r) {
			return // plain text that reads as an enhanced code: see ambiguousEnhanced
		}
		if got.Code != code || got.Enhanced != r.enhanced() || !reflect.DeepEqual(got.Lines, want) {
			t.Fatalf("wrote %q, read %d %v %q; want %v %q", wire, got.Code, got.Enhanced, got.Lines, r.enhanced(), want)
		}
	})
}

// ambiguousEnhanced reports a reply without an enhanced code whose first
// line starts with text a reader takes for one, such as "250 2.0.0 x".
func ambiguousEnhanced(r *Reply) bool {
	if !r.enhanced().IsZero() {
		return false
	}
	first := r.wireLines()[0]
	c, end, ok := scanEnhancedCode(first)
	return ok && c.Class == r.Code/100 && (end == len(first) || first[end] == ' ')
}

// checkReplyRoundTrip writes r and reads it back.
func checkReplyRoundTrip(t *testing.T, r *Reply) {
	t.Helper()
	var b bytes.Buffer
	if _, err := r.WriteTo(&b); err != nil {
		t.Fatalf("WriteTo of a parsed reply: %v", err)
	}
	got, err := ReadReply(bufio.NewReader(&b), &ReadReplyOptions{MaxLineLength: MaxReplyLineLength, MaxLines: 1 << 20})
	if err != nil {
		t.Fatalf("re-read %q: %v", b.String(), err)
	}
	if ambiguousEnhanced(r) {
		return
	}
	if got.Code != r.Code || got.Enhanced != r.Enhanced || !reflect.DeepEqual(got.Lines, r.wireLines()) {
		t.Fatalf("round trip: %d %v %q -> %d %v %q", r.Code, r.Enhanced, r.Lines, got.Code, got.Enhanced, got.Lines)
	}
}
