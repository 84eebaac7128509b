package mbox

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// LockOptions say how an mbox is locked. The zero value takes a dotlock
// and then an fcntl lock, as Debian's Postfix local(8) does with
// mailbox_delivery_lock = fcntl, dotlock; procmail and mutt honour both.
type LockOptions struct {
	// NoDotlock skips the "<file>.lock" dotlock. Default false.
	NoDotlock bool
	// NoFcntl skips the fcntl(F_SETLKW) write lock. Default false.
	NoFcntl bool
	// FcntlFirst takes the fcntl lock before the dotlock (mutt's order).
	// Default false: dotlock first.
	FcntlFirst bool
	// StaleAfter is the age after which a dotlock is taken over. Default
	// 500s, Postfix's stale_lock_time.
	StaleAfter time.Duration
	// Timeout bounds the wait for the locks. Default 60s.
	Timeout time.Duration
}

// ErrLockTimeout is returned when a lock could not be had in time.
var ErrLockTimeout = errors.New("mbox: lock timeout")

// Lock is a held lock on an mbox file.
type Lock struct {
	f        *os.File
	dotlock  string
	fcntlSet bool
}

// LockFile locks f (open for writing), whose path is path, as opts say.
func LockFile(ctx context.Context, f *os.File, path string, opts *LockOptions) (*Lock, error) {
	var o LockOptions
	if opts != nil {
		o = *opts
	}
	if o.StaleAfter <= 0 {
		o.StaleAfter = 500 * time.Second
	}
	if o.Timeout <= 0 {
		o.Timeout = 60 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, o.Timeout)
	defer cancel()
	l := &Lock{f: f}
	steps := []func() error{
		func() error {
			if o.NoDotlock {
				return nil
			}
			return l.takeDotlock(ctx, path, o.StaleAfter)
		},
		func() error {
			if o.NoFcntl {
				return nil
			}
			if err := takeFcntl(ctx, l.f, syscall.F_WRLCK); err != nil {
				return err
			}
			l.fcntlSet = true
			return nil
		},
	}
	if o.FcntlFirst {
		steps[0], steps[1] = steps[1], steps[0]
	}
	for _, step := range steps {
		if err := step(); err != nil {
			l.Unlock()
			return nil, err
		}
	}
	return l, nil
}

func (l *Lock) takeDotlock(ctx context.Context, path string, stale time.Duration) error {
	lock := path + ".lock"
	wait := time.Millisecond
	for {
		fd, err := os.OpenFile(lock, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err == nil {
			fd.WriteString(strconv.Itoa(os.Getpid()) + "\n")
			fd.Close()
			l.dotlock = lock
			return nil
		}
		if !errors.Is(err, os.ErrExist) {
			return fmt.Errorf("mbox: dotlock: %w", err)
		}
		if st, err := os.Stat(lock); err == nil && time.Since(st.ModTime()) > stale {
			os.Remove(lock) // stale: its holder died long ago
			continue
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%w: %s", ErrLockTimeout, lock)
		case <-time.After(wait + time.Duration(rand.Int64N(int64(wait)))):
		}
		wait = min(wait*2, 20*time.Millisecond)
	}
}

// takeFcntl takes an fcntl lock of type typ (F_RDLCK or F_WRLCK) on the
// whole of f.
func takeFcntl(ctx context.Context, f *os.File, typ int16) error {
	flock := syscall.Flock_t{Type: typ, Whence: io.SeekStart}
	wait := time.Millisecond
	for {
		// F_SETLK and retry, rather than F_SETLKW, so ctx can end the wait.
		err := syscall.FcntlFlock(f.Fd(), syscall.F_SETLK, &flock)
		if err == nil {
			return nil
		}
		if !errors.Is(err, syscall.EAGAIN) && !errors.Is(err, syscall.EACCES) {
			return fmt.Errorf("mbox: fcntl lock: %w", err)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%w: fcntl", ErrLockTimeout)
		case <-time.After(wait + time.Duration(rand.Int64N(int64(wait)))):
		}
		wait = min(wait*2, 20*time.Millisecond)
	}
}

func unlockFcntl(f *os.File) error {
	flock := syscall.Flock_t{Type: syscall.F_UNLCK, Whence: io.SeekStart}
	return syscall.FcntlFlock(f.Fd(), syscall.F_SETLK, &flock)
}

// processLocks serialises this process's use of each mbox file. fcntl
// locks belong to the process, and closing any descriptor of a file drops
// all of them (POSIX fcntl(2)), so no goroutine may open and close an mbox
// while another holds a lock on it.
var processLocks sync.Map // absolute path → *sync.Mutex

func processLock(path string) *sync.Mutex {
	if abs, err := filepath.Abs(path); err == nil {
		path = abs
	}
	mu, _ := processLocks.LoadOrStore(path, new(sync.Mutex))
	return mu.(*sync.Mutex)
}

// Unlock releases the locks.
func (l *Lock) Unlock() error {
	var err error
	if l.fcntlSet {
		err = unlockFcntl(l.f)
		l.fcntlSet = false
	}
	if l.dotlock != "" {
		if rerr := os.Remove(l.dotlock); err == nil {
			err = rerr
		}
		l.dotlock = ""
	}
	return err
}

// AppendOptions are the options of Append. The zero value works.
type AppendOptions struct {
	// Sender for the From_ line. Default MAILER-DAEMON.
	Sender string
	// Date for the From_ line. Default now.
	Date time.Time
	// Lock says how to lock the file.
	Lock LockOptions
}

// Append adds one message to the mbox at path (created 0600 if missing)
// in mboxrd form, under the locks, and fsyncs it. If writing fails part
// way, the file is truncated back to its old length, so readers never see
// half a message.
func Append(ctx context.Context, path string, r io.Reader, opts *AppendOptions) error {
	var o AppendOptions
	if opts != nil {
		o = *opts
	}
	mu := processLock(path)
	mu.Lock()
	defer mu.Unlock()
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return fmt.Errorf("mbox: %w", err)
	}
	defer f.Close()
	l, err := LockFile(ctx, f, path, &o.Lock)
	if err != nil {
		return err
	}
	defer l.Unlock()
	_, err = appendLocked(f, func(w *Writer) error { return w.WriteMessage(o.Sender, o.Date, r) })
	return err
}

// appendLocked appends what write writes to f (open with O_APPEND and
// locked), after the line ends needed for a From_ line to start a message
// (RFC 4155 §2: a blank line before it), and fsyncs. It returns the offset
// where write's output starts. If anything fails, f is truncated back to
// its old length, so readers never see half a message.
func appendLocked(f *os.File, write func(w *Writer) error) (int64, error) {
	st, err := f.Stat()
	if err != nil {
		return 0, fmt.Errorf("mbox: %w", err)
	}
	old := st.Size()
	pad, err := separatorNeeded(f, old)
	if err != nil {
		return 0, err
	}
	w := NewWriter(f)
	w.w.WriteString(pad)
	err = write(w)
	if err == nil {
		err = w.Flush()
	}
	if err == nil {
		err = f.Sync()
	}
	if err != nil {
		if terr := f.Truncate(old); terr != nil {
			return 0, fmt.Errorf("mbox: append failed (%w) and truncating back failed: %v", err, terr)
		}
		return 0, fmt.Errorf("mbox: append: %w", err)
	}
	return old + int64(len(pad)), nil
}

// separatorNeeded returns the line ends to write after a file of size n so
// that it ends with a blank line (or is empty), as a From_ line needs.
func separatorNeeded(f *os.File, n int64) (string, error) {
	if n == 0 {
		return "", nil
	}
	tail := make([]byte, min(n, 3))
	if _, err := f.ReadAt(tail, n-int64(len(tail))); err != nil {
		return "", fmt.Errorf("mbox: %w", err)
	}
	t := string(tail)
	switch {
	case t == "\n" || strings.HasSuffix(t, "\n\n") || strings.HasSuffix(t, "\n\r\n"):
		return "", nil
	case strings.HasSuffix(t, "\n"):
		return "\n", nil
	}
	return "\n\n", nil
}
