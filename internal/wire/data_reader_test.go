package wire

import (
	"bufio"
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

// dataResult is what reading one DATA section produced.
type dataResult struct {
	content string
	err     error  // from reading the data; nil at a clean end
	next    string // the line read after the data, or "!"+error
}

// readData reads a DATA section from in through wrap and a bufio.Reader of
// bufSize, consuming the output with reads of at most outSize octets
// (0: io.ReadAll), then reads the next line from the same bufio.Reader.
func readData(in string, opts DataOptions, wrap func(io.Reader) io.Reader, bufSize, outSize int) dataResult {
	br := bufio.NewReaderSize(wrap(strings.NewReader(in)), bufSize)
	dr := NewDataReader(br, opts)
	var out io.Reader = dr
	if outSize == 1 {
		out = iotest.OneByteReader(dr)
	}
	content, err := io.ReadAll(out)
	res := dataResult{content: string(content), err: err}
	line, err := NewLineReader(br, 0).ReadLine()
	res.next = string(line)
	if err != nil {
		res.next = "!" + err.Error()
	}
	return res
}

// forEachWay runs f for every combination of input chunking, bufio buffer
// size and output read size, so that every state of the reader meets a
// chunk boundary.
func forEachWay(t *testing.T, f func(t *testing.T, read func(string, DataOptions) dataResult)) {
	for _, rw := range readerWraps {
		for _, bufSize := range []int{16, 4096} {
			for _, outSize := range []int{0, 1} {
				name := rw.name
				if bufSize == 16 {
					name += "/buf16"
				}
				if outSize == 1 {
					name += "/out1"
				}
				t.Run(name, func(t *testing.T) {
					f(t, func(in string, opts DataOptions) dataResult {
						return readData(in, opts, rw.wrap, bufSize, outSize)
					})
				})
			}
		}
	}
}

// smugglingEndings are the would-be terminators of SMTP smuggling: each
// ends the data on some server, and none may end it here.
var smugglingEndings = []string{
	"\n.\n", "\n.\r\n", "\r\n.\n", "\r.\r", "\r.\n", "\n.\r", "\r.\r\n", "\r\n.\r",
}

// TestDataReaderSmuggling checks that only CRLF.CRLF ends the data (RFC 5321
// §4.1.1.4, §2.3.8): each smuggling ending, in the middle of the data, at
// its very start, and (where the implicit CRLF before the data completes it)
// without its first line ending, is rejected in reject mode and kept as body
// in normalize mode, and the stream is in sync afterwards either way.
func TestDataReaderSmuggling(t *testing.T) {
	const smuggled = "MAIL FROM:<evil>\r\n"
	const tail = smuggled + "B\r\n.\r\n" + "NEXT\r\n"
	type tc struct{ name, in, normalized string }
	var cases []tc
	for _, seq := range smugglingEndings {
		q := strings.NewReplacer("\r", `\r`, "\n", `\n`).Replace(seq)
		cases = append(cases,
			tc{"mid " + q, "A" + seq + tail, "A\r\n.\r\n" + smuggled + "B\r\n"},
			tc{"start " + q, seq + tail, "\r\n.\r\n" + smuggled + "B\r\n"})
		// The implicit CRLF before the data stands in for the first line
		// ending; skip the tails that then form the real terminator.
		if rest := strings.TrimLeft(seq, "\r\n"); rest != ".\r\n" {
			q := strings.NewReplacer("\r", `\r`, "\n", `\n`).Replace(rest)
			cases = append(cases, tc{"implicit " + q, rest + tail, ".\r\n" + smuggled + "B\r\n"})
		}
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			forEachWay(t, func(t *testing.T, read func(string, DataOptions) dataResult) {
				got := read(c.in, DataOptions{})
				if !errors.Is(got.err, ErrBareLineEnding) {
					t.Errorf("reject: err = %v, want ErrBareLineEnding", got.err)
				}
				if strings.Contains(got.content, "MAIL") || hasBareLineEnding(got.content) {
					t.Errorf("reject: delivered smuggled text %q", got.content)
				}
				if got.next != "NEXT" {
					t.Errorf("reject: next line = %q, want NEXT (out of sync)", got.next)
				}
				got = read(c.in, DataOptions{BareLineEndings: NormalizeBareLineEndings})
				if got.err != nil || got.content != c.normalized || got.next != "NEXT" {
					t.Errorf("normalize: got %q, %v, next %q; want %q, nil, next NEXT",
						got.content, got.err, got.next, c.normalized)
				}
			})
		})
	}
}

// TestDataReader covers RFC 5321 §4.5.2 transparency and the terminator.
func TestDataReader(t *testing.T) {
	norm := DataOptions{BareLineEndings: NormalizeBareLineEndings}
	tests := []struct {
		name    string
		in      string // followed by "NEXT\r\n"
		opts    DataOptions
		want    string
		wantErr error
	}{
		// §4.1.1.4: the CRLF before the dot ends the last line.
		{name: "simple", in: "Subject: x\r\n\r\nbody\r\n.\r\n", want: "Subject: x\r\n\r\nbody\r\n"},
		{name: "empty message", in: ".\r\n", want: ""},
		{name: "empty line only", in: "\r\n.\r\n", want: "\r\n"},
		// §4.5.2: a leading dot is deleted when more follows on the line.
		{name: "stuffed dot line", in: "..\r\n.\r\n", want: ".\r\n"},
		{name: "stuffed dots", in: "...\r\n..x\r\n.\r\n", want: "..\r\n.x\r\n"},
		{name: "unstuffed leading dot", in: ".x\r\n.\r\n", want: "x\r\n"},
		{name: "dot space is not the end", in: "A\r\n. \r\n.\r\n", want: "A\r\n \r\n"},
		{name: "dot inside a line", in: "a.b\r\n.\r\n", want: "a.b\r\n"},
		{name: "dot after stuffed line", in: "..\r\n..\r\n.\r\n", want: ".\r\n.\r\n"},
		{name: "dot CR CR LF", in: ".\r\r\n.\r\n", opts: norm, want: ".\r\n\r\n"},
		{name: "dot CR CR LF rejected", in: ".\r\r\n.\r\n", wantErr: ErrBareLineEnding},
		{name: "CRLF CR LF", in: "a\r\n\r\r\n.\r\n", wantErr: ErrBareLineEnding},
		{name: "NUL and 8-bit pass", in: "a\x00\xff\r\n.\r\n", want: "a\x00\xff\r\n"},
		// §2.3.8: bare line endings, normalized.
		{name: "normalize LF", in: "a\nb\r\n.\r\n", opts: norm, want: "a\r\nb\r\n"},
		{name: "normalize CR", in: "a\rb\r\n.\r\n", opts: norm, want: "a\r\nb\r\n"},
		{name: "normalize LF CR", in: "a\n\rb\r\n.\r\n", opts: norm, want: "a\r\n\r\nb\r\n"},
		{name: "normalize CR CR LF", in: "a\r\r\n.\r\n", opts: norm, want: "a\r\n\r\n"},
		{name: "normalize leading LF", in: "\nx\r\n.\r\n", opts: norm, want: "\r\nx\r\n"},
		{name: "no stuffing after bare LF", in: "a\n..\r\n.\r\n", opts: norm, want: "a\r\n..\r\n"},
		{name: "bare LF at start rejected", in: "\n.\r\n.\r\n", wantErr: ErrBareLineEnding},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			forEachWay(t, func(t *testing.T, read func(string, DataOptions) dataResult) {
				got := read(tt.in+"NEXT\r\n", tt.opts)
				if tt.wantErr != nil {
					if !errors.Is(got.err, tt.wantErr) {
						t.Errorf("err = %v, want %v", got.err, tt.wantErr)
					}
				} else if got.err != nil || got.content != tt.want {
					t.Errorf("got %q, %v; want %q", got.content, got.err, tt.want)
				}
				if got.next != "NEXT" {
					t.Errorf("next line = %q, want NEXT", got.next)
				}
			})
		})
	}
}

func TestDataReaderUnexpectedEOF(t *testing.T) {
	for _, in := range []string{"", "A", "A\r", "A\r\n", "A\r\n.", "A\r\n.\r", "A\r\n..\r\n", "A\n.\n"} {
		for _, opts := range []DataOptions{{}, {BareLineEndings: NormalizeBareLineEndings}, {MaxSize: 1}} {
			got := readData(in, opts, iotest.OneByteReader, 16, 0)
			if got.err != io.ErrUnexpectedEOF {
				t.Errorf("%q %+v: err = %v, want io.ErrUnexpectedEOF", in, opts, got.err)
			}
			br := bufio.NewReader(strings.NewReader(in))
			if err := NewDataReader(br, opts).Drain(); err != io.ErrUnexpectedEOF {
				t.Errorf("%q %+v: Drain = %v, want io.ErrUnexpectedEOF", in, opts, err)
			}
		}
	}
}

func TestDataReaderBareErrorDetails(t *testing.T) {
	tests := []struct {
		in   string
		char byte
		off  int64
	}{
		{"ab\ncd\r\n.\r\n", '\n', 2},
		{"ab\rcd\r\n.\r\n", '\r', 2},
		{"x\r\n.\ry\r\n.\r\n", '\r', 4},
		{"x\r\n.\n.\r\n.\r\n", '\n', 4},
		{"\r\r\n.\r\n", '\r', 0},
	}
	for _, tt := range tests {
		got := readData(tt.in, DataOptions{}, iotest.HalfReader, 16, 0)
		var bare *BareLineEndingError
		if !errors.As(got.err, &bare) || bare.Char != tt.char || bare.Offset != tt.off {
			t.Errorf("%q: err = %v, want bare %q at %d", tt.in, got.err, tt.char, tt.off)
		}
	}
}

// TestDataReaderMaxSize checks the size cap and that the stream is drained
// to the terminator after it is exceeded.
func TestDataReaderMaxSize(t *testing.T) {
	const msg = "0123456789\r\n..abc\r\n" // 12 + 6 = 18 octets of content
	const size = 18
	norm := DataOptions{BareLineEndings: NormalizeBareLineEndings}
	const bareLF = "0123456789\n.abc\r\n" // 18 once normalized; no unstuffing after a bare LF
	tests := []struct {
		name string
		in   string
		max  int64
		opts DataOptions
		ok   bool
	}{
		{name: "at cap", in: msg, max: size, ok: true},
		{name: "one over", in: msg, max: size - 1},
		{name: "far over", in: msg, max: 3},
		{name: "no limit", in: msg, max: -1, ok: true},
		{name: "default", in: msg, max: 0, ok: true},
		{name: "normalized LF counts as CRLF at cap", in: bareLF, max: size, opts: norm, ok: true},
		{name: "normalized LF counts as CRLF one over", in: bareLF, max: size - 1, opts: norm},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			forEachWay(t, func(t *testing.T, read func(string, DataOptions) dataResult) {
				opts := tt.opts
				opts.MaxSize = tt.max
				got := read(tt.in+".\r\nNEXT\r\n", opts)
				if tt.ok {
					if got.err != nil || got.content != "0123456789\r\n.abc\r\n" {
						t.Errorf("got %q, %v", got.content, got.err)
					}
				} else {
					var tl *TooLargeError
					if !errors.As(got.err, &tl) || tl.Limit != tt.max || !errors.Is(got.err, ErrDataTooLarge) {
						t.Errorf("err = %v, want *TooLargeError{%d}", got.err, tt.max)
					}
					if int64(len(got.content)) > tt.max {
						t.Errorf("delivered %d octets, over the %d cap", len(got.content), tt.max)
					}
				}
				if got.next != "NEXT" {
					t.Errorf("next line = %q, want NEXT", got.next)
				}
			})
		})
	}
}

// TestDataReaderMaxLineLength checks RFC 5321 §4.5.3.1.6: 1000 octets
// including CRLF, not counting the stuffing dot.
func TestDataReaderMaxLineLength(t *testing.T) {
	ok := strings.Repeat("x", MaxTextLine-2)
	long := strings.Repeat("x", MaxTextLine-1)
	opts := DataOptions{MaxLineLength: MaxTextLine}
	tests := []struct {
		name, in string
		ok       bool
	}{
		{"at limit", ok + "\r\n", true},
		{"stuffed at limit", "." + ok + "\r\n", true},
		{"one over", long + "\r\n", false},
		{"one over after a good line", ok + "\r\n" + long + "\r\n", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			forEachWay(t, func(t *testing.T, read func(string, DataOptions) dataResult) {
				got := read(tt.in+".\r\nNEXT\r\n", opts)
				if tt.ok && got.err != nil {
					t.Errorf("err = %v, want nil", got.err)
				}
				var tl *LineTooLongError
				if !tt.ok && (!errors.As(got.err, &tl) || tl.Limit != MaxTextLine) {
					t.Errorf("err = %v, want *LineTooLongError{%d}", got.err, MaxTextLine)
				}
				if got.next != "NEXT" {
					t.Errorf("next line = %q, want NEXT", got.next)
				}
			})
		})
	}
	// Off by default.
	got := readData(strings.Repeat("y", 100000)+"\r\n.\r\nNEXT\r\n", DataOptions{}, iotest.HalfReader, 4096, 0)
	if got.err != nil || len(got.content) != 100002 {
		t.Errorf("default: %d octets, %v", len(got.content), got.err)
	}
}

// TestDataReaderDrain checks that a server can reject mid-stream and still
// read the next command.
func TestDataReaderDrain(t *testing.T) {
	in := "line one\r\nline two\r\n..three\r\n.\r\nNEXT\r\n"
	for _, rw := range readerWraps {
		for _, opts := range []DataOptions{{}, {MaxSize: 6}, {MaxLineLength: 9}} {
			br := bufio.NewReaderSize(rw.wrap(strings.NewReader(in)), 16)
			dr := NewDataReader(br, opts)
			buf := make([]byte, 4)
			if _, err := dr.Read(buf); err != nil {
				t.Fatalf("%s %+v: Read = %v", rw.name, opts, err)
			}
			if err := dr.Drain(); err != nil {
				t.Errorf("%s %+v: Drain = %v", rw.name, opts, err)
			}
			if n, err := dr.Read(buf); n != 0 || err == nil {
				t.Errorf("%s %+v: Read after Drain = %d, %v", rw.name, opts, n, err)
			}
			line, err := NewLineReader(br, 0).ReadLine()
			if err != nil || string(line) != "NEXT" {
				t.Errorf("%s %+v: next = %q, %v", rw.name, opts, line, err)
			}
		}
	}
}

// TestDataReaderStopsAtTerminator checks that nothing after CRLF.CRLF is
// consumed, even pipelined commands already in the buffer.
func TestDataReaderStopsAtTerminator(t *testing.T) {
	in := "a\r\n.\r\nRSET\r\nQUIT\r\n"
	br := bufio.NewReader(strings.NewReader(in))
	if _, err := io.Copy(io.Discard, NewDataReader(br, DataOptions{})); err != nil {
		t.Fatal(err)
	}
	rest, _ := io.ReadAll(br)
	if string(rest) != "RSET\r\nQUIT\r\n" {
		t.Errorf("left %q", rest)
	}
}

// flakyReader returns an error once, at a set offset, as a timeout would.
type flakyReader struct {
	data   string
	failAt int
	failed bool
}

var errFlaky = errors.New("flaky")

func (r *flakyReader) Read(p []byte) (int, error) {
	if !r.failed && r.failAt == 0 {
		r.failed = true
		return 0, errFlaky
	}
	if r.data == "" {
		return 0, io.EOF
	}
	n := 1
	copy(p, r.data[:n])
	r.data = r.data[n:]
	r.failAt--
	return n, nil
}

// TestDataReaderTransientError checks that a read error that is not final
// is returned and leaves the reader able to continue.
func TestDataReaderTransientError(t *testing.T) {
	in := "ab\r\n..\r\n.\r\nNEXT\r\n"
	for at := 0; at < len(in)-len("NEXT\r\n"); at++ {
		br := bufio.NewReaderSize(&flakyReader{data: in, failAt: at}, 16)
		dr := NewDataReader(br, DataOptions{})
		var got []byte
		buf := make([]byte, 3)
		sawFlaky := false
		for {
			n, err := dr.Read(buf)
			got = append(got, buf[:n]...)
			if err == errFlaky {
				sawFlaky = true
				continue
			}
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatalf("at %d: %v", at, err)
			}
		}
		if !sawFlaky || string(got) != "ab\r\n.\r\n" {
			t.Errorf("at %d: got %q (saw error %v)", at, got, sawFlaky)
		}
	}
}

func TestDataReaderReset(t *testing.T) {
	br := bufio.NewReader(strings.NewReader("a\nb\r\n.\r\nc\r\n.\r\n"))
	dr := NewDataReader(br, DataOptions{})
	if _, err := io.ReadAll(dr); !errors.Is(err, ErrBareLineEnding) {
		t.Fatalf("first: %v", err)
	}
	dr.Reset(br, DataOptions{})
	got, err := io.ReadAll(dr)
	if err != nil || string(got) != "c\r\n" {
		t.Errorf("after Reset: %q, %v", got, err)
	}
}

// TestDataReaderEmptyRead checks io.Reader's rule for empty buffers.
func TestDataReaderEmptyRead(t *testing.T) {
	dr := NewDataReader(bufio.NewReader(strings.NewReader("a\r\n.\r\n")), DataOptions{})
	if n, err := dr.Read(nil); n != 0 || err != nil {
		t.Errorf("Read(nil) = %d, %v", n, err)
	}
}

// hasBareLineEnding reports whether s holds a CR not followed by LF or an
// LF not preceded by CR.
func hasBareLineEnding(s string) bool {
	for i := 0; i < len(s); i++ {
		switch {
		case s[i] == '\r' && (i+1 == len(s) || s[i+1] != '\n'):
			return true
		case s[i] == '\n' && (i == 0 || s[i-1] != '\r'):
			return true
		}
	}
	return false
}
