package message

import (
	"bytes"
	"io"
	"os"
	"path"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

func addCorpusSeeds(f *testing.F) {
	files, _ := filepath.Glob("testdata/corpus/*.eml")
	for _, name := range files {
		if b, err := os.ReadFile(name); err == nil && len(b) < 64<<10 {
			f.Add(b)
		}
	}
}

// FuzzParseHeader checks that any header is written back byte-exact and
// that edits keep the other fields.
func FuzzParseHeader(f *testing.F) {
	addCorpusSeeds(f)
	f.Add([]byte("A: 1\r\n B\r\n\r\n"))
	f.Add([]byte(" x\r\r\n:\n\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		h, n := ParseHeader(b)
		if n > len(b) {
			t.Fatal("consumed past the input")
		}
		if got := h.Bytes(); !bytes.Equal(got, b[:n]) {
			t.Fatalf("round trip: %q != %q", got, b[:n])
		}
		before := h.Len()
		h.Add("X-Fuzz", string(b[:min(len(b), 200)]))
		if h.Len() != before+1 || h.Get("x-fuzz") == "" && len(bytes.TrimSpace(b[:min(len(b), 200)])) > 0 && !bytes.ContainsAny(b[:min(len(b), 200)], "\r\n\t ") {
			t.Fatal("Add lost the field")
		}
		h2, _ := ParseHeader(h.Bytes())
		if h2.Len() < before {
			t.Fatalf("reparse lost fields: %d < %d", h2.Len(), before)
		}
	})
}

// FuzzAddressList checks that formatting parsed addresses and parsing again
// gives the same addresses.
func FuzzAddressList(f *testing.F) {
	for _, s := range []string{
		`John Doe <jdoe@machine.example>`, `"Joe Q. Public" <john.q.public@example.com>`,
		`A Group:Ed Jones <c@a.test>,joe@where.test,John <jdoe@one.test>;`, `Undisclosed recipients:;`,
		`Pete(A nice \) chap) <pete(his account)@silly.test(his host)>`, `<@a.test,@b.test:x@c.test>`,
		`=?ISO-8859-1?Q?Keld_J=F8rn_Simonsen?= <keld@dkuug.dk>`, `Jörg <jörg@bücher.example>`, `"a" "b`, `(((`, `a@[1.2`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		as, _ := ParseAddressList(s)
		again, _ := ParseAddressList(FormatAddressList(as))
		if len(again) != len(as) {
			return // formatting may merge broken members; only check well-formed ones
		}
		for i := range as {
			if !as[i].IsGroup && as[i].Domain != "" && isAtomic(as[i].Local) && isAtomic(as[i].Domain) && again[i].Addr() != as[i].Addr() {
				t.Fatalf("address %q became %q", as[i].Addr(), again[i].Addr())
			}
		}
	})
}

func isAtomic(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isAtext(s[i]) && s[i] != '.' {
			return false
		}
	}
	return s != ""
}

// FuzzParseDate checks that a parsed date formats and parses to the same instant.
func FuzzParseDate(f *testing.F) {
	for _, s := range []string{"Fri, 21 Nov 1997 09:55:06 -0600", "21 Nov 97 09:55:06 GMT", "Tue Jun  3 11:05:30 2008",
		"Thu,\r\n 13 Feb 1969 23:32 -0330 (Newfoundland Time)", "1 Jan 2001 10:00 A", "31 Dec 2016 23:59:60 +0000", "32 Jan"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseDate(s)
		if err != nil {
			return
		}
		back, err := ParseDate(FormatDate(d))
		if err != nil || !back.Equal(d.Truncate(time.Second)) {
			t.Fatalf("%q -> %v -> %q -> %v %v", s, d, FormatDate(d), back, err)
		}
	})
}

// FuzzMediaType checks that format → parse keeps every parameter's value.
func FuzzMediaType(f *testing.F) {
	for _, s := range []string{`text/plain; charset=us-ascii (Plain text)`, `multipart/mixed; boundary="simple boundary"`,
		"application/x-stuff; title*0*=us-ascii'en'This%20is; title*1=\"x\"", `a/b; name="=?utf-8?q?r=C3=A9?="`, `a/b;;;=`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		mt, err := ParseMediaType(s)
		if err != nil {
			return
		}
		back, err := ParseMediaType(FormatMediaType(mt))
		if err != nil {
			t.Fatalf("reparse of %q: %v", FormatMediaType(mt), err)
		}
		if len(back.Params) != len(mt.Params) {
			t.Fatalf("%q: %d params, then %d", s, len(mt.Params), len(back.Params))
		}
		for i := range mt.Params {
			if back.Params[i].Text() != mt.Params[i].Text() {
				t.Fatalf("param %q: %q then %q", mt.Params[i].Name, mt.Params[i].Text(), back.Params[i].Text())
			}
		}
	})
}

// FuzzParse checks the part index invariants and that every section of
// every part can be read within its announced length.
func FuzzParse(f *testing.F) {
	addCorpusSeeds(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := Parse(bytes.NewReader(b), int64(len(b)), &Limits{MaxDepth: 8, MaxParts: 50})
		if err != nil {
			t.Fatal(err)
		}
		checkPartFuzz(t, m.Root, 0, int64(len(b)))
		m.BodyStructure().AppendIMAP(nil, true)
		if e, err := m.Envelope(); err != nil || e == nil {
			t.Fatal(err)
		}
		for _, path := range partPaths(m.Root, nil, true) {
			for _, spec := range []Specifier{SpecNone, SpecMIME, SpecHeader, SpecText} {
				r, n, err := m.Section(Section{Part: path, Specifier: spec})
				if err != nil {
					continue
				}
				got, _ := io.ReadAll(r)
				if int64(len(got)) != n {
					t.Fatalf("section %v/%d: %d bytes, announced %d", path, spec, len(got), n)
				}
			}
		}
	})
}

func checkPartFuzz(t *testing.T, p *Part, min, max int64) {
	if p.Offset < min || p.Offset+p.Size() > max || p.HeaderSize < 0 || p.BodySize < 0 || p.BodyLines < 0 {
		t.Fatalf("part %+v outside [%d,%d)", *p, min, max)
	}
	if p.Message != nil {
		checkPartFuzz(t, p.Message, p.BodyOffset(), p.BodyOffset()+p.BodySize)
	}
	for _, c := range p.Parts {
		checkPartFuzz(t, c, min, p.BodyOffset()+p.BodySize)
	}
}

// FuzzBuild checks that what goes into a Builder comes back out of the
// parsed message: subject, display name, file name and both bodies, and
// that the message needs no SMTP extension.
func FuzzBuild(f *testing.F) {
	f.Add("Grüße aus Köln", "Jörg Müller", "Übersicht.pdf", "Hallo\nWelt", []byte("\x00\x01binary"))
	f.Add("plain subject", "Bob, Jr.", "notes.txt", "ASCII text\r\n", []byte("text\r\n"))
	f.Add("=?utf-8?q?not_encoded?=", `"quoted" (comment)`, "a \"b\" c.txt", "-- \r\n", []byte("--=_x\r\n"))
	f.Add("\ttabs\tand  spaces ", "  spaced  ", "%41.txt", "Привет", []byte{})
	f.Fuzz(func(t *testing.T, subject, name, filename, text string, body []byte) {
		for _, s := range []string{subject, name, filename, text} {
			if !utf8.ValidString(s) {
				return
			}
		}
		if filename != path.Base(filename) || filename == "." || strings.ContainsAny(filename, "\\/") {
			return
		}
		b := &Builder{From: []Address{{Name: name, Local: "a", Domain: "example.org"}}, Subject: subject, Text: text,
			Attachments: []Attachment{{Filename: filename, ContentType: "application/octet-stream", Body: bytes.NewReader(body)}}}
		var out bytes.Buffer
		if _, err := b.WriteTo(&out); err != nil {
			t.Fatal(err)
		}
		raw := out.Bytes()
		// Binary would also flag a line over 998 (RFC 5322 §2.1.1).
		if req, _ := Needs(bytes.NewReader(raw), int64(len(raw))); req != (Requirements{}) {
			t.Fatalf("needs %+v:\n%q", req, raw)
		}
		m, _ := Parse(bytes.NewReader(raw), int64(len(raw)), nil)
		h, _ := m.Header(m.Root)
		if got, want := h.Text("Subject"), strings.Trim(subject, " \t"); got != want {
			t.Fatalf("subject %q, want %q\n%q", got, want, h.Bytes())
		}
		from, err := ParseAddressList(h.Get("From"))
		if err != nil || len(from) != 1 || from[0].Name != name || from[0].Addr() != "a@example.org" {
			t.Fatalf("From %q: %+v %v, want name %q", h.Get("From"), from, err, name)
		}
		leaves := ourLeaves(t, m)
		att := leaves[len(leaves)-1]
		if !bytes.Equal(att.Data, body) || att.Filename != filename {
			t.Fatalf("attachment %q %q, want %q %q", att.Filename, clip(att.Data), filename, clip(body))
		}
		if text != "" && (len(leaves) != 2 || !bytes.Equal(leaves[0].Data, canonicalText(text))) {
			t.Fatalf("text %q, want %q", leaves[0].Data, canonicalText(text))
		}
	})
}

// FuzzNeeds compares Needs with a plain reading of the rules it applies.
func FuzzNeeds(f *testing.F) {
	addCorpusSeeds(f)
	f.Add([]byte("S: é\r\n\r\né\x00\r"))
	f.Add([]byte("S: x\r\r\n\r\nbody"))
	f.Fuzz(func(t *testing.T, b []byte) {
		got, err := Needs(bytes.NewReader(b), int64(len(b)))
		if err != nil {
			t.Fatal(err)
		}
		if want := needsReference(b); got != want {
			t.Fatalf("Needs = %+v, reference %+v", got, want)
		}
	})
}

// needsReference is Needs written for clarity, not speed.
func needsReference(b []byte) Requirements {
	var req Requirements
	head := len(b)
	off := 0
	for _, l := range bytes.SplitAfter(b, []byte("\n")) {
		if bytes.HasSuffix(l, []byte("\n")) && len(bytes.TrimSuffix(bytes.TrimSuffix(l, []byte("\n")), []byte("\r"))) == 0 {
			head = off
			break
		}
		off += len(l)
	}
	for i, c := range b {
		switch {
		case c == 0,
			c == '\n' && (i == 0 || b[i-1] != '\r'),
			c == '\r' && (i+1 == len(b) || b[i+1] != '\n'):
			req.Binary = true
		case c >= 0x80 && i < head:
			req.SMTPUTF8 = true
		case c >= 0x80:
			req.EightBit = true
		}
	}
	if !req.Binary {
		for _, l := range bytes.Split(b, []byte("\r\n")) {
			if len(l) > hardLineLimit {
				req.Binary = true
			}
		}
	}
	return req
}

// FuzzHeaderAdd checks that Add keeps unstructured text within 998
// characters per line and that it reads back as the same text as the value
// written unfolded would.
func FuzzHeaderAdd(f *testing.F) {
	f.Add("=?utf-8?q?caf=C3=A9?= "+strings.Repeat("x", 1000)+" =?utf-8?q?th=C3=A9?=", 1)
	f.Add("a\t=?x-unknown?q?a?=   "+strings.Repeat("=?utf-8?q?=C3?=", 80), 2)
	f.Add(strings.Repeat("é", 600)+"\r\n"+strings.Repeat("y", 1000), 3)
	f.Add("\x01"+strings.Repeat("\t", 1200)+"\"", 0)
	f.Fuzz(func(t *testing.T, value string, grow int) {
		// Short fuzz inputs are made long enough to need folding.
		if grow = grow % 8; grow > 0 && len(value) > 0 && len(value) < 200 {
			value = strings.Repeat(value, 1100/len(value)*grow)
		}
		flat := strings.Map(func(r rune) rune {
			if r == '\r' || r == '\n' {
				return ' '
			}
			return r
		}, value)
		ref, _ := ParseHeader([]byte("Subject: " + flat + "\r\n\r\n"))
		var h Header
		h.Add("Subject", value)
		fld := h.Field(0)
		if got, want := fld.Text(), ref.Field(0).Text(); got != want {
			t.Fatalf("Text %q, want %q\nraw %q", got, want, fld.Raw())
		}
		for _, l := range bytes.Split(bytes.TrimSuffix(fld.Raw(), []byte("\r\n")), []byte("\r\n")) {
			if len(l) > hardLineLimit {
				t.Fatalf("line of %d octets", len(l))
			}
		}
	})
}

// FuzzBaseSubject checks that base-subject extraction (RFC 5256 §2.1)
// terminates, never grows its input and reaches a fixed point: the base
// subject of a base subject is itself, with no marker removed.
func FuzzBaseSubject(f *testing.F) {
	for _, s := range []string{"Re: Hello", "[list] Re[2]: Fwd: x (fwd)", "[fwd: [Fwd: a]]", "[a] [b]",
		"Re: [fwd: Hello]", "re:re:re:", " \t\r\n", "[", "[]", "[fwd:]", "((fwd)"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		base, _ := BaseSubject(s)
		if len(base) > len(s) {
			t.Fatalf("BaseSubject(%q) = %q grew", s, base)
		}
		if again, fwd := BaseSubject(base); again != base || fwd {
			t.Fatalf("BaseSubject(%q) = %q, but BaseSubject(%q) = %q, %v", s, base, base, again, fwd)
		}
	})
}
