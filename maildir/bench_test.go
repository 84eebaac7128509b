package maildir

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"time"
)

var benchMsg = bytes.Repeat([]byte("Subject: bench\r\n\r\n0123456789abcdef0123456789abcdef\r\n"), 100) // ~5 KB

// BenchmarkDeliver is Deliver: O_EXCL create in tmp/, write, fsync,
// rename into new/ without replacing (RENAME_NOREPLACE), fsync new/.
func BenchmarkDeliver(b *testing.B) {
	dir := b.TempDir()
	ctx := context.Background()
	b.SetBytes(int64(len(benchMsg)))
	for b.Loop() {
		if _, err := Deliver(ctx, dir, bytes.NewReader(benchMsg), nil); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkBareLoop is the first anchor: create, write, fsync, rename,
// with no uniqueness, no directory fsync and no checks.
func BenchmarkBareLoop(b *testing.B) { benchBare(b, false) }

// BenchmarkBareLoopDirSync is the honest anchor: the bare loop plus the
// fsync of new/ that a delivery needs to survive a power failure.
func BenchmarkBareLoopDirSync(b *testing.B) { benchBare(b, true) }

func benchBare(b *testing.B, dirSync bool) {
	dir := b.TempDir()
	os.Mkdir(filepath.Join(dir, "tmp"), 0o700)
	os.Mkdir(filepath.Join(dir, "new"), 0o700)
	b.SetBytes(int64(len(benchMsg)))
	i := 0
	for b.Loop() {
		bareStep(b, dir, &i, dirSync)
	}
}

// BenchmarkDeliverInterleaved runs a Deliver, a bare loop step and a bare
// step with the fsync of new/ in turn, timing each, so that the machine's
// load falls on all three alike, and reports the median time of each and
// Deliver's throughput relative to the two anchors (goal ≥ 0.9). Medians,
// because a shared disk's fsync stalls now and then for far longer than
// the operation.
func BenchmarkDeliverInterleaved(b *testing.B) {
	dir := b.TempDir()
	bare := b.TempDir()
	os.Mkdir(filepath.Join(bare, "tmp"), 0o700)
	os.Mkdir(filepath.Join(bare, "new"), 0o700)
	ctx := context.Background()
	var tDeliver, tBare, tBareDir []time.Duration
	i := 0
	for b.Loop() {
		t0 := time.Now()
		if _, err := Deliver(ctx, dir, bytes.NewReader(benchMsg), nil); err != nil {
			b.Fatal(err)
		}
		t1 := time.Now()
		bareStep(b, bare, &i, false)
		t2 := time.Now()
		bareStep(b, bare, &i, true)
		t3 := time.Now()
		tDeliver = append(tDeliver, t1.Sub(t0))
		tBare = append(tBare, t2.Sub(t1))
		tBareDir = append(tBareDir, t3.Sub(t2))
	}
	d, bb, bd := median(tDeliver), median(tBare), median(tBareDir)
	b.ReportMetric(float64(d.Nanoseconds()), "deliver-ns")
	b.ReportMetric(float64(bb.Nanoseconds()), "bare-ns")
	b.ReportMetric(float64(bd.Nanoseconds()), "baredirsync-ns")
	b.ReportMetric(float64(bb)/float64(d), "x-bare")
	b.ReportMetric(float64(bd)/float64(d), "x-baredirsync")
}

func median(ds []time.Duration) time.Duration {
	slices.Sort(ds)
	return ds[len(ds)/2]
}

func bareStep(b *testing.B, dir string, i *int, dirSync bool) {
	*i++
	name := strconv.Itoa(*i)
	tmp := filepath.Join(dir, "tmp", name)
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		b.Fatal(err)
	}
	f.Write(benchMsg)
	f.Sync()
	f.Close()
	if err := os.Rename(tmp, filepath.Join(dir, "new", name)); err != nil {
		b.Fatal(err)
	}
	if dirSync {
		d, err := os.Open(filepath.Join(dir, "new"))
		if err != nil {
			b.Fatal(err)
		}
		d.Sync()
		d.Close()
	}
}
