package maildir

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/mailstack/mailstack/store"
)

// Config configures a Store. The zero value works.
type Config struct {
	// Hostname used in new file names. Default: os.Hostname(),
	// sanitised as the Maildir spec says.
	Hostname string
	// PollInterval is how often a watched folder is checked for
	// changes made by other processes (two stat calls when idle) where
	// inotify is not used: on systems other than Linux, and on Linux
	// for folders on network file systems, past the inotify watch limit,
	// or after Close. On Linux, inotify reports such changes at once,
	// and a watched folder is polled only every 30 s, or PollInterval
	// if longer, as a safety net (see the package documentation).
	// Default 500ms.
	PollInterval time.Duration
	// TombstoneLimit is how many expunge tombstones each folder's
	// journal keeps for QRESYNC (RFC 7162 §3.2.5.2). Default 100 000.
	TombstoneLimit int
	// LockTimeout bounds the wait for a folder's dovecot-uidlist lock.
	// Default 2m10s: a lock untouched for DotlockStale is taken over
	// before that.
	LockTimeout time.Duration
	// StaleTmp is the age after which files left in tmp/ are removed.
	// Default 36h (the Maildir spec).
	StaleTmp time.Duration
	// MaxMessageSize limits appended messages. Default 256 MiB.
	MaxMessageSize int64
	// CacheLimit bounds each folder's cache file (CacheName), where
	// servers keep what they computed about messages across restarts
	// (store.MessageCache), in bytes. Default 256 MiB; negative: no
	// cache file is read or written.
	CacheLimit int64
	// QuotaStorage limits the sum of the sizes of the message files of
	// INBOX and every folder, in bytes, reported as the STORAGE resource
	// in KiB (RFC 9208 §5.1, see Store.Quota). Appends and copies that
	// would go beyond it fail with store.ErrOverQuota; messages that
	// other programs deliver are counted but not refused. Default 0: no
	// limit.
	QuotaStorage int64
	// QuotaMessages limits the number of messages in INBOX and every
	// folder (RFC 9208 §5.2 MESSAGE), enforced as QuotaStorage. Default
	// 0: no limit.
	QuotaMessages int
}

// Store is one user's Maildir++ tree: the root is INBOX, and folder
// "A.B" is the Maildir root/.A.B (name in modified UTF-7). It implements
// store.Store, and is safe for concurrent use by goroutines and alongside
// other processes (Dovecot, mutt, mblaze, another mailstack).
type Store struct {
	root string
	cfg  Config
	host string

	mu      sync.Mutex // guards folders and the root's files
	folders map[string]*folder
	closed  bool
	ino     *inotify // made by the first Watch (Linux), closed by Close
	inoErr  error    // why there is no ino, if the last try failed
}

var (
	_ store.Store              = (*Store)(nil)
	_ store.SubscriptionLister = (*Store)(nil)
	_ store.ObjectIDStore      = (*Store)(nil)
)

// ObjectIDs reports true: folders and messages have object ids (RFC 8474),
// shared with Dovecot's GUIDs as described in the package documentation.
func (s *Store) ObjectIDs() bool { return true }

// Open opens the Maildir++ tree at root, creating root as an empty Maildir
// if it does not exist. cfg may be nil.
func Open(root string, cfg *Config) (*Store, error) {
	var c Config
	if cfg != nil {
		c = *cfg
	}
	if c.PollInterval <= 0 {
		c.PollInterval = 500 * time.Millisecond
	}
	if c.TombstoneLimit <= 0 {
		c.TombstoneLimit = 100000
	}
	if c.LockTimeout <= 0 {
		c.LockTimeout = DotlockStale + 10*time.Second
	}
	if c.StaleTmp <= 0 {
		c.StaleTmp = 36 * time.Hour
	}
	if c.MaxMessageSize <= 0 {
		c.MaxMessageSize = 256 << 20
	}
	if c.CacheLimit == 0 {
		c.CacheLimit = 256 << 20
	}
	root, err := filepath.Abs(root)
	if err != nil {
		return nil, fmt.Errorf("maildir: %w", err)
	}
	if err := ensureMaildir(root); err != nil {
		return nil, err
	}
	return &Store{root: root, cfg: c, host: hostname(c.Hostname), folders: map[string]*folder{}}, nil
}

// Root returns the Maildir root directory.
func (s *Store) Root() string { return s.root }

// Delimiter returns '.', the Maildir++ separator.
func (s *Store) Delimiter() rune { return Delimiter }

// dirOf returns the directory of mailbox name and its normalised name.
func (s *Store) dirOf(name string) (string, string, error) {
	name = store.NormalizeInbox(name, Delimiter)
	if name == "INBOX" {
		return s.root, name, nil
	}
	enc, err := EncodeFolderName(name)
	if err != nil {
		return "", "", err
	}
	return filepath.Join(s.root, "."+enc), name, nil
}

func (s *Store) folder(dir string) *folder {
	s.mu.Lock()
	defer s.mu.Unlock()
	f := s.folders[dir]
	if f == nil {
		f = &folder{s: s, dir: dir, uids: map[string]store.UID{}, watchers: map[chan struct{}]struct{}{},
			kicks: make(chan struct{}, 1)}
		if s.cfg.CacheLimit > 0 {
			f.cache = newMsgCache(filepath.Join(dir, CacheName), s.cfg.CacheLimit, f.presentUIDs)
		}
		s.folders[dir] = f
	}
	return f
}

func (s *Store) forget(dir string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for d := range s.folders {
		if d == dir || strings.HasPrefix(d, dir+".") {
			delete(s.folders, d)
		}
	}
}

// folderNames returns the names of the folders on disk (not INBOX).
func (s *Store) folderNames() ([]string, error) {
	ents, err := os.ReadDir(s.root)
	if err != nil {
		return nil, fmt.Errorf("maildir: %w", err)
	}
	var out []string
	for _, e := range ents {
		n := e.Name()
		if len(n) < 2 || n[0] != '.' || n[1] == '.' || !e.IsDir() {
			continue
		}
		if name, err := DecodeFolderName(n[1:]); err == nil && !store.IsInbox(name) {
			out = append(out, name)
		}
	}
	slices.Sort(out)
	return out, nil
}

// Mailboxes lists INBOX and the folders, with \HasChildren or
// \HasNoChildren, special-use attributes and subscription.
func (s *Store) Mailboxes(ctx context.Context) ([]store.MailboxInfo, error) {
	names, err := s.folderNames()
	if err != nil {
		return nil, err
	}
	names = append([]string{"INBOX"}, names...)
	subs, err := s.subscriptions()
	if err != nil {
		return nil, err
	}
	uses, err := s.specialUse()
	if err != nil {
		return nil, err
	}
	out := make([]store.MailboxInfo, 0, len(names))
	for _, n := range names {
		attr := store.AttrHasNoChild
		for _, c := range names {
			if strings.HasPrefix(c, n+".") {
				attr = store.AttrHasChildren
				break
			}
		}
		attrs := append([]string{attr}, specialUseOf(n, uses)...)
		out = append(out, store.MailboxInfo{Name: n, Attrs: attrs, Subscribed: slices.Contains(subs, n)})
	}
	return out, nil
}

// CreateMailbox creates a folder (with a maildirfolder marker, as
// Maildir++ requires) and any missing parents.
func (s *Store) CreateMailbox(ctx context.Context, name string, opts *store.CreateOptions) error {
	dir, name, err := s.dirOf(name)
	if err != nil {
		return err
	}
	if name == "INBOX" {
		return fmt.Errorf("%w: INBOX", store.ErrMailboxExists)
	}
	parts := strings.Split(name, ".")
	for i := 1; i <= len(parts); i++ {
		d, _, err := s.dirOf(strings.Join(parts[:i], "."))
		if err != nil {
			return err
		}
		err = os.Mkdir(d, 0o700)
		if errors.Is(err, os.ErrExist) {
			if i == len(parts) {
				return fmt.Errorf("%w: %q", store.ErrMailboxExists, name)
			}
			continue
		}
		if err != nil {
			return fmt.Errorf("maildir: %w", err)
		}
		if err := ensureMaildir(d); err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(d, "maildirfolder"), nil, 0o600); err != nil {
			return fmt.Errorf("maildir: %w", err)
		}
	}
	s.forget(dir)
	if opts != nil && len(opts.SpecialUse) > 0 {
		return s.setSpecialUse(name, opts.SpecialUse)
	}
	return nil
}

// DeleteMailbox deletes a folder that has no children. The folder is first
// renamed out of sight (so readers never see half of it), then removed.
func (s *Store) DeleteMailbox(ctx context.Context, name string) error {
	dir, name, err := s.dirOf(name)
	if err != nil {
		return err
	}
	if name == "INBOX" {
		return fmt.Errorf("%w: cannot delete INBOX", store.ErrNotAllowed)
	}
	names, err := s.folderNames()
	if err != nil {
		return err
	}
	if !slices.Contains(names, name) {
		return fmt.Errorf("%w: %q", store.ErrNoSuchMailbox, name)
	}
	for _, n := range names {
		if strings.HasPrefix(n, name+".") {
			return fmt.Errorf("%w: %q has children", store.ErrNotAllowed, name)
		}
	}
	r := make([]byte, 8)
	rand.Read(r)
	trash := filepath.Join(s.root, "..mailstack-deleted."+hex.EncodeToString(r))
	if err := os.Rename(dir, trash); err != nil {
		return fmt.Errorf("maildir: %w", err)
	}
	s.forget(dir)
	if err := os.RemoveAll(trash); err != nil {
		return fmt.Errorf("maildir: %w", err)
	}
	return nil
}

// RenameMailbox renames a folder and its children. Renaming INBOX moves
// its messages into a new folder (RFC 9051 §6.3.6).
func (s *Store) RenameMailbox(ctx context.Context, from, to string) error {
	fromDir, from, err := s.dirOf(from)
	if err != nil {
		return err
	}
	toDir, to, err := s.dirOf(to)
	if err != nil {
		return err
	}
	if to == "INBOX" || s.exists(toDir) {
		return fmt.Errorf("%w: %q", store.ErrMailboxExists, to)
	}
	if !s.exists(fromDir) {
		return fmt.Errorf("%w: %q", store.ErrNoSuchMailbox, from)
	}
	if strings.HasPrefix(to, from+".") {
		return fmt.Errorf("%w: cannot rename %q into itself", store.ErrNotAllowed, from)
	}
	if from == "INBOX" {
		return s.renameInbox(ctx, to)
	}
	if i := strings.LastIndexByte(to, '.'); i > 0 {
		if err := s.CreateMailbox(ctx, to[:i], nil); err != nil && !errors.Is(err, store.ErrMailboxExists) {
			return err
		}
	}
	names, err := s.folderNames()
	if err != nil {
		return err
	}
	for _, n := range names {
		if n != from && !strings.HasPrefix(n, from+".") {
			continue
		}
		od, _, _ := s.dirOf(n)
		nd, _, err := s.dirOf(to + n[len(from):])
		if err != nil {
			return err
		}
		if err := os.Rename(od, nd); err != nil {
			return fmt.Errorf("maildir: %w", err)
		}
	}
	s.forget(fromDir)
	s.forget(toDir)
	return nil
}

func (s *Store) exists(dir string) bool {
	st, err := os.Stat(filepath.Join(dir, "cur"))
	return err == nil && st.IsDir()
}

// renameInbox moves INBOX's messages to a new mailbox (RFC 9051 §6.3.6) as
// Move does, so that they keep their flags, INTERNALDATE and GUID (hence
// EMAILID, RFC 8474 §5.1) and get a save date of now (RFC 8514), and
// INBOX's sessions see expunges.
func (s *Store) renameInbox(ctx context.Context, to string) error {
	if err := s.CreateMailbox(ctx, to, nil); err != nil {
		return err
	}
	in, err := s.OpenMailbox(ctx, "INBOX")
	if err != nil {
		return err
	}
	defer in.Close()
	_, err = in.Move(ctx, store.All, to)
	return err
}

// OpenMailbox opens INBOX or a folder.
func (s *Store) OpenMailbox(ctx context.Context, name string) (store.Mailbox, error) {
	dir, name, err := s.dirOf(name)
	if err != nil {
		return nil, err
	}
	if !s.exists(dir) {
		return nil, fmt.Errorf("%w: %q", store.ErrNoSuchMailbox, name)
	}
	return &mailbox{f: s.folder(dir), name: name}, nil
}

// Close releases the store: on Linux, its inotify descriptor and the
// goroutine reading it (see Watch). Open mailboxes keep working until
// closed; their watches go back to polling every Config.PollInterval.
func (s *Store) Close() error {
	s.mu.Lock()
	s.closed = true
	n := s.ino
	s.ino = nil
	s.mu.Unlock()
	if n != nil {
		n.close()
	}
	return nil
}

// SubscriptionsName is the root file listing subscribed mailboxes, one per
// line, as Dovecot reads it (its version 2 format, "V\t2" with tab
// separated hierarchy, is read too).
const SubscriptionsName = "subscriptions"

func (s *Store) subscriptions() ([]string, error) {
	data, err := os.ReadFile(filepath.Join(s.root, SubscriptionsName))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	} else if err != nil {
		return nil, fmt.Errorf("maildir: %w", err)
	}
	var out []string
	sc := bufio.NewScanner(bytes.NewReader(data))
	v2 := false
	for i := 0; sc.Scan(); i++ {
		l := sc.Text()
		if i == 0 && strings.HasPrefix(l, "V\t") {
			v2 = true
			continue
		}
		if l == "" {
			continue
		}
		if v2 {
			l = strings.ReplaceAll(l, "\t", ".")
		}
		out = append(out, store.NormalizeInbox(l, Delimiter))
	}
	return out, nil
}

// Subscriptions returns the names in the subscriptions file, whether or
// not their folders exist (RFC 9051 §6.3.7), INBOX spelt "INBOX".
func (s *Store) Subscriptions(ctx context.Context) ([]string, error) {
	return s.subscriptions()
}

// SetSubscribed adds or removes name in the subscriptions file.
func (s *Store) SetSubscribed(ctx context.Context, name string, subscribed bool) error {
	name = store.NormalizeInbox(name, Delimiter)
	if err := store.ValidateName(name, Delimiter); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	subs, err := s.subscriptions()
	if err != nil {
		return err
	}
	subs = slices.DeleteFunc(subs, func(n string) bool { return n == name })
	if subscribed {
		subs = append(subs, name)
	}
	var b []byte
	for _, n := range subs {
		b = append(append(b, n...), '\n')
	}
	return writeFileAtomic(s.root, SubscriptionsName, b)
}
