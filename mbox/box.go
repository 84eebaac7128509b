package mbox

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/mail"
	"os"
	"syscall"
	"time"

	"github.com/mailstack/mailstack/store"
)

// dirtyWindow: a file modified this close to a scan's start may have
// changed again within the same file-time tick, unseen; it is scanned once
// more on the next look (as Dovecot treats recent mtimes as racy).
const dirtyWindow = 100 * time.Millisecond

// refresh brings the view up to date if the file changed. Caller holds
// b.mu.
func (b *box) refresh(ctx context.Context) error {
	fi, err := os.Stat(b.path)
	if errors.Is(err, os.ErrNotExist) {
		b.setMissing()
		return nil
	}
	if err != nil {
		return fmt.Errorf("mbox: %w", err)
	}
	if b.loaded && !b.dirty && idOf(fi) == b.id {
		return nil
	}
	return b.rescan(ctx)
}

// setMissing makes the view that of an empty file.
func (b *box) setMissing() {
	if b.loaded && b.id == (fileID{}) {
		return
	}
	msgs, v := b.assign(nil, nil)
	b.reconcile(msgs, v, false, nil, time.Now())
	b.id, b.dirty = fileID{}, false
}

// rescan reads the file under an fcntl read lock.
func (b *box) rescan(ctx context.Context) error {
	mu := processLock(b.path)
	mu.Lock()
	defer mu.Unlock()
	f, err := os.Open(b.path)
	if errors.Is(err, os.ErrNotExist) {
		b.setMissing()
		return nil
	}
	if err != nil {
		return fmt.Errorf("mbox: %w", err)
	}
	defer f.Close()
	unlock, err := b.readLock(ctx, f)
	if err != nil {
		return err
	}
	defer unlock()
	return b.scanLocked(f)
}

func (b *box) readLock(ctx context.Context, f *os.File) (func(), error) {
	if b.cfg.Lock.NoFcntl {
		return func() {}, nil
	}
	ctx, cancel := context.WithTimeout(ctx, b.cfg.Lock.Timeout)
	defer cancel()
	if err := takeFcntl(ctx, f, syscall.F_RDLCK); err != nil {
		return nil, err
	}
	return func() { unlockFcntl(f) }, nil
}

// scanLocked scans f, which the caller has locked, into the view.
func (b *box) scanLocked(f *os.File) error {
	start := time.Now()
	fi, err := f.Stat()
	if err != nil {
		return fmt.Errorf("mbox: %w", err)
	}
	msgs, base, err := scanFile(io.NewSectionReader(f, 0, fi.Size()), b.cfg.Format)
	if err != nil {
		return fmt.Errorf("mbox: %s: %w", b.path, err)
	}
	entries, validity := b.assign(msgs, base)
	var kw []string
	if base != nil {
		kw = base.Keywords
	}
	b.reconcile(entries, validity, base != nil, kw, start)
	b.id = idOf(fi)
	b.dirty = fi.ModTime().After(start.Add(-dirtyWindow))
	return nil
}

// find returns the entry of uid, or nil.
func (b *box) find(uid store.UID) *entry {
	i := store.SearchIndex(len(b.msgs), func(i int) store.UID { return b.msgs[i].uid }, uid)
	if i < len(b.msgs) && b.msgs[i].uid == uid {
		return b.msgs[i]
	}
	return nil
}

// readContent copies the content of e out of the file, checking that the
// file is still the one scanned (errChanged if not).
func (b *box) readContent(ctx context.Context, e *entry) (*content, error) {
	mu := processLock(b.path)
	mu.Lock()
	defer mu.Unlock()
	f, err := os.Open(b.path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, errChanged
	}
	if err != nil {
		return nil, fmt.Errorf("mbox: %w", err)
	}
	defer f.Close()
	unlock, err := b.readLock(ctx, f)
	if err != nil {
		return nil, err
	}
	defer unlock()
	fi, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("mbox: %w", err)
	}
	if idOf(fi) != b.id || e.off >= fi.Size() {
		return nil, errChanged
	}
	rd := NewReader(io.NewSectionReader(f, e.off, fi.Size()-e.off), &ReaderOptions{Format: b.cfg.Format})
	m, err := rd.Next()
	if err != nil {
		return nil, errChanged
	}
	sp := &spool{dir: b.cfg.TempDir}
	ci, err := copyContent(bufio.NewReaderSize(m.Body, bufSize), sp)
	if err == nil && (ci.size != e.size || ci.sum != e.sum) {
		err = errChanged
	}
	if err != nil {
		sp.discard()
		return nil, err
	}
	return sp.content(), nil
}

// pending is a message to append.
type pending struct {
	body  io.Reader
	flags []string // canonical
	date  time.Time
}

// appendMsgs appends the messages next yields (until io.EOF) under the
// write locks, all or none, then scans the file and returns the new
// entries, in order.
func (b *box) appendMsgs(ctx context.Context, next func() (*pending, error)) ([]*entry, error) {
	mu := processLock(b.path)
	mu.Lock()
	defer mu.Unlock()
	f, err := os.OpenFile(b.path, os.O_RDWR|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return nil, fmt.Errorf("mbox: %w", err)
	}
	defer f.Close()
	l, err := LockFile(ctx, f, b.path, &b.cfg.Lock)
	if err != nil {
		return nil, err
	}
	defer l.Unlock()
	n := 0
	start, err := appendLocked(f, func(w *Writer) error {
		for {
			m, err := next()
			if err == io.EOF {
				return nil
			}
			if err != nil {
				return err
			}
			if err := writeWithFlags(w, *m, b.cfg.MaxMessageSize); err != nil {
				return err
			}
			n++
		}
	})
	if err != nil {
		return nil, err
	}
	if err := b.scanLocked(f); err != nil {
		return nil, err
	}
	var out []*entry
	for _, e := range b.msgs {
		if e.off >= start {
			out = append(out, e)
		}
	}
	if len(out) != n {
		return nil, fmt.Errorf("mbox: %d messages appended, %d found after them", n, len(out))
	}
	return out, nil
}

// writeWithFlags writes one message with its metadata fields replaced by
// the flags' Status, X-Status and X-Keywords fields at the end of the
// header (where Dovecot puts them), and a From_ line with the Return-Path
// address and the date.
func writeWithFlags(w *Writer, m pending, maxSize int64) error {
	br := bufio.NewReaderSize(&limitReader{r: m.body, left: maxSize}, bufSize)
	var hdr []byte
	ended := false
	for len(hdr) < maxHeader {
		line, err := br.ReadSlice('\n')
		hdr = append(hdr, line...)
		if err == nil && isBlank(line) {
			ended = true
			break
		}
		if err != nil && err != bufio.ErrBufferFull {
			if err == io.EOF {
				break
			}
			return err
		}
	}
	var head []byte
	if ended {
		blank := 1
		if bytes.HasSuffix(hdr, []byte("\r\n")) {
			blank = 2
		}
		kept, _ := SplitMeta(hdr[:len(hdr)-blank])
		head = append(append(kept, FlagHeaders(m.flags)...), hdr[len(hdr)-blank:]...)
	} else {
		// No header end: the fields go first, where a reader finds them.
		kept, _ := SplitMeta(hdr)
		head = append(FlagHeaders(m.flags), kept...)
	}
	return w.WriteMessage(returnPath(head), m.date, io.MultiReader(bytes.NewReader(head), br))
}

// returnPath returns the address of a Return-Path field in header, or "".
func returnPath(header []byte) string {
	for line := range bytes.Lines(header) {
		if len(line) > 12 && bytes.EqualFold(line[:12], []byte("return-path:")) {
			if a, err := mail.ParseAddress(string(bytes.TrimSpace(line[12:]))); err == nil {
				return a.Address
			}
			return ""
		}
	}
	return ""
}

// limitReader fails with store.ErrTooBig past left bytes.
type limitReader struct {
	r    io.Reader
	left int64
}

func (l *limitReader) Read(p []byte) (int, error) {
	n, err := l.r.Read(p)
	l.left -= int64(n)
	if l.left < 0 {
		return n, fmt.Errorf("%w: over the size limit", store.ErrTooBig)
	}
	return n, err
}
