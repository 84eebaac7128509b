package mbox

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"strconv"
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
			return l.takeFcntl(ctx)
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

func (l *Lock) takeFcntl(ctx context.Context) error {
	flock := syscall.Flock_t{Type: syscall.F_WRLCK, Whence: io.SeekStart}
	wait := time.Millisecond
	for {
		// F_SETLK and retry, rather than F_SETLKW, so ctx can end the wait.
		err := syscall.FcntlFlock(l.f.Fd(), syscall.F_SETLK, &flock)
		if err == nil {
			l.fcntlSet = true
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

// Unlock releases the locks.
func (l *Lock) Unlock() error {
	var err error
	if l.fcntlSet {
		flock := syscall.Flock_t{Type: syscall.F_UNLCK, Whence: io.SeekStart}
		err = syscall.FcntlFlock(l.f.Fd(), syscall.F_SETLK, &flock)
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
	st, err := f.Stat()
	if err != nil {
		return fmt.Errorf("mbox: %w", err)
	}
	old := st.Size()
	w := NewWriter(f)
	err = w.WriteMessage(o.Sender, o.Date, r)
	if err == nil {
		err = w.Flush()
	}
	if err == nil {
		err = f.Sync()
	}
	if err != nil {
		if terr := f.Truncate(old); terr != nil {
			return fmt.Errorf("mbox: append failed (%w) and truncating back failed: %v", err, terr)
		}
		return fmt.Errorf("mbox: append: %w", err)
	}
	return nil
}
