package mbox

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// benchFile writes an mbox of about 32 MiB once per run.
func benchFile(b *testing.B) string {
	p := filepath.Join(b.TempDir(), "mbox")
	f, _ := os.Create(p)
	w := NewWriter(f)
	body := "Subject: bench\nFrom: a@example.org\n\n" + strings.Repeat("a line of text in the body of the message, as mail has\n", 160) + "From quoted\n"
	for range 7000 {
		w.WriteMessage("a@example.org", time.Unix(1e9, 0), strings.NewReader(body))
	}
	w.Flush()
	f.Close()
	return p
}

// BenchmarkScan splits and reads every message.
func BenchmarkScan(b *testing.B) {
	p := benchFile(b)
	st, _ := os.Stat(p)
	b.SetBytes(st.Size())
	for b.Loop() {
		f, _ := os.Open(p)
		rd := NewReader(f, nil)
		n := 0
		for {
			m, err := rd.Next()
			if err != nil {
				break
			}
			io.Copy(io.Discard, m.Body)
			n++
		}
		f.Close()
		if n != 7000 {
			b.Fatalf("%d messages", n)
		}
	}
}

// BenchmarkRawRead is the anchor: the same file read with no parsing.
func BenchmarkRawRead(b *testing.B) {
	p := benchFile(b)
	st, _ := os.Stat(p)
	b.SetBytes(st.Size())
	buf := make([]byte, 64<<10)
	for b.Loop() {
		f, _ := os.Open(p)
		io.CopyBuffer(io.Discard, struct{ io.Reader }{f}, buf)
		f.Close()
	}
}
