package maildir

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"syscall"
	"time"

	"github.com/mailstack/mailstack/store"
)

// msg is one message file of a folder.
type msg struct {
	uid     store.UID
	base    string
	name    string // file name in cur/
	letters string
	modSeq  store.ModSeq
	size    int64
	vsize   int64 // CRLF size (",W=" in the name), 0 if unknown
	date    time.Time
	saved   int64  // save date from the journal, Unix seconds; 0 if not recorded
	emailID string // RFC 8474 EMAILID, made once from the GUID (see emailIDOf)
}

// fileState remembers how far a growing file was read.
type fileState struct {
	ino  uint64
	off  int64 // bytes consumed: up to the last complete line
	size int64 // size when last read
}

// folder is the shared, in-process state of one Maildir folder. All fields
// below mu are guarded by it; changes on disk are guarded across processes
// by the dovecot-uidlist dotlock.
type folder struct {
	s   *Store
	dir string

	mu       sync.Mutex
	ul       *UIDList
	ulState  fileState
	uids     map[string]store.UID // base name → UID
	jr       *journal
	jState   fileState
	kw       []string
	kwMtime  time.Time
	msgs     []*msg // ascending UID
	dirty    bool
	scanAt   time.Time
	newMtime time.Time
	curMtime time.Time
	tmpClean time.Time
	watchers map[chan struct{}]struct{}
	polling  bool          // a poll goroutine runs (see Watch)
	kicks    chan struct{} // wakes it; buffered, never blocks
	ino      *inotify      // of the Store, if wds watch the folder
	wds      []int32       // inotify watch descriptors

	cache *msgCache // nil when Config.CacheLimit < 0; has its own lock
}

func (f *folder) path(parts ...string) string {
	return filepath.Join(append([]string{f.dir}, parts...)...)
}

func (f *folder) lock(ctx context.Context) (*dotlock, error) {
	if _, err := os.Stat(f.path("cur")); err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("%w: %s", store.ErrNoSuchMailbox, f.dir)
		}
		return nil, fmt.Errorf("maildir: %w", err)
	}
	ctx, cancel := context.WithTimeout(ctx, f.s.cfg.LockTimeout)
	defer cancel()
	return acquireDotlock(ctx, f.path(UIDListName), f.s.host)
}

// withLock runs fn holding f.mu and the on-disk lock, after reading what
// other processes appended to the UID list, keywords and journal.
func (f *folder) withLock(ctx context.Context, fn func() error) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	dl, err := f.lock(ctx)
	if err != nil {
		return err
	}
	err = f.readState()
	if err == nil {
		err = fn()
	}
	if rerr := dl.release(); err == nil {
		err = rerr
	}
	return err
}

// refresh brings the in-memory state up to date if the folder may have
// changed since the last scan. Caller holds f.mu.
func (f *folder) refresh(ctx context.Context) error {
	changed, err := f.dirsChanged()
	if err != nil {
		return err
	}
	if !changed && !f.dirty {
		return nil
	}
	dl, err := f.lock(ctx)
	if err != nil {
		return err
	}
	err = f.readState()
	if err == nil {
		err = f.scan()
	}
	if rerr := dl.release(); err == nil {
		err = rerr
	}
	return err
}

// dirsChanged reports whether new/ or cur/ changed since the last scan.
// File times are coarse (a clock tick), so a directory changed within two
// seconds of the scan is scanned again, as Dovecot does.
func (f *folder) dirsChanged() (bool, error) {
	var nm, cm time.Time
	for i, sub := range []string{"new", "cur"} {
		st, err := os.Stat(f.path(sub))
		if err != nil {
			if errors.Is(err, os.ErrNotExist) {
				return false, fmt.Errorf("%w: %s", store.ErrNoSuchMailbox, f.dir)
			}
			return false, fmt.Errorf("maildir: %w", err)
		}
		if i == 0 {
			nm = st.ModTime()
		} else {
			cm = st.ModTime()
		}
	}
	recent := f.scanAt.Add(-2 * time.Second)
	return !nm.Equal(f.newMtime) || !cm.Equal(f.curMtime) ||
		nm.After(recent) || cm.After(recent), nil
}

// readState reads the UID list, the keywords and the journal as far as
// they grew. Caller holds the lock.
func (f *folder) readState() error {
	if err := f.readUIDList(); err != nil {
		return err
	}
	if err := f.readKeywords(); err != nil {
		return err
	}
	return f.readJournal()
}

// readGrowing returns the bytes of path after st.off, or all of it (and
// reset=true) if the file was replaced or shrank. A missing file gives nil.
func readGrowing(path string, st *fileState) (data []byte, reset bool, err error) {
	fd, err := os.Open(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			*st = fileState{}
			return nil, true, nil
		}
		return nil, false, fmt.Errorf("maildir: %w", err)
	}
	defer fd.Close()
	var sys syscall.Stat_t
	if err := syscall.Fstat(int(fd.Fd()), &sys); err != nil {
		return nil, false, fmt.Errorf("maildir: %w", err)
	}
	if sys.Ino != st.ino || sys.Size < st.off {
		*st = fileState{ino: sys.Ino}
		reset = true
	}
	st.size = sys.Size
	if sys.Size == st.off {
		return nil, reset, nil
	}
	data = make([]byte, sys.Size-st.off)
	n, err := fd.ReadAt(data, st.off)
	if err != nil && err != io.EOF {
		return nil, false, fmt.Errorf("maildir: %w", err)
	}
	return data[:n], reset, nil
}

func (f *folder) readUIDList() error {
	data, reset, err := readGrowing(f.path(UIDListName), &f.ulState)
	if err != nil {
		return err
	}
	if reset {
		if data == nil {
			f.ul, f.uids = nil, map[string]store.UID{}
			return nil
		}
		ul, n, err := ParseUIDList(data)
		if err != nil {
			return err
		}
		if f.ul != nil && ul.UIDValidity != f.ul.UIDValidity {
			f.msgs, f.jr = nil, nil // every UID changed meaning
		}
		f.ul, f.uids = ul, make(map[string]store.UID, len(ul.Records))
		for _, r := range ul.Records {
			b, _ := SplitName(r.Name)
			f.uids[b] = r.UID
		}
		f.ulState.off = int64(n)
		return nil
	}
	if len(data) == 0 {
		return nil
	}
	first := len(f.ul.Records)
	n, err := f.ul.ParseRecords(data, 0)
	for _, r := range f.ul.Records[first:] {
		b, _ := SplitName(r.Name)
		f.uids[b] = r.UID
	}
	f.ulState.off += int64(n)
	return err
}

func (f *folder) readKeywords() error {
	st, err := os.Stat(f.path(KeywordsName))
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			f.kw, f.kwMtime = make([]string, MaxKeywords), time.Time{}
			return nil
		}
		return fmt.Errorf("maildir: %w", err)
	}
	if f.kw != nil && st.ModTime().Equal(f.kwMtime) {
		return nil
	}
	data, err := os.ReadFile(f.path(KeywordsName))
	if err != nil {
		return fmt.Errorf("maildir: %w", err)
	}
	f.kw, f.kwMtime = ParseKeywords(data), st.ModTime()
	return nil
}

func (f *folder) readJournal() error {
	if f.ul == nil {
		f.jr = nil
		return nil
	}
	if f.jr == nil {
		f.jState = fileState{}
	}
	data, reset, err := readGrowing(f.path(JournalName), &f.jState)
	if err != nil {
		return err
	}
	if reset {
		f.jr = newJournal(f.ul.UIDValidity)
	}
	if len(data) == 0 {
		return nil
	}
	n, err := f.jr.parse(data, reset)
	f.jState.off += int64(n)
	if err != nil || f.jr.uidValidity != f.ul.UIDValidity {
		// A journal from another UIDVALIDITY (or broken) is worthless:
		// start a new one; modseqs restart with the new UIDVALIDITY.
		f.jr = newJournal(f.ul.UIDValidity)
		return f.rewriteJournal()
	}
	return nil
}

func (f *folder) rewriteJournal() error {
	b := f.jr.compacted(f.s.cfg.TombstoneLimit, f.uidsPresent())
	if err := writeFileAtomic(f.dir, JournalName, b); err != nil {
		return err
	}
	f.jState = fileState{}
	_, _, err := readGrowing(f.path(JournalName), &f.jState)
	f.jState.off = f.jState.size
	return err
}

// presentUIDs returns the folder's UIDs, ascending, taking f.mu.
func (f *folder) presentUIDs() []store.UID {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.uidsPresent()
}

func (f *folder) uidsPresent() []store.UID {
	u := make([]store.UID, len(f.msgs))
	for i, m := range f.msgs {
		u[i] = m.uid
	}
	return u
}

// appendLines appends complete lines to a log file whose consumed length
// is st.off, first cutting any torn line a killed writer left, then
// fdatasyncs it. Caller holds the lock.
func appendLines(path string, st *fileState, b []byte) error {
	fd, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		return fmt.Errorf("maildir: %w", err)
	}
	defer fd.Close()
	if st.size != st.off {
		if err := fd.Truncate(st.off); err != nil {
			return fmt.Errorf("maildir: %w", err)
		}
	}
	if _, err := fd.WriteAt(b, st.off); err != nil {
		fd.Truncate(st.off)
		return fmt.Errorf("maildir: %w", err)
	}
	if err := fdatasync(fd); err != nil {
		return fmt.Errorf("maildir: fdatasync %s: %w", path, err)
	}
	st.off += int64(len(b))
	st.size = st.off
	return nil
}

// ensureUIDList creates the UID list of a folder that has none.
func (f *folder) ensureUIDList() error {
	if f.ul != nil {
		return nil
	}
	g := make([]byte, 16)
	rand.Read(g)
	ul := &UIDList{Version: 3, UIDValidity: uint32(time.Now().Unix()), NextUID: 1,
		HeaderExt: []string{"G" + hex.EncodeToString(g)}}
	if err := writeFileAtomic(f.dir, UIDListName, ul.Bytes()); err != nil {
		return err
	}
	f.ulState = fileState{}
	return f.readState()
}

// addRecords gives UIDs to new file names, in order, and appends them to
// the UID list, with the extension fields exts[i] if exts is not nil.
// Caller holds the lock.
func (f *folder) addRecords(names, exts []string) ([]store.UID, error) {
	if err := f.ensureUIDList(); err != nil {
		return nil, err
	}
	next := f.ul.Next()
	var b []byte
	uids := make([]store.UID, len(names))
	recs := make([]UIDRecord, len(names))
	for i, n := range names {
		uids[i] = next
		recs[i] = UIDRecord{UID: next, Name: n}
		if exts != nil {
			recs[i].Ext = exts[i]
		}
		b = append(b, FormatUIDRecord(recs[i])...)
		next++
	}
	if err := appendLines(f.path(UIDListName), &f.ulState, b); err != nil {
		return nil, err
	}
	for i, n := range names {
		f.ul.Records = append(f.ul.Records, recs[i])
		base, _ := SplitName(n)
		f.uids[base] = uids[i]
	}
	return uids, nil
}

// journalWrite appends lines (already formatted) to the journal and applies
// them. Caller holds the lock.
func (f *folder) journalWrite(b []byte) error {
	if len(b) == 0 {
		return nil
	}
	if f.jState.ino == 0 {
		if err := writeFileAtomic(f.dir, JournalName, f.jr.header()); err != nil {
			return err
		}
		if _, _, err := readGrowing(f.path(JournalName), &f.jState); err != nil {
			return err
		}
		f.jState.off = f.jState.size
	}
	if err := appendLines(f.path(JournalName), &f.jState, b); err != nil {
		return err
	}
	_, err := f.jr.parse(b, false)
	return err
}

func (f *folder) find(uid store.UID) *msg {
	i := store.SearchIndex(len(f.msgs), func(i int) store.UID { return f.msgs[i].uid }, uid)
	if i < len(f.msgs) && f.msgs[i].uid == uid {
		return f.msgs[i]
	}
	return nil
}

// each calls fn for the messages in set, ascending.
func (f *folder) each(set store.UIDSet, fn func(m *msg)) {
	lo, hi, ok := set.Bounds()
	if !ok {
		return
	}
	i := store.SearchIndex(len(f.msgs), func(i int) store.UID { return f.msgs[i].uid }, lo)
	for ; i < len(f.msgs) && f.msgs[i].uid <= hi; i++ {
		if set.Contains(f.msgs[i].uid) {
			fn(f.msgs[i])
		}
	}
}

// inRange returns how many messages a one-range set such as All or 5:100
// holds, to size List's answer; 0 (unknown) for other sets, which may be
// sparse.
func (f *folder) inRange(set store.UIDSet) int {
	if len(set) != 1 {
		return 0
	}
	lo, hi := min(set[0].Start, set[0].Stop), max(set[0].Start, set[0].Stop)
	at := func(u store.UID) int {
		return store.SearchIndex(len(f.msgs), func(i int) store.UID { return f.msgs[i].uid }, u)
	}
	if hi == store.MaxUID {
		return len(f.msgs) - at(lo)
	}
	return at(hi+1) - at(lo)
}

func (f *folder) notify() {
	for c := range f.watchers {
		select {
		case c <- struct{}{}:
		default:
		}
	}
}

func (f *folder) info(m *msg) store.MessageInfo {
	saved := m.date // first seen before save dates were recorded: delivery time
	if m.saved > 0 {
		saved = time.Unix(m.saved, 0)
	}
	return store.MessageInfo{UID: m.uid, Flags: ParseFlags(m.letters, f.kw),
		ModSeq: m.modSeq, InternalDate: m.date, Size: m.size, CRLFSize: m.vsize,
		SaveDate: saved, EmailID: m.emailID}
}

func (f *folder) highest() store.ModSeq {
	if f.jr == nil {
		return 1
	}
	return max(f.jr.highest, 1)
}

func removeMsgs(msgs []*msg, gone []store.UID) []*msg {
	return slices.DeleteFunc(msgs, func(m *msg) bool {
		_, found := slices.BinarySearch(gone, m.uid)
		return found
	})
}
