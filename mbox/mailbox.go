package mbox

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/mailstack/mailstack/store"
)

// mailbox is an open INBOX; it implements store.Mailbox and
// store.MultiAppender.
type mailbox struct {
	b *box
}

var (
	_ store.Mailbox         = (*mailbox)(nil)
	_ store.MultiAppender   = (*mailbox)(nil)
	_ store.ReadOnlyMailbox = (*mailbox)(nil)
)

// errRewrite is why flag changes and expunges are refused.
var errRewrite = fmt.Errorf("%w: changing flags or expunging needs the mbox rewritten, which mailstack does not do (see package mbox)", store.ErrReadOnly)

func (mb *mailbox) Name() string { return "INBOX" }

// ReadOnly reports true: flags and expunges are refused (appends are not,
// unless Config.ReadOnly).
func (mb *mailbox) ReadOnly() bool { return true }

// read runs fn on the refreshed view, holding b.mu.
func (mb *mailbox) read(ctx context.Context, fn func(b *box)) error {
	b := mb.b
	b.mu.Lock()
	defer b.mu.Unlock()
	if err := b.refresh(ctx); err != nil {
		return err
	}
	fn(b)
	return nil
}

func (mb *mailbox) Status(ctx context.Context) (store.Status, error) {
	var st store.Status
	err := mb.read(ctx, func(b *box) {
		st = store.Status{UIDValidity: b.uidValidity, UIDNext: b.lastUID + 1, HighestModSeq: b.highest,
			Messages: len(b.msgs), MoreKeywords: !b.cfg.ReadOnly}
		kw := slices.Clone(b.keywords)
		for _, e := range b.msgs {
			st.Size += e.size
			if !slices.Contains(e.flags, store.FlagSeen) {
				st.Unseen++
			}
			if slices.Contains(e.flags, store.FlagDeleted) {
				st.Deleted++
			}
			for _, f := range e.flags {
				if !store.IsSystemFlag(f) && !containsFold(kw, f) {
					kw = append(kw, f)
				}
			}
		}
		st.Keywords = kw
	})
	return st, err
}

func info(e *entry) store.MessageInfo {
	return store.MessageInfo{UID: e.uid, Flags: e.flags, ModSeq: e.modSeq, InternalDate: e.date, Size: e.size}
}

func (mb *mailbox) List(ctx context.Context, uids store.UIDSet) ([]store.MessageInfo, error) {
	var out []store.MessageInfo
	err := mb.read(ctx, func(b *box) {
		lo, hi, ok := uids.Bounds()
		if !ok {
			return
		}
		i := store.SearchIndex(len(b.msgs), func(i int) store.UID { return b.msgs[i].uid }, lo)
		for ; i < len(b.msgs) && b.msgs[i].uid <= hi; i++ {
			if uids.Contains(b.msgs[i].uid) {
				out = append(out, info(b.msgs[i]))
			}
		}
	})
	return out, err
}

// Open copies the message out of the file (into memory, or an unlinked
// temporary file past 1 MiB): other programs may rewrite an mbox in place.
func (mb *mailbox) Open(ctx context.Context, uid store.UID) (store.Content, error) {
	b := mb.b
	b.mu.Lock()
	defer b.mu.Unlock()
	for try := 0; ; try++ {
		if err := b.refresh(ctx); err != nil {
			return nil, err
		}
		e := b.find(uid)
		if e == nil {
			return nil, fmt.Errorf("%w: UID %d", store.ErrNoSuchMessage, uid)
		}
		c, err := b.readContent(ctx, e)
		if errors.Is(err, errChanged) && try < 3 {
			b.dirty = true // changed since the scan: scan again
			continue
		}
		if err != nil {
			return nil, err
		}
		return c, nil
	}
}

func (mb *mailbox) canAppend() error {
	if mb.b.cfg.ReadOnly {
		return fmt.Errorf("%w: %s", store.ErrReadOnly, mb.b.path)
	}
	if mb.b.cfg.Format != MboxRD {
		return fmt.Errorf("%w: appends write mboxrd, and %s is read in another form", store.ErrReadOnly, mb.b.path)
	}
	return nil
}

// Append appends the message in mboxrd form under the dotlock and fcntl
// lock, as an MDA does, with its flags in Status, X-Status and X-Keywords.
// Line ends become LF, and metadata fields the message brought are
// dropped, so the content read back differs from r in those.
func (mb *mailbox) Append(ctx context.Context, r io.Reader, opts *store.AppendOptions) (store.AppendResult, error) {
	res, err := mb.AppendMulti(ctx, store.AppendMessages(store.AppendMessage{Body: r, Options: opts}))
	if err != nil {
		return store.AppendResult{}, err
	}
	return res[0], nil
}

// AppendMulti appends all the messages or none (RFC 3502): a failure part
// way truncates the file back. The file stays locked while next yields
// the messages.
func (mb *mailbox) AppendMulti(ctx context.Context, next func() (*store.AppendMessage, error)) ([]store.AppendResult, error) {
	if err := mb.canAppend(); err != nil {
		return nil, err
	}
	return mb.appendPending(ctx, func() (*pending, error) {
		m, err := next()
		if err != nil {
			return nil, err
		}
		var o store.AppendOptions
		if m.Options != nil {
			o = *m.Options
		}
		flags, err := store.CanonicalFlags(o.Flags)
		if err != nil {
			return nil, err
		}
		if o.InternalDate.IsZero() {
			o.InternalDate = time.Now()
		}
		return &pending{body: m.Body, flags: flags, date: o.InternalDate}, nil
	})
}

// pendingList yields ps, then io.EOF.
func pendingList(ps []pending) func() (*pending, error) {
	i := 0
	return func() (*pending, error) {
		if i == len(ps) {
			return nil, io.EOF
		}
		i++
		return &ps[i-1], nil
	}
}

func (mb *mailbox) appendPending(ctx context.Context, next func() (*pending, error)) ([]store.AppendResult, error) {
	b := mb.b
	b.mu.Lock()
	es, err := b.appendMsgs(ctx, next)
	var out []store.AppendResult
	for _, e := range es {
		out = append(out, store.AppendResult{UIDValidity: b.uidValidity, UID: e.uid, ModSeq: e.modSeq})
	}
	b.notify()
	b.mu.Unlock()
	return out, err
}

func (mb *mailbox) SetFlags(ctx context.Context, uids store.UIDSet, op store.FlagOp, flags []string, opts *store.SetFlagsOptions) ([]store.MessageInfo, error) {
	return nil, errRewrite
}

func (mb *mailbox) Expunge(ctx context.Context, uids store.UIDSet) ([]store.UID, error) {
	return nil, errRewrite
}

func (mb *mailbox) Move(ctx context.Context, uids store.UIDSet, dest string) (store.CopyResult, error) {
	return store.CopyResult{}, errRewrite
}

// Copy appends copies of messages to INBOX itself, the only mailbox.
func (mb *mailbox) Copy(ctx context.Context, uids store.UIDSet, dest string) (store.CopyResult, error) {
	if !store.IsInbox(dest) {
		return store.CopyResult{}, fmt.Errorf("%w: %q", store.ErrNoSuchMailbox, dest)
	}
	if err := mb.canAppend(); err != nil {
		return store.CopyResult{}, err
	}
	l, err := mb.List(ctx, uids)
	if err != nil || len(l) == 0 {
		return store.CopyResult{}, err
	}
	var ps []pending
	var src []store.UID
	defer func() {
		for _, p := range ps {
			p.body.(io.Closer).Close()
		}
	}()
	for _, m := range l {
		c, err := mb.Open(ctx, m.UID)
		if errors.Is(err, store.ErrNoSuchMessage) {
			continue
		}
		if err != nil {
			return store.CopyResult{}, err
		}
		ps = append(ps, pending{body: sectionCloser{io.NewSectionReader(c, 0, c.Size()), c}, flags: m.Flags, date: m.InternalDate})
		src = append(src, m.UID)
	}
	res, err := mb.appendPending(ctx, pendingList(ps))
	if err != nil {
		return store.CopyResult{}, err
	}
	cr := store.CopyResult{SourceUIDs: src}
	for _, r := range res {
		cr.UIDValidity = r.UIDValidity
		cr.DestUIDs = append(cr.DestUIDs, r.UID)
	}
	return cr, nil
}

type sectionCloser struct {
	*io.SectionReader
	io.Closer
}

func (mb *mailbox) Changes(ctx context.Context, since store.ModSeq) (store.Changes, error) {
	var ch store.Changes
	err := mb.read(ctx, func(b *box) {
		ch = store.Changes{HighestModSeq: b.highest, UIDValidity: b.uidValidity, ExpungedIncomplete: since < b.floor}
		for _, e := range b.msgs {
			if e.modSeq > since {
				ch.Updated = append(ch.Updated, info(e))
			}
		}
		for _, t := range b.tombs {
			if t.modSeq > since {
				ch.Expunged = append(ch.Expunged, t.uid)
			}
		}
		slices.Sort(ch.Expunged)
		ch.Expunged = slices.Compact(ch.Expunged)
	})
	return ch, err
}

func (mb *mailbox) Close() error { return nil }

// Watch returns a channel that receives a value after the mailbox
// changed. Appends made through this Store are signalled at once; changes
// made by other programs are found by polling: every Config.PollInterval,
// one goroutine per watched Store stats the file and rescans it only when
// it changed.
func (mb *mailbox) Watch(ctx context.Context) <-chan struct{} {
	b := mb.b
	c := make(chan struct{}, 1)
	b.mu.Lock()
	b.watchers[c] = struct{}{}
	if !b.polling {
		b.polling = true
		go b.poll()
	}
	b.mu.Unlock()
	go func() {
		<-ctx.Done()
		b.mu.Lock()
		delete(b.watchers, c)
		close(c)
		b.mu.Unlock()
	}()
	return c
}

// poll runs while the box has watchers.
func (b *box) poll() {
	t := time.NewTicker(b.cfg.PollInterval)
	defer t.Stop()
	for range t.C {
		b.mu.Lock()
		if len(b.watchers) == 0 {
			b.polling = false
			b.mu.Unlock()
			return
		}
		before, v := b.highest, b.uidValidity
		ctx, cancel := context.WithTimeout(context.Background(), b.cfg.Lock.Timeout)
		err := b.refresh(ctx)
		cancel()
		if err != nil || b.highest != before || b.uidValidity != v {
			b.notify()
		}
		b.mu.Unlock()
	}
}

// notify signals the watchers. Caller holds b.mu.
func (b *box) notify() {
	for c := range b.watchers {
		select {
		case c <- struct{}{}:
		default:
		}
	}
}
