package mbox

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// benchFile writes an mbox of about 32 MiB once per run.
func benchFile(b *testing.B) string {
	p := filepath.Join(b.TempDir(), "mbox")
	f, _ := os.Create(p)
	w := NewWriter(f)
	body := "Subject: bench\nFrom: a@example.org\n\n" + strings.Repeat("a line of text in the body of the message, as mail has\n", 160) + "From quoted\n"
	for range 7000 {
		w.WriteMessage("a@example.org", time.Unix(1e9, 0), strings.NewReader(body))
	}
	w.Flush()
	f.Close()
	return p
}

// BenchmarkScan splits and reads every message.
func BenchmarkScan(b *testing.B) {
	p := benchFile(b)
	st, _ := os.Stat(p)
	b.SetBytes(st.Size())
	for b.Loop() {
		f, _ := os.Open(p)
		rd := NewReader(f, nil)
		n := 0
		for {
			m, err := rd.Next()
			if err != nil {
				break
			}
			io.Copy(io.Discard, m.Body)
			n++
		}
		f.Close()
		if n != 7000 {
			b.Fatalf("%d messages", n)
		}
	}
}

// BenchmarkRawRead is the anchor: the same file read with no parsing.
func BenchmarkRawRead(b *testing.B) {
	p := benchFile(b)
	st, _ := os.Stat(p)
	b.SetBytes(st.Size())
	buf := make([]byte, 64<<10)
	for b.Loop() {
		f, _ := os.Open(p)
		readRaw(f, buf)
		f.Close()
	}
}

// BenchmarkScanInterleaved reads the file raw and then splits it, in turn,
// so that load falls on both alike; it reports the median rate of each and
// their ratio (goal ≥ 0.5).
func BenchmarkScanInterleaved(b *testing.B) {
	p := benchFile(b)
	st, _ := os.Stat(p)
	buf := make([]byte, 64<<10)
	var tRaw, tScan []time.Duration
	for b.Loop() {
		t0 := time.Now()
		f, _ := os.Open(p)
		readRaw(f, buf)
		f.Close()
		t1 := time.Now()
		f, _ = os.Open(p)
		rd := NewReader(f, nil)
		for {
			m, err := rd.Next()
			if err != nil {
				break
			}
			io.Copy(io.Discard, m.Body)
		}
		f.Close()
		tRaw = append(tRaw, t1.Sub(t0))
		tScan = append(tScan, time.Since(t1))
	}
	raw, scan := median(tRaw), median(tScan)
	mb := float64(st.Size()) / 1e6
	b.ReportMetric(mb/raw.Seconds(), "raw-MB/s")
	b.ReportMetric(mb/scan.Seconds(), "scan-MB/s")
	b.ReportMetric(float64(raw)/float64(scan), "x-raw")
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
		if sta, err := mb.Status(context.Background()); err != nil || sta.Messages != 7000 {
			b.Fatalf("%+v %v", sta, err)
		}
	}
}

// readRaw reads f to its end in 64 KiB reads (io.Copy to io.Discard would
// read in 8 KiB pieces).
func readRaw(f *os.File, buf []byte) {
	for {
		if _, err := f.Read(buf); err != nil {
			return
		}
	}
}
