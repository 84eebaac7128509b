package envelope

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestReplyWriteTo(t *testing.T) {
	tests := []struct {
		name  string
		reply *Reply
		want  string
	}{
		{"RFC 5321 §4.2 single line", NewReply(250, EnhancedCode{}, "OK"), "250 OK\r\n"},
		{"RFC 5321 §4.2 no text", NewReply(250, EnhancedCode{}), "250\r\n"},
		{"RFC 5321 §4.2 empty text", NewReply(250, EnhancedCode{}, ""), "250\r\n"},
		{"RFC 5321 §4.2.1 multi-line", NewReply(250, EnhancedCode{}, "mx.example.org", "PIPELINING", "8BITMIME"),
			"250-mx.example.org\r\n250-PIPELINING\r\n250 8BITMIME\r\n"},
		{"RFC 2034 §4 enhanced code", NewReply(550, EnhancedCode{5, 1, 1}, "No such user"), "550 5.1.1 No such user\r\n"},
		{"RFC 2034 §4 enhanced code on every line", NewReply(452, EnhancedCode{4, 5, 3}, "Too many", "recipients"),
			"452-4.5.3 Too many\r\n452 4.5.3 recipients\r\n"},
		{"RFC 2034 §4 enhanced code without text", NewReply(250, EnhancedCode{2, 0, 0}), "250 2.0.0\r\n"},
		{"RFC 2034 §4 enhanced code, empty middle line", NewReply(250, EnhancedCode{2, 0, 0}, "a", "", "b"),
			"250-2.0.0 a\r\n250-2.0.0\r\n250 2.0.0 b\r\n"},
		{"RFC 2034 §4 no enhanced code on 3xx", NewReply(354, EnhancedCode{2, 0, 0}, "Go ahead"), "354 Go ahead\r\n"},
		{"RFC 2034 §4 class must match", NewReply(550, EnhancedCode{4, 1, 1}, "x"), "550 x\r\n"},
		{"RFC 3463 §2 invalid code dropped", NewReply(550, EnhancedCode{5, 1000, 1}, "x"), "550 x\r\n"},
		{"RFC 2034 §3 leading spaces dropped after enhanced code", NewReply(250, EnhancedCode{2, 0, 0}, "  x"), "250 2.0.0 x\r\n"},
		{"RFC 5321 §4.2 leading spaces kept without enhanced code", NewReply(250, EnhancedCode{}, "  x"), "250   x\r\n"},
		{"RFC 5321 §4.2 CRLF in text cannot end the reply", NewReply(250, EnhancedCode{2, 0, 0}, "ok\r\n250 2.0.0 forged"),
			"250-2.0.0 ok\r\n250 2.0.0 250 2.0.0 forged\r\n"},
		{"RFC 5321 §4.2 bare LF and CR split too", NewReply(550, EnhancedCode{}, "a\nb\rc"), "550-a\r\n550-b\r\n550 c\r\n"},
		{"RFC 5321 §4.2 controls replaced", NewReply(550, EnhancedCode{}, "a\x00b\x1bc\x7fd\te"), "550 a?b?c?d\te\r\n"},
		{"RFC 6531 UTF-8 text passes", NewReply(550, EnhancedCode{5, 1, 1}, "Jörg unknown"), "550 5.1.1 Jörg unknown\r\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b bytes.Buffer
			n, err := tt.reply.WriteTo(&b)
			if err != nil {
				t.Fatal(err)
			}
			if b.String() != tt.want || n != int64(b.Len()) {
				t.Fatalf("WriteTo = %q (n=%d), want %q", b.String(), n, tt.want)
			}
			got, err := ReadReply(bufio.NewReader(&b), nil)
			if err != nil {
				t.Fatalf("ReadReply of own output: %v", err)
			}
			if want := tt.reply.wireLines(); !reflect.DeepEqual(got.Lines, want) || got.Code != tt.reply.Code {
				t.Fatalf("read back %d %q, want %d %q", got.Code, got.Lines, tt.reply.Code, want)
			}
		})
	}
}

func TestReplyWriteToInvalidCode(t *testing.T) {
	for _, code := range []int{0, 99, 199, 260, 600, 1000, -250} {
		var b bytes.Buffer
		if _, err := NewReply(code, EnhancedCode{}, "x").WriteTo(&b); !errors.Is(err, ErrReplyCode) || b.Len() != 0 {
			t.Errorf("code %d: err %v, wrote %q", code, err, b.String())
		}
	}
}

func TestReplyWrapsLongLines(t *testing.T) {
	// RFC 5321 §4.5.3.1.5: a reply line is at most 512 octets with CRLF.
	long := strings.Repeat("word ", 300)
	noSpace := strings.Repeat("é", 400) // 800 octets, no space to break at
	for _, text := range []string{long, noSpace} {
		r := NewReply(550, EnhancedCode{5, 7, 1}, text)
		var b bytes.Buffer
		if _, err := r.WriteTo(&b); err != nil {
			t.Fatal(err)
		}
		lines := strings.SplitAfter(b.String(), "\r\n")
		lines = lines[:len(lines)-1]
		if len(lines) < 2 {
			t.Fatalf("expected wrapping, got %d lines", len(lines))
		}
		var joined strings.Builder
		for i, l := range lines {
			if len(l) > MaxReplyLineLength {
				t.Errorf("line %d is %d octets", i, len(l))
			}
			if !utf8.ValidString(l) {
				t.Errorf("line %d splits a UTF-8 character", i)
			}
			if !strings.HasPrefix(l, "550-5.7.1 ") && !strings.HasPrefix(l, "550 5.7.1 ") {
				t.Errorf("line %d lacks code: %q", i, l)
			}
			joined.WriteString(strings.TrimSuffix(l[len("550 5.7.1 "):], "\r\n"))
		}
		want := strings.ReplaceAll(strings.TrimSpace(text), " ", "")
		if got := strings.ReplaceAll(joined.String(), " ", ""); got != want {
			t.Errorf("text lost in wrapping")
		}
	}
}

func TestReadReply(t *testing.T) {
	tests := []struct {
		name  string
		in    string
		code  int
		enh   EnhancedCode
		lines []string
	}{
		{"RFC 5321 §4.2 single line", "250 OK\r\n", 250, EnhancedCode{}, []string{"OK"}},
		{"RFC 5321 §4.2 code only", "250\r\n", 250, EnhancedCode{}, []string{""}},
		{"RFC 5321 §4.2 code and space", "250 \r\n", 250, EnhancedCode{}, []string{""}},
		{"RFC 5321 §4.2.1 multi-line", "250-first\r\n250-second\r\n250 last\r\n", 250, EnhancedCode{}, []string{"first", "second", "last"}},
		{"RFC 5321 §4.2 continuation without text", "250-\r\n250 x\r\n", 250, EnhancedCode{}, []string{"", "x"}},
		{"RFC 5321 §4.2 bare LF tolerated", "220 hi\n", 220, EnhancedCode{}, []string{"hi"}},
		{"RFC 5321 §4.2 text keeps extra spaces", "250  two spaces \r\n", 250, EnhancedCode{}, []string{" two spaces "}},
		{"RFC 5321 §4.2 tab in text", "250 a\tb\r\n", 250, EnhancedCode{}, []string{"a\tb"}},
		{"RFC 2034 §4 enhanced code", "550 5.1.1 No such user\r\n", 550, EnhancedCode{5, 1, 1}, []string{"No such user"}},
		{"RFC 2034 §4 three-digit parts", "556 5.1.10 null MX\r\n", 556, EnhancedCode{5, 1, 10}, []string{"null MX"}},
		{"RFC 2034 §4 enhanced code only", "250 2.0.0\r\n", 250, EnhancedCode{2, 0, 0}, []string{""}},
		{"RFC 2034 §3 several spaces after code", "250 2.0.0   Ok\r\n", 250, EnhancedCode{2, 0, 0}, []string{"Ok"}},
		{"RFC 2034 §4 repeated on each line", "550-5.7.1 Rejected\r\n550-5.7.1 see\r\n550 5.7.1 https://x\r\n",
			550, EnhancedCode{5, 7, 1}, []string{"Rejected", "see", "https://x"}},
		{"RFC 2034 §4 only on first line", "550-5.7.1 Rejected\r\n550 more\r\n", 550, EnhancedCode{5, 7, 1}, []string{"Rejected", "more"}},
		{"RFC 2034 §4 different code on later line stays text", "550-5.7.1 a\r\n550 5.7.2 b\r\n",
			550, EnhancedCode{5, 7, 1}, []string{"a", "5.7.2 b"}},
		{"RFC 2034 §4 class mismatch is text", "550 2.0.0 odd\r\n", 550, EnhancedCode{}, []string{"2.0.0 odd"}},
		{"RFC 2034 §4 no enhanced code on 3xx", "354 3.0.0 go\r\n", 354, EnhancedCode{}, []string{"3.0.0 go"}},
		{"RFC 3463 §2 four digits is text", "550 5.1.1000 x\r\n", 550, EnhancedCode{}, []string{"5.1.1000 x"}},
		{"RFC 3463 §2 not followed by space is text", "250 2.0.0.1 x\r\n", 250, EnhancedCode{}, []string{"2.0.0.1 x"}},
		{"RFC 3463 §2 version number is text", "220 2.6 ready\r\n", 220, EnhancedCode{}, []string{"2.6 ready"}},
		{"RFC 3463 §2 later line not taken when first has none", "250-a\r\n250 2.0.0 b\r\n", 250, EnhancedCode{}, []string{"a", "2.0.0 b"}},
		{"RFC 6531 UTF-8 text", "550 5.1.1 Jörg\r\n", 550, EnhancedCode{5, 1, 1}, []string{"Jörg"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			br := bufio.NewReader(strings.NewReader(tt.in + "NEXT"))
			r, err := ReadReply(br, nil)
			if err != nil {
				t.Fatalf("ReadReply(%q): %v", tt.in, err)
			}
			if r.Code != tt.code || r.Enhanced != tt.enh || !reflect.DeepEqual(r.Lines, tt.lines) {
				t.Fatalf("ReadReply(%q) = %d %v %q, want %d %v %q", tt.in, r.Code, r.Enhanced, r.Lines, tt.code, tt.enh, tt.lines)
			}
			if rest, _ := io.ReadAll(br); string(rest) != "NEXT" {
				t.Fatalf("ReadReply consumed past the reply: left %q", rest)
			}
		})
	}
}

func TestReadReplyErrors(t *testing.T) {
	tests := []struct {
		name string
		in   string
		opts *ReadReplyOptions
		err  error
		line int
	}{
		{"RFC 5321 §4.2 too short", "25\r\n", nil, ErrReplySyntax, 1},
		{"RFC 5321 §4.2 not digits", "2x0 OK\r\n", nil, ErrReplySyntax, 1},
		{"RFC 5321 §4.2 first digit 1", "150 OK\r\n", nil, ErrReplySyntax, 1},
		{"RFC 5321 §4.2 first digit 6", "650 OK\r\n", nil, ErrReplySyntax, 1},
		{"RFC 5321 §4.2 second digit 6", "260 OK\r\n", nil, ErrReplySyntax, 1},
		{"RFC 5321 §4.2 four digits", "2500 OK\r\n", nil, ErrReplySyntax, 1},
		{"RFC 5321 §4.2 bad separator", "250_OK\r\n", nil, ErrReplySyntax, 1},
		{"RFC 5321 §4.2 tab separator", "250\tOK\r\n", nil, ErrReplySyntax, 1},
		{"RFC 5321 §4.2 bare CR inside", "250 O\rK\r\n", nil, ErrReplySyntax, 1},
		{"RFC 5321 §4.2 NUL inside", "250 O\x00K\r\n", nil, ErrReplySyntax, 1},
		{"RFC 5321 §4.2 bad second line", "250-a\r\nfoo\r\n", nil, ErrReplySyntax, 2},
		{"RFC 5321 §4.2.1 mismatched codes", "250-a\r\n251 b\r\n", nil, ErrReplyCodeMismatch, 2},
		{"RFC 5321 §4.2.1 mismatched class", "250-a\r\n550 b\r\n", nil, ErrReplyCodeMismatch, 2},
		{"RFC 5321 §4.5.3.1.5 line too long", "250 " + strings.Repeat("x", 3000) + "\r\n", nil, ErrReplyLineTooLong, 1},
		{"RFC 5321 §4.5.3.1.5 custom limit", "250 " + strings.Repeat("x", 509) + "\r\n", &ReadReplyOptions{MaxLineLength: 512}, ErrReplyLineTooLong, 1},
		{"too many lines", strings.Repeat("250-x\r\n", 100) + "250 x\r\n", nil, ErrReplyTooManyLines, 101},
		{"custom line count", "250-a\r\n250-b\r\n250 c\r\n", &ReadReplyOptions{MaxLines: 2}, ErrReplyTooManyLines, 3},
		{"endless line without newline", strings.Repeat("2", 100000), nil, ErrReplyLineTooLong, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ReadReply(bufio.NewReader(strings.NewReader(tt.in)), tt.opts)
			var pe *ReplyParseError
			if !errors.Is(err, tt.err) || !errors.As(err, &pe) {
				t.Fatalf("ReadReply error = %v, want *ReplyParseError wrapping %v", err, tt.err)
			}
			if pe.Line != tt.line {
				t.Fatalf("error on line %d, want %d", pe.Line, tt.line)
			}
		})
	}
}

func TestReadReplyLimitsExact(t *testing.T) {
	// A line of exactly MaxLineLength octets, CRLF included, is accepted.
	in := "250 " + strings.Repeat("x", 506) + "\r\n"
	if _, err := ReadReply(bufio.NewReader(strings.NewReader(in)), &ReadReplyOptions{MaxLineLength: 512}); err != nil {
		t.Fatalf("512-octet line: %v", err)
	}
	in = strings.Repeat("250-x\r\n", 99) + "250 x\r\n"
	if r, err := ReadReply(bufio.NewReader(strings.NewReader(in)), nil); err != nil || len(r.Lines) != 100 {
		t.Fatalf("100 lines: %v", err)
	}
}

func TestReadReplyEOF(t *testing.T) {
	if _, err := ReadReply(bufio.NewReader(strings.NewReader("")), nil); err != io.EOF {
		t.Errorf("empty input: %v, want io.EOF", err)
	}
	for _, in := range []string{"250", "250 OK", "250-a\r\n", "250-a\r\n250 b"} {
		if _, err := ReadReply(bufio.NewReader(strings.NewReader(in)), nil); err != io.ErrUnexpectedEOF {
			t.Errorf("%q: %v, want io.ErrUnexpectedEOF", in, err)
		}
	}
}

func TestParseReply(t *testing.T) {
	r, err := ParseReply("550-5.7.1 a\n550 5.7.1 b")
	if err != nil || r.Code != 550 || r.Enhanced != (EnhancedCode{5, 7, 1}) || !reflect.DeepEqual(r.Lines, []string{"a", "b"}) {
		t.Fatalf("ParseReply = %+v, %v", r, err)
	}
	for _, in := range []string{"", "250 a\r\n250 b\r\n", "250-a", "hello"} {
		var pe *ReplyParseError
		if _, err := ParseReply(in); !errors.As(err, &pe) || !errors.Is(err, ErrReplySyntax) {
			t.Errorf("ParseReply(%q) error = %v, want ErrReplySyntax", in, err)
		}
	}
}

func TestReplyClassification(t *testing.T) {
	tests := []struct {
		code                                         int
		positive, intermediate, temporary, permanent bool
	}{
		{250, true, false, false, false},
		{354, false, true, false, false},
		{421, false, false, true, false},
		{452, false, false, true, false},
		{550, false, false, false, true},
		{554, false, false, false, true},
	}
	for _, tt := range tests {
		r := &Reply{Code: tt.code}
		if r.Positive() != tt.positive || r.Intermediate() != tt.intermediate ||
			r.Temporary() != tt.temporary || r.Permanent() != tt.permanent {
			t.Errorf("%d: positive %v intermediate %v temporary %v permanent %v", tt.code,
				r.Positive(), r.Intermediate(), r.Temporary(), r.Permanent())
		}
	}
}

func TestReplyAsError(t *testing.T) {
	var err error = fmt.Errorf("deliver to bob: %w", Replyf(550, EnhancedCode{5, 1, 1}, "<%s>: no such user", "bob@example.org"))
	var r *Reply
	if !errors.As(err, &r) {
		t.Fatal("errors.As did not find the *Reply")
	}
	if r.Code != 550 || !r.Permanent() || r.Enhanced.String() != "5.1.1" {
		t.Fatalf("got %+v", r)
	}
	if got, want := err.Error(), "deliver to bob: 550 5.1.1 <bob@example.org>: no such user"; got != want {
		t.Fatalf("Error() = %q, want %q", got, want)
	}
	if !errors.Is(err, ReplyMailboxNotFound) {
		t.Fatal("errors.Is should match a 550 5.1.1 by code")
	}
	if errors.Is(err, ReplyRelayDenied) || errors.Is(err, (*Reply)(nil)) {
		t.Fatal("errors.Is matched a different reply")
	}
}

func TestReplyErrorString(t *testing.T) {
	tests := []struct {
		r    *Reply
		want string
	}{
		{NewReply(250, EnhancedCode{}), "250"},
		{NewReply(354, EnhancedCode{}, "go"), "354 go"},
		{NewReply(451, EnhancedCode{4, 3, 0}, "a", "b"), "451 4.3.0 a b"},
		{NewReply(550, EnhancedCode{}, "x\r\ny"), "550 x??y"},
	}
	for _, tt := range tests {
		if got := tt.r.Error(); got != tt.want {
			t.Errorf("Error() = %q, want %q", got, tt.want)
		}
	}
}

func TestReplyf(t *testing.T) {
	r := Replyf(250, EnhancedCode{}, "%s\n%s\n", "mx.example.org", "SIZE 1000")
	if !reflect.DeepEqual(r.Lines, []string{"mx.example.org", "SIZE 1000"}) {
		t.Fatalf("Lines = %q", r.Lines)
	}
	if r.Text() != "mx.example.org\nSIZE 1000" {
		t.Fatalf("Text = %q", r.Text())
	}
}

func TestStandardReplies(t *testing.T) {
	all := []*Reply{
		ReplyClosing, ReplyOK, ReplyStartMailInput, ReplyServiceNotAvailable, ReplyTimeout,
		ReplyLocalError, ReplyInsufficientStorage, ReplyTooManyRecipients, ReplyTLSNotAvailable,
		ReplyTemporaryAuthFailure, ReplySyntaxError, ReplyLineTooLong, ReplyParamSyntax,
		ReplyNotImplemented, ReplyBadSequence, ReplyParamNotImplemented, ReplyAuthRequired,
		ReplyTLSRequired, ReplyAuthFailed, ReplyMailboxNotFound, ReplyMessageTooBig,
		ReplyRelayDenied, ReplyParamNotRecognized, ReplyNullMX,
	}
	for _, r := range all {
		// 3xx replies carry no enhanced code (RFC 2034 §4); all others do,
		// with a registered meaning and the reply's class.
		if !r.Intermediate() && (r.Enhanced.Class != r.Code/100 || r.Enhanced.Description() == "") {
			t.Errorf("%v: enhanced code does not fit", r)
		}
		var b bytes.Buffer
		if _, err := r.WriteTo(&b); err != nil {
			t.Fatalf("%v: %v", r, err)
		}
		got, err := ReadReply(bufio.NewReader(&b), nil)
		if err != nil || !reflect.DeepEqual(got, r) {
			t.Errorf("%v: read back %+v, %v", r, got, err)
		}
	}
}
