package maildir

import (
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/mailstack/mailstack/store"
)

// readNames lists a directory's entries, skipping dot files.
func readNames(dir string) ([]string, error) {
	d, err := os.Open(dir)
	if err != nil {
		return nil, fmt.Errorf("maildir: %w", err)
	}
	defer d.Close()
	names, err := d.Readdirnames(-1)
	if err != nil {
		return nil, fmt.Errorf("maildir: %w", err)
	}
	return slices.DeleteFunc(names, func(n string) bool {
		return n == "" || n[0] == '.' || len(n) > MaxFileName
	}), nil
}

// scan reads new/ and cur/, moves new mail to cur/ with ":2," info, gives
// UIDs to files that have none, and records flag changes and expunges in the
// journal. Caller holds f.mu and the lock, and has called readState.
func (f *folder) scan() error {
	start := time.Now()
	nst, err1 := os.Stat(f.path("new"))
	cst, err2 := os.Stat(f.path("cur"))
	if err := errors.Join(err1, err2); err != nil {
		return fmt.Errorf("maildir: %w", err)
	}
	unsettled, err := f.moveNew()
	if err != nil {
		return err
	}
	names, err := f.listCur()
	if err != nil {
		return err
	}
	byBase := make(map[string]string, len(names))
	var fresh []string
	for _, n := range names {
		b, _ := SplitName(n)
		if _, dup := byBase[b]; dup {
			continue
		}
		byBase[b] = n
		if f.uids[b] == 0 && !unsettled[n] {
			fresh = append(fresh, n)
		}
	}
	// Older deliveries sort first, so they get the lower UIDs.
	slices.SortFunc(fresh, compareNames)
	if len(fresh) > 0 {
		if _, err := f.addRecords(fresh, nil); err != nil {
			return err
		}
	}
	if err := f.rebuild(byBase); err != nil {
		return err
	}
	if err := f.reconcile(); err != nil {
		return err
	}
	f.scanAt, f.newMtime, f.curMtime = start, nst.ModTime(), cst.ModTime()
	f.dirty = len(unsettled) > 0 // number them on the next scan
	f.cleanTmp(start)
	return f.compact()
}

// compareNames orders Maildir names by delivery: seconds, microseconds and
// the Q counter of "<sec>.M<usec>P<pid>Q<n>.<host>" compared as numbers,
// then the whole name.
func compareNames(a, b string) int {
	ka, kb := nameKey(a), nameKey(b)
	for i := range ka {
		if ka[i] != kb[i] {
			if ka[i] < kb[i] {
				return -1
			}
			return 1
		}
	}
	return strings.Compare(a, b)
}

func nameKey(n string) [3]uint64 {
	var k [3]uint64
	num := func(s string) (uint64, string) {
		var v uint64
		i := 0
		for ; i < len(s) && i < 19 && s[i] >= '0' && s[i] <= '9'; i++ {
			v = v*10 + uint64(s[i]-'0')
		}
		return v, s[i:]
	}
	var rest string
	k[0], rest = num(n)
	if strings.HasPrefix(rest, ".M") {
		k[1], rest = num(rest[2:])
		if i := strings.IndexByte(rest, 'Q'); i >= 0 && i < 12 {
			k[2], _ = num(rest[i+1:])
		}
	}
	return k
}

// listDir lists new/ and cur/ for a scan; tests replace it to play a
// listing that misses a file, as a concurrent readdir may.
var listDir = readNames

// maxNewPasses bounds the passes of moveNew over a new/ that keeps filling.
const maxNewPasses = 32

// moveNew moves every file of new/ to cur/ with an empty ":2," info (the
// Maildir spec's "seen by a reader").
//
// readdir(3) is not a snapshot: a file created while the directory is read
// may or may not be listed (POSIX readdir; on ext4 it depends on the name's
// hash). So one listing may hold a writer's message 719 but not its
// message 718, delivered just before, and numbering that listing would give
// 719 the lower UID. A file listed in pass k was in new/ before pass k
// ended, so every file delivered before it was there too and, unless moved
// already, is listed by pass k+1, which lists only files present throughout.
// moveNew therefore repeats until a pass finds new/ empty; the files of
// every pass but the last are then safe to number. If new/ is still not
// empty after maxNewPasses, the files of the last pass are returned as
// unsettled: they stay in cur/ without a UID until the next scan.
func (f *folder) moveNew() (unsettled map[string]bool, err error) {
	for pass := 0; pass < maxNewPasses; pass++ {
		names, err := listDir(f.path("new"))
		if err != nil {
			return nil, err
		}
		if len(names) == 0 {
			return nil, nil
		}
		unsettled = make(map[string]bool, len(names))
		for _, n := range names {
			to := n
			if !strings.Contains(n, ":") {
				to += infoSep
			}
			err := os.Rename(f.path("new", n), f.path("cur", to))
			if err != nil && !errors.Is(err, os.ErrNotExist) {
				return nil, fmt.Errorf("maildir: %w", err)
			}
			unsettled[to] = true
		}
	}
	return unsettled, nil
}

// listCur lists cur/. Another program renaming a file to change its flags
// while cur/ is read may make one listing miss it under both names
// (readdir is not a snapshot), which would look like an expunge; so when a
// known message is missing, cur/ is read once more and the two listings
// merged, the later name of a file winning.
func (f *folder) listCur() ([]string, error) {
	names, err := listDir(f.path("cur"))
	if err != nil {
		return nil, err
	}
	seen := make(map[string]bool, len(names))
	for _, n := range names {
		b, _ := SplitName(n)
		seen[b] = true
	}
	missing := false
	if f.jr != nil {
		for b, u := range f.uids {
			if _, live := f.jr.entries[u]; live && !seen[b] {
				missing = true
				break
			}
		}
	}
	if !missing {
		return names, nil
	}
	again, err := listDir(f.path("cur"))
	if err != nil {
		return nil, err
	}
	for _, n := range again {
		b, _ := SplitName(n)
		delete(seen, b)
	}
	for _, n := range names {
		if b, _ := SplitName(n); seen[b] {
			again = append(again, n) // listed only the first time
		}
	}
	return again, nil
}

// rebuild makes f.msgs from the files present, reusing what is cached.
func (f *folder) rebuild(byBase map[string]string) error {
	old := make(map[string]*msg, len(f.msgs))
	for _, m := range f.msgs {
		old[m.base] = m
	}
	msgs := make([]*msg, 0, len(byBase))
	for b, n := range byBase {
		uid := f.uids[b]
		if uid == 0 {
			continue
		}
		m := old[b]
		if m == nil || m.uid != uid {
			m = &msg{uid: uid, base: b, size: sizeFromName(b)}
			st, err := os.Stat(f.path("cur", n))
			if err != nil {
				continue // gone already: it will be a tombstone
			}
			m.date = st.ModTime()
			m.emailID = emailIDOf(f.guidOf(uid, b))
			if m.size < 0 {
				m.size = st.Size()
			}
			if m.vsize = vsizeFromName(b, m.size); m.vsize == 0 {
				m.vsize = f.vsizeFromUIDList(uid, m.size)
			}
		}
		m.name = n
		_, m.letters = SplitName(n)
		msgs = append(msgs, m)
	}
	slices.SortFunc(msgs, func(a, b *msg) int { return int(int64(a.uid) - int64(b.uid)) })
	f.msgs = msgs
	return nil
}

// reconcile gives a new modseq to each message first seen or whose flags
// changed on disk, and a tombstone to each UID that disappeared.
func (f *folder) reconcile() error {
	if err := f.ensureUIDList(); err != nil {
		return err
	}
	var b []byte
	next := f.highest()
	present := make(map[store.UID]bool, len(f.msgs))
	for _, m := range f.msgs {
		present[m.uid] = true
		e, ok := f.jr.entries[m.uid]
		if ok && e.letters == m.letters {
			m.modSeq = e.modSeq
			continue
		}
		next++
		m.modSeq = next
		var saved int64
		if !ok {
			// First seen: delivered by another program (or by
			// Deliver), whose file's mtime is the delivery time.
			saved = m.date.Unix()
		}
		b = entryLine(b, m.uid, next, saved, m.letters)
	}
	var gone []store.UID
	for u := range f.jr.entries {
		if !present[u] {
			gone = append(gone, u)
		}
	}
	if len(gone) > 0 {
		slices.Sort(gone)
		next++
		for _, u := range gone {
			b = tombLine(b, u, next)
		}
	}
	if err := f.journalWrite(b); err != nil {
		return err
	}
	for _, m := range f.msgs {
		m.saved = f.jr.entries[m.uid].saved
	}
	return nil
}

// compact rewrites the UID list without the records of vanished files, and
// the journal without superseded lines, when they have grown well past
// what the folder holds (Dovecot rewrites the UID list at 75% use).
func (f *folder) compact() error {
	if f.ul != nil && len(f.ul.Records) > len(f.msgs)*4/3+100 {
		recs := make([]UIDRecord, 0, len(f.msgs))
		for _, r := range f.ul.Records {
			b, _ := SplitName(r.Name)
			if m := f.find(r.UID); m != nil && m.base == b {
				recs = append(recs, UIDRecord{UID: r.UID, Ext: r.Ext, Name: m.name})
			}
		}
		nu := &UIDList{Version: 3, UIDValidity: f.ul.UIDValidity, NextUID: f.ul.Next(),
			HeaderExt: f.ul.HeaderExt, Records: recs}
		if err := writeFileAtomic(f.dir, UIDListName, nu.Bytes()); err != nil {
			return err
		}
		f.ulState = fileState{}
		if err := f.readUIDList(); err != nil {
			return err
		}
	}
	if f.jr != nil && f.jr.lines > 2*len(f.msgs)+f.s.cfg.TombstoneLimit+1000 {
		return f.rewriteJournal()
	}
	return nil
}

// cleanTmp removes files left in tmp/ by writers that died, once they are
// older than Config.StaleTmp (36 hours by default, as the Maildir spec
// advises); it runs at most once an hour per folder.
func (f *folder) cleanTmp(now time.Time) {
	if now.Sub(f.tmpClean) < time.Hour {
		return
	}
	f.tmpClean = now
	names, err := readNames(f.path("tmp"))
	if err != nil {
		return
	}
	for _, n := range names {
		p := f.path("tmp", n)
		if st, err := os.Stat(p); err == nil && st.Mode().IsRegular() && now.Sub(st.ModTime()) > f.s.cfg.StaleTmp {
			os.Remove(p)
		}
	}
}
