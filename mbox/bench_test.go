package mbox

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"
)

// benchMessages is the number of messages benchFile writes.
const benchMessages = 7000

// benchFile writes an mbox of about 62 MB once per run: messages of about
// 9 KB, each with its own envelope sender and date on the From_ line (as
// real mboxes have) and a body line the Writer quotes.
func benchFile(b *testing.B) string {
	p := filepath.Join(b.TempDir(), "mbox")
	f, err := os.Create(p)
	if err != nil {
		b.Fatal(err)
	}
	w := NewWriter(f)
	body := "Subject: bench\nFrom: a@example.org\n\n" + strings.Repeat("a line of text in the body of the message, as mail has\n", 160) + "From quoted\n"
	for i := range benchMessages {
		sender := fmt.Sprintf("user%d@example.org", i%97)
		if err := w.WriteMessage(sender, time.Unix(1e9+int64(i)*3607, 0), strings.NewReader(body)); err != nil {
			b.Fatal(err)
		}
	}
	if err := w.Flush(); err != nil {
		b.Fatal(err)
	}
	f.Close()
	return p
}

// scanAll splits the mbox at p and reads every message's body, as a
// caller that wants the content must; it returns the number of messages
// and of body bytes.
func scanAll(b *testing.B, p string) (n int, size int64) {
	f, err := os.Open(p)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	rd := NewReader(f, nil)
	for {
		m, err := rd.Next()
		if err == io.EOF {
			return n, size
		}
		if err != nil {
			b.Fatal(err)
		}
		c, err := io.Copy(io.Discard, m.Body)
		if err != nil {
			b.Fatal(err)
		}
		n, size = n+1, size+c
	}
}

// readRaw reads the file at p to its end in reads of len(buf), which the
// benchmarks make the size of the Reader's buffer (io.Copy to io.Discard
// would read in 8 KiB pieces).
func readRaw(b *testing.B, p string, buf []byte) {
	f, err := os.Open(p)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	for {
		if _, err := f.Read(buf); err != nil {
			return
		}
	}
}

// BenchmarkScan splits the file and reads every message.
func BenchmarkScan(b *testing.B) {
	p := benchFile(b)
	st, _ := os.Stat(p)
	b.SetBytes(st.Size())
	for b.Loop() {
		if n, _ := scanAll(b, p); n != benchMessages {
			b.Fatalf("%d messages", n)
		}
	}
}

// BenchmarkRawRead is the anchor: the same file read with no parsing,
// with reads as large as the Reader's.
func BenchmarkRawRead(b *testing.B) {
	p := benchFile(b)
	st, _ := os.Stat(p)
	b.SetBytes(st.Size())
	buf := make([]byte, bufSize)
	for b.Loop() {
		readRaw(b, p, buf)
	}
}

// BenchmarkScanInterleaved reads the file raw and splits it, in turn and
// in alternating order, so that load from other processes falls on both
// alike. It reports the median rate of each and their ratio x-raw (goal
// ≥ 0.5), and the same ratio of the thread's CPU time, x-raw-cpu, which
// time spent waiting for a busy CPU does not inflate.
func BenchmarkScanInterleaved(b *testing.B) {
	p := benchFile(b)
	st, _ := os.Stat(p)
	buf := make([]byte, bufSize)
	// The thread's CPU clock measures this goroutine only while it
	// stays on one thread.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	var raw, scan, rawCPU, scanCPU []time.Duration
	var want int64 = -1
	timeRaw := func() {
		t, c := time.Now(), threadCPU()
		readRaw(b, p, buf)
		rawCPU, raw = append(rawCPU, threadCPU()-c), append(raw, time.Since(t))
	}
	timeScan := func() {
		t, c := time.Now(), threadCPU()
		n, size := scanAll(b, p)
		scanCPU, scan = append(scanCPU, threadCPU()-c), append(scan, time.Since(t))
		if n != benchMessages || want >= 0 && size != want {
			b.Fatalf("%d messages, %d bytes", n, size)
		}
		want = size
	}
	for i := 0; b.Loop(); i++ {
		if i%2 == 0 {
			timeRaw()
			timeScan()
		} else {
			timeScan()
			timeRaw()
		}
	}
	mb := float64(st.Size()) / 1e6
	b.ReportMetric(mb/median(raw).Seconds(), "raw-MB/s")
	b.ReportMetric(mb/median(scan).Seconds(), "scan-MB/s")
	b.ReportMetric(float64(median(raw))/float64(median(scan)), "x-raw")
	b.ReportMetric(float64(median(rawCPU))/float64(median(scanCPU)), "x-raw-cpu")
}

func median(ds []time.Duration) time.Duration {
	slices.Sort(ds)
	return ds[len(ds)/2]
}

// BenchmarkStoreScan is a Store's first look at the file: splitting,
// metadata fields, content digests and UIDs.
func BenchmarkStoreScan(b *testing.B) {
	p := benchFile(b)
	st, _ := os.Stat(p)
	b.SetBytes(st.Size())
	for b.Loop() {
		s, _ := OpenStore(p, &Config{ReadOnly: true})
		mb, _ := s.OpenMailbox(context.Background(), "INBOX")
		if sta, err := mb.Status(context.Background()); err != nil || sta.Messages != benchMessages {
			b.Fatalf("%+v %v", sta, err)
		}
	}
}
