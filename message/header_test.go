package message

import (
	"bufio"
	"errors"
	"strings"
	"testing"
)

func TestParseHeaderRoundTrip(t *testing.T) {
	cases := []struct{ name, in string }{
		{"RFC 5322 §2.2 simple", "From: a@b\r\nSubject: hi\r\n\r\nbody"},
		{"RFC 5322 §2.2.3 folded", "Subject: a\r\n  folded\r\n\tline\r\nX: y\r\n\r\n"},
		{"LF only", "From: a@b\nSubject: x\n\nbody\n"},
		{"no blank line, EOF", "From: a@b\r\nSubject: x"},
		{"line without colon", "From a@b Mon\r\nSubject: x\r\n\r\n"},
		{"leading continuation", " stray\r\nSubject: x\r\n\r\n"},
		{"obs WSP before colon §4.5.8", "Subject  : x\r\n\r\n"},
		{"CR CR LF", "Subject: x\r\r\nFrom: y\r\n\r\n"},
		{"empty", ""},
	}
	for _, c := range cases {
		h, n := ParseHeader([]byte(c.in))
		got := string(h.Bytes()) + c.in[n:]
		if got != c.in {
			t.Errorf("%s: round trip\n got %q\nwant %q", c.name, got, c.in)
		}
	}
}

func TestHeaderLookup(t *testing.T) {
	in := "From: a@b\r\nsubject: =?utf-8?q?caf=C3=A9?=\r\n au lait\r\nX-A: 1\r\nx-a: 2\r\nSubject  : second\r\n\r\n"
	h, _ := ParseHeader([]byte(in))
	if h.Len() != 5 {
		t.Fatalf("Len = %d", h.Len())
	}
	if got := h.Get("SUBJECT"); got != "=?utf-8?q?caf=C3=A9?= au lait" {
		t.Errorf("Get = %q", got)
	}
	if got := h.Text("Subject"); got != "café au lait" {
		t.Errorf("Text = %q", got)
	}
	if got := h.Values("x-A"); len(got) != 2 || got[0] != "1" || got[1] != "2" {
		t.Errorf("Values = %q", got)
	}
	if f := h.Field(4); f.Name() != "Subject" || !f.Is("subject") || f.Value() != "second" {
		t.Errorf("obs field: name %q value %q", f.Name(), f.Value())
	}
}

func TestHeaderEdit(t *testing.T) {
	in := "A: 1\r\nB: 2\r\nA: 3\r\nC:  keep  me \r\n\r\n"
	h, _ := ParseHeader([]byte(in))
	h.Set("a", "new")
	h.Add("D", "4\r\nInjected: yes")
	h.Del("B")
	want := "a: new\r\nC:  keep  me \r\nD: 4  Injected: yes\r\n\r\n"
	if got := string(h.Bytes()); got != want {
		t.Errorf("got %q\nwant %q", got, want)
	}
	var z Header
	z.Add("X", "y")
	if got := string(z.Bytes()); got != "X: y\r\n\r\n" {
		t.Errorf("zero header: %q", got)
	}
	lf, _ := ParseHeader([]byte("A: 1\n\n"))
	lf.Add("B", "2")
	if got := string(lf.Bytes()); got != "A: 1\nB: 2\n\n" {
		t.Errorf("LF header: %q", got)
	}
}

func TestFold(t *testing.T) {
	long := strings.Repeat("word ", 40)
	var h Header
	h.Add("Subject", long)
	h.Add("X-Long", strings.Repeat("x", 1200))
	h.Add("Subject", EncodeText(strings.Repeat("Grüße ", 30)))
	for _, f := range h.Fields() {
		lines := strings.Split(strings.TrimSuffix(string(f.Raw()), "\r\n"), "\r\n")
		for i, l := range lines {
			body := strings.TrimLeft(l, " \t")
			if i == 0 {
				body = strings.TrimPrefix(l, f.Name()+": ")
			}
			if len(l) > softLineLimit && strings.ContainsAny(body, " \t") {
				t.Errorf("%s line %d has %d chars but a fold point", f.Name(), i, len(l))
			}
			if i > 0 && l[0] != ' ' {
				t.Errorf("continuation line %q does not start with WSP", l)
			}
		}
		// RFC 2047 §2: folding never splits an encoded word.
		for _, w := range strings.Fields(f.Value()) {
			if strings.HasPrefix(w, "=?") != strings.HasSuffix(w, "?=") {
				t.Errorf("split encoded word %q", w)
			}
		}
	}
	if got := h.Field(0).Value(); got != strings.TrimSpace(long) {
		t.Errorf("unfolded value differs: %q", got)
	}
	if got := h.Field(2).Text(); got != strings.TrimSpace(strings.Repeat("Grüße ", 30)) {
		t.Errorf("encoded round trip: %q", got)
	}
}

func TestReadHeaderLimit(t *testing.T) {
	in := "X: " + strings.Repeat("a", 5000) + "\r\n\r\n"
	_, err := ReadHeader(bufio.NewReaderSize(strings.NewReader(in), 16), &Limits{MaxHeaderBytes: 1000})
	var le *LimitError
	if !errors.As(err, &le) || !errors.Is(err, ErrHeaderTooLarge) {
		t.Fatalf("err = %v", err)
	}
	h, err := ReadHeader(bufio.NewReaderSize(strings.NewReader(in+"body"), 16), nil)
	if err != nil || len(h.Get("x")) != 5000 {
		t.Fatalf("err = %v", err)
	}
	_, err = ReadHeader(bufio.NewReader(strings.NewReader("X: 1\r\n")), nil)
	if !errors.Is(err, io_ErrUnexpectedEOF) {
		t.Fatalf("truncated: err = %v", err)
	}
}

// TestFoldHardLimit checks RFC 5322 §2.1.1 (998 octets per line) on fields
// the library writes, and that the text reads back unchanged.
func TestFoldHardLimit(t *testing.T) {
	x, y := strings.Repeat("x", 1200), strings.Repeat("y", 2000)
	cases := []struct {
		name        string // RFC rule the case exercises
		field, in   string
		text        bool   // added with AddText (in is UTF-8 text)
		want        string // Field.Text after the round trip
		keepRawLong bool   // a structured field: the run is written whole
	}{
		{"RFC 2047 §5 (1) long run in Subject", "Subject", x, false, x, false},
		{"RFC 2047 §6.2 next to encoded words", "Subject", "=?utf-8?q?caf=C3=A9?= " + x + " =?utf-8?q?th=C3=A9?=", false, "café " + x + " thé", false},
		{"RFC 2047 §6.2 two long runs", "Subject", "a\t" + x + "\t" + y + " z", false, "a\t" + x + "\t" + y + " z", false},
		{"RFC 6532 raw UTF-8 run", "Subject", "plain " + strings.Repeat("é", 700), false, "plain " + strings.Repeat("é", 700), false},
		{"RFC 5322 §3.2.2 fold inside a long white space run", "Subject", "a" + strings.Repeat("\t", 2000) + "b " + strings.Repeat(" ", 1500) + x, false, "a" + strings.Repeat("\t", 2000) + "b " + strings.Repeat(" ", 1500) + x, false},
		{"RFC 5322 §3.2.2 fold after the colon", "Subject", strings.Repeat("w", maxRun), false, strings.Repeat("w", maxRun), false},
		{"RFC 2045 §8 Content-Description", "content-description", x, false, x, false},
		{"RFC 5322 §3.6.5 Comments", "Comments", "see " + x, false, "see " + x, false},
		{"AddText on any field", "X-Custom", "Grüße " + x, true, "Grüße " + x, false},
		{"structured field kept whole", "X-Structured", x, false, x, true},
	}
	for _, c := range cases {
		for _, set := range []bool{false, true} {
			var h Header
			h.Add("Keep", "me")
			switch {
			case c.text && set:
				h.SetText(c.field, c.in)
			case c.text:
				h.AddText(c.field, c.in)
			case set:
				h.Set(c.field, c.in)
			default:
				h.Add(c.field, c.in)
			}
			f := h.Field(1)
			if got := f.Text(); got != c.want {
				t.Errorf("%s: Text = %q, want %q", c.name, clip([]byte(got)), clip([]byte(c.want)))
			}
			long := false
			for i, l := range strings.Split(strings.TrimSuffix(string(f.Raw()), "\r\n"), "\r\n") {
				if len(l) > hardLineLimit {
					long = true
				}
				if i > 0 && l[0] != ' ' && l[0] != '\t' {
					t.Errorf("%s: continuation line %d does not start with WSP", c.name, i)
				}
			}
			if long != c.keepRawLong {
				t.Errorf("%s: line over 998 = %v\n%q", c.name, long, clip(f.Raw()))
			}
		}
	}
	// A parsed field is never refolded: the round trip stays byte-exact.
	raw := "Subject: " + x + "\r\n\r\n"
	h, _ := ParseHeader([]byte(raw))
	h.Add("X", "y")
	h.Del("X")
	if string(h.Bytes()) != raw {
		t.Error("parsed long field changed")
	}
}

// TestBuildLongHeader checks the Builder's output against the 998 limit
// with unbroken runs in the subject, a display name and a file name.
func TestBuildLongHeader(t *testing.T) {
	long := strings.Repeat("n", 1500)
	b := &Builder{From: []Address{{Name: long, Local: "a", Domain: "example.org"}}, Subject: strings.Repeat("s", 1500),
		Text: "x", Attachments: []Attachment{{Filename: strings.Repeat("f", 1200) + ".bin", Body: strings.NewReader("data")}}}
	raw := build(t, b)
	checkWellFormed(t, "long header", raw)
	msg, _ := Parse(strings.NewReader(string(raw)), int64(len(raw)), nil)
	h, _ := msg.Header(msg.Root)
	from, _ := ParseAddressList(h.Get("From"))
	if h.Text("Subject") != b.Subject || len(from) != 1 || from[0].Name != long {
		t.Errorf("subject or name changed: %q", clip(h.Bytes()))
	}
	if l := ourLeaves(t, msg); l[1].Filename != b.Attachments[0].Filename {
		t.Errorf("filename %q", l[1].Filename)
	}
}

// TestHeaderGetAbsent checks that the values of a field a header lacks are
// empty, not a panic.
func TestHeaderGetAbsent(t *testing.T) {
	for _, in := range []string{"", "Subject: x\r\n", "Subject: x\r\n\r\n"} {
		h, _ := ParseHeader([]byte(in))
		if v, tx := h.Get("Date"), h.Text("Date"); v != "" || tx != "" {
			t.Errorf("%q: Get %q, Text %q", in, v, tx)
		}
		if f, ok := h.Lookup("Date"); ok || f.RawValue() != nil {
			t.Errorf("%q: Lookup found %q", in, f.Raw())
		}
	}
}
