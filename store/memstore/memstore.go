// Package memstore is an in-memory implementation of package store, used by
// the imap and pop3 tests and as the reference the store conformance suite
// (package storetest) is written against.
//
//	st := memstore.New()
//	mb, _ := st.OpenMailbox(ctx, "INBOX")
//	mb.Append(ctx, strings.NewReader("Subject: hi\r\n\r\nhello\r\n"), nil)
//
// Nothing is persisted. Expunge tombstones are kept for the last
// Config.TombstoneLimit expunges of each mailbox (RFC 7162 §3.2.5.2);
// Changes since a modseq older than the oldest tombstone kept reports
// ExpungedIncomplete, and an IMAP server then compares UID lists instead.
//
// Object ids (RFC 8474) are random: a mailbox gets its MailboxID when it is
// created and keeps it through renames; a message gets its EmailID when it
// is appended, and copies keep it. SaveDate is the time of the Append, Copy
// or Move that put the message in its mailbox (RFC 8514).
package memstore

import (
	"context"
	"crypto/rand"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/mailstack/mailstack/store"
)

// Config configures a Store. The zero value works.
type Config struct {
	// Delimiter is the hierarchy separator. Default '/'.
	Delimiter rune
	// TombstoneLimit is how many expunge tombstones each mailbox keeps
	// for QRESYNC. Default 100 000.
	TombstoneLimit int
	// MaxMessageSize limits appended messages, in bytes. Default 64 MiB.
	MaxMessageSize int64
	// QuotaStorage limits the sum of the sizes of all messages, in
	// bytes, reported as the STORAGE resource in KiB (RFC 9208 §5.1).
	// Appends and copies beyond it fail with store.ErrOverQuota.
	// Default 0: no limit.
	QuotaStorage int64
	// QuotaMessages limits the number of messages in all mailboxes (RFC
	// 9208 §5.2 MESSAGE), enforced as QuotaStorage. Default 0: no limit.
	QuotaMessages int
}

// Store is one user's in-memory mail store. It implements store.Store.
type Store struct {
	cfg    Config
	mu     sync.Mutex
	boxes  map[string]*mailbox // by name
	subs   map[string]bool
	nextV  uint32 // next UIDVALIDITY
	closed bool
}

var (
	_ store.Store              = (*Store)(nil)
	_ store.SubscriptionLister = (*Store)(nil)
	_ store.ObjectIDStore      = (*Store)(nil)
)

// ObjectIDs reports true: every mailbox and message has an object id.
func (s *Store) ObjectIDs() bool { return true }

// New returns an empty store with the default configuration, holding only
// INBOX.
func New() *Store { return Config{}.New() }

// New returns an empty store configured by c, holding only INBOX.
func (c Config) New() *Store {
	if c.Delimiter == 0 {
		c.Delimiter = '/'
	}
	if c.TombstoneLimit <= 0 {
		c.TombstoneLimit = 100000
	}
	if c.MaxMessageSize <= 0 {
		c.MaxMessageSize = 64 << 20
	}
	s := &Store{cfg: c, boxes: map[string]*mailbox{}, subs: map[string]bool{},
		nextV: uint32(time.Now().Unix())}
	s.boxes["INBOX"] = s.newMailbox("INBOX")
	return s
}

// NewBackend returns a store.Backend that gives each user name its own
// in-memory Store, created on first use and kept for the Backend's life.
func NewBackend() store.Backend {
	var mu sync.Mutex
	users := map[string]*Store{}
	return store.BackendFunc(func(ctx context.Context, user string) (store.Store, error) {
		mu.Lock()
		defer mu.Unlock()
		s := users[user]
		if s == nil {
			s = New()
			users[user] = s
		}
		return sharedStore{s}, nil
	})
}

// sharedStore lets sessions Close their store without closing it for the
// other sessions of the same user.
type sharedStore struct{ *Store }

func (sharedStore) Close() error { return nil }

func (s *Store) newMailbox(name string) *mailbox {
	v := s.nextV
	s.nextV++
	return &mailbox{s: s, name: name, uidValidity: v, uidNext: 1, modSeq: 1,
		id: "F" + rand.Text(), watchers: map[chan struct{}]struct{}{}}
}

// Delimiter returns the configured hierarchy separator.
func (s *Store) Delimiter() rune { return s.cfg.Delimiter }

func (s *Store) name(name string) (string, error) {
	name = store.NormalizeInbox(name, s.cfg.Delimiter)
	if err := store.ValidateName(name, s.cfg.Delimiter); err != nil {
		return "", err
	}
	return name, nil
}

func (s *Store) lock() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return store.ErrClosed
	}
	return nil
}

// Mailboxes lists the mailboxes, INBOX first, then by name.
func (s *Store) Mailboxes(ctx context.Context) ([]store.MailboxInfo, error) {
	if err := s.lock(); err != nil {
		return nil, err
	}
	defer s.mu.Unlock()
	names := make([]string, 0, len(s.boxes))
	for n := range s.boxes {
		names = append(names, n)
	}
	slices.SortFunc(names, func(a, b string) int {
		if a == "INBOX" {
			return -1
		}
		if b == "INBOX" {
			return 1
		}
		return strings.Compare(a, b)
	})
	out := make([]store.MailboxInfo, 0, len(names))
	for _, n := range names {
		attrs := []string{store.AttrHasNoChild}
		if s.hasChildren(n) {
			attrs[0] = store.AttrHasChildren
		}
		attrs = append(attrs, s.boxes[n].specialUse...)
		out = append(out, store.MailboxInfo{Name: n, Attrs: attrs, Subscribed: s.subs[n]})
	}
	return out, nil
}

func (s *Store) hasChildren(name string) bool {
	prefix := name + string(s.cfg.Delimiter)
	for n := range s.boxes {
		if strings.HasPrefix(n, prefix) {
			return true
		}
	}
	return false
}

// CreateMailbox creates name and its missing parents.
func (s *Store) CreateMailbox(ctx context.Context, name string, opts *store.CreateOptions) error {
	name, err := s.name(name)
	if err != nil {
		return err
	}
	var use []string
	if opts != nil {
		use = slices.Clone(opts.SpecialUse)
	}
	if err := s.lock(); err != nil {
		return err
	}
	defer s.mu.Unlock()
	if s.boxes[name] != nil {
		return fmt.Errorf("%w: %q", store.ErrMailboxExists, name)
	}
	d := string(s.cfg.Delimiter)
	parts := strings.Split(name, d)
	for i := 1; i < len(parts); i++ {
		p := strings.Join(parts[:i], d)
		if s.boxes[p] == nil {
			s.boxes[p] = s.newMailbox(p)
		}
	}
	mb := s.newMailbox(name)
	mb.specialUse = use
	s.boxes[name] = mb
	return nil
}

// DeleteMailbox deletes a mailbox that has no children.
func (s *Store) DeleteMailbox(ctx context.Context, name string) error {
	name, err := s.name(name)
	if err != nil {
		return err
	}
	if err := s.lock(); err != nil {
		return err
	}
	defer s.mu.Unlock()
	mb := s.boxes[name]
	switch {
	case mb == nil:
		return fmt.Errorf("%w: %q", store.ErrNoSuchMailbox, name)
	case name == "INBOX":
		return fmt.Errorf("%w: cannot delete INBOX", store.ErrNotAllowed)
	case s.hasChildren(name):
		return fmt.Errorf("%w: %q has children", store.ErrNotAllowed, name)
	}
	mb.deleted = true
	mb.notify()
	delete(s.boxes, name)
	return nil
}

// RenameMailbox renames a mailbox and its children; renaming INBOX moves
// its messages (RFC 9051 §6.3.6).
func (s *Store) RenameMailbox(ctx context.Context, from, to string) error {
	from, err := s.name(from)
	if err != nil {
		return err
	}
	if to, err = s.name(to); err != nil {
		return err
	}
	if err := s.lock(); err != nil {
		return err
	}
	defer s.mu.Unlock()
	src := s.boxes[from]
	if src == nil {
		return fmt.Errorf("%w: %q", store.ErrNoSuchMailbox, from)
	}
	if s.boxes[to] != nil {
		return fmt.Errorf("%w: %q", store.ErrMailboxExists, to)
	}
	d := string(s.cfg.Delimiter)
	if strings.HasPrefix(to, from+d) {
		return fmt.Errorf("%w: cannot rename %q into itself", store.ErrNotAllowed, from)
	}
	parts := strings.Split(to, d)
	for i := 1; i < len(parts); i++ {
		if p := strings.Join(parts[:i], d); s.boxes[p] == nil {
			s.boxes[p] = s.newMailbox(p)
		}
	}
	if from == "INBOX" {
		dst := s.newMailbox(to)
		s.boxes[to] = dst
		uids := make([]store.UID, len(src.msgs))
		for i, m := range src.msgs {
			uids[i] = m.info.UID
		}
		src.transfer(dst, uids, true)
		return nil
	}
	for n, mb := range s.boxes {
		if n == from || strings.HasPrefix(n, from+d) {
			nn := to + n[len(from):]
			delete(s.boxes, n)
			mb.name = nn
			s.boxes[nn] = mb
		}
	}
	return nil
}

// SetSubscribed adds or removes name from the subscription list.
func (s *Store) SetSubscribed(ctx context.Context, name string, subscribed bool) error {
	name, err := s.name(name)
	if err != nil {
		return err
	}
	if err := s.lock(); err != nil {
		return err
	}
	defer s.mu.Unlock()
	if subscribed {
		s.subs[name] = true
	} else {
		delete(s.subs, name)
	}
	return nil
}

// Subscriptions returns the subscribed names, sorted, whether or not their
// mailboxes exist (RFC 9051 §6.3.7).
func (s *Store) Subscriptions(ctx context.Context) ([]string, error) {
	if err := s.lock(); err != nil {
		return nil, err
	}
	defer s.mu.Unlock()
	out := make([]string, 0, len(s.subs))
	for n := range s.subs {
		out = append(out, n)
	}
	slices.Sort(out)
	return out, nil
}

// OpenMailbox opens a mailbox.
func (s *Store) OpenMailbox(ctx context.Context, name string) (store.Mailbox, error) {
	name, err := s.name(name)
	if err != nil {
		return nil, err
	}
	if err := s.lock(); err != nil {
		return nil, err
	}
	defer s.mu.Unlock()
	mb := s.boxes[name]
	if mb == nil {
		return nil, fmt.Errorf("%w: %q", store.ErrNoSuchMailbox, name)
	}
	return &handle{mb: mb}, nil
}

// Close marks the store closed; later calls fail with store.ErrClosed.
func (s *Store) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	return nil
}
