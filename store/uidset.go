package store

import (
	"strconv"
	"strings"
)

// UIDRange is the inclusive range Start..Stop of UIDs. The IMAP server
// resolves "*" (RFC 9051 §9 seq-number) before calling the store.
type UIDRange struct {
	Start, Stop UID
}

// UIDSet is a set of UIDs as ranges, in any order, possibly overlapping.
// An empty set holds no UID; use All for every message.
type UIDSet []UIDRange

// All is the UIDSet of every possible UID.
var All = UIDSet{{Start: 1, Stop: MaxUID}}

// UIDSetOf returns the set of the given UIDs.
func UIDSetOf(uids ...UID) UIDSet {
	s := make(UIDSet, 0, len(uids))
	for _, u := range uids {
		s = append(s, UIDRange{Start: u, Stop: u})
	}
	return s
}

// Contains reports whether uid is in the set.
func (s UIDSet) Contains(uid UID) bool {
	for _, r := range s {
		lo, hi := r.Start, r.Stop
		if lo > hi {
			lo, hi = hi, lo
		}
		if lo <= uid && uid <= hi {
			return true
		}
	}
	return false
}

// Bounds returns the smallest and largest UID the set may contain, for
// stores that scan a sorted list. ok is false for an empty set.
func (s UIDSet) Bounds() (lo, hi UID, ok bool) {
	for i, r := range s {
		a, b := r.Start, r.Stop
		if a > b {
			a, b = b, a
		}
		if i == 0 || a < lo {
			lo = a
		}
		if i == 0 || b > hi {
			hi = b
		}
	}
	return lo, hi, len(s) > 0
}

// String formats the set as an IMAP sequence-set (RFC 9051 §9), for logs
// and errors.
func (s UIDSet) String() string {
	var b strings.Builder
	for i, r := range s {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.FormatUint(uint64(r.Start), 10))
		if r.Stop != r.Start {
			b.WriteByte(':')
			b.WriteString(strconv.FormatUint(uint64(r.Stop), 10))
		}
	}
	return b.String()
}

// Filter returns the elements of uids (ascending) that are in the set. It
// costs O(len(uids) × len(s)) at worst, O(len(uids)) for a single range.
func (s UIDSet) Filter(uids []UID) []UID {
	var out []UID
	for _, u := range uids {
		if s.Contains(u) {
			out = append(out, u)
		}
	}
	return out
}

// SearchIndex returns the index of the first element of a slice sorted by
// UID whose UID is >= uid; key extracts the UID of element i. Stores use it
// to jump to the start of a range in a 100 000-message list.
func SearchIndex(n int, key func(i int) UID, uid UID) int {
	lo, hi := 0, n
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if key(m) < uid {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo
}
