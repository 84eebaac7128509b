package mbox

import (
	"bufio"
	"encoding/binary"
	"hash/crc32"
	"io"
	"net/mail"
	"os"
	"slices"
	"syscall"
	"time"

	"github.com/mailstack/mailstack/store"
)

// scanned is one message as a scan of the file found it.
type scanned struct {
	off  int64 // offset of its From_ line
	date time.Time
	contentInfo
}

// scanFile reads every message of f, returning the messages (without the
// pseudo message) and the folder data of the first message.
func scanFile(f io.Reader, format Format) ([]scanned, *Base, error) {
	rd := NewReader(f, &ReaderOptions{Format: format})
	br := bufio.NewReaderSize(nil, bufSize)
	var out []scanned
	var base *Base
	for i := 0; ; i++ {
		m, err := rd.Next()
		if err == io.EOF {
			return out, base, nil
		}
		if err != nil {
			return nil, nil, err
		}
		br.Reset(m.Body)
		ci, err := copyContent(br, nil)
		if err != nil {
			return nil, nil, err
		}
		if i == 0 && ci.meta.Base != nil {
			base = ci.meta.Base
			if ci.meta.Pseudo {
				continue
			}
		}
		out = append(out, scanned{off: m.Offset, date: messageDate(m.Date, ci.date), contentInfo: ci})
	}
}

// messageDate is the internal date: the From_ line's (RFC 4155 §2), else
// the Date field's, else the Unix epoch, so that it stays the same from one
// scan to the next.
func messageDate(from time.Time, field string) time.Time {
	if !from.IsZero() {
		return from
	}
	if t, err := mail.ParseDate(field); err == nil {
		return t
	}
	return time.Unix(0, 0).UTC()
}

// entry is one message of a mailbox view.
type entry struct {
	uid        store.UID
	off        int64
	size       int64
	sum        uint32
	flags      []string
	date       time.Time
	modSeq     store.ModSeq
	positional bool // UID given by position, not by an X-UID field
}

// fileID identifies a version of the file: any write changes it, except
// one within the same clock tick as the scan, which dirty covers.
type fileID struct {
	dev, ino uint64
	size     int64
	mtime    time.Time
	ctime    int64
}

func idOf(fi os.FileInfo) fileID {
	id := fileID{size: fi.Size(), mtime: fi.ModTime()}
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		id.dev, id.ino = uint64(st.Dev), st.Ino
		id.ctime = ctimeNano(st)
	}
	return id
}

// assign gives UIDs to a scan, as Dovecot does (mbox-sync): with folder
// data, an X-UID is kept if it is above the UID before it and not above
// the last UID given; other messages get the next UIDs in file order.
// Without folder data, UIDs are positions. It returns the entries
// (flags and dates filled in, modseqs not) and the UIDVALIDITY.
func (b *box) assign(msgs []scanned, base *Base) ([]*entry, uint32) {
	out := make([]*entry, len(msgs))
	for i, s := range msgs {
		out[i] = &entry{off: s.off, size: s.size, sum: s.sum, flags: s.meta.Flags, date: s.date}
	}
	if base == nil {
		for i, e := range out {
			e.uid, e.positional = store.UID(i+1), true
		}
		return out, b.positionalValidity(out)
	}
	next := store.UID(base.LastUID) + 1
	var old []*entry // this view's UIDs given by position, to keep them
	if b.loaded && b.hasBase && b.uidValidity == base.UIDValidity {
		next = max(next, b.lastUID+1)
		for _, e := range b.msgs {
			if e.positional {
				old = append(old, e)
			}
		}
	}
	var prev store.UID
	for i, e := range out {
		var u store.UID
		if x := store.UID(msgs[i].meta.UID); x > prev && x <= store.UID(base.LastUID) {
			u = x
		} else {
			u, old = sticky(old, e, prev)
			if u == 0 {
				u, next = next, next+1
			}
			e.positional = true
		}
		e.uid, prev = u, u
	}
	return out, base.UIDValidity
}

// stickyLookahead bounds the search for a message's earlier UID.
const stickyLookahead = 8

// sticky returns the UID this view gave by position to the message e
// (same content) if it is still above prev, and the rest of old to search
// next time; 0 if none. So when another program removes a message that
// had no X-UID, the ones after it keep their UIDs instead of each taking
// the UID of the one before (RFC 9051 §2.3.1.1: a UID never names another
// message).
func sticky(old []*entry, e *entry, prev store.UID) (store.UID, []*entry) {
	for k := 0; k < len(old) && k < stickyLookahead; k++ {
		if o := old[k]; o.sum == e.sum && o.size == e.size && o.uid > prev {
			return o.uid, old[k+1:]
		}
	}
	return 0, old
}

// positionalValidity returns the UIDVALIDITY of a file without folder
// data, whose UIDs are positions. While the messages this view knew are
// still the first ones, in order, the numbering holds and so does the
// UIDVALIDITY. Otherwise (a message removed or changed, the file
// replaced) it is a digest of the messages now present: two readers of the
// same file agree on it, and it changes whenever the file changes other
// than by appending.
func (b *box) positionalValidity(msgs []*entry) uint32 {
	if b.loaded && !b.hasBase && len(b.msgs) <= len(msgs) {
		same := true
		for i, o := range b.msgs {
			if o.sum != msgs[i].sum || o.size != msgs[i].size {
				same = false
				break
			}
		}
		if same {
			return b.uidValidity
		}
	}
	var sum uint32
	var buf [12]byte
	for _, m := range msgs {
		binary.BigEndian.PutUint32(buf[:4], m.sum)
		binary.BigEndian.PutUint64(buf[4:], uint64(m.size))
		sum = crc32.Update(sum, castagnoli, buf[:])
	}
	if sum == 0 || (b.loaded && sum == b.uidValidity) {
		sum++ // 0 is no UIDVALIDITY; an unchanged one would claim the old numbering
	}
	return sum
}

// reconcile makes msgs (from assign) the view, giving modseqs: a message
// new or whose flags or content changed gets a new modseq, a UID gone gets
// a tombstone. A new UIDVALIDITY starts the view over.
func (b *box) reconcile(msgs []*entry, validity uint32, hasBase bool, keywords []string, now time.Time) {
	if !b.loaded || validity != b.uidValidity || hasBase != b.hasBase {
		// Modseqs live in memory only; starting from the clock (in µs)
		// keeps them above any this or an earlier process gave.
		base := max(b.highest+1, store.ModSeq(now.UnixMicro()))
		for _, e := range msgs {
			e.modSeq = base
		}
		b.highest, b.floor, b.tombs, b.lastUID = base, base, nil, 0
	} else {
		old := make(map[store.UID]*entry, len(b.msgs))
		for _, e := range b.msgs {
			old[e.uid] = e
		}
		for _, e := range msgs {
			o := old[e.uid]
			delete(old, e.uid)
			if o != nil && o.sum == e.sum && o.size == e.size && store.SameFlags(o.flags, e.flags) {
				e.modSeq = o.modSeq
				continue
			}
			b.highest++
			e.modSeq = b.highest
		}
		if len(old) > 0 {
			b.highest++
			gone := make([]store.UID, 0, len(old))
			for u := range old {
				gone = append(gone, u)
			}
			slices.Sort(gone)
			for _, u := range gone {
				b.tombs = append(b.tombs, tombstone{uid: u, modSeq: b.highest})
			}
			b.trimTombs()
		}
	}
	b.msgs, b.uidValidity, b.hasBase, b.loaded = msgs, validity, hasBase, true
	b.keywords = keywords
	for _, e := range msgs {
		b.lastUID = max(b.lastUID, e.uid)
	}
}

type tombstone struct {
	uid    store.UID
	modSeq store.ModSeq
}

// trimTombs keeps the newest Config.TombstoneLimit tombstones; Changes
// since an older modseq reports ExpungedIncomplete.
func (b *box) trimTombs() {
	if over := len(b.tombs) - b.cfg.TombstoneLimit; over > 0 {
		b.floor = b.tombs[over-1].modSeq
		b.tombs = slices.Delete(b.tombs, 0, over)
	}
}
