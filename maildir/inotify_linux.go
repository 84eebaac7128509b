//go:build linux

package maildir

import (
	"encoding/binary"
	"errors"
	"os"
	"sync"

	"golang.org/x/sys/unix"
)

// inotify is a Store's inotify(7) instance: one descriptor, one goroutine
// reading it, and the folders each watch descriptor kicks (several folder
// values may share a directory, and the kernel gives one watch per inode
// and descriptor, so each watch is counted).
type inotify struct {
	fd   int      // raw descriptor, used under mu while !closed
	file *os.File // the same, read through the runtime's poller
	done chan struct{}

	mu      sync.Mutex
	closed  bool
	folders map[int32]map[*folder]struct{}
}

// Watch masks: what changes a folder's messages (a delivery moves a file
// into new/, or links it there; a flag change renames within cur/; an
// expunge unlinks; a reader moves new/ to cur/), and the folder
// directories themselves going away (renamed or deleted by another
// program). Writes to files are not watched: nothing read from a file's
// content changes a folder without a rename.
const (
	inotifyDirMask  = unix.IN_CREATE | unix.IN_DELETE | unix.IN_MOVED_FROM | unix.IN_MOVED_TO | inotifySelfMask
	inotifySelfMask = unix.IN_DELETE_SELF | unix.IN_MOVE_SELF | unix.IN_ONLYDIR
)

// inotifyAddWatch is inotify_add_watch(2); tests replace it to play the
// per-user watch limit (ENOSPC).
var inotifyAddWatch = unix.InotifyAddWatch

var errRemoteFS = errors.New("maildir: network file system: inotify does not see other clients' changes")

func openInotify() (*inotify, error) {
	fd, err := unix.InotifyInit1(unix.IN_CLOEXEC | unix.IN_NONBLOCK)
	if err != nil {
		return nil, os.NewSyscallError("inotify_init1", err)
	}
	n := &inotify{fd: fd, file: os.NewFile(uintptr(fd), "inotify"), done: make(chan struct{}),
		folders: map[int32]map[*folder]struct{}{}}
	go n.read()
	return n, nil
}

// read reads events until the descriptor is closed, kicking the folders
// they concern. An error other than closing gives up on inotify: the
// folders fall back to polling.
func (n *inotify) read() {
	defer close(n.done)
	buf := make([]byte, 64*(unix.SizeofInotifyEvent+unix.NAME_MAX+1))
	for {
		k, err := n.file.Read(buf)
		if err != nil {
			n.shut()
			return
		}
		n.dispatch(buf[:k])
	}
}

// dispatch kicks, once each, the folders of a batch of events.
func (n *inotify) dispatch(b []byte) {
	kick := map[*folder]struct{}{}
	n.mu.Lock()
	for len(b) >= unix.SizeofInotifyEvent {
		wd := int32(binary.NativeEndian.Uint32(b[0:]))
		mask := binary.NativeEndian.Uint32(b[4:])
		size := unix.SizeofInotifyEvent + int(binary.NativeEndian.Uint32(b[12:]))
		b = b[min(size, len(b)):]
		if mask&unix.IN_Q_OVERFLOW != 0 { // events were lost: check all
			for _, fs := range n.folders {
				for f := range fs {
					kick[f] = struct{}{}
				}
			}
			continue
		}
		for f := range n.folders[wd] {
			kick[f] = struct{}{}
		}
		if mask&unix.IN_IGNORED != 0 { // the kernel dropped the watch
			delete(n.folders, wd)
		}
	}
	n.mu.Unlock()
	for f := range kick {
		f.kick()
	}
}

// add watches f's new/, cur/ and directory, and returns the watch
// descriptors. Caller holds f.mu.
func (n *inotify) add(f *folder) ([]int32, error) {
	var st unix.Statfs_t
	if err := unix.Statfs(f.dir, &st); err != nil {
		return nil, os.NewSyscallError("statfs", err)
	}
	if remoteFS(uint32(st.Type)) {
		return nil, errRemoteFS
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.closed {
		return nil, os.ErrClosed
	}
	var wds []int32
	for _, w := range []struct {
		path string
		mask uint32
	}{{f.path("new"), inotifyDirMask}, {f.path("cur"), inotifyDirMask}, {f.dir, inotifySelfMask}} {
		wd, err := inotifyAddWatch(n.fd, w.path, w.mask)
		if err != nil {
			n.removeLocked(f, wds)
			return nil, os.NewSyscallError("inotify_add_watch", err)
		}
		fs := n.folders[int32(wd)]
		if fs == nil {
			fs = map[*folder]struct{}{}
			n.folders[int32(wd)] = fs
		}
		fs[f] = struct{}{}
		wds = append(wds, int32(wd))
	}
	return wds, nil
}

// remove drops f from its watches, removing those no folder needs.
func (n *inotify) remove(f *folder, wds []int32) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if !n.closed {
		n.removeLocked(f, wds)
	}
}

func (n *inotify) removeLocked(f *folder, wds []int32) {
	for _, wd := range wds {
		fs := n.folders[wd]
		if fs == nil {
			continue // dropped by the kernel (IN_IGNORED)
		}
		delete(fs, f)
		if len(fs) == 0 {
			delete(n.folders, wd)
			unix.InotifyRmWatch(n.fd, uint32(wd))
		}
	}
}

// covers reports whether all of wds still watch f.
func (n *inotify) covers(f *folder, wds []int32) bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.closed || len(wds) == 0 {
		return false
	}
	for _, wd := range wds {
		if _, ok := n.folders[wd][f]; !ok {
			return false
		}
	}
	return true
}

// close closes the descriptor and waits for the reader to end.
func (n *inotify) close() {
	n.shut()
	<-n.done
}

// shut closes the descriptor (once) and kicks the folders it watched, so
// that they go back to polling at Config.PollInterval.
func (n *inotify) shut() {
	n.mu.Lock()
	if n.closed {
		n.mu.Unlock()
		return
	}
	n.closed = true
	fs := n.folders
	n.folders = nil
	n.mu.Unlock()
	n.file.Close() // wakes the reader
	for _, set := range fs {
		for f := range set {
			f.kick()
		}
	}
}

// remoteFS reports whether a statfs(2) f_type is a network file system:
// inotify there reports only the changes made through this kernel.
func remoteFS(t uint32) bool {
	switch t {
	case unix.NFS_SUPER_MAGIC, unix.SMB_SUPER_MAGIC, unix.SMB2_SUPER_MAGIC, unix.CIFS_SUPER_MAGIC,
		unix.AFS_SUPER_MAGIC, unix.CEPH_SUPER_MAGIC, unix.V9FS_MAGIC:
		return true
	}
	return false
}
