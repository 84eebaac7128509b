package maildir

import (
	"context"
	"time"
)

// safetyPoll is how often a folder that inotify watches is still polled:
// inotify can miss what the kernel never sees (a change made on another
// host sharing the file system) or drop events (a full queue is reported,
// and answered by checking every folder, but a watch can also vanish with
// its directory). Dovecot's mailbox_idle_check_interval is 30 s too.
const safetyPoll = 30 * time.Second

// kickGap is the least time between two checks of a folder that inotify
// events start, so that a burst of renames (a client flagging messages one
// by one, or this Store's own moves from new/ to cur/) costs one rescan
// per gap rather than one per event. The first event of a quiet folder is
// answered at once.
const kickGap = 50 * time.Millisecond

// Watch returns a channel that receives a value after the folder changed.
// Changes made through this Store, deliveries by Store.Deliver included,
// are signalled at once; changes made otherwise (by another Store, the
// package-level Deliver, or other processes: another mailstack, Dovecot,
// an MDA, mutt) are reported by inotify on Linux, else found by polling
// every Config.PollInterval, as the package documentation describes. The
// folder's goroutine, and its inotify watches, go away when its last
// watcher's context ends.
func (mb *mailbox) Watch(ctx context.Context) <-chan struct{} {
	f := mb.f
	c := make(chan struct{}, 1)
	f.mu.Lock()
	if len(f.watchers) == 0 {
		f.watchDirs()
	}
	f.watchers[c] = struct{}{}
	if !f.polling {
		f.polling = true
		go f.poll()
	}
	f.mu.Unlock()
	context.AfterFunc(ctx, func() {
		f.mu.Lock()
		delete(f.watchers, c)
		close(c)
		if len(f.watchers) == 0 {
			f.unwatchDirs()
			f.kick() // the poll goroutine sees no watchers and ends
		}
		f.mu.Unlock()
	})
	return c
}

// poll runs while the folder has watchers: it checks the folder every
// pollEvery, and when inotify (or the last watcher leaving) kicks it.
func (f *folder) poll() {
	f.mu.Lock()
	every := f.pollEvery()
	f.mu.Unlock()
	t := time.NewTimer(every)
	defer t.Stop()
	for {
		kicked := false
		select {
		case <-t.C:
		case <-f.kicks:
			kicked = true
		}
		f.mu.Lock()
		if len(f.watchers) == 0 {
			f.polling = false
			f.mu.Unlock()
			return
		}
		f.check()
		every = f.pollEvery()
		f.mu.Unlock()
		t.Reset(every)
		if kicked {
			time.Sleep(kickGap) // kicks meanwhile wait in f.kicks: one check for all
		}
	}
}

// check rescans the folder if its directories changed and signals the
// watchers if that found something. Caller holds f.mu.
func (f *folder) check() {
	before, v := f.highest(), f.uidValidity()
	ctx, cancel := context.WithTimeout(context.Background(), f.s.cfg.LockTimeout)
	err := f.refresh(ctx)
	cancel()
	if err != nil || f.highest() != before || f.uidValidity() != v {
		f.notify()
	}
}

// pollEvery is the time until the next check if nothing kicks the folder:
// the safety poll while inotify watches all of it, else PollInterval. A
// dirty folder (files left to number) is polled at PollInterval too.
// Caller holds f.mu.
func (f *folder) pollEvery() time.Duration {
	every := f.s.cfg.PollInterval
	if f.ino != nil && !f.dirty && f.ino.covers(f, f.wds) {
		every = max(every, safetyPoll)
	}
	return every
}

// kick wakes the folder's poll goroutine, if it is not awake already.
func (f *folder) kick() {
	select {
	case f.kicks <- struct{}{}:
	default:
	}
}

// watchDirs adds the folder's inotify watches, if the Store has inotify
// and the folder's file system suits it; otherwise the folder is polled.
// Caller holds f.mu.
func (f *folder) watchDirs() {
	n := f.s.notifier()
	if n == nil {
		return
	}
	wds, err := n.add(f)
	if err != nil {
		return // ENOSPC (the watch limit), a network file system...: poll
	}
	f.ino, f.wds = n, wds
}

// unwatchDirs removes the folder's inotify watches. Caller holds f.mu.
func (f *folder) unwatchDirs() {
	if f.ino != nil {
		f.ino.remove(f, f.wds)
	}
	f.ino, f.wds = nil, nil
}

// notifier returns the Store's inotify instance, made on first use; nil
// where there is none (not Linux, inotify_init1 failed, Store closed). A
// failure is tried again by the next folder to get a watcher: the limit
// of instances per user (fs.inotify.max_user_instances) may have room by
// then.
func (s *Store) notifier() *inotify {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ino == nil && !s.closed {
		s.ino, s.inoErr = openNotifier()
	}
	return s.ino
}

// openNotifier makes a Store's inotify instance; tests replace it to play
// a failing inotify_init1.
var openNotifier = openInotify

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
