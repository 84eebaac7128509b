package imapwire

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
	"time"
)

func TestUTF7(t *testing.T) {
	cases := []struct{ utf8, utf7 string }{
		{"INBOX", "INBOX"},
		{"~peter/mail/台北/日本語", "~peter/mail/&U,BTFw-/&ZeVnLIqe-"}, // RFC 3501 §5.1.3
		{"&", "&-"},
		{"a&b", "a&-b"},
		{"Entwürfe", "Entw&APw-rfe"},
		{"😀", "&2D3eAA-"},
	}
	for _, c := range cases {
		if got := EncodeUTF7(c.utf8); got != c.utf7 {
			t.Errorf("EncodeUTF7(%q) = %q, want %q", c.utf8, got, c.utf7)
		}
		got, err := DecodeUTF7(c.utf7)
		if err != nil || got != c.utf8 {
			t.Errorf("DecodeUTF7(%q) = %q, %v", c.utf7, got, err)
		}
	}
	// RFC 3501 §5.1.3: each of these violates the encoding rules.
	for _, bad := range []string{"&", "&U,BTFw", "&AGE-", "&U,BTFw-&ZeVnLIqe-", "&2D0-", "\xc3\xbc", "&Jjo!-", "&AP-"} {
		if _, err := DecodeUTF7(bad); !errors.Is(err, ErrBadUTF7) {
			t.Errorf("DecodeUTF7(%q) accepted", bad)
		}
	}
}

func TestSeqSet(t *testing.T) {
	cases := []struct {
		in   string
		want string
		bad  bool
	}{
		{"1", "1", false},
		{"1:*", "1:*", false}, // RFC 9051 §9 seq-range
		{"*:4,7", "*:4,7", false},
		{"2,4:7,9,12:*", "2,4:7,9,12:*", false}, // RFC 9051 §9 example
		{"$", "$", false},                       // RFC 5182
		{"0", "", true},                         // nz-number
		{"1:0", "", true},
		{"", "", true},
		{"1,", "", true},
		{"4294967296", "", true},
		{"01", "", true},
		{"1::2", "", true},
	}
	for _, c := range cases {
		s, err := ParseSeqSet(c.in)
		if (err != nil) != c.bad {
			t.Errorf("ParseSeqSet(%q) error %v", c.in, err)
			continue
		}
		if err == nil && s.String() != c.want {
			t.Errorf("ParseSeqSet(%q) = %q", c.in, s.String())
		}
	}
	s, _ := ParseSeqSet("*:4,7")
	for n, want := range map[uint32]bool{3: false, 4: true, 10: true, 7: true} {
		if s.Contains(n, 10) != want {
			t.Errorf("Contains(%d) = %v", n, !want)
		}
	}
	if got := FormatUIDs([]uint32{1, 2, 3, 7, 9, 10}); got != "1:3,7,9:10" {
		t.Errorf("FormatUIDs = %q", got)
	}
}

func newDec(in string, lim Limits) (*Decoder, *int) {
	d := NewDecoder(bufio.NewReader(strings.NewReader(in)), lim)
	conts := 0
	d.Continue = func() error { conts++; return nil }
	return d, &conts
}

func TestDecoderCommand(t *testing.T) {
	d, conts := newDec("a1 LOGIN {5}\r\nalice \"p\\\"w\"\r\n", Limits{})
	var tag, cmd, user, pass string
	ok := d.ExpectTag(&tag) && d.ExpectSP() && d.ExpectAtom(&cmd) && d.ExpectSP() &&
		d.ExpectAString(&user) && d.ExpectSP() && d.ExpectAString(&pass) && d.ExpectCRLF()
	if !ok || tag != "a1" || cmd != "LOGIN" || user != "alice" || pass != `p"w` || *conts != 1 {
		t.Fatalf("got %q %q %q %q conts=%d err=%v", tag, cmd, user, pass, *conts, d.Err())
	}
	// RFC 7888: a non-synchronising literal gets no continuation.
	d, conts = newDec("{3+}\r\nabc", Limits{})
	var s string
	if !d.ExpectAString(&s) || s != "abc" || *conts != 0 {
		t.Fatalf("literal+: %q %d %v", s, *conts, d.Err())
	}
}

func TestDecoderLimits(t *testing.T) {
	// A literal announced beyond the limit fails before any byte is read
	// and before a continuation is sent (RFC 9051 §7.1 TOOBIG).
	d, conts := newDec("{99999999999}\r\n", Limits{})
	var s string
	d.ExpectAString(&s)
	var le *LiteralTooBigError
	if !errors.As(d.Err(), &le) || !le.Sync || *conts != 0 {
		t.Fatalf("err %v conts %d", d.Err(), *conts)
	}
	d, _ = newDec("{70000+}\r\n", Limits{})
	d.ExpectAString(&s)
	if !errors.As(d.Err(), &le) || le.Sync {
		t.Fatalf("non-sync: err %v", d.Err())
	}
	d, _ = newDec(strings.Repeat("a", 100)+"\r\n", Limits{MaxCommand: 10})
	d.ExpectAtom(&s)
	if !errors.Is(d.Err(), ErrCommandTooLong) {
		t.Fatalf("long: %v", d.Err())
	}
	d, _ = newDec(strings.Repeat("(", 100), Limits{MaxDepth: 5})
	var item func() bool
	item = func() bool { return d.ExpectList(item) }
	item()
	if !errors.Is(d.Err(), ErrTooDeep) {
		t.Fatalf("deep: %v", d.Err())
	}
}

func TestDecoderDiscard(t *testing.T) {
	d, _ := newDec("a ((( junk\r\nb NOOP\r\n", Limits{})
	var s string
	d.ExpectTag(&s)
	d.ExpectSP()
	d.ExpectAtom(&s)
	if d.Err() == nil {
		t.Fatal("no error")
	}
	if err := d.Discard(); err != nil {
		t.Fatal(err)
	}
	d.Reset()
	if !d.ExpectTag(&s) || s != "b" {
		t.Fatalf("after discard: %q %v", s, d.Err())
	}
}

func TestDecoderLiteralReader(t *testing.T) {
	d, conts := newDec("~{5}\r\nhello)\r\n", Limits{})
	r, n, bin, ok := d.ExpectLiteralReader(10)
	if !ok || n != 5 || !bin || *conts != 1 {
		t.Fatal(d.Err())
	}
	b := make([]byte, 2)
	io.ReadFull(r, b)
	// The rest is skipped by the next read.
	if !d.ExpectSpecial(')') || !d.ExpectCRLF() {
		t.Fatal(d.Err())
	}
	d, conts = newDec("{11}\r\n", Limits{})
	if _, _, _, ok := d.ExpectLiteralReader(10); ok || *conts != 0 || !errors.Is(d.Err(), ErrLiteralTooBig) {
		t.Fatal("accepted a literal over the limit")
	}
}

func TestDates(t *testing.T) {
	d, _ := newDec(`" 7-Feb-1994 21:52:25 -0800" 1-feb-1994 "31-Feb-2000"`, Limits{})
	var dt, day time.Time
	if !d.ExpectDateTime(&dt) || dt.Day() != 7 || dt.Hour() != 21 {
		t.Fatalf("date-time %v %v", dt, d.Err())
	}
	d.ExpectSP()
	if !d.ExpectDate(&day) || day.Month() != 2 {
		t.Fatalf("date %v", d.Err())
	}
	d.ExpectSP()
	if d.ExpectDate(&day) {
		t.Fatal("31-Feb accepted")
	}
	if got := FormatDateTime(dt); got != "07-Feb-1994 21:52:25 -0800" {
		t.Fatal(got)
	}
}

func TestEncoder(t *testing.T) {
	var buf bytes.Buffer
	w := bufio.NewWriter(&buf)
	e := NewEncoder(w)
	e.String(`a"b`).SP().String("x\r\ny").SP().NString("").SP().Mailbox("Entwürfe").SP().AString("nil").SP().AString("abc")
	e.Flush()
	want := `"a\"b" {4}` + "\r\nx\r\ny" + ` NIL "Entw&APw-rfe" "nil" abc`
	if buf.String() != want {
		t.Fatalf("got %q", buf.String())
	}
}

// A pooled encoder holds a buffer only between its first write and
// Release, and writes the same bytes as a plain one.
func TestPooledEncoder(t *testing.T) {
	var buf bytes.Buffer
	e := NewPooledEncoder(&buf)
	if e.w != nil {
		t.Fatal("buffer held before any write")
	}
	e.Raw("* OK").SP().Number(7).CRLF()
	if e.w == nil || buf.Len() != 0 {
		t.Fatal("no buffer while writing, or written unflushed")
	}
	if err := e.Release(); err != nil || e.w != nil {
		t.Fatalf("Release: %v, buffer kept %v", err, e.w != nil)
	}
	e.Literal(strings.NewReader("hello"), 5, false).CRLF()
	e.Release()
	if got := buf.String(); got != "* OK 7\r\n{5}\r\nhello\r\n" {
		t.Fatalf("got %q", got)
	}
	if e.Release() != nil || e.w != nil {
		t.Fatal("second Release")
	}
}
