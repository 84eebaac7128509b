package message

import (
	"math/rand"
	"testing"
)

// scanLinesNaive is scanLines one byte at a time.
func scanLinesNaive(b []byte, limit int, prev byte, dashes bool) (int, int64, int64, bool) {
	var lf, bare int64
	for i := 0; i < limit; i++ {
		if b[i] != '\n' {
			continue
		}
		lf++
		before := prev
		if i > 0 {
			before = b[i-1]
		}
		if before != '\r' {
			bare++
		}
		if dashes && i+2 < len(b) && b[i+1] == '-' && b[i+2] == '-' {
			return i + 1, lf, bare, true
		}
	}
	return limit, lf, bare, false
}

// TestScanLines compares the eight-bytes-at-a-time line scanner with the
// plain loop on inputs dense in CR, LF and '-' (RFC 2046 §5.1.1 boundary
// line starts, RFC 5322 §2.1 CRLF).
func TestScanLines(t *testing.T) {
	rnd := rand.New(rand.NewSource(1))
	alphabet := []byte("a\r\n--\n\r\n")
	for n := 0; n < 20000; n++ {
		b := make([]byte, rnd.Intn(70))
		for i := range b {
			b[i] = alphabet[rnd.Intn(len(alphabet))]
		}
		limit := 0
		if len(b) > 0 {
			limit = rnd.Intn(len(b) + 1)
		}
		prev := alphabet[rnd.Intn(len(alphabet))]
		dashes := rnd.Intn(2) == 0
		gn, glf, gbare, gfound := scanLines(b, limit, prev, dashes)
		wn, wlf, wbare, wfound := scanLinesNaive(b, limit, prev, dashes)
		if gn != wn || glf != wlf || gbare != wbare || gfound != wfound {
			t.Fatalf("scanLines(%q, %d, %q, %v) = %d %d %d %v, want %d %d %d %v",
				b, limit, prev, dashes, gn, glf, gbare, gfound, wn, wlf, wbare, wfound)
		}
	}
}
