package wire

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

// dataSeeds are DATA sections from RFC 5321 and from SMTP smuggling.
func dataSeeds() []string {
	seeds := []string{
		"",
		".\r\n",
		"..\r\n.\r\n",
		".\r\n.\r\n",
		"\r\n.\r\n",
		".",
		"..",
		".\r",
		"\r\n.\r",
		// RFC 5321 appendix D.1's message.
		"Blah blah blah...\r\n...etc. etc. etc.\r\n.\r\n",
		"From: <a@example.com>\r\nSubject: x\r\n\r\nbody\r\n.\r\nQUIT\r\n",
		"a\r\n. \r\n..\r\n.x\r\n.\r\n",
		"a\r\r\n.\r\n",
		"\x00\xff\r\n.\r\n",
	}
	for _, seq := range smugglingEndings {
		seeds = append(seeds,
			"A"+seq+"MAIL FROM:<evil>\r\nB\r\n.\r\nNEXT\r\n",
			seq+"MAIL FROM:<evil>\r\n.\r\n",
			strings.TrimLeft(seq, "\r\n")+"X\r\n.\r\n")
	}
	return seeds
}

// refData is an independent model of the DataReader: the data ends at the
// first CRLF.CRLF of "\r\n"+in; each CRLF-delimited line loses a leading
// dot that is followed by something other than CR or LF (RFC 5321 §4.5.2);
// remaining CRs and LFs are bare and become CRLF. end is where the
// terminator ends in in, or -1; bare reports a bare CR or LF in the data.
func refData(in []byte) (content []byte, end int, bare bool) {
	p := append([]byte("\r\n"), in...)
	idx := bytes.Index(p, []byte("\r\n.\r\n"))
	if idx < 0 {
		return nil, -1, false
	}
	body := p[2 : idx+2] // every line with its CRLF
	var out []byte
	for len(body) > 0 {
		i := bytes.Index(body, []byte("\r\n"))
		line := body[:i]
		body = body[i+2:]
		if len(line) > 1 && line[0] == '.' && line[1] != '\r' && line[1] != '\n' {
			line = line[1:]
		}
		for _, c := range line {
			if c == '\r' || c == '\n' {
				bare = true
				out = append(out, '\r', '\n')
			} else {
				out = append(out, c)
			}
		}
		out = append(out, '\r', '\n')
	}
	return out, idx + 3, bare
}

// maxLineOf returns the longest line of CRLF-terminated s, CRLF included.
func maxLineOf(s []byte) int {
	longest := 0
	for len(s) > 0 {
		i := bytes.Index(s, []byte("\r\n"))
		longest = max(longest, i+2)
		s = s[i+2:]
	}
	return longest
}

// FuzzDataReader checks the DataReader against refData: it never panics,
// never delivers more than MaxSize, ends exactly at the first CRLF.CRLF
// (counting the CRLF before the data) and consumes nothing after it, and
// what it delivers is the model's content or, after an error, a prefix of
// it explained by that error.
func FuzzDataReader(f *testing.F) {
	for _, s := range dataSeeds() {
		f.Add([]byte(s), uint8(0), uint16(0), uint8(0), uint8(0))
		f.Add([]byte(s), uint8(3), uint16(5), uint8(3), uint8(1))
	}
	f.Fuzz(func(t *testing.T, in []byte, mode uint8, maxSize uint16, maxLine, readSize uint8) {
		opts := DataOptions{MaxSize: int64(maxSize), MaxLineLength: int(maxLine)}
		if maxSize == 0 {
			opts.MaxSize = -1
		}
		if mode&1 != 0 {
			opts.BareLineEndings = NormalizeBareLineEndings
		}
		src := bytes.NewReader(in)
		var r io.Reader = src
		if mode&2 != 0 {
			r = iotest.OneByteReader(r)
		}
		br := bufio.NewReaderSize(r, 16)
		dr := NewDataReader(br, opts)
		buf := make([]byte, int(readSize)+1)
		var got []byte
		var err error
		for err == nil {
			var n int
			n, err = dr.Read(buf)
			got = append(got, buf[:n]...)
			if mode&4 != 0 && err == nil {
				if derr := dr.Drain(); derr != nil {
					err = derr
				} else {
					_, err = dr.Read(buf)
				}
			}
		}
		consumed := len(in) - src.Len() - br.Buffered()
		want, end, bare := refData(in)

		if end < 0 {
			if err != io.ErrUnexpectedEOF || consumed != len(in) {
				t.Fatalf("no terminator: err %v, consumed %d of %d", err, consumed, len(in))
			}
			return
		}
		if err == io.ErrUnexpectedEOF || consumed != end {
			t.Fatalf("terminator ends at %d: consumed %d, err %v", end, consumed, err)
		}
		if opts.MaxSize >= 0 && int64(len(got)) > opts.MaxSize {
			t.Fatalf("delivered %d octets, cap %d", len(got), opts.MaxSize)
		}
		if !bytes.HasPrefix(want, got) {
			t.Fatalf("delivered %q, not a prefix of %q", got, want)
		}
		// Drain may cut a CRLF in half; the caller asked for that.
		drained := mode&4 != 0
		if opts.BareLineEndings == RejectBareLineEndings && !drained && hasBareLineEnding(string(got)) {
			t.Fatalf("reject mode delivered a bare line ending: %q", got)
		}
		switch {
		case err == io.EOF:
			if !drained && !bytes.Equal(got, want) {
				t.Fatalf("got %q, want %q", got, want)
			}
			if bare && opts.BareLineEndings == RejectBareLineEndings && !drained {
				t.Fatalf("bare line ending accepted in reject mode")
			}
			if opts.MaxSize >= 0 && int64(len(want)) > opts.MaxSize && !drained {
				t.Fatalf("%d octets accepted, cap %d", len(want), opts.MaxSize)
			}
			if opts.MaxLineLength > 0 && maxLineOf(want) > opts.MaxLineLength && !drained {
				t.Fatalf("line of %d accepted, limit %d", maxLineOf(want), opts.MaxLineLength)
			}
		case errors.Is(err, ErrBareLineEnding):
			if !bare || opts.BareLineEndings != RejectBareLineEndings {
				t.Fatalf("spurious %v", err)
			}
		case errors.Is(err, ErrDataTooLarge):
			if int64(len(want)) <= opts.MaxSize {
				t.Fatalf("spurious %v: %d octets", err, len(want))
			}
		case errors.Is(err, ErrLineTooLong):
			if maxLineOf(want) <= opts.MaxLineLength {
				t.Fatalf("spurious %v: longest line %d", err, maxLineOf(want))
			}
		default:
			t.Fatalf("unexpected error %v", err)
		}
	})
}

// crlfNormalize is an independent model of NormalizeBareLineEndings: every
// CRLF, bare CR and bare LF becomes CRLF.
func crlfNormalize(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")
	return strings.ReplaceAll(s, "\n", "\r\n")
}

// FuzzDataRoundTrip checks that DataWriter then DataReader gives back any
// CRLF-only content byte for byte (with a CRLF added if the last line
// lacked one), that a DataWriter in reject mode refuses exactly the input
// with bare line endings, and that in normalize mode it sends what the
// model says.
func FuzzDataRoundTrip(f *testing.F) {
	for _, s := range dataSeeds() {
		f.Add([]byte(s), uint64(0))
		f.Add([]byte(s), uint64(0x5555))
	}
	f.Fuzz(func(t *testing.T, raw []byte, cutBits uint64) {
		var cuts []int
		for i := 1; i < len(raw) && i < 64; i++ {
			if cutBits&(1<<i) != 0 {
				cuts = append(cuts, i)
			}
		}
		rawHasBare := hasBareLineEnding(string(raw))
		for _, opts := range []DataWriterOptions{{}, {BareLineEndings: NormalizeBareLineEndings}} {
			wireForm, err := writeData(string(raw), opts, cuts)
			if opts.BareLineEndings == RejectBareLineEndings && rawHasBare {
				if !errors.Is(err, ErrBareLineEnding) {
					t.Fatalf("bare line ending in %q: err %v", raw, err)
				}
				continue
			}
			if err != nil {
				t.Fatalf("%q: %v", raw, err)
			}
			want := crlfNormalize(string(raw))
			if want != "" && !strings.HasSuffix(want, "\r\n") {
				want += "\r\n"
			}
			got := readData(wireForm+"NEXT\r\n", DataOptions{MaxSize: -1}, iotest.HalfReader, 16, 0)
			if got.err != nil || got.content != want || got.next != "NEXT" {
				t.Fatalf("%q → %q → %q, %v, next %q; want %q", raw, wireForm, got.content, got.err, got.next, want)
			}
		}
	})
}

// refLines is an independent model of LineReader: lines split at LF, too
// long ones marked, CR and LF policed in strict mode.
func refLines(in []byte, max int, strict bool) []string {
	var out []string
	for {
		i := bytes.IndexByte(in, '\n')
		if i < 0 {
			if len(in) == 0 {
				return append(out, io.EOF.Error())
			}
			return append(out, io.ErrUnexpectedEOF.Error())
		}
		line := in[:i+1]
		in = in[i+1:]
		content := bytes.TrimSuffix(line[:i], []byte("\r"))
		switch {
		case len(line) > max:
			out = append(out, "!long")
		case strict && bytes.IndexByte(content, '\r') >= 0:
			out = append(out, "!bareCR")
		case strict && len(content) == i:
			out = append(out, "!bareLF")
		default:
			out = append(out, string(content))
		}
	}
}

// FuzzLineReader checks LineReader against refLines for any input, limit
// and buffer size, so over-long lines resynchronise at the right LF.
func FuzzLineReader(f *testing.F) {
	for _, s := range []string{
		"", "EHLO a\r\n", "QUIT", "a\nb\r\n", "a\rb\r\n", "\r\n\r\n",
		"MAIL FROM:<a@b> SIZE=100\r\nRCPT TO:<c@d>\r\nDATA\r\n",
		strings.Repeat("x", 600) + "\r\nNOOP\r\n",
		"a\x00b\r\n", "\r", "\n",
	} {
		f.Add([]byte(s), uint16(0), false, uint8(0))
		f.Add([]byte(s), uint16(8), true, uint8(1))
	}
	f.Fuzz(func(t *testing.T, in []byte, max uint16, strict bool, wrap uint8) {
		r := readerWraps[int(wrap)%len(readerWraps)].wrap(bytes.NewReader(in))
		lr := NewLineReader(bufio.NewReaderSize(r, 16), int(max))
		lr.Strict = strict
		limit := int(max)
		if limit == 0 {
			limit = DefaultMaxLine
		}
		got := readLines(lr)
		want := refLines(in, limit, strict)
		if strings.Join(got, "\x00|") != strings.Join(want, "\x00|") {
			t.Fatalf("got %q, want %q", got, want)
		}
	})
}
