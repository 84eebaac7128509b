package message

import (
	"bytes"
	"fmt"
	"io"
	"runtime"
	"strings"
	"testing"
)

// allocated returns the bytes allocated while f runs.
func allocated(f func()) uint64 {
	var a, b runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&a)
	f()
	runtime.ReadMemStats(&b)
	return b.TotalAlloc - a.TotalAlloc
}

func TestHugeHeaderLine(t *testing.T) {
	msg := []byte("Subject: " + strings.Repeat("x", 1<<20) + "\r\nFrom: a@b\r\n\r\nbody\r\n")
	var m *Message
	n := allocated(func() { m, _ = Parse(bytes.NewReader(msg), int64(len(msg)), nil) })
	if n > 2<<20 {
		t.Errorf("parsing a 1 MB header line allocated %d bytes", n)
	}
	if m.Root.BodySize != 6 || m.Root.HeaderSize != int64(len(msg)-6) {
		t.Errorf("sizes %d/%d", m.Root.HeaderSize, m.Root.BodySize)
	}
}

func TestDeepNesting(t *testing.T) {
	var b bytes.Buffer
	b.WriteString("Content-Type: multipart/mixed; boundary=b0-\r\n\r\n")
	const depth = 100000
	for i := 0; i < depth; i++ {
		fmt.Fprintf(&b, "--b%d-\r\nContent-Type: multipart/mixed; boundary=b%d-\r\n\r\n", i, i+1)
	}
	msg := b.Bytes()
	var m *Message
	n := allocated(func() { m, _ = Parse(bytes.NewReader(msg), int64(len(msg)), nil) })
	if n > 8<<20 {
		t.Errorf("parsing %d nested multiparts allocated %d bytes", depth, n)
	}
	levels, p := 0, m.Root
	for len(p.Parts) > 0 {
		p = p.Parts[0]
		levels++
	}
	if levels != DefaultMaxDepth || !p.Degraded {
		t.Errorf("nesting stopped at %d (degraded %v), want %d", levels, p.Degraded, DefaultMaxDepth)
	}
	bs := m.BodyStructure().AppendIMAP(nil, true)
	if !bytes.Contains(bs, []byte(`"application" "octet-stream"`)) {
		t.Error("the degraded part is not an opaque leaf")
	}
}

func TestManyParts(t *testing.T) {
	var b bytes.Buffer
	b.WriteString("Content-Type: multipart/mixed; boundary=m\r\n\r\n")
	for i := 0; i < 200; i++ {
		b.WriteString("--m\r\n\r\nx\r\n")
	}
	b.WriteString("--m--\r\n")
	m, _ := Parse(bytes.NewReader(b.Bytes()), int64(b.Len()), &Limits{MaxParts: 50})
	if len(m.Root.Parts) != 49 || !m.Root.Degraded || m.PartCount() != 50 {
		t.Errorf("%d parts, degraded %v, count %d", len(m.Root.Parts), m.Root.Degraded, m.PartCount())
	}
}

// shortReader claims a size far beyond its content.
type shortReader struct{ data []byte }

func (r shortReader) ReadAt(p []byte, off int64) (int, error) {
	if off >= int64(len(r.data)) {
		return 0, io.EOF
	}
	n := copy(p, r.data[off:])
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

func TestDeclaredSize2GB(t *testing.T) {
	data := []byte("From: a@b\r\nContent-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\n\r\nhello\r\n")
	var m *Message
	n := allocated(func() { m, _ = Parse(shortReader{data}, 2<<30, nil) })
	if n > 1<<20 {
		t.Errorf("a 2 GB declared size allocated %d bytes", n)
	}
	if m.Size() != int64(len(data)) {
		t.Errorf("Size() = %d, want the real %d", m.Size(), len(data))
	}
}

func TestSections(t *testing.T) {
	b := []byte("Subject: s\r\nContent-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\nContent-Type: text/plain\r\nContent-Transfer-Encoding: base64\r\n\r\naGVsbG8gd29y\r\nbGQ=\r\n--x\r\nContent-Type: message/rfc822\r\n\r\nSubject: inner\r\nX: y\r\n\r\ninner body\r\n--x--\r\n")
	m, _ := Parse(bytes.NewReader(b), int64(len(b)), nil)
	cases := []struct {
		spec, partial, want string
		binary              bool
	}{
		{"HEADER", "", "Subject: s\r\nContent-Type: multipart/mixed; boundary=x\r\n\r\n", false},
		{"HEADER.FIELDS (subject)", "", "Subject: s\r\n\r\n", false},
		{"HEADER.FIELDS.NOT (Subject)", "", "Content-Type: multipart/mixed; boundary=x\r\n\r\n", false},
		{"1", "", "aGVsbG8gd29y\r\nbGQ=", false},
		{"1", "", "hello world", true},
		{"1", "<6.3>", "wor", true},
		{"1.MIME", "", "Content-Type: text/plain\r\nContent-Transfer-Encoding: base64\r\n\r\n", false},
		{"2.HEADER", "", "Subject: inner\r\nX: y\r\n\r\n", false},
		{"2.TEXT", "", "inner body", false},
		{"2.1", "", "inner body", false},
		{"2.HEADER.FIELDS (X)", "", "X: y\r\n\r\n", false},
		{"TEXT", "<0.3>", "--x", false},
		{"TEXT", "<100000.3>", "", false},
	}
	for _, c := range cases {
		sec, err := ParseSection(c.spec, c.partial)
		if err != nil {
			t.Fatalf("%s: %v", c.spec, err)
		}
		sec.Binary = c.binary
		r, n, err := m.Section(sec)
		if err != nil {
			t.Errorf("%s: %v", c.spec, err)
			continue
		}
		got, _ := io.ReadAll(r)
		if string(got) != c.want || int64(len(got)) != n {
			t.Errorf("%s%s: got %q (n %d), want %q", c.spec, c.partial, got, n, c.want)
		}
	}
	for _, bad := range []string{"3", "1.2", "0", "1.HEADER"} {
		sec, err := ParseSection(bad, "")
		if err != nil {
			continue
		}
		if _, _, err := m.Section(sec); err == nil {
			t.Errorf("%s: no error", bad)
		}
	}
}
