package mbox

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/mailstack/mailstack/store"
)

// Mail programs that serve an mbox over IMAP keep their data in header
// fields of the messages themselves. Dovecot and UW-IMAP write, and
// mutt, Pine and Dovecot read:
//
//	X-IMAPbase: <uidvalidity> <last UID, 10 digits> [keyword ...]   first message
//	X-IMAP: (the same)                                               pseudo message
//	X-UID: <uid>
//	Status: R (\Seen) O (old: not \Recent)
//	X-Status: A (\Answered) F (\Flagged) T (\Draft) D (\Deleted)
//	X-Keywords: <keyword> ...
//	Content-Length: <body length>
//
// The pseudo message ("DON'T DELETE THIS MESSAGE -- FOLDER INTERNAL
// DATA") holds X-IMAP when the folder data has no real first message to
// live in, such as after every message was expunged; it is not listed.
// These fields are mailbox data, not message content: readers strip them
// (IsMetaHeader) when they serve a message.

// MaxKeywords bounds the keywords taken from one X-IMAPbase or X-Keywords
// field; more are ignored.
const MaxKeywords = 1000

// ErrBadMeta is wrapped by the errors of ParseBase.
var ErrBadMeta = errors.New("mbox: malformed metadata header")

// IsMetaHeader reports whether a header field name (without the colon) is
// one of the fields above, compared case-insensitively.
func IsMetaHeader(name string) bool {
	switch strings.ToLower(name) {
	case "x-imap", "x-imapbase", "x-uid", "status", "x-status", "x-keywords", "content-length":
		return true
	}
	return false
}

// Base is the folder data of an X-IMAPbase or X-IMAP field.
type Base struct {
	UIDValidity uint32
	// LastUID is the highest UID given so far; the next is LastUID+1.
	// (Despite some documentation calling it UIDNEXT, Dovecot writes the
	// last UID given.)
	LastUID uint32
	// Keywords are the folder's keywords, in the order defined.
	Keywords []string
}

// ParseBase parses the value of an X-IMAPbase or X-IMAP field. Keywords
// that are not valid IMAP atoms are dropped.
func ParseBase(v string) (Base, error) {
	f := strings.Fields(v)
	if len(f) < 2 {
		return Base{}, fmt.Errorf("%w: X-IMAPbase %q: want UIDVALIDITY and last UID", ErrBadMeta, trimForError(v))
	}
	validity, err1 := strconv.ParseUint(f[0], 10, 32)
	last, err2 := strconv.ParseUint(f[1], 10, 32)
	if err1 != nil || err2 != nil || validity == 0 {
		return Base{}, fmt.Errorf("%w: X-IMAPbase %q: bad number", ErrBadMeta, trimForError(v))
	}
	return Base{UIDValidity: uint32(validity), LastUID: uint32(last), Keywords: keywordList(f[2:])}, nil
}

// String formats b as Dovecot writes it, the last UID zero-padded to ten
// digits so that it can be rewritten in place.
func (b Base) String() string {
	var s strings.Builder
	fmt.Fprintf(&s, "%d %010d", b.UIDValidity, b.LastUID)
	for _, k := range b.Keywords {
		s.WriteByte(' ')
		s.WriteString(k)
	}
	return s.String()
}

func trimForError(s string) string {
	if len(s) > 64 {
		return s[:64] + "..."
	}
	return s
}

// keywordList keeps the valid, distinct keywords of f, at most
// MaxKeywords.
func keywordList(f []string) []string {
	var out []string
	for _, k := range f {
		if len(out) == MaxKeywords {
			break
		}
		c, err := store.CanonicalFlag(k)
		if err != nil || store.IsSystemFlag(c) || containsFold(out, c) {
			continue
		}
		out = append(out, c)
	}
	return out
}

func containsFold(list []string, s string) bool {
	for _, x := range list {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}

// Meta is what the metadata fields of one message's header say.
type Meta struct {
	// UID is the X-UID value, 0 if absent or malformed. It is valid only
	// in a file whose first message has a Base.
	UID uint32
	// Base is the X-IMAPbase or X-IMAP value, nil if none.
	Base *Base
	// Pseudo is true if the header has X-IMAP: the message is the folder
	// data pseudo message, not mail.
	Pseudo bool
	// Flags holds the flags of Status, X-Status and X-Keywords, in the
	// canonical order of store.CanonicalFlags.
	Flags []string
}

// metaState collects fields while a header is read.
type metaState struct {
	m                        Meta
	status, xstatus, xkwords strings.Builder
	last                     string // the metadata field being read
}

// field notes one metadata field.
func (s *metaState) field(name, value string) {
	value = strings.TrimSpace(value)
	switch strings.ToLower(name) {
	case "x-uid":
		if u, err := strconv.ParseUint(value, 10, 32); err == nil && s.m.UID == 0 {
			s.m.UID = uint32(u)
		}
	case "x-imapbase", "x-imap":
		if b, err := ParseBase(value); err == nil && s.m.Base == nil {
			s.m.Base = &b
		}
		if strings.EqualFold(name, "x-imap") {
			s.m.Pseudo = true
		}
	case "status":
		addCapped(&s.status, value)
	case "x-status":
		addCapped(&s.xstatus, value)
	case "x-keywords":
		addCapped(&s.xkwords, " "+value)
	}
}

// maxFlagField bounds how much of the Status, X-Status and X-Keywords
// values is kept, however often they repeat or fold.
const maxFlagField = 64 << 10

func addCapped(b *strings.Builder, v string) {
	if b.Len()+len(v) <= maxFlagField {
		b.WriteString(v)
	}
}

func (s *metaState) done() Meta {
	s.m.Flags = StatusFlags(s.status.String(), s.xstatus.String(), s.xkwords.String())
	return s.m
}

// StatusFlags returns the flags that Status, X-Status and X-Keywords values
// stand for, in canonical order. Unknown letters and invalid keywords are
// ignored.
func StatusFlags(status, xstatus, keywords string) []string {
	var out []string
	if strings.IndexByte(status, 'R') >= 0 {
		out = append(out, store.FlagSeen)
	}
	for _, l := range xstatusLetters {
		if strings.IndexByte(xstatus, l.letter) >= 0 {
			out = append(out, l.flag)
		}
	}
	out = append(out, keywordList(strings.Fields(keywords))...)
	store.SortFlags(out)
	return out
}

var xstatusLetters = []struct {
	letter byte
	flag   string
}{{'A', store.FlagAnswered}, {'F', store.FlagFlagged}, {'T', store.FlagDraft}, {'D', store.FlagDeleted}}

// FlagHeaders formats flags as the Status, X-Status and X-Keywords fields
// that mutt and Dovecot read, LF-terminated: Status is always written, "O"
// (old) with "R" for \Seen; X-Status and X-Keywords only when not empty.
func FlagHeaders(flags []string) []byte {
	var b bytes.Buffer
	b.WriteString("Status: ")
	if containsFold(flags, store.FlagSeen) {
		b.WriteByte('R')
	}
	b.WriteString("O\n")
	var x []byte
	for _, l := range xstatusLetters {
		if containsFold(flags, l.flag) {
			x = append(x, l.letter)
		}
	}
	if len(x) > 0 {
		b.WriteString("X-Status: " + string(x) + "\n")
	}
	var kw []string
	for _, f := range flags {
		if !strings.HasPrefix(f, `\`) {
			kw = append(kw, f)
		}
	}
	if len(kw) > 0 {
		b.WriteString("X-Keywords: " + strings.Join(kw, " ") + "\n")
	}
	return b.Bytes()
}

// SplitMeta separates a message header (the bytes up to and including the
// blank line that ends it, or all of them if there is none) into the
// header without metadata fields and what those fields say. A field's
// continuation lines go with it. Lines that are not fields are kept.
func SplitMeta(header []byte) (kept []byte, m Meta) {
	var st metaState
	kept = make([]byte, 0, len(header))
	skip := false
	for len(header) > 0 {
		line := header
		if i := bytes.IndexByte(header, '\n'); i >= 0 {
			line = header[:i+1]
		}
		header = header[len(line):]
		skip = st.line(line, skip)
		if !skip {
			kept = append(kept, line...)
		}
	}
	return kept, st.done()
}

// line notes one header line and reports whether it is (part of) a
// metadata field; inField says whether the line before was.
func (s *metaState) line(line []byte, inField bool) bool {
	if len(line) > 0 && (line[0] == ' ' || line[0] == '\t') {
		if inField {
			// RFC 5322 §2.2.3: unfolding joins the lines.
			switch s.last {
			case "status", "x-status", "x-keywords":
				s.field(s.last, string(line))
			}
		}
		return inField
	}
	name, value, ok := bytes.Cut(line, []byte(":"))
	n := string(bytes.TrimRight(name, " \t"))
	if !ok || !IsMetaHeader(n) {
		return false
	}
	s.last = strings.ToLower(n)
	s.field(n, string(value))
	return true
}
