package maildir

import (
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"hash/crc32"
	"slices"
	"syscall"

	"github.com/mailstack/mailstack/store"
)

const (
	cacheMagic   = "mstkcach"
	cacheVersion = 1
	cacheHeader  = 16 // magic, version, UIDVALIDITY
	recHeader    = 12 // uid, length, crc
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

var errBadRecord = errors.New("maildir: bad cache record")

func recordCRC(uid store.UID, data []byte) uint32 {
	var h [8]byte
	binary.LittleEndian.PutUint32(h[0:], uint32(uid))
	binary.LittleEndian.PutUint32(h[4:], uint32(len(data)))
	return crc32.Update(crc32.Checksum(h[:], castagnoli), castagnoli, data)
}

func appendRecord(b []byte, uid store.UID, data []byte) []byte {
	b = binary.LittleEndian.AppendUint32(b, uint32(uid))
	b = binary.LittleEndian.AppendUint32(b, uint32(len(data)))
	b = binary.LittleEndian.AppendUint32(b, recordCRC(uid, data))
	return append(b, data...)
}

func appendCacheHeader(b []byte, v uint32) []byte {
	b = append(b, cacheMagic...)
	b = binary.LittleEndian.AppendUint32(b, cacheVersion)
	return binary.LittleEndian.AppendUint32(b, v)
}

// checkRecord checks a whole record (header and data) and returns its UID
// and data.
func checkRecord(rec []byte) (store.UID, []byte, bool) {
	if len(rec) < recHeader {
		return 0, nil, false
	}
	uid := store.UID(binary.LittleEndian.Uint32(rec))
	n := binary.LittleEndian.Uint32(rec[4:])
	data := rec[recHeader:]
	if uid == 0 || int64(n) != int64(len(data)) || binary.LittleEndian.Uint32(rec[8:]) != recordCRC(uid, data) {
		return 0, nil, false
	}
	return uid, data, true
}

// readRecord reads and checks the record of uid at loc.
func readRecord(fd int, loc cacheLoc, uid store.UID) ([]byte, error) {
	if fd < 0 {
		return nil, errBadRecord
	}
	rec := make([]byte, recHeader+int64(loc.n))
	if err := preadFull(fd, rec, loc.off); err != nil {
		return nil, err
	}
	u, data, ok := checkRecord(rec)
	if !ok || u != uid {
		return nil, errBadRecord
	}
	return data, nil
}

func preadFull(fd int, p []byte, off int64) error {
	for n := 0; n < len(p); {
		m, err := syscall.Pread(fd, p[n:], off+int64(n))
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return err
		}
		if m == 0 {
			return errBadRecord // shorter than indexed
		}
		n += m
	}
	return nil
}

func writeAll(fd int, p []byte) (int, error) {
	n := 0
	for n < len(p) {
		m, err := syscall.Write(fd, p[n:])
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return n, fmt.Errorf("maildir: writing %s: %w", CacheName, err)
		}
		n += m
	}
	return n, nil
}

// parse indexes the file from c.off up to size: the header first, then
// whole records, stopping before a record not yet written whole (another
// process may be writing it) and at a bad one (c.corrupt).
func (c *msgCache) parse(size int64) {
	if c.off == 0 {
		var h [cacheHeader]byte
		if size < cacheHeader || preadFull(c.fd, h[:], 0) != nil {
			return
		}
		if string(h[:8]) != cacheMagic || binary.LittleEndian.Uint32(h[8:]) != cacheVersion {
			c.corrupt = true
			return
		}
		c.fileV, c.off = binary.LittleEndian.Uint32(h[12:]), cacheHeader
		if c.fileV != c.v && len(c.pending) == 0 {
			c.v = c.fileV
		}
	}
	buf := make([]byte, min(size-c.off, 1<<20))
	for c.off+recHeader <= size {
		k := min(int64(len(buf)), size-c.off)
		if preadFull(c.fd, buf[:k], c.off) != nil {
			return
		}
		b := buf[:k]
		for len(b) >= recHeader {
			n := int64(binary.LittleEndian.Uint32(b[4:]))
			if n > MaxCacheEntry {
				c.corrupt = true
				return
			}
			if recHeader+n > int64(len(b)) {
				break
			}
			uid, _, ok := checkRecord(b[:recHeader+n])
			if !ok {
				c.corrupt = true
				return
			}
			if old, had := c.index[uid]; c.fileV == c.v && !(had && old.pending) {
				if had {
					c.live -= recHeader + int64(old.n) // superseded
				}
				c.index[uid] = cacheLoc{off: c.off, n: uint32(n)}
				c.live += recHeader + n
			}
			c.off += recHeader + n
			b = b[recHeader+n:]
		}
		if len(b) == int(k) { // not even one whole record in the buffer
			if int64(len(buf)) >= recHeader+MaxCacheEntry || c.off+int64(len(buf)) >= size {
				return // the rest is still being written
			}
			buf = make([]byte, recHeader+MaxCacheEntry)
		}
	}
}

// compact rewrites the file (temp file + rename) with the entries of the
// folder's present UIDs, the highest UIDs first when they do not all fit
// in c.limit, and the pending ones written out. On failure the pending
// entries are dropped: the cache stays bounded.
func (c *msgCache) compact() error {
	present := c.present()
	var keep []store.UID
	for u := range c.index {
		if _, ok := slices.BinarySearch(present, u); ok {
			keep = append(keep, u)
		}
	}
	slices.Sort(keep)
	total := int64(cacheHeader)
	first := len(keep)
	for first > 0 && total+recHeader+int64(c.index[keep[first-1]].n) <= c.limit {
		first--
		total += recHeader + int64(c.index[keep[first]].n)
	}
	keep = keep[first:]
	r := make([]byte, 8)
	rand.Read(r)
	tmp := c.path + ".tmp." + hex.EncodeToString(r)
	fd, err := syscall.Open(tmp, syscall.O_RDWR|syscall.O_APPEND|syscall.O_CREAT|syscall.O_EXCL|syscall.O_CLOEXEC, 0o600)
	if err != nil {
		c.dropPending()
		return fmt.Errorf("maildir: %s: %w", CacheName, err)
	}
	index := make(map[store.UID]cacheLoc, len(keep))
	b := appendCacheHeader(nil, c.v)
	off, live := int64(0), int64(0)
	for _, u := range keep {
		loc := c.index[u]
		var data []byte
		if loc.pending {
			data = c.pending[loc.off+recHeader : loc.off+recHeader+int64(loc.n)]
		} else if data, err = readRecord(c.fd, loc, u); err != nil {
			continue // damaged: dropped
		}
		index[u] = cacheLoc{off: off + int64(len(b)), n: loc.n}
		live += recHeader + int64(loc.n)
		b = appendRecord(b, u, data)
		if len(b) >= cacheFlushSize {
			if _, err = writeAll(fd, b); err != nil {
				break
			}
			off, b = off+int64(len(b)), b[:0]
		}
	}
	if err == nil {
		_, err = writeAll(fd, b)
	}
	if err == nil {
		err = syscall.Rename(tmp, c.path)
	}
	var st syscall.Stat_t
	if err == nil {
		err = syscall.Fstat(fd, &st)
	}
	if err != nil {
		syscall.Close(fd)
		syscall.Unlink(tmp)
		c.dropPending()
		return fmt.Errorf("maildir: rewriting %s: %w", CacheName, err)
	}
	c.closeFile()
	c.fd, c.ino, c.off, c.size, c.fileV, c.live = fd, st.Ino, st.Size, st.Size, c.v, live
	c.index, c.pending, c.pendIDs = index, nil, nil
	return nil
}

// dropPending forgets the entries not written.
func (c *msgCache) dropPending() {
	for _, u := range c.pendIDs {
		if loc, ok := c.index[u]; ok && loc.pending {
			delete(c.index, u)
		}
	}
	c.pending, c.pendIDs = nil, nil
}
