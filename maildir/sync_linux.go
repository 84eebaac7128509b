package maildir

import (
	"os"
	"syscall"
)

// fdatasync writes f's data and the metadata needed to read it back
// (size), skipping timestamps: cheaper than fsync for an appended journal.
func fdatasync(f *os.File) error { return syscall.Fdatasync(int(f.Fd())) }
