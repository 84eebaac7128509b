package maildir

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"

	"github.com/mailstack/mailstack/store"
)

// UIDListName is the per-folder file holding UIDs, shared with Dovecot.
const UIDListName = "dovecot-uidlist"

// MaxUIDListLine bounds one line of a UID list.
const MaxUIDListLine = 64 << 10

// UIDList is the content of a dovecot-uidlist file. Version 3 (Dovecot 1.1
// and later):
//
//	3 V<uidvalidity> N<nextuid> G<mailbox guid> [<key><value> ...]
//	<uid> [<key><value> ...] :<filename>
//
// Version 1 (Courier's courierimapuiddb too) is read as well:
//
//	1 <uidvalidity> <nextuid>
//	<uid> <filename>
//
// Records ascend by UID. Writers may append records after the header
// without rewriting it, so the next UID is the larger of NextUID and the
// last record's UID + 1 (see Next).
type UIDList struct {
	Version     int
	UIDValidity uint32
	NextUID     store.UID
	// HeaderExt holds the header's other fields (such as G<guid>), kept
	// when the file is rewritten.
	HeaderExt []string
	Records   []UIDRecord
}

// UIDRecord is one message of a UIDList.
type UIDRecord struct {
	UID store.UID
	// Ext holds the record's extension fields (such as W<size>),
	// space-separated, kept when the file is rewritten.
	Ext string
	// Name is the file name as recorded; compare by base name (see
	// SplitName), since flags change the rest.
	Name string
}

// UIDListError reports a malformed UID list line.
type UIDListError struct {
	Line   int
	Reason string
}

// Error names the uidlist line that could not be read and why.
func (e *UIDListError) Error() string {
	return fmt.Sprintf("maildir: %s line %d: %s", UIDListName, e.Line, e.Reason)
}

// Next returns the UID the next new message gets.
func (l *UIDList) Next() store.UID {
	n := l.NextUID
	if k := len(l.Records); k > 0 && l.Records[k-1].UID >= n {
		n = l.Records[k-1].UID + 1
	}
	if n == 0 {
		n = 1
	}
	return n
}

// ParseUIDList parses a whole UID list. A last line without its newline is
// ignored: it is a write that was cut short, and the next writer removes
// it. It returns the number of bytes consumed.
func ParseUIDList(data []byte) (*UIDList, int, error) {
	nl := bytes.IndexByte(data, '\n')
	if nl < 0 {
		return nil, 0, &UIDListError{1, "no complete header line"}
	}
	l := &UIDList{}
	if err := l.parseHeader(string(data[:nl])); err != nil {
		return nil, 0, err
	}
	n, err := l.ParseRecords(data[nl+1:], 2)
	return l, nl + 1 + n, err
}

func (l *UIDList) parseHeader(line string) error {
	if len(line) > MaxUIDListLine {
		return &UIDListError{1, "header too long"}
	}
	f := strings.Fields(line)
	if len(f) == 0 {
		return &UIDListError{1, "empty header"}
	}
	switch f[0] {
	case "1":
		if len(f) < 3 {
			return &UIDListError{1, "short version 1 header"}
		}
		v, err1 := strconv.ParseUint(f[1], 10, 32)
		n, err2 := strconv.ParseUint(f[2], 10, 32)
		if err1 != nil || err2 != nil {
			return &UIDListError{1, "bad version 1 header"}
		}
		l.Version, l.UIDValidity, l.NextUID = 1, uint32(v), store.UID(n)
	case "3":
		l.Version = 3
		for _, kv := range f[1:] {
			switch kv[0] {
			case 'V', 'N':
				v, err := strconv.ParseUint(kv[1:], 10, 32)
				if err != nil {
					return &UIDListError{1, "bad header field " + kv}
				}
				if kv[0] == 'V' {
					l.UIDValidity = uint32(v)
				} else {
					l.NextUID = store.UID(v)
				}
			default:
				l.HeaderExt = append(l.HeaderExt, kv)
			}
		}
	default:
		return &UIDListError{1, "unsupported version " + strconv.Quote(f[0])}
	}
	if l.UIDValidity == 0 {
		return &UIDListError{1, "missing UIDVALIDITY"}
	}
	return nil
}

// ParseRecords parses record lines (data starts at a line boundary) and
// appends them to l. lineNo is the line number of the first line, for
// errors. It returns the bytes consumed: up to the last complete line.
func (l *UIDList) ParseRecords(data []byte, lineNo int) (int, error) {
	used := 0
	for len(data) > 0 {
		nl := bytes.IndexByte(data, '\n')
		if nl < 0 {
			if len(data) > MaxUIDListLine {
				return used, &UIDListError{lineNo, "line too long"}
			}
			break
		}
		line := string(data[:nl])
		data = data[nl+1:]
		used += nl + 1
		if line == "" {
			lineNo++
			continue
		}
		if len(line) > MaxUIDListLine {
			return used, &UIDListError{lineNo, "line too long"}
		}
		rec, err := l.parseRecord(line)
		if err != nil {
			return used, &UIDListError{lineNo, err.Error()}
		}
		if k := len(l.Records); k > 0 && rec.UID <= l.Records[k-1].UID {
			return used, &UIDListError{lineNo, "UIDs not ascending"}
		}
		l.Records = append(l.Records, rec)
		lineNo++
	}
	return used, nil
}

func (l *UIDList) parseRecord(line string) (UIDRecord, error) {
	sp := strings.IndexByte(line, ' ')
	if sp <= 0 {
		return UIDRecord{}, fmt.Errorf("no UID")
	}
	u, err := strconv.ParseUint(line[:sp], 10, 32)
	if err != nil || u == 0 || u == uint64(store.MaxUID) {
		return UIDRecord{}, fmt.Errorf("bad UID %q", line[:sp])
	}
	rec := UIDRecord{UID: store.UID(u)}
	rest := strings.TrimLeft(line[sp:], " ")
	if l.Version == 3 {
		c := strings.Index(rest, ":")
		if c < 0 {
			return UIDRecord{}, fmt.Errorf("no ':' before file name")
		}
		rec.Ext = strings.TrimSpace(rest[:c])
		rest = rest[c+1:]
	}
	if rest == "" || strings.ContainsAny(rest, "/\x00") || len(rest) > MaxFileName {
		return UIDRecord{}, fmt.Errorf("bad file name %q", rest)
	}
	rec.Name = rest
	return rec, nil
}

// Bytes formats l as a version 3 file.
func (l *UIDList) Bytes() []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "3 V%d N%d", l.UIDValidity, l.Next())
	for _, e := range l.HeaderExt {
		b.WriteByte(' ')
		b.WriteString(e)
	}
	b.WriteByte('\n')
	for _, r := range l.Records {
		b.Write(FormatUIDRecord(r))
	}
	return b.Bytes()
}

// FormatUIDRecord formats one version 3 record line.
func FormatUIDRecord(r UIDRecord) []byte {
	b := strconv.AppendUint(nil, uint64(r.UID), 10)
	if r.Ext != "" {
		b = append(b, ' ')
		b = append(b, r.Ext...)
	}
	b = append(b, " :"...)
	b = append(b, r.Name...)
	return append(b, '\n')
}
