package mbox

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

type split struct {
	sender string
	body   string
}

func readAllMsgs(t *testing.T, r io.Reader, f Format) []split {
	t.Helper()
	rd := NewReader(r, &ReaderOptions{Format: f})
	var out []split
	for {
		m, err := rd.Next()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatalf("Next: %v", err)
		}
		b, err := io.ReadAll(m.Body)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, split{m.Sender, string(b)})
	}
}

func TestReader(t *testing.T) {
	cases := []struct {
		name   string
		format Format
		in     string
		want   []split
	}{
		{"RFC 4155 §2 two messages", MboxRD,
			"From a@x Thu Jan  1 00:00:00 2004\nSubject: 1\n\nbody\n\nFrom b@y Thu Jan  1 00:00:00 2004\nSubject: 2\n\nb2\n\n",
			[]split{{"a@x", "Subject: 1\n\nbody\n"}, {"b@y", "Subject: 2\n\nb2\n"}}},
		{"mboxrd unquotes one level", MboxRD,
			"From a@x Thu Jan  1 00:00:00 2004\n\n>From x\n>>From y\n>Fromage\n\n",
			[]split{{"a@x", "\nFrom x\n>From y\n>Fromage\n"}}},
		{"mboxo keeps quoting", MboxO,
			"From a@x Thu Jan  1 00:00:00 2004\n\n>From x\n\n",
			[]split{{"a@x", "\n>From x\n"}}},
		{"From_ needs a preceding blank line (RFC 4155 §2)", MboxO,
			"From a@x Thu Jan  1 00:00:00 2004\nSubject: s\n\nline\nFrom not a separator\n\n",
			[]split{{"a@x", "Subject: s\n\nline\nFrom not a separator\n"}}},
		{"CRLF file", MboxRD,
			"From a@x Thu Jan  1 00:00:00 2004\r\nS: 1\r\n\r\nb\r\n\r\nFrom b@y Thu Jan  1 00:00:00 2004\r\nS: 2\r\n\r\n",
			[]split{{"a@x", "S: 1\r\n\r\nb\r\n"}, {"b@y", "S: 2\r\n"}}},
		{"blank lines inside kept", MboxRD,
			"From a@x Thu Jan  1 00:00:00 2004\nS: 1\n\n\n\nx\n\n\n",
			[]split{{"a@x", "S: 1\n\n\n\nx\n\n"}}},
		{"no final newline", MboxRD,
			"From a@x Thu Jan  1 00:00:00 2004\nS: 1\n\nend",
			[]split{{"a@x", "S: 1\n\nend"}}},
		{"empty file", MboxRD, "", nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := readAllMsgs(t, strings.NewReader(c.in), c.format)
			if len(got) != len(c.want) {
				t.Fatalf("%d messages, want %d: %q", len(got), len(c.want), got)
			}
			for i := range got {
				if got[i] != c.want[i] {
					t.Errorf("message %d = %q, want %q", i, got[i], c.want[i])
				}
			}
		})
	}
	if _, err := NewReader(strings.NewReader("Subject: x\n"), nil).Next(); err != ErrNotMbox {
		t.Errorf("non-mbox: %v", err)
	}
}

func TestFromLine(t *testing.T) {
	sender, date := parseFromLine("MAILER-DAEMON Fri Jun 10 09:08:07 2022")
	if sender != "MAILER-DAEMON" || !date.Equal(time.Date(2022, 6, 10, 9, 8, 7, 0, time.UTC)) {
		t.Errorf("parseFromLine = %q %v", sender, date)
	}
	if got := FromLine("a b@x", time.Date(2004, 1, 2, 3, 4, 5, 0, time.UTC)); got != "a_b@x Fri Jan  2 03:04:05 2004" {
		t.Errorf("FromLine = %q", got)
	}
}

// Content-Length is honoured only when a From_ line follows exactly there.
func TestContentLength(t *testing.T) {
	dir := t.TempDir()
	good := "From a@x Thu Jan  1 00:00:00 2004\nContent-Length: 16\n\nFrom inside\n\nx\n\n\nFrom b@y Thu Jan  1 00:00:00 2004\nContent-Length: 2\n\nyy\n"
	bad := "From a@x Thu Jan  1 00:00:00 2004\nContent-Length: 5\n\nlonger body\n\nFrom b@y Thu Jan  1 00:00:00 2004\n\nz\n"
	for _, c := range []struct {
		in   string
		want []split
	}{
		{good, []split{{"a@x", "Content-Length: 16\n\nFrom inside\n\nx\n\n"}, {"b@y", "Content-Length: 2\n\nyy"}}},
		{bad, []split{{"a@x", "Content-Length: 5\n\nlonger body\n"}, {"b@y", "\nz\n"}}},
	} {
		p := filepath.Join(dir, "mb")
		os.WriteFile(p, []byte(c.in), 0o600)
		f, _ := os.Open(p)
		got := readAllMsgs(t, f, MboxCL2)
		f.Close()
		if len(got) != len(c.want) {
			t.Fatalf("%d messages %q, want %q", len(got), got, c.want)
		}
		for i := range got {
			if got[i] != c.want[i] {
				t.Errorf("message %d = %q, want %q", i, got[i], c.want[i])
			}
		}
	}
}

func TestWriterRoundTrip(t *testing.T) {
	bodies := []string{
		"Subject: a\r\n\r\nFrom x\r\n>From y\r\n>>From z\r\nFromage\r\n",
		"Subject: b\n\nno final newline",
		"Subject: c\n\n\n\ntrailing blanks\n\n",
		"Subject: d\n\n" + strings.Repeat("long", 40000) + "\nFrom after long\n",
	}
	var buf bytes.Buffer
	w := NewWriter(&buf)
	for _, b := range bodies {
		if err := w.WriteMessage("s@x", time.Unix(0, 0), strings.NewReader(b)); err != nil {
			t.Fatal(err)
		}
	}
	w.Flush()
	if !strings.Contains(buf.String(), "\n>From x\n>>From y\n>>>From z\nFromage\n") {
		t.Errorf("mboxrd quoting wrong:\n%s", buf.String()[:200])
	}
	got := readAllMsgs(t, &buf, MboxRD)
	if len(got) != len(bodies) {
		t.Fatalf("%d messages back", len(got))
	}
	for i, b := range bodies {
		want := strings.ReplaceAll(b, "\r\n", "\n")
		if !strings.HasSuffix(want, "\n") {
			want += "\n"
		}
		if got[i].body != want {
			t.Errorf("message %d: %q, want %q", i, trunc(got[i].body), trunc(want))
		}
	}
}

func trunc(s string) string {
	if len(s) > 80 {
		return s[:80] + "..."
	}
	return s
}

// A failed append leaves the file as it was.
func TestAppendTruncatesOnFailure(t *testing.T) {
	p := filepath.Join(t.TempDir(), "mbox")
	ctx := context.Background()
	if err := Append(ctx, p, strings.NewReader("Subject: 1\n\nok\n"), nil); err != nil {
		t.Fatal(err)
	}
	before, _ := os.ReadFile(p)
	r := io.MultiReader(strings.NewReader(strings.Repeat("x", 200000)), errReader{})
	if err := Append(ctx, p, r, nil); err == nil {
		t.Fatal("append of a failing reader succeeded")
	}
	after, _ := os.ReadFile(p)
	if !bytes.Equal(before, after) {
		t.Errorf("file changed by a failed append: %d -> %d bytes", len(before), len(after))
	}
	if _, err := os.Stat(p + ".lock"); !os.IsNotExist(err) {
		t.Error("dotlock left behind")
	}
}

type errReader struct{}

func (errReader) Read([]byte) (int, error) { return 0, io.ErrClosedPipe }

func TestStaleDotlock(t *testing.T) {
	p := filepath.Join(t.TempDir(), "mbox")
	os.WriteFile(p+".lock", []byte("99999\n"), 0o600)
	old := time.Now().Add(-time.Hour)
	os.Chtimes(p+".lock", old, old)
	if err := Append(context.Background(), p, strings.NewReader("x\n"), nil); err != nil {
		t.Fatalf("stale lock not taken over: %v", err)
	}
	os.WriteFile(p+".lock", nil, 0o600)
	err := Append(context.Background(), p, strings.NewReader("x\n"), &AppendOptions{Lock: LockOptions{Timeout: 50 * time.Millisecond}})
	if err == nil {
		t.Error("fresh lock ignored")
	}
}

// The asctime fast path agrees with time.Parse (RFC 4155 §2 From_ dates).
func TestParseANSIC(t *testing.T) {
	for _, s := range []string{
		"Mon Jan  2 15:04:05 2006", "Thu Nov 26 07:09:24 2026", "Fri Feb 29 00:00:00 2008",
		"Sat Feb 29 00:00:00 2009", "Mon Jan 32 00:00:00 2006", "Mon Jan  2 24:00:00 2006",
		"Mon Jan  2 15:04:60 2006", "Xyz Jan  2 15:04:05 2006", "Mon Foo  2 15:04:05 2006",
		"Mon Jan 02 15:04:05 2006", "Mon Jan  2 15:04:05 20O6", "Mon Jan  2 15:04:05 -0700",
		"Mon Jan 2 15:04:05 2006", "Mon Jan  0 15:04:05 2006", "Mon an  2 15:04:05 20066",
	} {
		want, err := time.Parse(time.ANSIC, s)
		got, ok := parseANSIC(s)
		if ok && (err != nil || !got.Equal(want)) || !ok && err == nil && len(s) == 24 {
			t.Errorf("parseANSIC(%q) = %v %v; time.Parse %v %v", s, got, ok, want, err)
		}
		if _, d := parseFromLine("a@x " + s); err == nil && !d.Equal(want) {
			t.Errorf("parseFromLine(%q) date %v, want %v", s, d, want)
		}
	}
}

func TestUnixDays(t *testing.T) {
	for y := 0; y <= 2400; y += 7 {
		for m := time.January; m <= time.December; m++ {
			for _, d := range []int{1, 15, daysIn(m, y)} {
				want := time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix() / 86400
				if got := unixDays(y, m, d); got != want {
					t.Fatalf("unixDays(%d-%d-%d) = %d, want %d", y, m, d, got, want)
				}
			}
		}
	}
}
