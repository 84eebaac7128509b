package maildir

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"

	"github.com/mailstack/mailstack/store"
)

// JournalName is the per-folder file where mailstack keeps modseqs, since
// dovecot-uidlist has no place for them (Dovecot keeps its own in
// dovecot.index, which mailstack does not write). It is an append-only log,
// compacted now and then by rewriting it whole (temp file + rename):
//
//	mailstack-modseq 1 V<uidvalidity> F<floor>
//	<uid> <modseq> =<flag letters>     message seen with these flags
//	<uid> <modseq> @<sec> =<letters>   the same, first line of a message:
//	                                   saved at <sec> (Unix time)
//	<uid> <modseq> -                   expunge tombstone
//
// The save date (RFC 8514, store.MessageInfo.SaveDate) is written once, on
// the line that first records a message: when Append, Copy or Move saved
// it, or when a scan first found a file another program delivered (its
// mtime then: the delivery time). Later lines of the message leave it out
// and it carries over, so flag changes never change it.
//
// F is the highest modseq of a tombstone dropped by compaction: changes
// asked for since an older modseq may miss expunges. The file is written
// only under the dovecot-uidlist lock.
const JournalName = "mailstack-modseq"

type jentry struct {
	modSeq  store.ModSeq
	letters string
	saved   int64 // save date, Unix seconds; 0 if not recorded
}

type tombstone struct {
	uid    store.UID
	modSeq store.ModSeq
}

// journal is the parsed state of a JournalName file.
type journal struct {
	uidValidity uint32
	floor       store.ModSeq
	highest     store.ModSeq
	entries     map[store.UID]jentry
	tombs       []tombstone // ascending modseq
	lines       int
}

func newJournal(v uint32) *journal {
	return &journal{uidValidity: v, entries: map[store.UID]jentry{}}
}

// JournalError reports a malformed journal line.
type JournalError struct {
	Line   int
	Reason string
}

// Error names the journal line that could not be read and why.
func (e *JournalError) Error() string {
	return fmt.Sprintf("maildir: %s line %d: %s", JournalName, e.Line, e.Reason)
}

func (j *journal) parseHeader(line string) error {
	f := strings.Fields(line)
	if len(f) < 3 || f[0] != "mailstack-modseq" || f[1] != "1" {
		return &JournalError{1, "bad header"}
	}
	for _, kv := range f[2:] {
		v, err := strconv.ParseUint(kv[1:], 10, 64)
		if err != nil {
			return &JournalError{1, "bad header field " + kv}
		}
		switch kv[0] {
		case 'V':
			j.uidValidity = uint32(v)
		case 'F':
			j.floor = store.ModSeq(v)
		}
	}
	if j.floor > j.highest {
		j.highest = j.floor
	}
	return nil
}

// parse applies complete lines of data; it returns the bytes consumed.
func (j *journal) parse(data []byte, header bool) (int, error) {
	used := 0
	for {
		nl := bytes.IndexByte(data[used:], '\n')
		if nl < 0 {
			return used, nil
		}
		line := string(data[used : used+nl])
		used += nl + 1
		j.lines++
		if header {
			header = false
			if err := j.parseHeader(line); err != nil {
				return used, err
			}
			continue
		}
		if err := j.apply(line); err != nil {
			return used, &JournalError{j.lines, err.Error()}
		}
	}
}

func (j *journal) apply(line string) error {
	f := strings.SplitN(line, " ", 3)
	if len(f) != 3 {
		return fmt.Errorf("short line")
	}
	u, err1 := strconv.ParseUint(f[0], 10, 32)
	m, err2 := strconv.ParseUint(f[1], 10, 64)
	if err1 != nil || err2 != nil || u == 0 || m == 0 {
		return fmt.Errorf("bad numbers")
	}
	uid, ms := store.UID(u), store.ModSeq(m)
	if ms > j.highest {
		j.highest = ms
	}
	switch {
	case f[2] == "-":
		delete(j.entries, uid)
		j.tombs = append(j.tombs, tombstone{uid, ms})
	case strings.HasPrefix(f[2], "@"):
		sec, letters, ok := strings.Cut(f[2][1:], " ")
		v, err := strconv.ParseInt(sec, 10, 64)
		if !ok || err != nil || v <= 0 || !strings.HasPrefix(letters, "=") {
			return fmt.Errorf("bad entry %q", f[2])
		}
		j.entries[uid] = jentry{ms, letters[1:], v}
	case strings.HasPrefix(f[2], "="):
		j.entries[uid] = jentry{ms, f[2][1:], j.entries[uid].saved}
	default:
		return fmt.Errorf("bad entry %q", f[2])
	}
	return nil
}

func (j *journal) header() []byte {
	return fmt.Appendf(nil, "mailstack-modseq 1 V%d F%d\n", j.uidValidity, j.floor)
}

// entryLine formats a message's line; saved is its save date in Unix
// seconds on the line that first records it, else 0.
func entryLine(b []byte, uid store.UID, ms store.ModSeq, saved int64, letters string) []byte {
	b = strconv.AppendUint(b, uint64(uid), 10)
	b = append(b, ' ')
	b = strconv.AppendUint(b, uint64(ms), 10)
	if saved > 0 {
		b = append(b, " @"...)
		b = strconv.AppendInt(b, saved, 10)
	}
	b = append(b, " ="...)
	b = append(b, letters...)
	return append(b, '\n')
}

func tombLine(b []byte, uid store.UID, ms store.ModSeq) []byte {
	b = strconv.AppendUint(b, uint64(uid), 10)
	b = append(b, ' ')
	b = strconv.AppendUint(b, uint64(ms), 10)
	return append(b, " -\n"...)
}

// compacted returns the whole file content keeping the last limit
// tombstones; it updates j.floor and j.tombs.
func (j *journal) compacted(limit int, uids []store.UID) []byte {
	if over := len(j.tombs) - limit; over > 0 {
		j.floor = j.tombs[over-1].modSeq
		j.tombs = append([]tombstone(nil), j.tombs[over:]...)
	}
	b := j.header()
	for _, u := range uids {
		if e, ok := j.entries[u]; ok {
			b = entryLine(b, u, e.modSeq, e.saved, e.letters)
		}
	}
	for _, t := range j.tombs {
		b = tombLine(b, t.uid, t.modSeq)
	}
	j.lines = 1 + len(uids) + len(j.tombs)
	return b
}
