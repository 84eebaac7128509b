package memstore

import (
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/mailstack/mailstack/store"
)

type message struct {
	info store.MessageInfo
	body []byte
}

type tombstone struct {
	uid    store.UID
	modSeq store.ModSeq
}

// mailbox is guarded by its Store's mutex.
type mailbox struct {
	s           *Store
	name        string
	uidValidity uint32
	id          string // MailboxID (RFC 8474 §4)
	uidNext     store.UID
	modSeq      store.ModSeq
	msgs        []*message // ascending UID
	tombs       []tombstone
	tombFloor   store.ModSeq // highest modseq of a discarded tombstone
	keywords    []string
	specialUse  []string
	deleted     bool
	watchers    map[chan struct{}]struct{}
}

func (mb *mailbox) notify() {
	for c := range mb.watchers {
		select {
		case c <- struct{}{}:
		default:
		}
	}
}

func (mb *mailbox) index(uid store.UID) int {
	return store.SearchIndex(len(mb.msgs), func(i int) store.UID { return mb.msgs[i].info.UID }, uid)
}

func (mb *mailbox) find(uid store.UID) *message {
	i := mb.index(uid)
	if i < len(mb.msgs) && mb.msgs[i].info.UID == uid {
		return mb.msgs[i]
	}
	return nil
}

// each calls fn for the messages in set, ascending.
func (mb *mailbox) each(set store.UIDSet, fn func(m *message)) {
	lo, hi, ok := set.Bounds()
	if !ok {
		return
	}
	for i := mb.index(lo); i < len(mb.msgs) && mb.msgs[i].info.UID <= hi; i++ {
		if m := mb.msgs[i]; set.Contains(m.info.UID) {
			fn(m)
		}
	}
}

func (mb *mailbox) learnKeywords(flags []string) {
	for _, f := range flags {
		if !store.IsSystemFlag(f) && !slices.ContainsFunc(mb.keywords, func(k string) bool {
			return store.SameFlags([]string{k}, []string{f})
		}) {
			mb.keywords = append(mb.keywords, f)
		}
	}
}

// add appends a message; emailID is the original's for a copy, "" for a
// new message, which gets a random one.
func (mb *mailbox) add(body []byte, flags []string, date time.Time, emailID string) *message {
	mb.modSeq++
	if emailID == "" {
		emailID = "M" + rand.Text()
	}
	m := &message{body: body, info: store.MessageInfo{
		UID: mb.uidNext, Flags: flags, ModSeq: mb.modSeq,
		InternalDate: date, Size: int64(len(body)), CRLFSize: store.CRLFSizeOf(body),
		SaveDate: time.Now(), EmailID: emailID,
	}}
	mb.uidNext++
	mb.msgs = append(mb.msgs, m)
	mb.learnKeywords(flags)
	return m
}

// remove deletes the messages with the given UIDs, leaving tombstones.
func (mb *mailbox) remove(uids []store.UID) {
	if len(uids) == 0 {
		return
	}
	mb.modSeq++
	mb.msgs = slices.DeleteFunc(mb.msgs, func(m *message) bool {
		_, found := slices.BinarySearch(uids, m.info.UID)
		return found
	})
	for _, u := range uids {
		mb.tombs = append(mb.tombs, tombstone{u, mb.modSeq})
	}
	if over := len(mb.tombs) - mb.s.cfg.TombstoneLimit; over > 0 {
		mb.tombFloor = mb.tombs[over-1].modSeq
		mb.tombs = slices.Delete(mb.tombs, 0, over)
	}
	mb.notify()
}

// transfer copies the messages uids (ascending) to dst, removing them from
// mb if move is set.
func (mb *mailbox) transfer(dst *mailbox, uids []store.UID, move bool) store.CopyResult {
	res := store.CopyResult{UIDValidity: dst.uidValidity}
	for _, u := range uids {
		m := mb.find(u)
		if m == nil {
			continue
		}
		// RFC 8474 §5.1: a copy keeps the EMAILID; RFC 8514: it gets
		// a new save date.
		n := dst.add(m.body, slices.Clone(m.info.Flags), m.info.InternalDate, m.info.EmailID)
		res.SourceUIDs = append(res.SourceUIDs, u)
		res.DestUIDs = append(res.DestUIDs, n.info.UID)
	}
	if len(res.DestUIDs) > 0 {
		dst.notify()
	}
	if move {
		mb.remove(res.SourceUIDs)
	}
	return res
}

// handle is an open mailbox; it implements store.Mailbox.
type handle struct {
	mb *mailbox
}

var (
	_ store.Mailbox       = (*handle)(nil)
	_ store.MultiAppender = (*handle)(nil)
)

func (h *handle) lock() (*mailbox, error) {
	if err := h.mb.s.lock(); err != nil {
		return nil, err
	}
	if h.mb.deleted {
		h.mb.s.mu.Unlock()
		return nil, fmt.Errorf("%w: %q was deleted", store.ErrNoSuchMailbox, h.mb.name)
	}
	return h.mb, nil
}

func (h *handle) unlock() { h.mb.s.mu.Unlock() }

func (h *handle) Name() string {
	h.mb.s.mu.Lock()
	defer h.mb.s.mu.Unlock()
	return h.mb.name
}

func (h *handle) Status(ctx context.Context) (store.Status, error) {
	mb, err := h.lock()
	if err != nil {
		return store.Status{}, err
	}
	defer h.unlock()
	st := store.Status{UIDValidity: mb.uidValidity, UIDNext: mb.uidNext,
		HighestModSeq: mb.modSeq, Messages: len(mb.msgs),
		Keywords: slices.Clone(mb.keywords), MoreKeywords: true, MailboxID: mb.id}
	for _, m := range mb.msgs {
		if !m.info.HasFlag(store.FlagSeen) {
			st.Unseen++
		}
		if m.info.HasFlag(store.FlagDeleted) {
			st.Deleted++
		}
		st.Size += m.info.Size
	}
	return st, nil
}

func (h *handle) List(ctx context.Context, uids store.UIDSet) ([]store.MessageInfo, error) {
	mb, err := h.lock()
	if err != nil {
		return nil, err
	}
	defer h.unlock()
	var out []store.MessageInfo
	if lo, hi, ok := uids.Bounds(); ok {
		// Sized for every message in the bounds: a listing of a
		// 100 000-message mailbox is one allocation, not twenty.
		end := len(mb.msgs)
		if hi < store.MaxUID {
			end = mb.index(hi + 1)
		}
		out = make([]store.MessageInfo, 0, max(end-mb.index(lo), 0))
	}
	mb.each(uids, func(m *message) { out = append(out, m.info) })
	return out, nil
}

type content struct{ *bytes.Reader }

func (content) Close() error { return nil }

func (h *handle) Open(ctx context.Context, uid store.UID) (store.Content, error) {
	mb, err := h.lock()
	if err != nil {
		return nil, err
	}
	defer h.unlock()
	m := mb.find(uid)
	if m == nil {
		return nil, fmt.Errorf("%w: UID %d", store.ErrNoSuchMessage, uid)
	}
	return content{bytes.NewReader(m.body)}, nil
}

func (h *handle) readBody(r io.Reader) ([]byte, error) {
	max := h.mb.s.cfg.MaxMessageSize
	body, err := io.ReadAll(io.LimitReader(r, max+1))
	if err != nil {
		return nil, fmt.Errorf("memstore: reading message: %w", err)
	}
	if int64(len(body)) > max {
		return nil, fmt.Errorf("%w: over %d bytes", store.ErrTooBig, max)
	}
	return body, nil
}

func appendOpts(opts *store.AppendOptions) ([]string, time.Time, error) {
	var flags []string
	date := time.Now()
	if opts != nil {
		var err error
		if flags, err = store.CanonicalFlags(opts.Flags); err != nil {
			return nil, date, err
		}
		if !opts.InternalDate.IsZero() {
			date = opts.InternalDate
		}
	}
	return flags, date, nil
}

func (h *handle) Append(ctx context.Context, r io.Reader, opts *store.AppendOptions) (store.AppendResult, error) {
	res, err := h.AppendMulti(ctx, store.AppendMessages(store.AppendMessage{Body: r, Options: opts}))
	if err != nil {
		return store.AppendResult{}, err
	}
	return res[0], nil
}

// AppendMulti appends all messages or none (RFC 3502): each is read into
// memory as next yields it, and all are added at once under the lock, so
// no reader ever sees part of them. Config.MaxMessageSize applies to each,
// and Config.QuotaStorage and QuotaMessages to the store after the
// append.
func (h *handle) AppendMulti(ctx context.Context, next func() (*store.AppendMessage, error)) ([]store.AppendResult, error) {
	type prepared struct {
		body  []byte
		flags []string
		date  time.Time
	}
	var ps []prepared
	var size int64
	for {
		m, err := next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		body, err := h.readBody(m.Body)
		if err != nil {
			return nil, err
		}
		flags, date, err := appendOpts(m.Options)
		if err != nil {
			return nil, err
		}
		ps = append(ps, prepared{body, flags, date})
		size += int64(len(body))
	}
	mb, err := h.lock()
	if err != nil {
		return nil, err
	}
	defer h.unlock()
	if err := mb.s.checkQuota(len(ps), size); err != nil {
		return nil, err
	}
	res := make([]store.AppendResult, len(ps))
	for i, p := range ps {
		m := mb.add(p.body, p.flags, p.date, "")
		res[i] = store.AppendResult{UIDValidity: mb.uidValidity, UID: m.info.UID, ModSeq: m.info.ModSeq}
	}
	if len(ps) > 0 {
		mb.notify()
	}
	return res, nil
}

func (h *handle) SetFlags(ctx context.Context, uids store.UIDSet, op store.FlagOp, flags []string, opts *store.SetFlagsOptions) ([]store.MessageInfo, error) {
	flags, err := store.CanonicalFlags(flags)
	if err != nil {
		return nil, err
	}
	mb, err := h.lock()
	if err != nil {
		return nil, err
	}
	defer h.unlock()
	cond := opts != nil && opts.Conditional
	var since store.ModSeq
	if cond {
		since = opts.UnchangedSince
	}
	var updated []store.MessageInfo
	var modified []store.UID
	mb.each(uids, func(m *message) {
		if cond && m.info.ModSeq > since {
			modified = append(modified, m.info.UID)
			return
		}
		nf := store.ApplyFlags(m.info.Flags, op, flags)
		if store.SameFlags(nf, m.info.Flags) {
			if cond {
				updated = append(updated, m.info)
			}
			return
		}
		mb.modSeq++
		m.info.Flags, m.info.ModSeq = nf, mb.modSeq
		mb.learnKeywords(nf)
		updated = append(updated, m.info)
	})
	if len(updated) > 0 {
		mb.notify()
	}
	if len(modified) > 0 {
		return updated, &store.ModifiedError{UIDs: modified}
	}
	return updated, nil
}

func (h *handle) Expunge(ctx context.Context, uids store.UIDSet) ([]store.UID, error) {
	mb, err := h.lock()
	if err != nil {
		return nil, err
	}
	defer h.unlock()
	var gone []store.UID
	mb.each(uids, func(m *message) {
		if m.info.HasFlag(store.FlagDeleted) {
			gone = append(gone, m.info.UID)
		}
	})
	mb.remove(gone)
	return gone, nil
}

func (h *handle) Copy(ctx context.Context, uids store.UIDSet, dest string) (store.CopyResult, error) {
	return h.transfer(uids, dest, false)
}

func (h *handle) Move(ctx context.Context, uids store.UIDSet, dest string) (store.CopyResult, error) {
	return h.transfer(uids, dest, true)
}

func (h *handle) transfer(uids store.UIDSet, dest string, move bool) (store.CopyResult, error) {
	dest, err := h.mb.s.name(dest)
	if err != nil {
		return store.CopyResult{}, err
	}
	mb, err := h.lock()
	if err != nil {
		return store.CopyResult{}, err
	}
	defer h.unlock()
	dst := mb.s.boxes[dest]
	if dst == nil {
		return store.CopyResult{}, fmt.Errorf("%w: %q", store.ErrNoSuchMailbox, dest)
	}
	var list []store.UID
	var size int64
	mb.each(uids, func(m *message) { list, size = append(list, m.info.UID), size+m.info.Size })
	if !move {
		if err := mb.s.checkQuota(len(list), size); err != nil {
			return store.CopyResult{}, err
		}
	}
	return mb.transfer(dst, list, move), nil
}

func (h *handle) Changes(ctx context.Context, since store.ModSeq) (store.Changes, error) {
	mb, err := h.lock()
	if err != nil {
		return store.Changes{}, err
	}
	defer h.unlock()
	ch := store.Changes{HighestModSeq: mb.modSeq, UIDValidity: mb.uidValidity,
		ExpungedIncomplete: since < mb.tombFloor}
	for _, m := range mb.msgs {
		if m.info.ModSeq > since {
			ch.Updated = append(ch.Updated, m.info)
		}
	}
	for _, t := range mb.tombs {
		if t.modSeq > since {
			ch.Expunged = append(ch.Expunged, t.uid)
		}
	}
	slices.Sort(ch.Expunged)
	return ch, nil
}

func (h *handle) Watch(ctx context.Context) <-chan struct{} {
	c := make(chan struct{}, 1)
	s := h.mb.s
	s.mu.Lock()
	h.mb.watchers[c] = struct{}{}
	s.mu.Unlock()
	go func() {
		<-ctx.Done()
		s.mu.Lock()
		delete(h.mb.watchers, c)
		close(c)
		s.mu.Unlock()
	}()
	return c
}

func (h *handle) Close() error { return nil }
