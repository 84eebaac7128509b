package main

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"

	"github.com/mailstack/mailstack/examples/internal/passwd"
	"github.com/mailstack/mailstack/maildir"
	"github.com/mailstack/mailstack/store"
)

// backend opens DIR/U for user U. Only users in the passwd file reach it,
// and their names are checked to stay inside DIR.
//
// All sessions of one user share one maildir.Store (a store is safe for
// concurrent use), so that a folder's index is held once per process, not
// once per session: with a 10 000-message INBOX that is the difference
// between some hundreds of bytes and about a megabyte per idle session.
// The store is dropped when the user's last session ends.
type backend struct {
	root  string
	users *userDB

	mu     sync.Mutex
	stores map[string]*sharedStore
}

func newBackend(root string, users *userDB) *backend {
	return &backend{root: root, users: users, stores: map[string]*sharedStore{}}
}

// sharedStore is one user's store with the count of sessions using it.
type sharedStore struct {
	*maildir.Store
	refs int
}

// Open returns the user's shared store; the session's Close releases it.
func (b *backend) Open(ctx context.Context, user string) (store.Store, error) {
	if _, ok := b.users.Lookup(user); !ok || !passwd.SafeDirName(user) {
		return nil, fmt.Errorf("imapd: unknown user %q", user)
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	s := b.stores[user]
	if s == nil {
		st, err := maildir.Open(filepath.Join(b.root, user), nil)
		if err != nil {
			return nil, err
		}
		s = &sharedStore{Store: st}
		b.stores[user] = s
	}
	s.refs++
	return &sessionStore{Store: s.Store, release: func() { b.release(user, s) }}, nil
}

func (b *backend) release(user string, s *sharedStore) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if s.refs--; s.refs == 0 {
		delete(b.stores, user)
		s.Store.Close()
	}
}

// sessionStore is a session's handle on a shared store: closing it
// releases the session's reference, once.
type sessionStore struct {
	*maildir.Store
	once    sync.Once
	release func()
}

// Close releases the session's reference to the shared store.
func (s *sessionStore) Close() error {
	s.once.Do(s.release)
	return nil
}
