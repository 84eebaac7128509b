//go:build !linux

package testpeer

import (
	"errors"
	"io/fs"
	"os/exec"
	"syscall"
)

// Outside Linux the helper still compiles, but it cannot follow Dovecot's
// children: Stop signals the master alone and trusts it to end them.

func groupAttrs(cmd *exec.Cmd) {}

func signalGroup(pgid int, sig syscall.Signal) error { return errors.ErrUnsupported }

func groupMembers(pgid int) []int { return nil }

func fileOwner(fi fs.FileInfo) (uid, gid int, ok bool) { return 0, 0, false }
