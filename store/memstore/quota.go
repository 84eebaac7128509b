package memstore

import (
	"context"
	"fmt"

	"github.com/mailstack/mailstack/store"
)

var _ store.QuotaReporter = (*Store)(nil)

// Quota reports the store's one quota root, "", over every mailbox (RFC
// 9208): STORAGE (the sum of the message sizes, in KiB rounded up) and
// MESSAGE, each with the limit of Config.QuotaStorage or QuotaMessages (0:
// none).
func (s *Store) Quota(ctx context.Context, mailbox string) ([]store.QuotaRoot, error) {
	if err := s.lock(); err != nil {
		return nil, err
	}
	defer s.mu.Unlock()
	if mailbox != "" {
		name, err := s.name(mailbox)
		if err != nil {
			return nil, err
		}
		if s.boxes[name] == nil {
			return nil, fmt.Errorf("%w: %q", store.ErrNoSuchMailbox, mailbox)
		}
	}
	n, size := s.usage()
	return []store.QuotaRoot{{Name: "", Resources: []store.QuotaResource{
		{Name: store.ResourceStorage, Usage: (size + 1023) / 1024, Limit: s.cfg.QuotaStorage / 1024},
		{Name: store.ResourceMessage, Usage: int64(n), Limit: int64(s.cfg.QuotaMessages)},
	}}}, nil
}

// usage counts the messages and bytes of every mailbox. Caller holds s.mu.
func (s *Store) usage() (n int, size int64) {
	for _, mb := range s.boxes {
		n += len(mb.msgs)
		for _, m := range mb.msgs {
			size += m.info.Size
		}
	}
	return n, size
}

// checkQuota fails with store.ErrOverQuota if n more messages of size
// bytes in all would exceed a limit. Caller holds s.mu.
func (s *Store) checkQuota(n int, size int64) error {
	if s.cfg.QuotaStorage <= 0 && s.cfg.QuotaMessages <= 0 {
		return nil
	}
	have, used := s.usage()
	if s.cfg.QuotaMessages > 0 && have+n > s.cfg.QuotaMessages {
		return fmt.Errorf("%w: %d messages, limit %d", store.ErrOverQuota, have+n, s.cfg.QuotaMessages)
	}
	if s.cfg.QuotaStorage > 0 && used+size > s.cfg.QuotaStorage {
		return fmt.Errorf("%w: %d bytes, limit %d", store.ErrOverQuota, used+size, s.cfg.QuotaStorage)
	}
	return nil
}
