package maildir

import (
	"context"
	"errors"
	"fmt"
	"os"
	"syscall"

	"github.com/mailstack/mailstack/store"
)

// content is an open message file.
type content struct {
	*os.File
	size int64
}

func (c content) Size() int64 { return c.size }

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

// openContent opens a file and learns its size with one fstat, which
// unlike os.File.Stat allocates nothing.
func openContent(path string) (store.Content, error) {
	fd, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("maildir: %w", err)
	}
	var st syscall.Stat_t
	if err := syscall.Fstat(int(fd.Fd()), &st); err != nil {
		fd.Close()
		return nil, fmt.Errorf("maildir: %w", err)
	}
	return content{fd, st.Size}, nil
}
