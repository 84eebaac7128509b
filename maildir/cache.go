package maildir

import (
	"context"
	"sync"
	"syscall"
	"time"

	"github.com/mailstack/mailstack/store"
)

// CacheName is the per-folder file that keeps what servers computed about
// messages (store.MessageCache: an IMAP server's ENVELOPE and
// BODYSTRUCTURE), so that a restarted server need not read every message
// again. It is a cache: deleting it loses nothing. Binary, little-endian:
//
//	header  "mstkcach" version:u32=1 uidvalidity:u32
//	record  uid:u32 length:u32 crc:u32 data[length]
//
// crc is the CRC-32C of uid, length and data. Records are appended; the
// last one of a UID wins. A record that fails its check ends what is read
// of the file, which the next write replaces. The file is rewritten whole
// (temp file + rename) without superseded records and expunged UIDs when
// it has grown to twice what it holds, and never holds more than
// Config.CacheLimit bytes.
const CacheName = "mailstack-cache"

// MaxCacheEntry bounds one entry of the cache file; larger ones are not
// kept.
const MaxCacheEntry = 1 << 20

const (
	// cacheFlushSize is how many bytes of new entries wait in memory
	// before they are appended to the file (one write).
	cacheFlushSize = 256 << 10
	// cacheDelay is how long new entries wait at most, and how often the
	// file is checked for other processes' writes.
	cacheDelay = time.Second
	// cacheIdle is how long an unused cache keeps its file open.
	cacheIdle = 10 * time.Second
)

// cacheLoc is where an entry is: at off in the file, or in pending.
type cacheLoc struct {
	off     int64
	n       uint32 // data length
	pending bool
}

// msgCache is a folder's CacheName file and its index. Lock order: mu
// before the folder's mu (compaction asks the folder which UIDs remain).
type msgCache struct {
	path    string
	limit   int64
	present func() []store.UID // the folder's UIDs, ascending

	mu      sync.Mutex
	fd      int    // read and append descriptor; -1 when closed
	ino     uint64 // of the file fd refers to
	v       uint32 // UIDVALIDITY of the entries (file and pending)
	fileV   uint32 // UIDVALIDITY in the file's header; 0 if none
	off     int64  // bytes of the file indexed
	size    int64  // bytes of the file when last checked
	index   map[store.UID]cacheLoc
	live    int64       // bytes of the indexed file records
	pending []byte      // records not written yet
	pendIDs []store.UID // their UIDs, in order
	corrupt bool        // the file holds a bad record: rewrite it
	checked time.Time
	used    time.Time
	timer   *time.Timer
}

func newMsgCache(path string, limit int64, present func() []store.UID) *msgCache {
	return &msgCache{path: path, limit: limit, present: present, fd: -1, index: map[store.UID]cacheLoc{}}
}

// CacheGet implements store.MessageCache.
func (mb *mailbox) CacheGet(ctx context.Context, uidValidity uint32, uid store.UID) []byte {
	if mb.f.cache == nil {
		return nil
	}
	return mb.f.cache.get(uidValidity, uid)
}

// CachePut implements store.MessageCache.
func (mb *mailbox) CachePut(ctx context.Context, uidValidity uint32, uid store.UID, data []byte) error {
	if mb.f.cache == nil {
		return nil
	}
	return mb.f.cache.put(uidValidity, uid, data)
}

func (c *msgCache) get(v uint32, uid store.UID) []byte {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.sync(c.touch(), false)
	if v != c.v {
		return nil
	}
	loc, ok := c.index[uid]
	switch {
	case !ok:
		return nil
	case loc.pending:
		rec := c.pending[loc.off : loc.off+recHeader+int64(loc.n)]
		return append([]byte(nil), rec[recHeader:]...)
	}
	data, err := readRecord(c.fd, loc, uid)
	if err != nil {
		delete(c.index, uid)
		c.live -= recHeader + int64(loc.n)
		c.corrupt = true
		return nil
	}
	return data
}

func (c *msgCache) put(v uint32, uid store.UID, data []byte) error {
	if len(data) > MaxCacheEntry {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.sync(c.touch(), false)
	if v != c.v {
		// A new UIDVALIDITY: every entry is void; the next flush
		// rewrites the file.
		c.v, c.index, c.live, c.pending, c.pendIDs = v, map[store.UID]cacheLoc{}, 0, nil, nil
	}
	rec := int64(recHeader + len(data))
	if c.live+int64(len(c.pending))+rec > c.limit {
		return nil // full until a compaction drops expunged UIDs
	}
	if old, ok := c.index[uid]; ok && !old.pending {
		c.live -= recHeader + int64(old.n)
	}
	c.index[uid] = cacheLoc{off: int64(len(c.pending)), n: uint32(len(data)), pending: true}
	if c.pending == nil {
		c.pending = make([]byte, 0, cacheFlushSize+recHeader+MaxCacheEntry/16)
	}
	c.pending = appendRecord(c.pending, uid, data)
	c.pendIDs = append(c.pendIDs, uid)
	if len(c.pending) >= cacheFlushSize {
		return c.flush()
	}
	return nil
}

// touch records a use, makes sure the timer runs, and returns the time.
func (c *msgCache) touch() time.Time {
	c.used = time.Now()
	if c.timer == nil {
		c.timer = time.AfterFunc(cacheDelay, c.tick)
	}
	return c.used
}

// tick writes what waits and, once the cache is unused for cacheIdle,
// closes the file and stops.
func (c *msgCache) tick() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.flush()
	if len(c.pending) == 0 && time.Since(c.used) > cacheIdle {
		c.closeFile()
		c.timer, c.pending, c.pendIDs = nil, nil, nil
		return
	}
	c.timer.Reset(cacheDelay)
}

// sync brings the index up to date with the file: once per cacheDelay
// unless forced, since another process may have appended to it or
// replaced it. Errors leave the cache empty: it is only a cache.
func (c *msgCache) sync(now time.Time, force bool) {
	if !force && now.Sub(c.checked) < cacheDelay {
		return
	}
	c.checked = now
	var st syscall.Stat_t
	if err := syscall.Stat(c.path, &st); err != nil {
		c.closeFile()
		return
	}
	if c.fd < 0 || st.Ino != c.ino || st.Size < c.off {
		c.closeFile()
		fd, err := syscall.Open(c.path, syscall.O_RDWR|syscall.O_APPEND|syscall.O_CLOEXEC, 0)
		if err != nil {
			return
		}
		if err := syscall.Fstat(fd, &st); err != nil {
			syscall.Close(fd)
			return
		}
		c.fd, c.ino = fd, st.Ino
	}
	c.size = st.Size
	if !c.corrupt && st.Size > c.off {
		c.parse(st.Size)
	}
}

// closeFile closes the file and forgets what was indexed from it.
func (c *msgCache) closeFile() {
	if c.fd >= 0 {
		syscall.Close(c.fd)
	}
	c.fd, c.ino, c.off, c.size, c.fileV, c.corrupt, c.live = -1, 0, 0, 0, 0, false, 0
	for u, loc := range c.index {
		if !loc.pending {
			delete(c.index, u)
		}
	}
}

// flush appends the pending records to the file, or rewrites it when it
// is missing, damaged or of another UIDVALIDITY, or has grown too much.
func (c *msgCache) flush() error {
	if len(c.pending) == 0 && !c.corrupt {
		return nil
	}
	c.sync(time.Now(), true)
	if c.fd < 0 || c.corrupt || c.fileV != c.v || c.off < c.size {
		// Missing, damaged, of another UIDVALIDITY, or ending in a
		// record cut short: a writer that died, since O_APPEND writes
		// of live ones are whole before ours starts. Appending would
		// bury ours behind it.
		return c.compact()
	}
	at := c.off
	_, err := writeAll(c.fd, c.pending)
	var st syscall.Stat_t
	if err == nil && syscall.Fstat(c.fd, &st) == nil && st.Size == at+int64(len(c.pending)) {
		// Nobody else appended meanwhile: ours are at at.
		for _, u := range c.pendIDs {
			if loc, ok := c.index[u]; ok && loc.pending {
				loc.off, loc.pending = loc.off+at, false
				c.index[u] = loc
				c.live += recHeader + int64(loc.n)
			}
		}
		c.off, c.size, c.pending, c.pendIDs = st.Size, st.Size, c.pending[:0], c.pendIDs[:0]
	} else {
		c.dropPending()
		if err != nil {
			c.closeFile()
			return err
		}
		c.sync(time.Now(), true) // index what was written, ours and others'
	}
	if c.off > c.limit || c.off > 2*c.live+(1<<20) {
		return c.compact() // superseded entries and expunged UIDs
	}
	return nil
}
