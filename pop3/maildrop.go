package pop3

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/mailstack/mailstack/store"
)

// maildrop is a session's view of the mailbox, fixed at login: message
// numbers, sizes, deletion marks (RFC 1939 §5). The store is changed only
// in the UPDATE state.
type maildrop struct {
	st          store.Store
	mb          store.Mailbox
	uidValidity uint32
	msgs        []message
	unlock      []func()
}

// message is one message of the maildrop, numbered by its index + 1.
type message struct {
	uid       store.UID
	raw       int64 // size as stored, from the store's listing
	size      int64 // with CRLF line endings; -1 until known
	deleted   bool  // DELE given (RFC 1939 §6)
	retrieved bool  // RETR sent it whole
}

// openMaildrop locks and loads the maildrop md, for the login key.
func (s *Server) openMaildrop(ctx context.Context, md *Maildrop, key string) (_ *maildrop, err error) {
	if md == nil || md.Store == nil {
		return nil, errors.New("pop3: Backend returned no store")
	}
	m := &maildrop{st: md.Store}
	defer func() {
		if err != nil {
			m.release()
		}
	}()
	if md.LockKey != "" {
		key = md.LockKey
	}
	if !s.lock(key) {
		return nil, ErrInUse
	}
	m.unlock = append(m.unlock, func() { s.unlock(key) })
	name := md.Mailbox
	if name == "" {
		name = "INBOX"
	}
	if m.mb, err = md.Store.OpenMailbox(ctx, name); err != nil {
		return nil, fmt.Errorf("pop3: open %q: %w", name, err)
	}
	if l, ok := m.mb.(MaildropLocker); ok {
		unlock, err := l.LockMaildrop(ctx)
		if err != nil {
			return nil, err
		}
		m.unlock = append(m.unlock, func() { unlock() })
	}
	return m, m.load(ctx)
}

// load takes the snapshot of the mailbox the session works on.
func (m *maildrop) load(ctx context.Context) error {
	st, err := m.mb.Status(ctx)
	if err != nil {
		return fmt.Errorf("pop3: status: %w", err)
	}
	infos, err := m.mb.List(ctx, store.All)
	if err != nil {
		return fmt.Errorf("pop3: list: %w", err)
	}
	m.uidValidity = st.UIDValidity
	m.msgs = make([]message, len(infos))
	uids := make([]store.UID, len(infos))
	for i, info := range infos {
		m.msgs[i] = message{uid: info.UID, raw: info.Size, size: -1}
		if info.CRLFSize > 0 {
			m.msgs[i].size = info.CRLFSize // the store's virtual size
		}
		uids[i] = info.UID
	}
	if sz, ok := m.mb.(CRLFSizer); ok && len(uids) > 0 {
		sizes, err := sz.CRLFSizes(ctx, uids)
		if err == nil && len(sizes) == len(uids) {
			for i, n := range sizes {
				if n >= 0 {
					m.msgs[i].size = n
				}
			}
		}
	}
	return nil
}

// release unlocks and closes the maildrop without changing it.
func (m *maildrop) release() {
	for i := len(m.unlock) - 1; i >= 0; i-- {
		m.unlock[i]()
	}
	m.unlock = nil
	if m.mb != nil {
		m.mb.Close()
	}
	m.st.Close()
}

// get returns message n (1-based) if it exists and is not deleted.
func (m *maildrop) get(n int) (*message, bool) {
	if n < 1 || n > len(m.msgs) || m.msgs[n-1].deleted {
		return nil, false
	}
	return &m.msgs[n-1], true
}

// size returns the CRLF size of msg, reading the message the first time.
// A message expunged by another session since login keeps its stored size,
// so that STAT and LIST still answer; RETR of it fails.
func (m *maildrop) size(ctx context.Context, msg *message) (int64, error) {
	if msg.size >= 0 {
		return msg.size, nil
	}
	content, err := m.mb.Open(ctx, msg.uid)
	if errors.Is(err, store.ErrNoSuchMessage) {
		msg.size = msg.raw
		return msg.size, nil
	}
	if err != nil {
		return 0, err
	}
	defer content.Close()
	n, err := crlfSize(content, content.Size())
	if err != nil {
		return 0, err
	}
	msg.size = n
	return n, nil
}

// totals returns the number and total size of the messages not deleted.
func (m *maildrop) totals(ctx context.Context) (count int, size int64, err error) {
	for i := range m.msgs {
		msg := &m.msgs[i]
		if msg.deleted {
			continue
		}
		n, err := m.size(ctx, msg)
		if err != nil {
			return 0, 0, err
		}
		count++
		size += n
	}
	return count, size, nil
}

// errNotUpdated is QUIT's error when some deletions could not be made.
var errNotUpdated = errors.New("pop3: some deleted messages not removed")

// update is the UPDATE state (RFC 1939 §6): it sets \Seen on retrieved
// messages (unless noSeen) and removes the deleted ones.
func (m *maildrop) update(ctx context.Context, noSeen bool) error {
	var del, seen []store.UID
	for _, msg := range m.msgs {
		switch {
		case msg.deleted:
			del = append(del, msg.uid)
		case msg.retrieved && !noSeen:
			seen = append(seen, msg.uid)
		}
	}
	if len(seen) > 0 {
		// Best effort, as Dovecot: a flag that is not set loses nothing.
		m.mb.SetFlags(ctx, store.UIDSetOf(seen...), store.FlagsAdd, []string{store.FlagSeen}, nil)
	}
	if len(del) == 0 {
		return nil
	}
	st, err := m.mb.Status(ctx)
	if err != nil {
		return fmt.Errorf("%w: %w", errNotUpdated, err)
	}
	if st.UIDValidity != m.uidValidity {
		// The UIDs of the snapshot now name other messages, if any.
		return fmt.Errorf("%w: UIDVALIDITY changed", errNotUpdated)
	}
	set := store.UIDSetOf(del...)
	if _, err := m.mb.SetFlags(ctx, set, store.FlagsAdd, []string{store.FlagDeleted}, nil); err != nil {
		return fmt.Errorf("%w: %w", errNotUpdated, err)
	}
	if _, err := m.mb.Expunge(ctx, set); err != nil {
		return fmt.Errorf("%w: %w", errNotUpdated, err)
	}
	return nil
}

// crlfSize returns the size r's first n octets have once every bare LF and
// bare CR becomes CRLF, which is what RETR sends (RFC 1939 §11 counts
// octets as sent, without dot-stuffing).
func crlfSize(r io.ReaderAt, n int64) (int64, error) {
	buf := make([]byte, 32<<10)
	size := n
	var prev byte
	for off := int64(0); off < n; {
		k, err := r.ReadAt(buf[:min(int64(len(buf)), n-off)], off)
		for _, b := range buf[:k] {
			if b == '\n' && prev != '\r' {
				size++ // bare LF
			} else if prev == '\r' && b != '\n' {
				size++ // bare CR
			}
			prev = b
		}
		off += int64(k)
		if err != nil && !(err == io.EOF && off == n) {
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return 0, err
		}
	}
	if prev == '\r' {
		size++ // a bare CR at the end
	}
	return size, nil
}
