package mbox

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/mailstack/mailstack/store"
)

// Config configures a Store. The zero value works.
type Config struct {
	// ReadOnly refuses Append and Copy too, so the file is never
	// written. Default false: appends are allowed (flag changes and
	// expunges never are; see the package documentation).
	ReadOnly bool
	// Format is how the file is read. Appends are refused unless it is
	// MboxRD, the form they are written in. Default MboxRD.
	Format Format
	// Lock says how appends lock the file. Reads take an fcntl read
	// lock (as Dovecot's default mbox_read_locks = fcntl), unless
	// Lock.NoFcntl. Default: dotlock, then fcntl.
	Lock LockOptions
	// PollInterval is how often a watched mailbox is checked for
	// changes made by other programs (one stat call). Default 500ms.
	PollInterval time.Duration
	// TombstoneLimit is how many expunge tombstones are kept for
	// Changes (RFC 7162 §3.2.5.2). Default 10 000.
	TombstoneLimit int
	// MaxMessageSize limits appended messages (store.ErrTooBig).
	// Default 256 MiB.
	MaxMessageSize int64
	// TempDir holds served messages larger than 1 MiB while they are
	// open (unlinked files). Default os.TempDir().
	TempDir string
}

// Store serves one mbox file as the INBOX of a store.Store, for IMAP and
// POP3 servers: the mailbox of a user whose MDA (Postfix local, procmail)
// delivers to /var/mail/user, read alongside mutt and Dovecot. It holds no
// other mailbox. See the package documentation for what it can change and
// how UIDs are kept.
type Store struct {
	b *box
}

var _ store.Store = (*Store)(nil)

// OpenStore opens the mbox file at path; a missing file is an empty
// mailbox. cfg may be nil.
func OpenStore(path string, cfg *Config) (*Store, error) {
	var c Config
	if cfg != nil {
		c = *cfg
	}
	if c.PollInterval <= 0 {
		c.PollInterval = 500 * time.Millisecond
	}
	if c.TombstoneLimit <= 0 {
		c.TombstoneLimit = 10000
	}
	if c.MaxMessageSize <= 0 {
		c.MaxMessageSize = 256 << 20
	}
	if c.Lock.Timeout <= 0 {
		c.Lock.Timeout = 60 * time.Second
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("mbox: %w", err)
	}
	if fi, err := os.Stat(abs); err == nil && !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("mbox: %s is not a regular file", abs)
	} else if err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("mbox: %w", err)
	}
	return &Store{b: &box{path: abs, cfg: &c, watchers: map[chan struct{}]struct{}{}}}, nil
}

// Path returns the mbox file's absolute path.
func (s *Store) Path() string { return s.b.path }

// Delimiter returns '/', though the store has no hierarchy.
func (s *Store) Delimiter() rune { return '/' }

// Mailboxes lists INBOX alone.
func (s *Store) Mailboxes(ctx context.Context) ([]store.MailboxInfo, error) {
	return []store.MailboxInfo{{Name: "INBOX", Attrs: []string{store.AttrHasNoChild}, Subscribed: true}}, nil
}

func (s *Store) refuse(what string) error {
	if s.b.cfg.ReadOnly {
		return fmt.Errorf("%w: %s", store.ErrReadOnly, what)
	}
	return fmt.Errorf("%w: %s: an mbox store holds only INBOX", store.ErrNotAllowed, what)
}

// CreateMailbox fails: the store holds only INBOX.
func (s *Store) CreateMailbox(ctx context.Context, name string, opts *store.CreateOptions) error {
	if store.IsInbox(name) {
		return fmt.Errorf("%w: INBOX", store.ErrMailboxExists)
	}
	return s.refuse("create")
}

// DeleteMailbox fails: INBOX cannot be deleted and there is nothing else.
func (s *Store) DeleteMailbox(ctx context.Context, name string) error {
	if !store.IsInbox(name) {
		return fmt.Errorf("%w: %q", store.ErrNoSuchMailbox, name)
	}
	return s.refuse("delete")
}

// RenameMailbox fails: renaming INBOX would move its messages.
func (s *Store) RenameMailbox(ctx context.Context, from, to string) error {
	if !store.IsInbox(from) {
		return fmt.Errorf("%w: %q", store.ErrNoSuchMailbox, from)
	}
	return s.refuse("rename")
}

// SetSubscribed accepts subscribing INBOX, which always is.
func (s *Store) SetSubscribed(ctx context.Context, name string, subscribed bool) error {
	if store.IsInbox(name) && subscribed {
		return nil
	}
	return s.refuse("subscriptions")
}

// OpenMailbox opens INBOX.
func (s *Store) OpenMailbox(ctx context.Context, name string) (store.Mailbox, error) {
	if !store.IsInbox(name) {
		return nil, fmt.Errorf("%w: %q", store.ErrNoSuchMailbox, name)
	}
	return &mailbox{b: s.b}, nil
}

// Close releases the store.
func (s *Store) Close() error { return nil }

// box is the view of the mbox file shared by the store's mailboxes.
type box struct {
	path string
	cfg  *Config

	mu          sync.Mutex
	loaded      bool
	id          fileID
	dirty       bool // the file changed around the last scan: scan again
	uidValidity uint32
	hasBase     bool // UIDs come from X-IMAPbase and X-UID
	lastUID     store.UID
	keywords    []string
	msgs        []*entry // ascending UID
	highest     store.ModSeq
	floor       store.ModSeq // tombstones at or below it were dropped
	tombs       []tombstone  // ascending modseq
	watchers    map[chan struct{}]struct{}
	polling     bool
}
