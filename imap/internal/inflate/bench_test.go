package inflate

import (
	"bytes"
	"compress/flate"
	"io"
	"math/rand/v2"
	"testing"
)

// BenchmarkInflate decodes 1 MB of message-like text, as an APPEND
// sends it, with this Reader and, as the anchor, compress/flate's.
func BenchmarkInflate(b *testing.B) {
	data := imapText(rand.New(rand.NewPCG(5, 6)), 1<<20)
	var z bytes.Buffer
	w, _ := flate.NewWriter(&z, flate.DefaultCompression)
	w.Write(data)
	w.Close()
	buf := make([]byte, 4096)
	b.Run("inflate", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		for b.Loop() {
			r := NewReader(&source{data: z.Bytes(), end: io.EOF})
			for {
				if _, err := r.Read(buf); err != nil {
					break
				}
			}
		}
	})
	b.Run("compress-flate", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		for b.Loop() {
			r := flate.NewReader(bytes.NewReader(z.Bytes()))
			for {
				if _, err := r.Read(buf); err != nil {
					break
				}
			}
		}
	})
}
