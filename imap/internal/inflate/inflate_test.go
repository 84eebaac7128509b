package inflate

import (
	"bytes"
	"compress/flate"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"strings"
	"testing"
)

// errWouldBlock stands for a read that would wait for the peer.
var errWouldBlock = errors.New("would block")

// source serves data, then fails with end (io.EOF or errWouldBlock).
type source struct {
	data []byte
	end  error
}

func (s *source) ReadByte() (byte, error) {
	if len(s.data) == 0 {
		return 0, s.end
	}
	b := s.data[0]
	s.data = s.data[1:]
	return b, nil
}

func (s *source) Buffered() int { return len(s.data) }

// readAll reads r until an error, in reads of n bytes.
func readAll(r io.Reader, n int) ([]byte, error) {
	var out []byte
	buf := make([]byte, n)
	for {
		m, err := r.Read(buf)
		out = append(out, buf[:m]...)
		if err != nil {
			return out, err
		}
	}
}

// imapText is text like an IMAP session's, compressible and not.
func imapText(rng *rand.Rand, n int) []byte {
	var b bytes.Buffer
	words := []string{"a", "FETCH", "1:*", "(FLAGS", "BODY.PEEK[HEADER])", "\r\n", "UID", "OK", "completed", "\\Seen", "{12}\r\n"}
	for b.Len() < n {
		if rng.IntN(10) == 0 {
			for range rng.IntN(300) {
				b.WriteByte(byte(rng.IntN(256)))
			}
		}
		b.WriteString(words[rng.IntN(len(words))])
		b.WriteByte(' ')
	}
	return b.Bytes()[:n]
}

// TestAgainstFlate decodes what compress/flate writes, at every level,
// with sync flushes at random places, read in reads of several sizes.
func TestAgainstFlate(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, level := range []int{flate.HuffmanOnly, flate.NoCompression, flate.BestSpeed, 5, flate.BestCompression} {
		for _, size := range []int{0, 1, 100, 70000, 300000} {
			data := imapText(rng, size)
			var z bytes.Buffer
			w, _ := flate.NewWriter(&z, level)
			for rest := data; len(rest) > 0; {
				n := min(len(rest), 1+rng.IntN(40000))
				w.Write(rest[:n])
				if rng.IntN(2) == 0 {
					w.Flush()
				}
				rest = rest[n:]
			}
			w.Close()
			for _, rd := range []int{1, 7, 4096, 1 << 20} {
				got, err := readAll(NewReader(&source{data: z.Bytes(), end: io.EOF}), rd)
				if err != io.EOF || !bytes.Equal(got, data) {
					t.Fatalf("level %d size %d read %d: err %v, got %d bytes, equal %v", level, size, rd, err, len(got), bytes.Equal(got, data))
				}
			}
		}
	}
}

// TestSyncFlushNoWait: everything before a sync flush is returned before
// the Reader asks for a byte that has not arrived.
func TestSyncFlushNoWait(t *testing.T) {
	for _, level := range []int{flate.HuffmanOnly, flate.BestSpeed, flate.DefaultCompression} {
		var z bytes.Buffer
		w, _ := flate.NewWriter(&z, level)
		cmds := []string{"a LOGIN u p\r\n", "b SELECT INBOX\r\n", strings.Repeat("c NOOP\r\n", 500), "d IDLE\r\n"}
		src := &source{end: errWouldBlock}
		r := NewReader(src)
		for _, cmd := range cmds {
			z.Reset()
			w.Write([]byte(cmd))
			w.Flush()
			src.data = z.Bytes()
			got, err := readAll(r, 4096)
			if err != errWouldBlock || string(got) != cmd {
				t.Fatalf("level %d: got %q, %v; want %q", level, got, err, cmd)
			}
			r.err = nil // the source would have waited, not failed
		}
	}
}

// bitWriter writes a DEFLATE bit stream.
type bitWriter struct {
	out  []byte
	bits uint64
	nb   uint
}

func (b *bitWriter) bits_(v uint64, n uint) {
	b.bits |= v << b.nb
	b.nb += n
	for b.nb >= 8 {
		b.out = append(b.out, byte(b.bits))
		b.bits >>= 8
		b.nb -= 8
	}
}

// code writes a Huffman code, first bit first.
func (b *bitWriter) code(c uint64, n uint) {
	for i := int(n) - 1; i >= 0; i-- {
		b.bits_(c>>uint(i)&1, 1)
	}
}

// fixedLiteral writes a literal or end of block with the fixed code
// (RFC 1951 §3.2.6).
func (b *bitWriter) fixedLiteral(v int) {
	switch {
	case v < 144:
		b.code(uint64(0x30+v), 8)
	case v < 256:
		b.code(uint64(0x190+v-144), 9)
	default:
		b.code(uint64(v-256), 7)
	}
}

// partialFlush writes text as zlib's Z_PARTIAL_FLUSH does: a fixed block
// with the text, then an empty fixed block of which up to 7 bits stay
// in the compressor.
func partialFlush(b *bitWriter, text string) []byte {
	b.bits_(0b010, 3) // not final, fixed codes
	for i := 0; i < len(text); i++ {
		b.fixedLiteral(int(text[i]))
	}
	b.fixedLiteral(256)
	b.bits_(0b010, 3)
	b.fixedLiteral(256)
	out := b.out
	b.out = nil
	return out
}

// TestPartialFlushNoWait is what makes compress/flate unusable here: the
// command must come out although the end of the empty block has not.
func TestPartialFlushNoWait(t *testing.T) {
	var b bitWriter
	src := &source{end: errWouldBlock}
	r := NewReader(src)
	for i, cmd := range []string{"a NOOP\r\n", "b SELECT INBOX\r\n", "c IDLE\r\n", "DONE\r\n", "x"} {
		src.data = partialFlush(&b, cmd)
		got, err := readAll(r, 4096)
		if err != errWouldBlock || string(got) != cmd {
			t.Fatalf("command %d: got %q, %v; want %q (withheld bits: %d)", i, got, err, cmd, b.nb)
		}
		r.err = nil
	}
}

func TestCorrupt(t *testing.T) {
	for name, data := range map[string][]byte{
		"reserved block type": {0x07},
		"stored length":       {0x01, 0x05, 0x00, 0x00, 0x00},
		"distance too far": func() []byte {
			var b bitWriter
			b.bits_(0b011, 3)
			b.fixedLiteral('a')
			b.code(1, 7)
			b.code(3, 5)
			return append(b.out, byte(b.bits))
		}(),
		"too many lengths": {0xfd, 0xff, 0xff},
	} {
		_, err := readAll(NewReader(&source{data: data, end: io.EOF}), 100)
		if err != ErrCorrupt {
			t.Errorf("%s: err %v, want ErrCorrupt", name, err)
		}
	}
}

// TestTruncated: input that ends early gives what was decoded and
// io.ErrUnexpectedEOF, or io.EOF where it ends between blocks (a
// connection closed after a flush).
func TestTruncated(t *testing.T) {
	var z bytes.Buffer
	w, _ := flate.NewWriter(&z, 6)
	data := []byte(strings.Repeat("hello world ", 100))
	w.Write(data)
	w.Close()
	for n := 1; n < z.Len(); n++ {
		got, err := readAll(NewReader(&source{data: z.Bytes()[:n], end: io.EOF}), 64)
		if (err != io.ErrUnexpectedEOF && err != io.EOF) || !bytes.HasPrefix(data, got) {
			t.Fatalf("cut at %d: %v, %d bytes", n, err, len(got))
		}
	}
}

func ExampleReader() {
	var z bytes.Buffer
	w, _ := flate.NewWriter(&z, flate.BestSpeed)
	w.Write([]byte("a NOOP\r\n"))
	w.Flush() // Z_SYNC_FLUSH: the command is decodable now
	r := NewReader(&source{data: z.Bytes(), end: errWouldBlock})
	buf := make([]byte, 100)
	n, err := r.Read(buf)
	fmt.Printf("%q %v\n", buf[:n], err)
	// Output: "a NOOP\r\n" <nil>
}
