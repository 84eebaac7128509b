package wire

import (
	"bufio"
	"bytes"
	"io"
	"net/textproto"
	"strings"
	"sync"
	"testing"
)

// benchMessage returns about 10 MB of content in 78-character lines, one
// in 40 beginning with a dot, and its dot-stuffed wire form.
var benchMessage = sync.OnceValues(func() (content, wireForm []byte) {
	var b bytes.Buffer
	line := strings.Repeat("abcdefghijklmnopqrstuvwxyz", 3) // 78 octets
	for i := 0; b.Len() < 10<<20; i++ {
		if i%40 == 0 {
			b.WriteString("." + line[1:])
		} else {
			b.WriteString(line)
		}
		b.WriteString("\r\n")
	}
	var w bytes.Buffer
	dw := NewDataWriter(&w, DataWriterOptions{})
	dw.Write(b.Bytes())
	if err := dw.Close(); err != nil {
		panic(err)
	}
	return b.Bytes(), w.Bytes()
})

// onlyReader hides WriterTo and ReaderFrom so io.Copy moves data through a
// buffer, as it does from a network connection.
type onlyReader struct{ io.Reader }

type onlyWriter struct{ io.Writer }

// BenchmarkDataReader compares reading DATA with DataReader, with
// net/textproto's DotReader, and copying the same octets untouched.
func BenchmarkDataReader(b *testing.B) {
	_, wireForm := benchMessage()
	run := func(b *testing.B, read func(*bufio.Reader) io.Reader) {
		b.SetBytes(int64(len(wireForm)))
		b.ReportAllocs()
		for b.Loop() {
			br := bufio.NewReader(bytes.NewReader(wireForm))
			if _, err := io.Copy(onlyWriter{io.Discard}, onlyReader{read(br)}); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.Run("wire.DataReader", func(b *testing.B) {
		run(b, func(br *bufio.Reader) io.Reader { return NewDataReader(br, DataOptions{MaxSize: -1}) })
	})
	b.Run("textproto.DotReader", func(b *testing.B) {
		run(b, func(br *bufio.Reader) io.Reader { return textproto.NewReader(br).DotReader() })
	})
	b.Run("io.Copy", func(b *testing.B) {
		run(b, func(br *bufio.Reader) io.Reader { return br })
	})
}

// BenchmarkDataWriter compares writing DATA with DataWriter, with
// net/textproto's DotWriter, and copying the same octets untouched.
func BenchmarkDataWriter(b *testing.B) {
	content, _ := benchMessage()
	run := func(b *testing.B, open func(*bufio.Writer) io.WriteCloser) {
		b.SetBytes(int64(len(content)))
		b.ReportAllocs()
		for b.Loop() {
			bw := bufio.NewWriter(onlyWriter{io.Discard})
			w := open(bw)
			if _, err := io.Copy(onlyWriter{w}, onlyReader{bytes.NewReader(content)}); err != nil {
				b.Fatal(err)
			}
			if err := w.Close(); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.Run("wire.DataWriter", func(b *testing.B) {
		run(b, func(bw *bufio.Writer) io.WriteCloser { return NewDataWriter(bw, DataWriterOptions{}) })
	})
	b.Run("textproto.DotWriter", func(b *testing.B) {
		run(b, func(bw *bufio.Writer) io.WriteCloser { return textproto.NewWriter(bw).DotWriter() })
	})
	b.Run("io.Copy", func(b *testing.B) {
		run(b, func(bw *bufio.Writer) io.WriteCloser { return flushCloser{bw} })
	})
}

// flushCloser makes a bufio.Writer an io.WriteCloser.
type flushCloser struct{ *bufio.Writer }

func (f flushCloser) Close() error { return f.Flush() }
