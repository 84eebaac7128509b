package imap

import (
	"bytes"
	"io"
	"math/rand/v2"
	"testing"
)

// toCRLF is the reference conversion: a LF not after CR becomes CRLF.
func toCRLF(b []byte) []byte {
	var out []byte
	for i, c := range b {
		if c == '\n' && (i == 0 || b[i-1] != '\r') {
			out = append(out, '\r')
		}
		out = append(out, c)
	}
	return out
}

func checkCRLFView(t *testing.T, raw []byte, rng *rand.Rand) {
	t.Helper()
	want := toCRLF(raw)
	r, n, err := newCRLFView(bytes.NewReader(raw), int64(len(raw)))
	if err != nil || n != int64(len(want)) {
		t.Fatalf("size %d, want %d (%v)", n, len(want), err)
	}
	got, err := io.ReadAll(io.NewSectionReader(r, 0, n))
	if err != nil || !bytes.Equal(got, want) {
		t.Fatalf("whole read differs (%v)", err)
	}
	for i := 0; i < 20 && n > 0; i++ {
		off := rng.Int64N(n)
		l := rng.Int64N(n-off) + 1
		p := make([]byte, l)
		k, err := r.ReadAt(p, off)
		if int64(k) != l || (err != nil && err != io.EOF) || !bytes.Equal(p, want[off:off+l]) {
			t.Fatalf("ReadAt(%d, %d) = %d, %v", l, off, k, err)
		}
	}
}

func TestCRLFView(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	cases := [][]byte{nil, []byte("a\r\nb\r\n"), []byte("a\nb\n"), []byte("\n\n\r\r\n\r")}
	// Bodies past a block boundary, with a CR right before it.
	big := bytes.Repeat([]byte("line\n"), 20000)
	cases = append(cases, big)
	edge := bytes.Repeat([]byte("x"), crlfBlock-1)
	edge = append(edge, '\r', '\n', 'y', '\n')
	cases = append(cases, edge)
	for _, c := range cases {
		checkCRLFView(t, c, rng)
	}
}

func FuzzCRLFView(f *testing.F) {
	f.Add([]byte("a\nb\r\nc\r\r\n"), uint16(3))
	f.Fuzz(func(t *testing.T, b []byte, rep uint16) {
		raw := bytes.Repeat(b, 1+int(rep)%(2*crlfBlock/(len(b)+1)+1))
		checkCRLFView(t, raw, rand.New(rand.NewPCG(uint64(len(raw)), 1)))
		checkCRLFReader(t, raw, rand.New(rand.NewPCG(uint64(len(raw)), 2)))
	})
}

// crlfReader streams the same bytes as the reference conversion, whatever
// the sizes of the reads asking for them.
func checkCRLFReader(t *testing.T, raw []byte, rng *rand.Rand) {
	t.Helper()
	want := toCRLF(raw)
	r := newCRLFReader(&oneByteOrMore{r: bytes.NewReader(raw), rng: rng})
	defer r.Close()
	var got []byte
	for {
		p := make([]byte, 1+rng.IntN(7)*rng.IntN(3000))
		n, err := r.Read(p)
		got = append(got, p[:n]...)
		if err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("crlfReader: %d bytes, want %d", len(got), len(want))
	}
}

// oneByteOrMore returns reads of random sizes, to move raw boundaries.
type oneByteOrMore struct {
	r   io.Reader
	rng *rand.Rand
}

func (o *oneByteOrMore) Read(p []byte) (int, error) {
	return o.r.Read(p[:min(len(p), 1+o.rng.IntN(40000))])
}

func TestCRLFReader(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for _, c := range [][]byte{nil, []byte("\n"), []byte("\r"), []byte("a\r\nb\r\n"), []byte("a\nb\n"), []byte("\n\n\r\r\n\r"),
		bytes.Repeat([]byte("line\n"), 20000), bytes.Repeat([]byte("\r\n\n\r"), 30000)} {
		for i := 0; i < 5; i++ {
			checkCRLFReader(t, c, rng)
		}
	}
}

// Every offset, read one and two bytes at a time: a read may end between
// the CR and the LF of a converted line end.
func TestCRLFViewSmallReads(t *testing.T) {
	raw := []byte("a\nb\n\r\n\nc\r")
	want := toCRLF(raw)
	r, n, _ := newCRLFView(bytes.NewReader(raw), int64(len(raw)))
	for l := 1; l <= 2; l++ {
		for off := int64(0); off < n; off++ {
			p := make([]byte, l)
			k, _ := r.ReadAt(p, off)
			if !bytes.Equal(p[:k], want[off:min(off+int64(l), n)]) {
				t.Fatalf("ReadAt(%d bytes, %d) = %q, want %q", l, off, p[:k], want[off:min(off+int64(l), n)])
			}
		}
	}
}
