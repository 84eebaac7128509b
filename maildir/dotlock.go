package maildir

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// DotlockStale is how long a dotlock may stand unchanged before it is taken
// over, as Dovecot's MAILDIR_UIDLIST_LOCK_STALE_TIMEOUT (2 minutes). A lock
// whose holder (named "pid:host" inside, as Dovecot writes) is a dead
// process on this host is taken over at once.
const DotlockStale = 2 * time.Minute

// dotlock is a held lock file "<path>.lock", created by linking a
// temporary file that already holds "pid:host", so the lock never exists
// without its owner.
type dotlock struct {
	path string
	ino  uint64
}

// acquireDotlock takes "<path>.lock", waiting until ctx ends.
func acquireDotlock(ctx context.Context, path, host string) (*dotlock, error) {
	lock := path + ".lock"
	dir := path[:strings.LastIndexByte(path, '/')+1]
	wait := 2 * time.Millisecond
	for {
		dl, err := tryDotlock(lock, dir, host)
		if err == nil {
			return dl, nil
		}
		if !errors.Is(err, os.ErrExist) {
			return nil, err
		}
		if breakStaleLock(lock, host) {
			continue
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("maildir: waiting for %s: %w", lock, ctx.Err())
		case <-time.After(wait + time.Duration(rand.Int64N(int64(wait)))):
		}
		if wait < 100*time.Millisecond {
			wait *= 2
		}
	}
}

func tryDotlock(lock, dir, host string) (*dotlock, error) {
	tmp := fmt.Sprintf("%s.temp.%s.%d.%x", dir, host, os.Getpid(), rand.Uint64())
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, fmt.Errorf("maildir: lock temp file: %w", err)
	}
	_, werr := f.WriteString(strconv.Itoa(os.Getpid()) + ":" + host)
	cerr := f.Close()
	defer os.Remove(tmp)
	if werr != nil || cerr != nil {
		return nil, fmt.Errorf("maildir: lock temp file: %w", errors.Join(werr, cerr))
	}
	if err := os.Link(tmp, lock); err != nil {
		return nil, err
	}
	var st syscall.Stat_t
	if err := syscall.Lstat(lock, &st); err != nil {
		return nil, fmt.Errorf("maildir: lock: %w", err)
	}
	return &dotlock{path: lock, ino: st.Ino}, nil
}

// breakStaleLock removes lock if its holder is a dead local process or it
// has not changed for DotlockStale, and reports whether it did.
func breakStaleLock(lock, host string) bool {
	fi, err := os.Lstat(lock)
	if err != nil {
		return errors.Is(err, fs.ErrNotExist)
	}
	stale := time.Since(fi.ModTime()) > DotlockStale
	if !stale {
		b, err := os.ReadFile(lock)
		if err != nil {
			return false
		}
		pidStr, lockHost, ok := strings.Cut(string(b), ":")
		pid, perr := strconv.Atoi(pidStr)
		if !ok || perr != nil || pid <= 0 || lockHost != host {
			return false
		}
		if err := syscall.Kill(pid, 0); !errors.Is(err, syscall.ESRCH) {
			return false
		}
	}
	// Remove it only if it is still the file we judged.
	if fi2, err := os.Lstat(lock); err != nil || !os.SameFile(fi, fi2) {
		return false
	}
	os.Remove(lock)
	return true
}

// release removes the lock if it is still ours.
func (d *dotlock) release() error {
	var st syscall.Stat_t
	if err := syscall.Lstat(d.path, &st); err != nil || st.Ino != d.ino {
		return fmt.Errorf("maildir: lock %s was taken over while held", d.path)
	}
	return os.Remove(d.path)
}
