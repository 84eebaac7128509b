package message

import (
	"bytes"
	"os"
	"path/filepath"
	"sort"
	"testing"
)

type corpusMsg struct {
	name string
	data []byte
}

func loadCorpus(t testing.TB) []corpusMsg {
	t.Helper()
	files, err := filepath.Glob("testdata/corpus/*.eml")
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(files)
	var ms []corpusMsg
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		ms = append(ms, corpusMsg{filepath.Base(f), b})
	}
	if len(ms) < 60 {
		t.Fatalf("corpus has %d messages, want at least 60", len(ms))
	}
	return ms
}

// TestCorpusRoundTrip checks that parse → write is byte-exact for every
// corpus message, both through Header and through the part index.
func TestCorpusRoundTrip(t *testing.T) {
	for _, m := range loadCorpus(t) {
		h, n := ParseHeader(m.data)
		var out bytes.Buffer
		h.WriteTo(&out)
		out.Write(m.data[n:])
		if !bytes.Equal(out.Bytes(), m.data) {
			t.Errorf("%s: header round trip differs", m.name)
		}
		msg, err := Parse(bytes.NewReader(m.data), int64(len(m.data)), nil)
		if err != nil {
			t.Fatalf("%s: %v", m.name, err)
		}
		if got := reassemble(t, m.name, m.data, msg.Root); !bytes.Equal(got, m.data) {
			t.Errorf("%s: index does not cover the message byte-exact", m.name)
		}
		checkPart(t, m.name, msg.Root, 0, int64(len(m.data)))
	}
}

// reassemble rebuilds a part's bytes from its header range, its children's
// ranges and the gaps between them (boundaries, preamble, epilogue).
func reassemble(t *testing.T, name string, data []byte, p *Part) []byte {
	out := append([]byte(nil), data[p.Offset:p.BodyOffset()]...)
	pos := p.BodyOffset()
	kids := p.Parts
	if p.Message != nil {
		kids = []*Part{p.Message}
	}
	for _, c := range kids {
		out = append(out, data[pos:c.Offset]...)
		out = append(out, reassemble(t, name, data, c)...)
		pos = c.Offset + c.Size()
	}
	end := p.BodyOffset() + p.BodySize
	if pos > end {
		t.Errorf("%s: child runs past its parent's body", name)
		return out
	}
	return append(out, data[pos:end]...)
}

// checkPart verifies the index invariants: ranges nest, children are in
// order, an encapsulated message is exactly its part's body.
func checkPart(t *testing.T, name string, p *Part, min, max int64) {
	if p.Offset < min || p.Offset+p.Size() > max || p.HeaderSize < 0 || p.BodySize < 0 {
		t.Errorf("%s: part %+v outside [%d,%d)", name, *p, min, max)
	}
	if p.Message != nil {
		if p.Message.Offset != p.BodyOffset() || p.Message.Size() != p.BodySize {
			t.Errorf("%s: encapsulated message is not its part's body", name)
		}
		checkPart(t, name, p.Message, p.BodyOffset(), p.BodyOffset()+p.BodySize)
	}
	prev := p.BodyOffset()
	for _, c := range p.Parts {
		checkPart(t, name, c, prev, p.BodyOffset()+p.BodySize)
		prev = c.Offset + c.Size()
	}
}

func ioReadFull(r interface{ Read([]byte) (int, error) }, b []byte) (int, error) {
	n := 0
	for n < len(b) {
		m, err := r.Read(b[n:])
		n += m
		if err != nil {
			return n, err
		}
	}
	return n, nil
}
