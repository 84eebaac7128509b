package wire

import (
	"bufio"
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

// readerWraps are the ways tests feed input: whole, one octet per Read, and
// half of what is asked for, so CRLFs and terminators straddle reads.
var readerWraps = []struct {
	name string
	wrap func(io.Reader) io.Reader
}{
	{"whole", func(r io.Reader) io.Reader { return r }},
	{"onebyte", iotest.OneByteReader},
	{"half", iotest.HalfReader},
}

// readLines reads until an error that is not a per-line one and describes
// each result: the line, or "!long", "!bareCR", "!bareLF", "!nul", and last
// the terminating error's text.
func readLines(lr *LineReader) []string {
	var got []string
	for {
		line, err := lr.ReadLine()
		var bare *BareLineEndingError
		switch {
		case err == nil:
			got = append(got, string(line))
		case errors.Is(err, ErrLineTooLong):
			got = append(got, "!long")
		case errors.As(err, &bare):
			got = append(got, map[byte]string{'\r': "!bareCR", '\n': "!bareLF"}[bare.Char])
		case errors.Is(err, ErrNUL):
			got = append(got, "!nul")
		default:
			return append(got, err.Error())
		}
	}
}

func TestLineReader(t *testing.T) {
	const eof, unexpected = "EOF", "unexpected EOF"
	tests := []struct {
		name      string
		in        string
		max       int
		strict    bool
		rejectNUL bool
		bufSize   int // of the bufio.Reader; 0 means 16, the smallest
		want      []string
	}{
		// RFC 5321 §2.3.8: lines end with CRLF.
		{name: "crlf lines", in: "EHLO a\r\nQUIT\r\n", want: []string{"EHLO a", "QUIT", eof}},
		{name: "empty lines", in: "\r\n\r\nx\r\n", want: []string{"", "", "x", eof}},
		{name: "empty input", in: "", want: []string{eof}},
		{name: "eof without newline", in: "QUIT", want: []string{unexpected}},
		{name: "eof after lines and a fragment", in: "a\r\nb", want: []string{"a", unexpected}},
		{name: "eof after CR", in: "a\r", want: []string{unexpected}},
		// Lenient mode: bare LF ends a line; a stray CR is content.
		{name: "lenient bare LF", in: "a\nb\r\n", want: []string{"a", "b", eof}},
		{name: "lenient CR in line", in: "a\rb\r\n", want: []string{"a\rb", eof}},
		{name: "lenient CR CR LF", in: "a\r\r\n", want: []string{"a\r", eof}},
		// RFC 5321 §2.3.8 enforced: bare LF and bare CR rejected, and the
		// next line still read.
		{name: "strict bare LF", in: "a\nb\r\n", strict: true, want: []string{"!bareLF", "b", eof}},
		{name: "strict bare CR", in: "a\rb\r\nc\r\n", strict: true, want: []string{"!bareCR", "c", eof}},
		{name: "strict CR CR LF", in: "a\r\r\nc\r\n", strict: true, want: []string{"!bareCR", "c", eof}},
		{name: "strict empty bare LF", in: "\n\r\n", strict: true, want: []string{"!bareLF", "", eof}},
		// RFC 5321 §4.5.3.1: the limit counts the CRLF.
		{name: "exactly max", in: "12345678\r\nx\r\n", max: 10, want: []string{"12345678", "x", eof}},
		{name: "max plus one", in: "123456789\r\nx\r\n", max: 10, want: []string{"!long", "x", eof}},
		{name: "max with bare LF", in: "123456789\nx\r\n", max: 10, want: []string{"123456789", "x", eof}},
		{name: "far too long resyncs", in: strings.Repeat("A", 5000) + "\r\nNOOP\r\n", max: 10,
			want: []string{"!long", "NOOP", eof}},
		{name: "two long lines in a row", in: strings.Repeat("A", 40) + "\r\n" + strings.Repeat("B", 40) + "\r\nC\r\n",
			max: 10, want: []string{"!long", "!long", "C", eof}},
		{name: "long line cut by EOF", in: strings.Repeat("A", 100), max: 10, want: []string{unexpected}},
		{name: "default max", in: strings.Repeat("A", DefaultMaxLine-2) + "\r\n" + strings.Repeat("A", DefaultMaxLine-1) + "\r\nx\r\n",
			bufSize: 4096, want: []string{strings.Repeat("A", DefaultMaxLine-2), "!long", "x", eof}},
		// Lines longer than the bufio buffer are assembled, within Max.
		{name: "longer than buffer", in: strings.Repeat("A", 50) + "\r\nx\r\n", max: 100,
			want: []string{strings.Repeat("A", 50), "x", eof}},
		{name: "longer than buffer and max", in: strings.Repeat("A", 99) + "\r\nx\r\n", max: 100,
			want: []string{"!long", "x", eof}},
		{name: "longer than buffer exactly max", in: strings.Repeat("A", 98) + "\r\nx\r\n", max: 100,
			want: []string{strings.Repeat("A", 98), "x", eof}},
		// NUL: content unless RejectNUL (RFC 9051 §9 CHAR8 excludes it).
		{name: "NUL kept", in: "a\x00b\r\n", want: []string{"a\x00b", eof}},
		{name: "NUL rejected", in: "a\x00b\r\nc\r\n", rejectNUL: true, want: []string{"!nul", "c", eof}},
	}
	for _, tt := range tests {
		for _, rw := range readerWraps {
			t.Run(tt.name+"/"+rw.name, func(t *testing.T) {
				size := tt.bufSize
				if size == 0 {
					size = 16
				}
				br := bufio.NewReaderSize(rw.wrap(strings.NewReader(tt.in)), size)
				lr := NewLineReader(br, tt.max)
				lr.Strict, lr.RejectNUL = tt.strict, tt.rejectNUL
				got := readLines(lr)
				if strings.Join(got, "|") != strings.Join(tt.want, "|") {
					t.Errorf("got %q, want %q", got, tt.want)
				}
			})
		}
	}
}

func TestLineTooLongErrorDetails(t *testing.T) {
	lr := NewLineReader(strings.NewReader(strings.Repeat("x", 600)+"\r\n"), 512)
	_, err := lr.ReadLine()
	var tl *LineTooLongError
	if !errors.As(err, &tl) || tl.Limit != 512 {
		t.Fatalf("err = %v, want *LineTooLongError{512}", err)
	}
	if !errors.Is(err, ErrLineTooLong) {
		t.Errorf("errors.Is(%v, ErrLineTooLong) = false", err)
	}
}

func TestBareLineEndingErrorOffset(t *testing.T) {
	lr := NewLineReader(strings.NewReader("abc\rdef\r\n"), 0)
	lr.Strict = true
	_, err := lr.ReadLine()
	var bare *BareLineEndingError
	if !errors.As(err, &bare) || bare.Char != '\r' || bare.Offset != 3 {
		t.Fatalf("err = %#v, want bare CR at offset 3", err)
	}
}

// TestLineReaderMaxChanges checks that Max may change between lines, as a
// server does while reading an AUTH exchange (RFC 4954 §4).
func TestLineReaderMaxChanges(t *testing.T) {
	long := strings.Repeat("Q", 2000)
	lr := NewLineReader(strings.NewReader(long+"\r\n"+long+"\r\n"), 0)
	if _, err := lr.ReadLine(); !errors.Is(err, ErrLineTooLong) {
		t.Fatalf("default limit: err = %v, want ErrLineTooLong", err)
	}
	lr.Max = 12288
	line, err := lr.ReadLine()
	if err != nil || string(line) != long {
		t.Fatalf("raised limit: got %d octets, %v", len(line), err)
	}
}

// TestLineReaderBuffered checks what a server needs to detect STARTTLS
// command injection (RFC 3207 §4.2, CVE-2011-0411).
func TestLineReaderBuffered(t *testing.T) {
	lr := NewLineReader(strings.NewReader("STARTTLS\r\nRSET\r\n"), 0)
	line, err := lr.ReadLine()
	if err != nil || string(line) != "STARTTLS" {
		t.Fatalf("ReadLine = %q, %v", line, err)
	}
	if got := lr.Buffered(); got != len("RSET\r\n") {
		t.Errorf("Buffered() = %d, want %d", got, len("RSET\r\n"))
	}
	// The same bufio.Reader is exposed, not a copy.
	rest, _ := io.ReadAll(lr.Reader())
	if string(rest) != "RSET\r\n" {
		t.Errorf("Reader() rest = %q", rest)
	}
}

// TestNewLineReaderKeepsBufio checks that a given bufio.Reader is used, not
// wrapped, so octets it buffered are not lost.
func TestNewLineReaderKeepsBufio(t *testing.T) {
	br := bufio.NewReaderSize(strings.NewReader("a\r\nb\r\n"), 16)
	if _, err := br.Peek(1); err != nil {
		t.Fatal(err)
	}
	lr := NewLineReader(br, 0)
	if lr.Reader() != br {
		t.Fatal("NewLineReader wrapped its *bufio.Reader")
	}
	if got := readLines(lr); strings.Join(got, "|") != "a|b|EOF" {
		t.Errorf("got %q", got)
	}
}

// errAfterReader returns its data and then err instead of io.EOF.
type errAfterReader struct {
	data string
	err  error
}

func (r *errAfterReader) Read(p []byte) (int, error) {
	if r.data == "" {
		return 0, r.err
	}
	n := copy(p, r.data)
	r.data = r.data[n:]
	return n, nil
}

func TestLineReaderPassesReadErrors(t *testing.T) {
	boom := errors.New("boom")
	lr := NewLineReader(&errAfterReader{data: "ok\r\npartial", err: boom}, 0)
	if line, err := lr.ReadLine(); err != nil || string(line) != "ok" {
		t.Fatalf("first line = %q, %v", line, err)
	}
	if _, err := lr.ReadLine(); !errors.Is(err, boom) {
		t.Fatalf("err = %v, want boom", err)
	}
}
