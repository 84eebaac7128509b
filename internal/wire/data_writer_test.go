package wire

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"math/rand/v2"
	"net/textproto"
	"strings"
	"testing"
)

// writeData writes in to a DataWriter in the pieces given by cuts (offsets
// into in) and closes it; it returns the output and the first error.
func writeData(in string, opts DataWriterOptions, cuts []int) (string, error) {
	var out bytes.Buffer
	dw := NewDataWriter(&out, opts)
	prev := 0
	for _, c := range append(cuts, len(in)) {
		if _, err := dw.Write([]byte(in[prev:c])); err != nil {
			return out.String(), err
		}
		prev = c
	}
	err := dw.Close()
	return out.String(), err
}

// splits returns ways to cut s: not at all, at every octet, and once at
// each offset, so CRLFs and leading dots straddle Write calls.
func splits(s string) [][]int {
	all := [][]int{nil}
	every := make([]int, 0, len(s))
	for i := 1; i < len(s); i++ {
		every = append(every, i)
		all = append(all, []int{i})
	}
	return append(all, every)
}

// TestDataWriter covers RFC 5321 §4.5.2 transparency on the sending side.
func TestDataWriter(t *testing.T) {
	norm := DataWriterOptions{BareLineEndings: NormalizeBareLineEndings}
	tests := []struct {
		name    string
		in      string
		opts    DataWriterOptions
		want    string
		wantErr *BareLineEndingError
	}{
		// §4.1.1.4: the data ends with CRLF.CRLF.
		{name: "empty message", in: "", want: ".\r\n"},
		{name: "one line", in: "a\r\n", want: "a\r\n.\r\n"},
		{name: "no final CRLF", in: "a", want: "a\r\n.\r\n"},
		{name: "empty line", in: "\r\n", want: "\r\n.\r\n"},
		// §4.5.2: a line beginning with a dot gets another.
		{name: "lone dot line", in: ".\r\n", want: "..\r\n.\r\n"},
		{name: "lone dot without CRLF", in: ".", want: "..\r\n.\r\n"},
		{name: "two dots", in: "..\r\n", want: "...\r\n.\r\n"},
		{name: "dotted lines", in: ".a\r\nb\r\n.\r\n", want: "..a\r\nb\r\n..\r\n.\r\n"},
		{name: "terminator in content", in: "x\r\n.\r\ny\r\n", want: "x\r\n..\r\ny\r\n.\r\n"},
		{name: "inner dot", in: "a.b\r\n", want: "a.b\r\n.\r\n"},
		// §2.3.8: never a bare CR or LF on the wire.
		{name: "bare LF", in: "a\nb", wantErr: &BareLineEndingError{'\n', 1}},
		{name: "bare LF first", in: "\n", wantErr: &BareLineEndingError{'\n', 0}},
		{name: "bare CR", in: "ab\rc", wantErr: &BareLineEndingError{'\r', 2}},
		{name: "bare CR last", in: "ab\r", wantErr: &BareLineEndingError{'\r', 2}},
		{name: "CR CR LF", in: "a\r\r\n", wantErr: &BareLineEndingError{'\r', 1}},
		{name: "smuggling ending", in: "a\n.\nMAIL", wantErr: &BareLineEndingError{'\n', 1}},
		// Normalized, as for text with Unix line endings.
		{name: "normalize LF", in: "a\nb\n", opts: norm, want: "a\r\nb\r\n.\r\n"},
		{name: "normalize stuffs after LF", in: "a\n.b\n.\n", opts: norm, want: "a\r\n..b\r\n..\r\n.\r\n"},
		{name: "normalize CR", in: "a\rb", opts: norm, want: "a\r\nb\r\n.\r\n"},
		{name: "normalize CR last", in: "a\r", opts: norm, want: "a\r\n.\r\n"},
		{name: "normalize CR CR LF", in: "a\r\r\n", opts: norm, want: "a\r\n\r\n.\r\n"},
		{name: "normalize leading LF dot", in: "\n.", opts: norm, want: "\r\n..\r\n.\r\n"},
		{name: "normalize smuggling", in: "a\r\n.\nb\r.\r\n", opts: norm, want: "a\r\n..\r\nb\r\n..\r\n.\r\n"},
		{name: "normalize keeps CRLF", in: "a\r\nb\r\n", opts: norm, want: "a\r\nb\r\n.\r\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, cuts := range splits(tt.in) {
				got, err := writeData(tt.in, tt.opts, cuts)
				if tt.wantErr != nil {
					var bare *BareLineEndingError
					if !errors.As(err, &bare) || *bare != *tt.wantErr {
						t.Errorf("cuts %v: err = %v, want %v", cuts, err, tt.wantErr)
					}
					if strings.HasSuffix(got, "\r\n.\r\n") || got == ".\r\n" {
						t.Errorf("cuts %v: terminator written after error: %q", cuts, got)
					}
					continue
				}
				if err != nil || got != tt.want {
					t.Errorf("cuts %v: got %q, %v; want %q", cuts, got, err, tt.want)
				}
			}
		})
	}
}

func TestDataWriterClosed(t *testing.T) {
	dw := NewDataWriter(io.Discard, DataWriterOptions{})
	if err := dw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := dw.Close(); err != nil {
		t.Errorf("second Close = %v", err)
	}
	if _, err := dw.Write([]byte("x")); err != ErrClosed {
		t.Errorf("Write after Close = %v, want ErrClosed", err)
	}
}

// errWriter fails every write.
type errWriter struct{}

var errWrite = errors.New("write failed")

func (errWriter) Write([]byte) (int, error) { return 0, errWrite }

func TestDataWriterWriteError(t *testing.T) {
	// Small buffer so the failure shows during Write, not just Close.
	dw := NewDataWriter(bufio.NewWriterSize(errWriter{}, 16), DataWriterOptions{})
	var err error
	for i := 0; i < 10 && err == nil; i++ {
		_, err = dw.Write([]byte("0123456789\r\n"))
	}
	if !errors.Is(err, errWrite) {
		t.Fatalf("Write = %v, want errWrite", err)
	}
	if err := dw.Close(); !errors.Is(err, errWrite) {
		t.Errorf("Close = %v, want errWrite", err)
	}
}

// TestDataWriterErrorIsSticky checks that nothing more is written after a
// bare line ending is refused.
func TestDataWriterErrorIsSticky(t *testing.T) {
	var out bytes.Buffer
	bw := bufio.NewWriter(&out)
	dw := NewDataWriter(bw, DataWriterOptions{})
	if n, err := dw.Write([]byte("ok\r\nbad\nmore\r\n")); !errors.Is(err, ErrBareLineEnding) || n != 7 {
		t.Fatalf("Write = %d, %v; want 7, ErrBareLineEnding", n, err)
	}
	if _, err := dw.Write([]byte("x\r\n")); !errors.Is(err, ErrBareLineEnding) {
		t.Errorf("second Write = %v", err)
	}
	if err := dw.Close(); !errors.Is(err, ErrBareLineEnding) {
		t.Errorf("Close = %v", err)
	}
	bw.Flush()
	if got := out.String(); got != "ok\r\nbad" {
		t.Errorf("wrote %q", got)
	}
}

// randomLines returns CRLF-terminated lines, heavy in dots, CRs and LFs
// only as CRLF, with the occasional missing final CRLF when open is set.
func randomLines(r *rand.Rand, open bool) string {
	pieces := []string{".", "..", ".\r\n", "\r\n", "a", "xyz", " ", "\x00", "\xff", "MAIL FROM:<x>", "\r\n.\r\n"}
	var b strings.Builder
	for n := r.IntN(30); n > 0; n-- {
		b.WriteString(pieces[r.IntN(len(pieces))])
		if r.IntN(3) == 0 {
			b.WriteString("\r\n")
		}
	}
	s := b.String()
	if !open && s != "" && !strings.HasSuffix(s, "\r\n") {
		s += "\r\n"
	}
	return s
}

// randomCuts returns sorted offsets into a string of length n.
func randomCuts(r *rand.Rand, n int) []int {
	var cuts []int
	for i := 1; i < n; i++ {
		if r.IntN(4) == 0 {
			cuts = append(cuts, i)
		}
	}
	return cuts
}

// TestDataRoundTrip checks that writer then reader gives back the content
// byte for byte, and matches net/textproto's DotWriter on the wire.
func TestDataRoundTrip(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 3000; i++ {
		content := randomLines(r, false)
		wireForm, err := writeData(content, DataWriterOptions{}, randomCuts(r, len(content)))
		if err != nil {
			t.Fatalf("%q: write: %v", content, err)
		}
		var ref bytes.Buffer
		tw := textproto.NewWriter(bufio.NewWriter(&ref)).DotWriter()
		io.WriteString(tw, content)
		tw.Close()
		// textproto sends an empty message as one empty line; we send
		// just the terminator, which the reader returns as empty.
		if content != "" && wireForm != ref.String() {
			t.Fatalf("%q: wire form %q, textproto %q", content, wireForm, ref.String())
		}
		got := readData(wireForm+"NEXT\r\n", DataOptions{MaxSize: -1}, func(r io.Reader) io.Reader { return r }, 16, 0)
		if got.err != nil || got.content != content || got.next != "NEXT" {
			t.Fatalf("%q: read back %q, %v, next %q", content, got.content, got.err, got.next)
		}
	}
}

// TestDataRoundTripOpen checks content without a final CRLF: it comes back
// with one added, and nothing else changed.
func TestDataRoundTripOpen(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for i := 0; i < 1000; i++ {
		content := randomLines(r, true)
		wireForm, err := writeData(content, DataWriterOptions{}, randomCuts(r, len(content)))
		if err != nil {
			t.Fatalf("%q: write: %v", content, err)
		}
		want := content
		if want != "" && !strings.HasSuffix(want, "\r\n") {
			want += "\r\n"
		}
		got := readData(wireForm, DataOptions{}, func(r io.Reader) io.Reader { return r }, 4096, 0)
		if got.err != nil || got.content != want {
			t.Fatalf("%q: read back %q, %v", content, got.content, got.err)
		}
	}
}

// TestNewDataWriterKeepsBufio checks that a given bufio.Writer is used and
// flushed by Close.
func TestNewDataWriterKeepsBufio(t *testing.T) {
	var out bytes.Buffer
	bw := bufio.NewWriter(&out)
	bw.WriteString("DATA\r\n")
	dw := NewDataWriter(bw, DataWriterOptions{})
	io.WriteString(dw, "x\r\n")
	if err := dw.Close(); err != nil {
		t.Fatal(err)
	}
	if got := out.String(); got != "DATA\r\nx\r\n.\r\n" {
		t.Errorf("got %q", got)
	}
}
