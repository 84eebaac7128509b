package maildir

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"syscall"

	"github.com/mailstack/mailstack/store"
)

// content is an open message file, read with pread(2) on a bare
// descriptor: an os.File would cost, per message opened, a poller
// registration attempt, flag calls and a finalizer, which FETCH of a whole
// mailbox pays ten thousand times over. Close must be called (store.Content
// requires it); a content dropped without Close is closed by a cleanup
// when collected, as an os.File would be.
type content struct {
	fd      int
	size    int64
	cleanup runtime.Cleanup
}

func (c *content) Size() int64 { return c.size }

// ReadAt reads at off, as io.ReaderAt says: n < len(p) only with an error.
func (c *content) ReadAt(p []byte, off int64) (int, error) {
	if c.fd < 0 {
		return 0, os.ErrClosed
	}
	if off < 0 {
		return 0, errors.New("maildir: negative offset")
	}
	n := 0
	for n < len(p) {
		m, err := syscall.Pread(c.fd, p[n:], off+int64(n))
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return n, fmt.Errorf("maildir: read: %w", err)
		}
		if m == 0 {
			return n, io.EOF
		}
		n += m
	}
	return n, nil
}

// Close closes the descriptor; later calls fail with os.ErrClosed.
func (c *content) Close() error {
	if c.fd < 0 {
		return os.ErrClosed
	}
	c.cleanup.Stop()
	err := syscall.Close(c.fd)
	c.fd = -1
	if err != nil {
		return fmt.Errorf("maildir: close: %w", err)
	}
	return nil
}

// curPath returns the path of name in cur/. f.dir is clean (absolute, from
// filepath.Abs and Join) and names never hold '/', so concatenation gives
// what filepath.Join would, without its cleaning pass.
func (f *folder) curPath(name string) string {
	return f.dir + string(os.PathSeparator) + "cur" + string(os.PathSeparator) + name
}

// Open opens a message's file. A UID the folder's index knows is opened by
// the name recorded, without looking at new/ and cur/ first: a message's
// content never changes (RFC 9051 §2.3.1.1), and FETCH opens every message
// of a mailbox in turn. Only when that name is gone (another process
// changed the message's flags, which renames its file, or expunged it) is
// the folder rescanned and the open tried again by the new name. A UID the
// index does not know makes the folder refresh first, as before, since it
// may be a delivery not yet scanned.
func (mb *mailbox) Open(ctx context.Context, uid store.UID) (store.Content, error) {
	f := mb.f
	f.mu.Lock()
	name := ""
	if m := f.find(uid); m != nil {
		name = m.name
	}
	f.mu.Unlock()
	if name != "" {
		c, err := openContent(f.curPath(name))
		if !errors.Is(err, os.ErrNotExist) {
			return c, err
		}
		f.mu.Lock()
		f.dirty = true // renamed or removed by someone else: rescan
		f.mu.Unlock()
	}
	return mb.openRescan(ctx, uid)
}

// openRescan opens a message after refreshing the folder, rescanning and
// trying again while its file vanishes under the name just found.
func (mb *mailbox) openRescan(ctx context.Context, uid store.UID) (store.Content, error) {
	f := mb.f
	f.mu.Lock()
	defer f.mu.Unlock()
	for try := 0; ; try++ {
		if err := f.refresh(ctx); err != nil {
			return nil, err
		}
		m := f.find(uid)
		if m == nil {
			return nil, fmt.Errorf("%w: UID %d", store.ErrNoSuchMessage, uid)
		}
		c, err := openContent(f.curPath(m.name))
		if err == nil {
			return c, nil
		}
		if !errors.Is(err, os.ErrNotExist) || try == 2 {
			return nil, err
		}
		f.dirty = true
	}
}

// openContent opens a message file.
func openContent(path string) (store.Content, error) {
	var fd int
	var err error
	for {
		fd, err = syscall.Open(path, syscall.O_RDONLY|syscall.O_CLOEXEC, 0)
		if err != syscall.EINTR {
			break
		}
	}
	if err != nil {
		return nil, fmt.Errorf("maildir: open %s: %w", path, err)
	}
	var st syscall.Stat_t
	if err := syscall.Fstat(fd, &st); err != nil {
		syscall.Close(fd)
		return nil, fmt.Errorf("maildir: %w", err)
	}
	c := &content{fd: fd, size: st.Size}
	c.cleanup = runtime.AddCleanup(c, closeFD, fd)
	return c, nil
}

func closeFD(fd int) { syscall.Close(fd) }
