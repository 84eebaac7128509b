//go:build !linux

package maildir

import "os"

// fdatasync is a full Sync where the system has no fdatasync (on macOS
// os.File.Sync also asks the disk to flush its cache, F_FULLFSYNC).
func fdatasync(f *os.File) error { return f.Sync() }
