package maildir

import (
	"context"
	"time"
)

// Watch returns a channel that receives a value after the folder changed.
// Changes made through this Store, deliveries by Store.Deliver included,
// are signalled at once; changes made otherwise (by another Store, the
// package-level Deliver, or other processes: another mailstack, Dovecot,
// an MDA, mutt) are found by polling: every Config.PollInterval one goroutine per watched folder
// stats new/ and cur/ (directory mtimes change on every delivery, flag
// change and expunge) and rescans only when they moved. No inotify is
// needed, so it works on NFS and in containers alike.
func (mb *mailbox) Watch(ctx context.Context) <-chan struct{} {
	f := mb.f
	c := make(chan struct{}, 1)
	f.mu.Lock()
	f.watchers[c] = struct{}{}
	if !f.polling {
		f.polling = true
		go f.poll()
	}
	f.mu.Unlock()
	go func() {
		<-ctx.Done()
		f.mu.Lock()
		delete(f.watchers, c)
		close(c)
		f.mu.Unlock()
	}()
	return c
}

// poll runs while the folder has watchers.
func (f *folder) poll() {
	t := time.NewTicker(f.s.cfg.PollInterval)
	defer t.Stop()
	for range t.C {
		f.mu.Lock()
		if len(f.watchers) == 0 {
			f.polling = false
			f.mu.Unlock()
			return
		}
		before, v := f.highest(), f.uidValidity()
		ctx, cancel := context.WithTimeout(context.Background(), f.s.cfg.LockTimeout)
		err := f.refresh(ctx)
		cancel()
		if err != nil || f.highest() != before || f.uidValidity() != v {
			f.notify()
		}
		f.mu.Unlock()
	}
}

func (f *folder) uidValidity() uint32 {
	if f.ul == nil {
		return 0
	}
	return f.ul.UIDValidity
}

// notifyLocked signals watchers after a change made through this Store.
func (f *folder) notifyLocked() {
	f.mu.Lock()
	f.notify()
	f.mu.Unlock()
}

// wakeDir tells the watchers of the folder in dir, if it is open, of a
// change made outside the folder's own methods (Store.Deliver).
func (s *Store) wakeDir(dir string) {
	s.mu.Lock()
	f := s.folders[dir]
	s.mu.Unlock()
	if f != nil {
		f.wake()
	}
}

// wake marks the folder for a rescan and signals its watchers. It does
// not wait for the folder (a reader may hold it for a while): the signal
// goes out as soon as it is free, which is the soonest a watcher could
// look anyway.
func (f *folder) wake() {
	go func() {
		f.mu.Lock()
		if len(f.watchers) > 0 {
			f.dirty = true
			f.notify()
		}
		f.mu.Unlock()
	}()
}
