package maildir

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strconv"
	"testing"
)

var benchMsg = bytes.Repeat([]byte("Subject: bench\r\n\r\n0123456789abcdef0123456789abcdef\r\n"), 100) // ~5 KB

// BenchmarkDeliver is Deliver: O_EXCL create in tmp/, write, fsync, link
// into new/, unlink, fsync new/.
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

// BenchmarkBareLoop is the anchor: create, write, fsync, rename, with no
// uniqueness, no directory fsync and no checks.
func BenchmarkBareLoop(b *testing.B) {
	dir := b.TempDir()
	os.Mkdir(filepath.Join(dir, "tmp"), 0o700)
	os.Mkdir(filepath.Join(dir, "new"), 0o700)
	b.SetBytes(int64(len(benchMsg)))
	i := 0
	for b.Loop() {
		i++
		name := strconv.Itoa(i)
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
	}
}
