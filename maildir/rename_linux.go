//go:build linux

package maildir

import (
	"errors"
	"os"

	"golang.org/x/sys/unix"
)

// renameNoReplace renames from to to, failing with an error matching
// os.ErrExist (EEXIST) rather than replacing a file already there
// (renameat2(2) RENAME_NOREPLACE, Linux 3.15). supported is false, and
// nothing was done, when the kernel or the file system lacks it.
func renameNoReplace(from, to string) (supported bool, err error) {
	err = unix.Renameat2(unix.AT_FDCWD, from, unix.AT_FDCWD, to, unix.RENAME_NOREPLACE)
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, unix.EINVAL), errors.Is(err, unix.ENOSYS), errors.Is(err, unix.EOPNOTSUPP):
		return false, nil
	}
	return true, &os.LinkError{Op: "renameat2", Old: from, New: to, Err: err}
}
