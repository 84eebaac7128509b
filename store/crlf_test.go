package store

import (
	"math/rand/v2"
	"testing"
)

// crlfReference converts b the slow way: a CR before every LF that has
// none (RFC 9051 §2.2, RFC 5322 §2.1: lines end with CRLF).
func crlfReference(b []byte) int64 {
	n := int64(0)
	for i, c := range b {
		if c == '\n' && (i == 0 || b[i-1] != '\r') {
			n++
		}
		n++
	}
	return n
}

func TestCRLFSizeOf(t *testing.T) {
	cases := []struct {
		in   string
		want int64
	}{
		{"", 0},
		{"a\r\nb\r\n", 6}, // RFC 5322 §2.1: already CRLF
		{"a\nb\n", 6},     // bare LFs, as MDAs store them
		{"\n", 2},         // a lone LF
		{"\r", 1},         // a bare CR is not counted
		{"a\r\r\n", 4},    // CR CR LF: the LF follows a CR
		{"a\n\r\nb\n", 8}, // mixed
		{"\r\n\n\r\n", 6}, // CRLF, bare LF, CRLF
		{"x\ry\n", 5},     // bare CR then bare LF
	}
	for _, c := range cases {
		if got := CRLFSizeOf([]byte(c.in)); got != c.want {
			t.Errorf("CRLFSizeOf(%q) = %d, want %d", c.in, got, c.want)
		}
	}
}

// TestCRLFCounterSplits writes random inputs in random pieces, so that a
// CR LF pair is often split between two writes.
func TestCRLFCounterSplits(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	alphabet := []byte("a\r\n")
	for round := 0; round < 2000; round++ {
		b := make([]byte, r.IntN(64))
		for i := range b {
			b[i] = alphabet[r.IntN(len(alphabet))]
		}
		var c CRLFCounter
		for rest := b; len(rest) > 0; {
			k := r.IntN(len(rest) + 1)
			c.Write(rest[:k])
			rest = rest[k:]
		}
		if want := crlfReference(b); c.Size() != want {
			t.Fatalf("%q: Size() = %d, want %d", b, c.Size(), want)
		}
	}
}
