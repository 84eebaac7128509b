package main

import (
	"sync"

	"github.com/mailstack/mailstack/maildir"
)

// stores holds one maildir.Store per user while anything uses it: the
// user's IMAP and POP3 sessions and the LMTP deliveries to the user share
// it. A delivery through the shared Store (maildir.Store.Deliver) wakes
// the user's IDLEing sessions at once, and a folder's index is held once
// per process rather than once per session.
type stores struct {
	open func(user string) (*maildir.Store, error)

	mu   sync.Mutex
	byID map[string]*sharedStore
}

// sharedStore is a user's Store and the number of holders.
type sharedStore struct {
	*maildir.Store
	refs int
}

func newStores(open func(user string) (*maildir.Store, error)) *stores {
	return &stores{open: open, byID: map[string]*sharedStore{}}
}

// acquire returns user's Store, opening it if nobody holds it, and the
// function that lets go of it; the Store is closed when its last holder
// lets go.
func (st *stores) acquire(user string) (*maildir.Store, func(), error) {
	st.mu.Lock()
	defer st.mu.Unlock()
	s := st.byID[user]
	if s == nil {
		ms, err := st.open(user)
		if err != nil {
			return nil, nil, err
		}
		s = &sharedStore{Store: ms}
		st.byID[user] = s
	}
	s.refs++
	var once sync.Once
	return s.Store, func() { once.Do(func() { st.release(user, s) }) }, nil
}

func (st *stores) release(user string, s *sharedStore) {
	st.mu.Lock()
	defer st.mu.Unlock()
	if s.refs--; s.refs == 0 {
		delete(st.byID, user)
		s.Store.Close()
	}
}

// sessionStore is a session's hold on a shared Store: Close lets go of it
// (once) instead of closing it.
type sessionStore struct {
	*maildir.Store
	release func()
}

// Close lets go of the shared Store.
func (s *sessionStore) Close() error {
	s.release()
	return nil
}
