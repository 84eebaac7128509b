//go:build !linux

package maildir

import "errors"

// inotify stands for Linux's inotify(7) where there is none: folders are
// polled (see Watch).
type inotify struct{}

func openInotify() (*inotify, error) { return nil, errors.ErrUnsupported }

func (n *inotify) add(f *folder) ([]int32, error)     { return nil, errors.ErrUnsupported }
func (n *inotify) remove(f *folder, wds []int32)      {}
func (n *inotify) covers(f *folder, wds []int32) bool { return false }
func (n *inotify) close()                             {}
