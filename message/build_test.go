package message

import (
	"bytes"
	"errors"
	"io"
	"math/rand"
	"runtime"
	"strings"
	"testing"
	"time"
)

// leafInfo is what a reader of a built message should see in one leaf part.
type leafInfo struct {
	Type, Encoding, Disposition, Filename, ContentID string
	Data                                             []byte
}

func build(t testing.TB, b *Builder) []byte {
	t.Helper()
	var out bytes.Buffer
	n, err := b.WriteTo(&out)
	if err != nil {
		t.Fatalf("WriteTo: %v", err)
	}
	if n != int64(out.Len()) {
		t.Fatalf("WriteTo returned %d, wrote %d", n, out.Len())
	}
	return out.Bytes()
}

// shape describes the part tree, e.g. "mixed(text/plain,image/png)".
func shape(p *Part) string {
	if !p.IsMultipart() {
		return p.MediaType()
	}
	var kids []string
	for _, c := range p.Parts {
		kids = append(kids, shape(c))
	}
	return strings.ToLower(p.Subtype) + "(" + strings.Join(kids, ",") + ")"
}

// ourLeaves reads the leaves with this package's index and BINARY sections.
func ourLeaves(t testing.TB, msg *Message) []leafInfo {
	t.Helper()
	var out []leafInfo
	paths := partPaths(msg.Root, nil, true)
	for _, path := range paths {
		p, err := msg.Find(path)
		if err != nil {
			t.Fatal(err)
		}
		if p.IsMultipart() {
			continue
		}
		r, _, err := msg.Section(Section{Part: path, Binary: true})
		if err != nil {
			t.Fatalf("BINARY[%v]: %v", path, err)
		}
		data, _ := io.ReadAll(r)
		li := leafInfo{Type: p.MediaType(), Encoding: p.Encoding, ContentID: strings.Trim(p.ID, "<>"), Data: data}
		if p.Disposition != nil {
			li.Disposition = p.Disposition.Type
			li.Filename = p.Disposition.Params.Get("filename")
		}
		out = append(out, li)
	}
	return out
}

func randomBytes(n int, seed int64) []byte {
	b := make([]byte, n)
	rand.New(rand.NewSource(seed)).Read(b)
	return b
}

// TestBuildStructure checks the MIME layout, the transfer encoding chosen
// for each body and that every body decodes back byte-exact.
func TestBuildStructure(t *testing.T) {
	from := []Address{{Name: "Alice", Local: "alice", Domain: "example.org"}}
	png := randomBytes(3000, 1)
	pdf := randomBytes(70000, 2) // larger than the sample: streamed
	eml := "From: a@example.org\r\nSubject: inner\r\n\r\nInner body.\r\n"
	cases := []struct {
		name   string // RFC section the layout or encoding comes from
		b      Builder
		shape  string
		leaves []leafInfo // Data nil: the input's canonical text
	}{
		{"RFC 2045 §2.7 ASCII text is 7bit", Builder{Text: "Hello,\r\nworld.\r\n"},
			"text/plain", []leafInfo{{Type: "text/plain", Encoding: "7bit", Data: []byte("Hello,\r\nworld.\r\n")}}},
		{"RFC 2046 §4.1.1 LF becomes CRLF", Builder{Text: "a\nb\rc\r\n"},
			"text/plain", []leafInfo{{Type: "text/plain", Encoding: "7bit", Data: []byte("a\r\nb\r\nc\r\n")}}},
		{"RFC 2045 §6.7 mostly ASCII is quoted-printable", Builder{Text: "Grüße aus Köln, this text is mostly ASCII.\r\n"},
			"text/plain", []leafInfo{{Type: "text/plain", Encoding: "quoted-printable", Data: []byte("Grüße aus Köln, this text is mostly ASCII.\r\n")}}},
		{"RFC 2045 §6.8 mostly non-ASCII is base64", Builder{Text: "Привет, как дела? Всё хорошо.\r\n"},
			"text/plain", []leafInfo{{Type: "text/plain", Encoding: "base64", Data: []byte("Привет, как дела? Всё хорошо.\r\n")}}},
		{"RFC 5322 §2.1.1 a line over 998 is not 7bit", Builder{HTML: strings.Repeat("<b>x</b>", 200) + " end"},
			"text/html", []leafInfo{{Type: "text/html", Encoding: "quoted-printable", Data: []byte(strings.Repeat("<b>x</b>", 200) + " end")}}},
		{"RFC 2045 §6.7 rule 3 trailing white space", Builder{Text: "ends with space \r\nand tab\t"},
			"text/plain", []leafInfo{{Type: "text/plain", Encoding: "7bit", Data: []byte("ends with space \r\nand tab\t")}}},
		{"RFC 2046 §5.1.4 alternative", Builder{Text: "plain", HTML: "<p>html</p>"},
			"alternative(text/plain,text/html)", []leafInfo{{Type: "text/plain", Encoding: "7bit", Data: []byte("plain")}, {Type: "text/html", Encoding: "7bit", Data: []byte("<p>html</p>")}}},
		{"RFC 2387 related inside alternative", Builder{Text: "plain", HTML: `<img src="cid:logo@x">`,
			Inline: []Attachment{{Filename: "logo.png", ContentID: "logo@x", Body: bytes.NewReader(png)}}},
			"alternative(text/plain,related(text/html,image/png))",
			[]leafInfo{{Type: "text/plain", Encoding: "7bit", Data: []byte("plain")}, {Type: "text/html", Encoding: "7bit", Data: []byte(`<img src="cid:logo@x">`)},
				{Type: "image/png", Encoding: "base64", Disposition: "inline", Filename: "logo.png", ContentID: "logo@x", Data: png}}},
		{"RFC 2046 §5.1.3 mixed with attachments", Builder{Text: "see attached",
			Attachments: []Attachment{
				{Filename: "report.pdf", Body: bytes.NewReader(pdf)},
				{Filename: "notes.txt", ContentType: "text/plain", Body: strings.NewReader("ASCII notes\r\nwith CRLF\r\n")},
				{Filename: "unix.txt", ContentType: "text/plain", Body: strings.NewReader("LF only\nlines\n")},
				{Filename: "Grüße.txt", ContentType: "text/plain; charset=utf-8", Body: strings.NewReader("Größe: 1 m, and some more ASCII text.\r\n")},
				{Filename: "fwd.eml", ContentType: "message/rfc822", Body: strings.NewReader(eml)},
				{Filename: "empty.bin", Body: nil},
			}},
			"mixed(text/plain,application/pdf,text/plain,text/plain,text/plain,message/rfc822,application/octet-stream)",
			[]leafInfo{{Type: "text/plain", Encoding: "7bit", Data: []byte("see attached")},
				{Type: "application/pdf", Encoding: "base64", Disposition: "attachment", Filename: "report.pdf", Data: pdf},
				{Type: "text/plain", Encoding: "7bit", Disposition: "attachment", Filename: "notes.txt", Data: []byte("ASCII notes\r\nwith CRLF\r\n")},
				{Type: "text/plain", Encoding: "base64", Disposition: "attachment", Filename: "unix.txt", Data: []byte("LF only\nlines\n")},
				{Type: "text/plain", Encoding: "quoted-printable", Disposition: "attachment", Filename: "Grüße.txt", Data: []byte("Größe: 1 m, and some more ASCII text.\r\n")},
				{Type: "message/rfc822", Encoding: "7bit", Disposition: "attachment", Filename: "fwd.eml", Data: []byte(eml)},
				{Type: "text/plain", Encoding: "", Data: []byte("Inner body.\r\n")}, // the encapsulated message's part 1
				{Type: "application/octet-stream", Encoding: "7bit", Disposition: "attachment", Filename: "empty.bin", Data: []byte{}}}},
		{"attachments only", Builder{Attachments: []Attachment{{Filename: "a.bin", Body: bytes.NewReader(png)}}},
			"mixed(application/octet-stream)", []leafInfo{{Type: "application/octet-stream", Encoding: "base64", Disposition: "attachment", Filename: "a.bin", Data: png}}},
		{"inline without HTML is mixed", Builder{Text: "t", Inline: []Attachment{{Filename: "i.png", ContentID: "i@x", Body: bytes.NewReader(png)}}},
			"mixed(text/plain,image/png)", []leafInfo{{Type: "text/plain", Encoding: "7bit", Data: []byte("t")},
				{Type: "image/png", Encoding: "base64", Disposition: "inline", Filename: "i.png", ContentID: "i@x", Data: png}}},
		{"empty message", Builder{}, "text/plain", []leafInfo{{Type: "text/plain", Encoding: "7bit", Data: []byte{}}}},
	}
	for _, c := range cases {
		c.b.From = from
		raw := build(t, &c.b)
		msg, err := Parse(bytes.NewReader(raw), int64(len(raw)), nil)
		if err != nil {
			t.Fatal(err)
		}
		if got := shape(msg.Root); got != c.shape {
			t.Errorf("%s: shape %s, want %s", c.name, got, c.shape)
			continue
		}
		got := ourLeaves(t, msg)
		if len(got) != len(c.leaves) {
			t.Errorf("%s: %d leaves, want %d", c.name, len(got), len(c.leaves))
			continue
		}
		for i, w := range c.leaves {
			g := got[i]
			if g.Type != w.Type || !strings.EqualFold(g.Encoding, w.Encoding) || g.Disposition != w.Disposition ||
				g.Filename != w.Filename || g.ContentID != w.ContentID || !bytes.Equal(g.Data, w.Data) {
				t.Errorf("%s: leaf %d = %+v\nwant %+v", c.name, i, clipLeaf(g), clipLeaf(w))
			}
		}
		checkWellFormed(t, c.name, raw)
	}
}

func clipLeaf(l leafInfo) leafInfo {
	l.Data = clip(l.Data)
	return l
}

// checkWellFormed checks RFC 5322 §2.1 / §2.1.1 on the output: CRLF line
// endings only, lines of at most 998 octets, and (no SMTPUTF8) ASCII only.
func checkWellFormed(t testing.TB, name string, raw []byte) {
	t.Helper()
	req, err := Needs(bytes.NewReader(raw), int64(len(raw)))
	if err != nil {
		t.Fatal(err)
	}
	if req != (Requirements{}) && !bytes.Contains(raw, []byte("message/rfc822")) {
		t.Errorf("%s: built message needs %+v", name, req)
	}
	for i, l := range bytes.Split(raw, []byte("\r\n")) {
		if len(l) > hardLineLimit {
			t.Errorf("%s: line %d has %d octets", name, i+1, len(l))
		}
	}
}

// TestBuildHeader checks that header text comes back as given.
func TestBuildHeader(t *testing.T) {
	b := &Builder{
		From:       []Address{{Name: "Jörg Müller", Local: "joerg", Domain: "bücher.example"}},
		ReplyTo:    []Address{{Name: "Team", IsGroup: true, Members: []Address{{Local: "a", Domain: "x.example"}, {Name: `Quote "me"`, Local: "b", Domain: "x.example"}}}},
		To:         []Address{{Name: "Bob, Jr.", Local: "bob", Domain: "example.org"}, {Name: "山田 太郎", Local: "taro", Domain: "example.jp"}},
		Cc:         []Address{{Local: "john doe", Domain: "example.org"}},
		Bcc:        []Address{{Local: "hidden", Domain: "example.org"}},
		Subject:    "Grüße  aus Köln: =?not?q?encoded?= ☃",
		Date:       time.Date(2024, 2, 29, 13, 14, 15, 0, time.FixedZone("", 3600)),
		InReplyTo:  []string{"a@b"},
		References: []string{"<x@y>", "a@b"},
		Domain:     "mail.example",
		Text:       "hi",
	}
	b.Header.AddText("X-Note", "naïve café")
	raw := build(t, b)
	h, _ := ParseHeader(raw)
	want := map[string]string{
		"Date": "Thu, 29 Feb 2024 13:14:15 +0100", "In-Reply-To": "<a@b>", "References": "<x@y> <a@b>",
		"MIME-Version": "1.0", "Cc": `"john doe"@example.org`,
	}
	for k, v := range want {
		if got := h.Get(k); got != v {
			t.Errorf("%s = %q, want %q", k, got, v)
		}
	}
	if got := h.Text("Subject"); got != b.Subject {
		t.Errorf("Subject = %q, want %q", got, b.Subject)
	}
	if got := h.Text("X-Note"); got != "naïve café" {
		t.Errorf("X-Note = %q", got)
	}
	if h.Has("Bcc") {
		t.Error("Bcc written")
	}
	id, err := ParseMessageID(h.Get("Message-ID"))
	if err != nil || id != b.MessageID || !strings.HasSuffix(id, "@mail.example") {
		t.Errorf("Message-ID %q (%v), stored %q", id, err, b.MessageID)
	}
	from, _ := ParseAddressList(h.Get("From"))
	if len(from) != 1 || from[0].Name != "Jörg Müller" || from[0].Addr() != "joerg@xn--bcher-kva.example" {
		t.Errorf("From = %+v", from)
	}
	to, _ := ParseAddressList(h.Get("To"))
	if len(to) != 2 || to[0].Name != "Bob, Jr." || to[1].Name != "山田 太郎" || to[1].Addr() != "taro@example.jp" {
		t.Errorf("To = %+v", to)
	}
	rt, _ := ParseAddressList(h.Get("Reply-To"))
	if len(rt) != 1 || !rt[0].IsGroup || rt[0].Name != "Team" || len(rt[0].Members) != 2 || rt[0].Members[1].Name != `Quote "me"` {
		t.Errorf("Reply-To = %+v", rt)
	}
	if got := b.Recipients(); strings.Join(got, " ") != `bob@example.org taro@example.jp john doe@example.org hidden@example.org` {
		t.Errorf("Recipients = %q", got)
	}
	checkWellFormed(t, "header", raw)
}

// TestBuildSMTPUTF8 checks RFC 6532: raw UTF-8 only when allowed.
func TestBuildSMTPUTF8(t *testing.T) {
	eai := []Address{{Name: "Jörg", Local: "jörg", Domain: "bücher.example"}}
	_, err := (&Builder{From: eai}).WriteTo(io.Discard)
	var be *BuildError
	if !errors.As(err, &be) || !errors.Is(err, ErrNeedsSMTPUTF8) || be.Field != "From" {
		t.Fatalf("non-ASCII local part without SMTPUTF8: %v", err)
	}
	b := &Builder{From: eai, Subject: "Grüße", SMTPUTF8: true, Text: "x"}
	raw := build(t, b)
	if !bytes.Contains(raw, []byte("From: Jörg <jörg@bücher.example>\r\n")) || !bytes.Contains(raw, []byte("Subject: Grüße\r\n")) {
		t.Errorf("SMTPUTF8 header not raw UTF-8:\n%s", raw)
	}
	req, _ := Needs(bytes.NewReader(raw), int64(len(raw)))
	if req != (Requirements{SMTPUTF8: true}) {
		t.Errorf("Needs = %+v", req)
	}
	// A raw 8-bit field added by the caller needs the option too.
	var h Header
	h.Add("X-Raw", "café")
	_, err = (&Builder{From: []Address{{Local: "a", Domain: "b"}}, Header: h}).WriteTo(io.Discard)
	if !errors.Is(err, ErrNeedsSMTPUTF8) {
		t.Errorf("raw 8-bit extra field: %v", err)
	}
}

func TestBuildErrors(t *testing.T) {
	var h Header
	h.Add("Content-Type", "text/plain")
	cases := []struct {
		name string
		b    Builder
		want error
	}{
		{"RFC 5322 §3.6 From is required", Builder{Text: "x"}, ErrMissingField},
		{"MIME fields are the Builder's", Builder{From: []Address{{Local: "a", Domain: "b"}}, Header: h}, ErrReservedField},
		{"bad media type", Builder{From: []Address{{Local: "a", Domain: "b"}}, Attachments: []Attachment{{ContentType: "nonsense"}}}, nil},
		{"reader fails", Builder{From: []Address{{Local: "a", Domain: "b"}}, Attachments: []Attachment{{Body: failReader{}}}}, errFail},
	}
	for _, c := range cases {
		_, err := c.b.WriteTo(io.Discard)
		if err == nil {
			t.Errorf("%s: no error", c.name)
			continue
		}
		var se *SyntaxError
		if c.want == nil && !errors.As(err, &se) || c.want != nil && !errors.Is(err, c.want) {
			t.Errorf("%s: %v", c.name, err)
		}
	}
	// A From given in Header satisfies the requirement.
	var fh Header
	fh.Add("From", "x@y")
	if _, err := (&Builder{Header: fh}).WriteTo(io.Discard); err != nil {
		t.Errorf("From in Header: %v", err)
	}
}

var errFail = errors.New("read failed")

type failReader struct{}

func (failReader) Read([]byte) (int, error) { return 0, errFail }

// TestBuildBoundaryInContent checks that 7bit content holding a boundary is
// encoded instead: boundaries start with "=_", which QP and base64 never
// produce, so the boundary cannot appear in the output's bodies.
func TestBuildBoundaryInContent(t *testing.T) {
	zero := bytes.NewReader(make([]byte, 1000)) // boundaries from zero bytes are predictable
	bnd := "=_" + strings.Repeat("a", 32)
	b := &Builder{From: []Address{{Local: "a", Domain: "b"}}, Rand: zero, MessageID: "x@y",
		Text: "line\r\n--" + bnd + "\r\nafter", Attachments: []Attachment{{Filename: "a.txt", Body: strings.NewReader("--" + bnd + "--\r\n")}}}
	raw := build(t, b)
	msg, _ := Parse(bytes.NewReader(raw), int64(len(raw)), nil)
	leaves := ourLeaves(t, msg)
	if len(leaves) != 2 || string(leaves[0].Data) != b.Text || leaves[0].Encoding != "quoted-printable" || string(leaves[1].Data) != "--"+bnd+"--\r\n" {
		t.Fatalf("leaves %+v\n%s", leaves, raw)
	}
}

// TestBuildStreamsAttachments checks that a large attachment is streamed:
// writing 8 MB allocates a small, fixed amount.
func TestBuildStreamsAttachments(t *testing.T) {
	const size = 8 << 20
	b := &Builder{From: []Address{{Local: "a", Domain: "b"}}, Text: "big",
		Attachments: []Attachment{{Filename: "big.bin", Body: io.LimitReader(&patternReader{}, size)}}}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	cw := &countWriter{w: io.Discard}
	if _, err := b.WriteTo(cw); err != nil {
		t.Fatal(err)
	}
	runtime.ReadMemStats(&after)
	if cw.n < size*4/3 {
		t.Fatalf("wrote %d bytes", cw.n)
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 2<<20 {
		t.Errorf("writing a %d MB attachment allocated %d bytes", size>>20, alloc)
	}
}

// patternReader produces endless non-text bytes without holding them.
type patternReader struct{ n byte }

func (r *patternReader) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = r.n * 7
		r.n++
	}
	return len(p), nil
}

func TestQuotedPrintable(t *testing.T) {
	cases := []struct{ name, in, want string }{
		{"RFC 2045 §6.7 rule 2 literal", "abc", "abc"},
		{"RFC 2045 §6.7 rule 1 '='", "a=b", "a=3Db"},
		{"RFC 2045 §6.7 rule 3 trailing space", "a \r\nb\t", "a=20\r\nb=09"},
		{"RFC 2045 §6.7 rule 4 bare LF kept exact", "a\nb\rc", "a=0Ab=0Dc"},
		{"RFC 2045 §6.7 rule 5 soft break", strings.Repeat("x", 80), strings.Repeat("x", 75) + "=\r\n" + strings.Repeat("x", 5)},
		{"escape not split", strings.Repeat("x", 74) + "é", strings.Repeat("x", 74) + "=\r\n=C3=A9"},
		{"UTF-8", "é", "=C3=A9"},
	}
	for _, c := range cases {
		var out bytes.Buffer
		q := newQPWriter(&out)
		q.Write([]byte(c.in))
		q.Close()
		if out.String() != c.want {
			t.Errorf("%s: %q, want %q", c.name, out.String(), c.want)
		}
		for _, l := range strings.Split(out.String(), "\r\n") {
			if len(l) > qpMaxLine {
				t.Errorf("%s: line of %d", c.name, len(l))
			}
		}
		back, err := io.ReadAll(mustDecode(t, &out, "quoted-printable"))
		if err != nil || string(back) != c.in {
			t.Errorf("%s: decodes to %q (%v)", c.name, back, err)
		}
	}
}

func mustDecode(t *testing.T, r io.Reader, enc string) io.Reader {
	d, err := DecodeReader(r, enc)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestNeeds(t *testing.T) {
	cases := []struct {
		name string
		in   string
		want Requirements
	}{
		{"RFC 5322 plain ASCII", "Subject: x\r\n\r\nbody\r\n", Requirements{}},
		{"RFC 6532 §3.2 UTF-8 header", "Subject: café\r\n\r\nbody\r\n", Requirements{SMTPUTF8: true}},
		{"RFC 6152 8-bit body", "Subject: x\r\n\r\ncafé\r\n", Requirements{EightBit: true}},
		{"RFC 6152 8-bit in a nested header", "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain; name=\"é\"\r\n\r\nx\r\n--b--\r\n", Requirements{EightBit: true}},
		{"RFC 3030 NUL", "Subject: x\r\n\r\na\x00b\r\n", Requirements{Binary: true}},
		{"RFC 3030 bare LF", "Subject: x\n\nbody\n", Requirements{Binary: true}},
		{"RFC 3030 bare CR", "Subject: x\r\n\r\na\rb\r\n", Requirements{Binary: true}},
		{"RFC 3030 final CR", "Subject: x\r\n\r\nab\r", Requirements{Binary: true}},
		{"RFC 5322 §2.1.1 998 is fine", "Subject: x\r\n\r\n" + strings.Repeat("a", 998) + "\r\n", Requirements{}},
		{"RFC 5322 §2.1.1 999 is not", "Subject: x\r\n\r\n" + strings.Repeat("a", 999) + "\r\n", Requirements{Binary: true}},
		{"long header line", "X: " + strings.Repeat("a", 1000) + "\r\n\r\n", Requirements{Binary: true}},
		{"header only", "Subject: é", Requirements{SMTPUTF8: true}},
		{"all", "S: é\r\n\r\né\x00", Requirements{SMTPUTF8: true, EightBit: true, Binary: true}},
		{"empty", "", Requirements{}},
	}
	for _, c := range cases {
		// Read in small pieces too, so that CRLF pairs straddle buffers.
		for _, r := range []io.ReaderAt{strings.NewReader(c.in), &tinyReaderAt{s: c.in}} {
			got, err := Needs(r, int64(len(c.in)))
			if err != nil || got != c.want {
				t.Errorf("%s: %+v %v, want %+v", c.name, got, err, c.want)
			}
		}
	}
}

// tinyReaderAt returns at most 1 byte per ReadAt.
type tinyReaderAt struct{ s string }

func (r *tinyReaderAt) ReadAt(p []byte, off int64) (int, error) {
	if off >= int64(len(r.s)) {
		return 0, io.EOF
	}
	if len(p) == 0 {
		return 0, nil
	}
	p[0] = r.s[off]
	return 1, nil
}

// TestBuildExtraFields checks that caller fields get CRLF line endings and
// cannot start a new field.
func TestBuildExtraFields(t *testing.T) {
	h, _ := ParseHeader([]byte("X-A: one\n two\nX-B: a\rb\n\n"))
	b := &Builder{From: []Address{{Local: "a", Domain: "b"}}, Header: h, Text: "x"}
	raw := build(t, b)
	if !bytes.Contains(raw, []byte("\r\nX-A: one\r\n two\r\nX-B: a b\r\n")) {
		t.Errorf("extra fields:\n%q", raw)
	}
	bad, _ := ParseHeader([]byte("no colon here\r\n\r\n"))
	if _, err := (&Builder{From: b.From, Header: bad}).WriteTo(io.Discard); !errors.Is(err, ErrInvalidField) {
		t.Errorf("line without colon: %v", err)
	}
}
