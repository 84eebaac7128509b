package mbox

import (
	"bufio"
	"bytes"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mailstack/mailstack/store"
)

// FuzzSplit: the splitter terminates on any input, never returns more
// bytes than it was given, and what the Writer writes splits back into
// the same messages.
func FuzzSplit(f *testing.F) {
	for _, s := range []string{
		"From a@x Thu Jan  1 00:00:00 2004\nS: 1\n\nbody\n\nFrom b@y Thu Jan  1 00:00:00 2004\n\nb2\n\n",
		"From \n\nFrom \n\nFrom ",
		"From a\n>From b\n\n>>From c\nFrom d\n",
		"From a@x Thu Jan  1 00:00:00 2004\nContent-Length: 99999999999\n\nx\n",
		"From a@x Thu Jan  1 00:00:00 2004\nContent-Length: 1\n\nx\nFrom y\n",
		"\n\n\nFrom x\r\n\r\nFrom y\r\n",
		"From " + strings.Repeat("x", 70000) + "\n\nbody\n",
	} {
		f.Add([]byte(s), uint8(0))
	}
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte, format uint8) {
		p := filepath.Join(dir, "in")
		os.WriteFile(p, data, 0o600)
		fd, err := os.Open(p)
		if err != nil {
			t.Fatal(err)
		}
		defer fd.Close()
		rd := NewReader(fd, &ReaderOptions{Format: Format(format % 4)})
		var bodies [][]byte
		total := 0
		for i := 0; ; i++ {
			if i > len(data)+1 {
				t.Fatal("more messages than input bytes: no progress")
			}
			m, err := rd.Next()
			if err != nil {
				break
			}
			b, err := io.ReadAll(m.Body)
			if err != nil {
				break
			}
			total += len(b) + len(m.FromLine)
			bodies = append(bodies, b)
		}
		if total > len(data) {
			t.Fatalf("read %d bytes from %d", total, len(data))
		}
		// Round trip through the Writer (LF line ends).
		var buf bytes.Buffer
		w := NewWriter(&buf)
		for _, b := range bodies {
			w.WriteMessage("s@x", time.Unix(0, 0), bytes.NewReader(b))
		}
		w.Flush()
		back := NewReader(&buf, nil)
		for i, b := range bodies {
			m, err := back.Next()
			if err != nil {
				t.Fatalf("message %d lost on round trip: %v", i, err)
			}
			got, _ := io.ReadAll(m.Body)
			want := bytes.ReplaceAll(b, []byte("\r\n"), []byte("\n"))
			if len(want) > 0 && want[len(want)-1] != '\n' {
				want = append(want, '\n')
			}
			if !bytes.Equal(got, want) && !strings.Contains(string(b), "\r") {
				t.Fatalf("message %d: %q became %q", i, want, got)
			}
		}
	})
}

// FuzzMeta: the metadata field parser. What SplitMeta keeps has no
// metadata left; the streaming copy (copyContent) strips exactly what
// SplitMeta does; flags survive FlagHeaders; a Base survives String.
func FuzzMeta(f *testing.F) {
	for _, s := range []string{
		// Dovecot 2.3, first message and another.
		"From: a@example.org\nSubject: one\nX-IMAPbase: 1795676964 0000000002 $Label1 Work\nX-UID: 1\nStatus: R\nX-Keywords: $Label1 Work                                 \nContent-Length: 19\nX-Status: F\n\nbody one\nFrom here\n",
		"X-UID: 2\nStatus: \nX-Keywords:                                  \nX-Status: ATD\n\nbody\n",
		// The pseudo message.
		"Subject: DON'T DELETE THIS MESSAGE -- FOLDER INTERNAL DATA\nX-IMAP: 1795676964 0000000003 $Label1 Work   \nStatus: RO\n\ntext\n",
		// mutt, folded fields, odd spacing, CRLF, no body.
		"Status: RO\r\nX-Status: A\r\n\tF\r\nX-Keywords: a\r\n b\r\n\r\n",
		"status:R\nx-uid :  4294967295\nX-UID: 4294967296\n",
		"X-IMAPbase: 0 1\nX-IMAPbase: x y\nX-Keywords: \\Seen (bad) ok\n\n",
		" leading continuation\nNot a field\n\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		header := data // up to and including the first blank line
		for off := 0; off < len(data); {
			line := data[off:]
			if i := bytes.IndexByte(line, '\n'); i >= 0 {
				line = line[:i+1]
			}
			off += len(line)
			if string(line) == "\n" || string(line) == "\r\n" {
				header = data[:off]
				break
			}
		}
		kept, m := SplitMeta(header)
		if len(kept) > len(header) {
			t.Fatalf("kept %d bytes of %d", len(kept), len(header))
		}
		again, m2 := SplitMeta(kept)
		if !bytes.Equal(again, kept) || m2.UID != 0 || m2.Base != nil || len(m2.Flags) != 0 {
			t.Fatalf("metadata left in %q: %+v", kept, m2)
		}
		if _, err := store.CanonicalFlags(m.Flags); err != nil {
			t.Fatalf("invalid flags %v: %v", m.Flags, err)
		}
		_, back := SplitMeta(FlagHeaders(m.Flags))
		if !slices.Equal(back.Flags, m.Flags) {
			t.Fatalf("flags %v came back as %v", m.Flags, back.Flags)
		}
		if m.Base != nil {
			b, err := ParseBase(m.Base.String())
			if err != nil || b.UIDValidity != m.Base.UIDValidity || b.LastUID != m.Base.LastUID || !slices.Equal(b.Keywords, m.Base.Keywords) {
				t.Fatalf("base %+v came back as %+v, %v", m.Base, b, err)
			}
		}
		// The stream parser agrees, for headers that fit its buffer.
		if len(header) >= bufSize {
			return
		}
		var out bytes.Buffer
		ci, err := copyContent(bufio.NewReaderSize(bytes.NewReader(data), bufSize), &out)
		if err != nil {
			t.Fatal(err)
		}
		want := append(slices.Clone(kept), data[len(header):]...)
		if !bytes.Equal(out.Bytes(), want) || ci.size != int64(len(want)) || !slices.Equal(ci.meta.Flags, m.Flags) || ci.meta.UID != m.UID {
			t.Fatalf("copyContent gave %q %+v, SplitMeta %q %+v", out.Bytes(), ci.meta, want, m)
		}
	})
}

// refSplit is a plain, whole-input statement of how a Reader splits an
// mbox (RFC 4155 §2): leading blank lines skipped; a From_ line starts a
// message only after a blank line, which belongs to the separator (as does
// a blank line at the very end); mboxrd drops one '>' of ^>+From .
func refSplit(data []byte, format Format) ([][]byte, error) {
	lines := bytes.SplitAfter(data, []byte("\n"))
	if len(lines[len(lines)-1]) == 0 {
		lines = lines[:len(lines)-1]
	}
	full := func(l []byte) bool { return len(l) > 0 && l[len(l)-1] == '\n' }
	i := 0
	for i < len(lines) && isBlank(lines[i]) {
		i++
	}
	if i == len(lines) {
		return nil, io.EOF
	}
	if !bytes.HasPrefix(lines[i], []byte("From ")) || !full(lines[i]) {
		return nil, ErrNotMbox
	}
	var msgs [][]byte
	cur, held := []byte{}, []byte(nil)
	for _, l := range lines[i+1:] {
		switch {
		case isBlank(l):
			cur = append(cur, held...)
			held = l
			continue
		case held != nil && full(l) && bytes.HasPrefix(l, []byte("From ")):
			msgs = append(msgs, cur)
			cur, held = []byte{}, nil
			continue
		}
		cur = append(cur, held...)
		held = nil
		if format == MboxRD && isQuotedFrom(l) {
			l = l[1:]
		}
		cur = append(cur, l...)
	}
	return append(msgs, cur), nil
}

// FuzzSplitReference: the streaming Reader, whatever its buffering and
// fast paths, splits like refSplit, read with any size of Read, or written
// out through WriteTo (io.Copy) from an input that arrives in pieces of
// any size; each message's Offset and FromLine name its From_ line.
func FuzzSplitReference(f *testing.F) {
	for _, s := range []string{
		"From a\n\nFrom b\n\n",
		"\r\n\nFrom a\r\nx\r\n\r\nFrom b\r\n>From c\n>>From d\nFrom e\n\n\n",
		"From a\nFrom b\n\n>From\n>From \n\nFrom",
		"From a\n" + strings.Repeat("line of body text\n", 5000) + "\nFrom b\n" + strings.Repeat(">", 3000) + "From x\n",
		"From a\n\n\n\n\nFrom b\n\r\n\r\nFrom c\n\nFrom d",
	} {
		f.Add([]byte(s), uint8(0), uint16(7))
	}
	f.Fuzz(func(t *testing.T, data []byte, format uint8, readSize uint16) {
		for l := range bytes.Lines(data) {
			if len(l) >= bufSize-8 {
				return // lines longer than the buffer are split in pieces
			}
		}
		fm := []Format{MboxRD, MboxO}[format%2]
		want, wantErr := refSplit(data, fm)
		size := 1 + int(readSize)%70000
		for _, writeTo := range []bool{false, true} {
			var in io.Reader = struct{ io.Reader }{bytes.NewReader(data)}
			if writeTo {
				in = &pieceReader{data: data, n: size}
			}
			rd := NewReader(in, &ReaderOptions{Format: fm})
			p := make([]byte, size)
			for i := 0; ; i++ {
				m, err := rd.Next()
				if err != nil {
					if i != len(want) || (i == 0 && err != wantErr) {
						t.Fatalf("Next %d: %v; reference has %d messages, %v", i, err, len(want), wantErr)
					}
					break
				}
				if !bytes.HasPrefix(data[m.Offset:], []byte("From "+m.FromLine)) {
					t.Fatalf("message %d: From_ line %q not at offset %d", i, m.FromLine, m.Offset)
				}
				got, err := readBody(m.Body, p, writeTo)
				if err != nil {
					t.Fatal(err)
				}
				if i >= len(want) || !bytes.Equal(got, want[i]) {
					var w []byte
					if i < len(want) {
						w = want[i]
					}
					t.Fatalf("message %d (WriteTo %v): %q, reference %q", i, writeTo, got, w)
				}
			}
		}
	})
}

// readBody reads a message body through io.Copy (so its WriteTo) or with
// Reads into p.
func readBody(body io.Reader, p []byte, writeTo bool) ([]byte, error) {
	if writeTo {
		var buf bytes.Buffer
		_, err := io.Copy(&buf, body)
		return buf.Bytes(), err
	}
	var got []byte
	for {
		n, err := body.Read(p)
		got = append(got, p[:n]...)
		if err == io.EOF {
			return got, nil
		}
		if err != nil {
			return got, err
		}
	}
}

// pieceReader returns data n bytes a Read at most.
type pieceReader struct {
	data []byte
	n    int
}

func (r *pieceReader) Read(p []byte) (int, error) {
	if len(r.data) == 0 {
		return 0, io.EOF
	}
	c := copy(p[:min(len(p), r.n)], r.data)
	r.data = r.data[c:]
	return c, nil
}

// FuzzFromDate: the asctime fast path of From_ line dates (RFC 4155 §2)
// accepts only what time.Parse accepts, and reads it the same.
func FuzzFromDate(f *testing.F) {
	for _, s := range []string{"Mon Jan  2 15:04:05 2006", "Thu Feb 29 23:59:59 2024", "Sun Dec 31 00:00:00 0000",
		"Fri Feb 29 00:00:00 2100", "Mon Jan 2 15:04:05 2006", "Mon Jan 02 15:04:05 2006", "Mon Jan  2 15:04:05 -0700 2006"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, ok := parseANSIC(s)
		want, err := time.Parse(time.ANSIC, s)
		if ok && (err != nil || !got.Equal(want)) {
			t.Fatalf("parseANSIC(%q) = %v; time.Parse %v, %v", s, got, want, err)
		}
		_, d := parseFromLine("x " + s)
		if err == nil && !d.Equal(want) {
			t.Fatalf("parseFromLine date %v, time.Parse %v", d, want)
		}
	})
}
