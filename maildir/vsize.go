package maildir

import (
	"io"
	"strconv"
	"strings"

	"github.com/mailstack/mailstack/store"
)

// Dovecot puts two sizes in the base of the names it gives message files:
// ",S=<size>" (the file's length) and ",W=<vsize>" (its "virtual size":
// the length with every LF not preceded by CR counted as CR LF, which is
// what IMAP and POP3 send). Reading them from the name spares opening the
// file to learn RFC822.SIZE, or reading it whole before BODY[] can be
// announced. mailstack writes both in names it makes.

// nameField returns the number after key (",S=" or ",W=") in a base name,
// or -1 if absent or malformed.
func nameField(base, key string) int64 {
	i := strings.Index(base, key)
	if i < 0 {
		return -1
	}
	s := base[i+len(key):]
	j := 0
	for j < len(s) && j < 19 && s[j] >= '0' && s[j] <= '9' {
		j++
	}
	if j == 0 || (j < len(s) && s[j] != ',') {
		return -1
	}
	n, err := strconv.ParseInt(s[:j], 10, 64)
	if err != nil {
		return -1
	}
	return n
}

// sizeFromName returns the S=<size> field of a base name, or -1.
func sizeFromName(base string) int64 { return nameField(base, ",S=") }

// vsizeFromName returns the W=<vsize> field of a base name if it can be
// the CRLF size of a file of size bytes (at least size, at most twice it:
// at most every byte a bare LF), else 0 (unknown). A wrong W= would make a
// server announce a literal of the wrong length, so a value that cannot be
// right is not believed.
func vsizeFromName(base string, size int64) int64 {
	w := nameField(base, ",W=")
	if w < 0 || w < size || w > 2*size || size <= 0 {
		return 0
	}
	return w
}

// vsizeFromUIDList returns the W<vsize> extension field of uid's record in
// the UID list (where Dovecot may keep a virtual size the file name lacks),
// checked as vsizeFromName checks it, or 0.
func (f *folder) vsizeFromUIDList(uid store.UID, size int64) int64 {
	if f.ul == nil {
		return 0
	}
	recs := f.ul.Records
	i := store.SearchIndex(len(recs), func(i int) store.UID { return recs[i].UID }, uid)
	if i == len(recs) || recs[i].UID != uid || recs[i].Ext == "" {
		return 0
	}
	for _, e := range strings.Fields(recs[i].Ext) {
		if e[0] == 'W' {
			return vsizeFromName(",W="+e[1:], size)
		}
	}
	return 0
}

// vsizeField returns the ",W=<vsize>" to add to a base name, or "" if
// vsize is unknown.
func vsizeField(vsize int64) string {
	if vsize <= 0 {
		return ""
	}
	return ",W=" + strconv.FormatInt(vsize, 10)
}

// vsizeReader counts the CRLF size of what is read through it, so that a
// writer that streams a message into tmp/ can add ",W=" to its name:
//
//	vr := &vsizeReader{r: r}
//	tmp, base, err := writeTemp(ctx, dir, host, vr, max)
//	base += vr.field()
//
// Deliver can use it the same way.
type vsizeReader struct {
	r io.Reader
	c store.CRLFCounter
}

func (v *vsizeReader) Read(p []byte) (int, error) {
	n, err := v.r.Read(p)
	v.c.Write(p[:n])
	return n, err
}

// field returns ",W=<vsize>" for what was read.
func (v *vsizeReader) field() string { return vsizeField(v.c.Size()) }
