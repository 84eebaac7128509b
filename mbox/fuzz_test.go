package mbox

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
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
