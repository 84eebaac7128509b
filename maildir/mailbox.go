package maildir

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"time"

	"github.com/mailstack/mailstack/store"
)

// mailbox is an open folder; it implements store.Mailbox.
type mailbox struct {
	f    *folder
	name string
}

var (
	_ store.Mailbox       = (*mailbox)(nil)
	_ store.MessageCache  = (*mailbox)(nil)
	_ store.MultiAppender = (*mailbox)(nil)
)

func (mb *mailbox) Name() string { return mb.name }

// read runs fn with the folder refreshed, holding f.mu.
func (mb *mailbox) read(ctx context.Context, fn func(f *folder)) error {
	f := mb.f
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.refresh(ctx); err != nil {
		return err
	}
	fn(f)
	return nil
}

func (mb *mailbox) Status(ctx context.Context) (store.Status, error) {
	st, err := mb.status(ctx)
	if err == nil && st.MailboxID == "" {
		// A UID list without a mailbox GUID gets one. If it cannot be
		// written (a read-only Maildir), the status is still good:
		// only MailboxID stays empty.
		if mb.f.ensureMailboxGUID(ctx) == nil {
			st, err = mb.status(ctx)
		}
	}
	return st, err
}

func (mb *mailbox) status(ctx context.Context) (store.Status, error) {
	var st store.Status
	err := mb.read(ctx, func(f *folder) {
		st = store.Status{HighestModSeq: f.highest(), Messages: len(f.msgs), UIDNext: 1,
			MailboxID: f.mailboxID()}
		if f.ul != nil {
			st.UIDValidity, st.UIDNext = f.ul.UIDValidity, f.ul.Next()
		}
		for _, m := range f.msgs {
			st.Size += m.size
			if !hasLetter(m.letters, 'S') {
				st.Unseen++
			}
			if hasLetter(m.letters, 'T') {
				st.Deleted++
			}
		}
		for _, k := range f.kw {
			if k == "" {
				st.MoreKeywords = true
			} else {
				st.Keywords = append(st.Keywords, k)
			}
		}
	})
	return st, err
}

func hasLetter(s string, c byte) bool {
	for i := 0; i < len(s); i++ {
		if s[i] == c {
			return true
		}
	}
	return false
}

func (mb *mailbox) List(ctx context.Context, uids store.UIDSet) ([]store.MessageInfo, error) {
	var out []store.MessageInfo
	err := mb.read(ctx, func(f *folder) {
		out = make([]store.MessageInfo, 0, f.inRange(uids))
		f.each(uids, func(m *msg) { out = append(out, f.info(m)) })
	})
	return out, err
}

func (mb *mailbox) Append(ctx context.Context, r io.Reader, opts *store.AppendOptions) (store.AppendResult, error) {
	res, err := mb.AppendMulti(ctx, store.AppendMessages(store.AppendMessage{Body: r, Options: opts}))
	if err != nil {
		return store.AppendResult{}, err
	}
	return res[0], nil
}

// AppendMulti appends all the messages or none (RFC 3502 MULTIAPPEND).
// Each message is written to tmp/ and fsynced as next yields it, before
// any lock is taken; once all are there, they are moved into cur/ and
// given UIDs under the folder's dovecot-uidlist lock, and if a move or
// the UID list fails, the files already moved are removed before the lock
// is released. So neither an error nor a reader that takes the lock (this
// package, Dovecot) ever sees part of them. A crash is another matter: one
// during the moves leaves the messages moved so far in cur/, where the
// next reader numbers them as new mail; files left in tmp/ are ignored by
// readers and removed after Config.StaleTmp.
func (mb *mailbox) AppendMulti(ctx context.Context, next func() (*store.AppendMessage, error)) ([]store.AppendResult, error) {
	f := mb.f
	var files []importFile
	var size int64
	defer func() {
		for _, fl := range files {
			os.Remove(fl.tmp) // no-op once linked
		}
	}()
	for {
		m, err := next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		fl, n, err := mb.writeTemp(ctx, m)
		if err != nil {
			return nil, err
		}
		files, size = append(files, fl), size+n
	}
	if len(files) == 0 {
		return nil, nil
	}
	if err := f.s.checkQuota(ctx, len(files), size); err != nil {
		return nil, err
	}
	var res []store.AppendResult
	err := f.withLock(ctx, func() error {
		uids, ms, err := f.importFiles(files)
		if err != nil {
			return err
		}
		for i, u := range uids {
			res = append(res, store.AppendResult{UIDValidity: f.ul.UIDValidity, UID: u, ModSeq: ms[i]})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	f.notifyLocked()
	return res, nil
}

// writeTemp writes one message of an append to tmp/ and returns it with
// its size.
func (mb *mailbox) writeTemp(ctx context.Context, m *store.AppendMessage) (importFile, int64, error) {
	var o store.AppendOptions
	if m.Options != nil {
		o = *m.Options
	}
	flags, err := store.CanonicalFlags(o.Flags)
	if err != nil {
		return importFile{}, 0, err
	}
	f := mb.f
	vr := &vsizeReader{r: m.Body}
	tmp, base, err := writeTemp(ctx, f.dir, f.s.host, vr, f.s.cfg.MaxMessageSize)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			err = fmt.Errorf("%w: %q", store.ErrNoSuchMailbox, mb.name)
		}
		return importFile{}, 0, err
	}
	fl := importFile{tmp: tmp, base: base + vr.field(), flags: flags} // ",W=", as Dovecot names files
	if !o.InternalDate.IsZero() {
		if err := os.Chtimes(tmp, o.InternalDate, o.InternalDate); err != nil {
			os.Remove(tmp)
			return importFile{}, 0, fmt.Errorf("maildir: %w", err)
		}
	}
	st, err := os.Stat(tmp)
	if err != nil {
		os.Remove(tmp)
		return importFile{}, 0, fmt.Errorf("maildir: %w", err)
	}
	return fl, st.Size(), nil
}

// importFile is a file in tmp/ (of this folder) to add with flags.
type importFile struct {
	tmp, base string
	flags     []string
	guid      string // the original's message GUID, for a copy
}

// importFiles links files from tmp/ into cur/ with their flags, gives them
// UIDs and modseqs, and records now as their save date. A copy whose file
// name differs from the original's gets the original's GUID in its UID
// list record (G<guid>), as Dovecot copies do, so that both keep its
// EmailID (RFC 8474 §5.1). Caller holds f.mu and the lock.
// All or none: if one fails, those already in cur/ are removed again.
func (f *folder) importFiles(files []importFile) (_ []store.UID, _ []store.ModSeq, err error) {
	if err := f.ensureUIDList(); err != nil {
		return nil, nil, err
	}
	names := make([]string, 0, len(files))
	exts := make([]string, len(files))
	letters := make([]string, len(files))
	defer func() {
		if err != nil && len(names) > 0 {
			for _, n := range names {
				os.Remove(f.path("cur", n))
			}
			syncDir(f.path("cur"))
			f.dirty = true
		}
	}()
	for i, fl := range files {
		l, err := f.lettersFor(fl.flags, "")
		if err != nil {
			return nil, nil, err
		}
		n, err := linkUnique(fl.tmp, f.path("cur"), fl.base, infoSep+l)
		if err != nil {
			return nil, nil, err
		}
		names, letters[i] = append(names, n), l
		if b, _ := SplitName(n); fl.guid != "" && fl.guid != b {
			exts[i] = guidExt(fl.guid)
		}
	}
	uids, err := f.addRecords(names, exts)
	if err != nil {
		return nil, nil, err
	}
	var b []byte
	ms := make([]store.ModSeq, len(files))
	next := f.highest()
	now := time.Now().Unix()
	for i, u := range uids {
		next++
		ms[i] = next
		b = entryLine(b, u, next, now, letters[i])
	}
	f.dirty = true
	return uids, ms, f.journalWrite(b)
}

// lettersFor returns the info letters for flags, keeping old's unknown
// letters, and creates keyword letters as needed. Caller holds the lock.
func (f *folder) lettersFor(flags []string, old string) (string, error) {
	for _, fl := range flags {
		if store.IsSystemFlag(fl) || letterOf(f.kw, fl) != 0 {
			continue
		}
		i := slices.Index(f.kw, "")
		if i < 0 {
			return "", fmt.Errorf("%w: %q", store.ErrTooManyKeywords, fl)
		}
		kw := slices.Clone(f.kw)
		kw[i] = fl
		if err := writeFileAtomic(f.dir, KeywordsName, formatKeywords(kw)); err != nil {
			return "", err
		}
		f.kw = kw
		if st, err := os.Stat(f.path(KeywordsName)); err == nil {
			f.kwMtime = st.ModTime()
		}
	}
	return FormatFlags(flags, old, func(k string) byte { return letterOf(f.kw, k) }), nil
}

func (mb *mailbox) SetFlags(ctx context.Context, uids store.UIDSet, op store.FlagOp, flags []string, opts *store.SetFlagsOptions) ([]store.MessageInfo, error) {
	flags, err := store.CanonicalFlags(flags)
	if err != nil {
		return nil, err
	}
	cond := opts != nil && opts.Conditional
	var updated []store.MessageInfo
	var modified []store.UID
	f := mb.f
	err = f.withLock(ctx, func() error {
		if err := f.scan(); err != nil {
			return err
		}
		var b []byte
		next := f.highest()
		var ferr error
		f.each(uids, func(m *msg) {
			if ferr != nil {
				return
			}
			if cond && m.modSeq > opts.UnchangedSince {
				modified = append(modified, m.uid)
				return
			}
			cur := ParseFlags(m.letters, f.kw)
			nf := store.ApplyFlags(cur, op, flags)
			if store.SameFlags(nf, cur) {
				if cond {
					updated = append(updated, f.info(m))
				}
				return
			}
			l, err := f.lettersFor(nf, m.letters)
			if err != nil {
				ferr = err
				return
			}
			name := m.base + infoSep + l
			if err := os.Rename(f.path("cur", m.name), f.path("cur", name)); err != nil {
				if !errors.Is(err, os.ErrNotExist) {
					ferr = fmt.Errorf("maildir: %w", err)
				}
				return // changed by another process meanwhile: it wins
			}
			next++
			m.name, m.letters, m.modSeq = name, l, next
			b = entryLine(b, m.uid, next, 0, l)
			updated = append(updated, f.info(m))
		})
		if err := f.journalWrite(b); err != nil {
			return err
		}
		f.dirty = true
		return ferr
	})
	if err != nil {
		return nil, err
	}
	if len(updated) > 0 {
		f.notifyLocked()
	}
	if len(modified) > 0 {
		return updated, &store.ModifiedError{UIDs: modified}
	}
	return updated, nil
}

func (mb *mailbox) Expunge(ctx context.Context, uids store.UIDSet) ([]store.UID, error) {
	return mb.remove(ctx, uids, true)
}

// remove deletes the messages in uids (only those with \Deleted if
// deletedOnly) and records tombstones.
func (mb *mailbox) remove(ctx context.Context, uids store.UIDSet, deletedOnly bool) ([]store.UID, error) {
	var gone []store.UID
	f := mb.f
	err := f.withLock(ctx, func() error {
		if err := f.scan(); err != nil {
			return err
		}
		var rerr error
		f.each(uids, func(m *msg) {
			if rerr != nil || (deletedOnly && !hasLetter(m.letters, 'T')) {
				return
			}
			if err := os.Remove(f.path("cur", m.name)); err != nil && !errors.Is(err, os.ErrNotExist) {
				rerr = fmt.Errorf("maildir: %w", err)
				return
			}
			gone = append(gone, m.uid)
		})
		if len(gone) > 0 {
			next := f.highest() + 1
			var b []byte
			for _, u := range gone {
				b = tombLine(b, u, next)
			}
			f.msgs = removeMsgs(f.msgs, gone)
			if err := f.journalWrite(b); err != nil {
				return err
			}
			if err := syncDir(f.path("cur")); err != nil {
				return err
			}
			f.dirty = true
		}
		return rerr
	})
	if len(gone) > 0 {
		f.notifyLocked()
	}
	return gone, err
}

func (mb *mailbox) Copy(ctx context.Context, uids store.UIDSet, dest string) (store.CopyResult, error) {
	return mb.transfer(ctx, uids, dest, false)
}

func (mb *mailbox) Move(ctx context.Context, uids store.UIDSet, dest string) (store.CopyResult, error) {
	return mb.transfer(ctx, uids, dest, true)
}

// transfer copies by hard-linking each file into the destination's tmp/
// (copying bytes where links are impossible), then importing them there.
// No two folder locks are held at once, so opposite moves cannot deadlock.
func (mb *mailbox) transfer(ctx context.Context, uids store.UIDSet, dest string, move bool) (store.CopyResult, error) {
	dir, _, err := mb.f.s.dirOf(dest)
	if err != nil {
		return store.CopyResult{}, err
	}
	if !mb.f.s.exists(dir) {
		return store.CopyResult{}, fmt.Errorf("%w: %q", store.ErrNoSuchMailbox, dest)
	}
	dst := mb.f.s.folder(dir)
	var files []importFile
	var src []store.UID
	var size int64
	defer func() {
		for _, fl := range files {
			os.Remove(fl.tmp)
		}
	}()
	err = mb.read(ctx, func(f *folder) {
		f.each(uids, func(m *msg) {
			if err != nil {
				return
			}
			base := uniqueBase(f.s.host) + ",S=" + strconv.FormatInt(m.size, 10) + vsizeField(m.vsize)
			tmp := dst.path("tmp", base)
			if err = linkOrCopy(f.path("cur", m.name), tmp, m.date); err != nil {
				return
			}
			files = append(files, importFile{tmp: tmp, base: base, flags: ParseFlags(m.letters, f.kw), guid: f.guidOf(m.uid, m.base)})
			src, size = append(src, m.uid), size+m.size
		})
	})
	if err != nil || len(files) == 0 {
		return store.CopyResult{}, err
	}
	if !move {
		if err := mb.f.s.checkQuota(ctx, len(files), size); err != nil {
			return store.CopyResult{}, err
		}
	}
	var res store.CopyResult
	err = dst.withLock(ctx, func() error {
		u, _, err := dst.importFiles(files)
		res = store.CopyResult{UIDValidity: dst.ul.UIDValidity, SourceUIDs: src, DestUIDs: u}
		return err
	})
	if err != nil {
		return store.CopyResult{}, err
	}
	dst.notifyLocked()
	if move {
		if _, err := mb.remove(ctx, store.UIDSetOf(src...), false); err != nil {
			return res, err
		}
	}
	return res, nil
}

func linkOrCopy(from, to string, date time.Time) error {
	if err := os.Link(from, to); err == nil {
		return nil
	}
	in, err := os.Open(from)
	if err != nil {
		return fmt.Errorf("maildir: %w", err)
	}
	defer in.Close()
	out, err := os.OpenFile(to, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("maildir: %w", err)
	}
	_, err = io.Copy(out, in)
	if err == nil {
		err = out.Sync()
	}
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chtimes(to, date, date)
	}
	if err != nil {
		os.Remove(to)
		return fmt.Errorf("maildir: %w", err)
	}
	return nil
}

func (mb *mailbox) Changes(ctx context.Context, since store.ModSeq) (store.Changes, error) {
	var ch store.Changes
	err := mb.read(ctx, func(f *folder) {
		ch.HighestModSeq = f.highest()
		if f.ul != nil {
			ch.UIDValidity = f.ul.UIDValidity
		}
		for _, m := range f.msgs {
			if m.modSeq > since {
				ch.Updated = append(ch.Updated, f.info(m))
			}
		}
		if f.jr != nil {
			ch.ExpungedIncomplete = since < f.jr.floor
			for _, t := range f.jr.tombs {
				if t.modSeq > since {
					ch.Expunged = append(ch.Expunged, t.uid)
				}
			}
		}
		slices.Sort(ch.Expunged)
		ch.Expunged = slices.Compact(ch.Expunged)
	})
	return ch, err
}

// Close writes the cache entries still waiting (see CacheName), so that a
// server's work survives a stop right after its session ends.
func (mb *mailbox) Close() error {
	if c := mb.f.cache; c != nil {
		c.mu.Lock()
		c.flush() // a cache that cannot be written is no error of the caller's
		c.mu.Unlock()
	}
	return nil
}
