package maildir

import (
	"context"
	"fmt"

	"github.com/mailstack/mailstack/store"
)

var _ store.QuotaReporter = (*Store)(nil)

// Quota reports the store's one quota root, "", over INBOX and every
// folder (RFC 9208): STORAGE, the sum of the message files' sizes in KiB
// rounded up, and MESSAGE, the number of messages, with the limits
// Config.QuotaStorage and QuotaMessages (0: none). Every folder is
// refreshed to count them, as STATUS would.
func (s *Store) Quota(ctx context.Context, mailbox string) ([]store.QuotaRoot, error) {
	if mailbox != "" {
		dir, _, err := s.dirOf(mailbox)
		if err != nil {
			return nil, err
		}
		if !s.exists(dir) {
			return nil, fmt.Errorf("%w: %q", store.ErrNoSuchMailbox, mailbox)
		}
	}
	n, size, err := s.usage(ctx)
	if err != nil {
		return nil, err
	}
	return []store.QuotaRoot{{Name: "", Resources: []store.QuotaResource{
		{Name: store.ResourceStorage, Usage: (size + 1023) / 1024, Limit: s.cfg.QuotaStorage / 1024},
		{Name: store.ResourceMessage, Usage: int64(n), Limit: int64(s.cfg.QuotaMessages)},
	}}}, nil
}

// usage counts the messages and their bytes in INBOX and every folder,
// one folder lock at a time.
func (s *Store) usage(ctx context.Context) (n int, size int64, err error) {
	names, err := s.folderNames()
	if err != nil {
		return 0, 0, err
	}
	for _, name := range append([]string{"INBOX"}, names...) {
		dir, _, err := s.dirOf(name)
		if err != nil {
			continue
		}
		mb := &mailbox{f: s.folder(dir), name: name}
		err = mb.read(ctx, func(f *folder) {
			n += len(f.msgs)
			for _, m := range f.msgs {
				size += m.size
			}
		})
		if err != nil {
			return 0, 0, err
		}
	}
	return n, size, nil
}

// checkQuota fails with store.ErrOverQuota if n more messages of size
// bytes in all would exceed Config.QuotaMessages or QuotaStorage. The
// usage is counted before the append takes its lock: appends running at
// the same time may together overshoot a limit by what they add.
func (s *Store) checkQuota(ctx context.Context, n int, size int64) error {
	if s.cfg.QuotaStorage <= 0 && s.cfg.QuotaMessages <= 0 {
		return nil
	}
	have, used, err := s.usage(ctx)
	if err != nil {
		return err
	}
	if s.cfg.QuotaMessages > 0 && have+n > s.cfg.QuotaMessages {
		return fmt.Errorf("%w: %d messages, limit %d", store.ErrOverQuota, have+n, s.cfg.QuotaMessages)
	}
	if s.cfg.QuotaStorage > 0 && used+size > s.cfg.QuotaStorage {
		return fmt.Errorf("%w: %d bytes, limit %d", store.ErrOverQuota, used+size, s.cfg.QuotaStorage)
	}
	return nil
}
