package imapwire

import (
	"errors"
	"strconv"
	"strings"
)

// ErrBadSeqSet reports a malformed sequence set (RFC 9051 §9 sequence-set).
var ErrBadSeqSet = errors.New("imapwire: invalid sequence set")

// Star is the value of "*" in a SeqRange: the largest number in use.
const Star = 0

// SeqRange is "Start:Stop" or a single number (Start == Stop); either end
// may be Star. The ends may be in either order (RFC 9051 §9 seq-range).
type SeqRange struct {
	Start, Stop uint32
}

// SeqSet is a parsed sequence-set: ranges of sequence numbers or UIDs, or
// the saved search result "$" (RFC 5182 §2).
type SeqSet struct {
	Ranges []SeqRange
	Saved  bool // "$"
}

// maxSeqRanges bounds the ranges of one set; the command-length limit
// bounds it too, this keeps a hostile "1,1,1,…" from costing more than the
// bytes it took.
const maxSeqRanges = 1 << 16

// ParseSeqSet parses a sequence-set (RFC 9051 §9):
//
//	sequence-set = (seq-number / seq-range) ["," sequence-set] / "$"
//	seq-range    = seq-number ":" seq-number
//	seq-number   = nz-number / "*"
func ParseSeqSet(s string) (SeqSet, error) {
	if s == "$" {
		return SeqSet{Saved: true}, nil
	}
	if s == "" {
		return SeqSet{}, ErrBadSeqSet
	}
	var set SeqSet
	for part := range strings.SplitSeq(s, ",") {
		if len(set.Ranges) == maxSeqRanges {
			return SeqSet{}, ErrBadSeqSet
		}
		a, b, isRange := strings.Cut(part, ":")
		x, err := parseSeqNumber(a)
		if err != nil {
			return SeqSet{}, err
		}
		y := x
		if isRange {
			if y, err = parseSeqNumber(b); err != nil {
				return SeqSet{}, err
			}
		}
		set.Ranges = append(set.Ranges, SeqRange{x, y})
	}
	return set, nil
}

func parseSeqNumber(s string) (uint32, error) {
	if s == "*" {
		return Star, nil
	}
	// nz-number = digit-nz *DIGIT, fitting in 32 bits (RFC 9051 §9).
	if s == "" || s[0] == '0' || len(s) > 10 {
		return 0, ErrBadSeqSet
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, ErrBadSeqSet
		}
	}
	n, err := strconv.ParseUint(s, 10, 32)
	if err != nil {
		return 0, ErrBadSeqSet
	}
	return uint32(n), nil
}

// String formats the set in IMAP syntax.
func (s SeqSet) String() string {
	if s.Saved {
		return "$"
	}
	var b []byte
	for i, r := range s.Ranges {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendSeqNumber(b, r.Start)
		if r.Stop != r.Start {
			b = append(b, ':')
			b = appendSeqNumber(b, r.Stop)
		}
	}
	return string(b)
}

func appendSeqNumber(b []byte, n uint32) []byte {
	if n == Star {
		return append(b, '*')
	}
	return strconv.AppendUint(b, uint64(n), 10)
}

// Bounds returns range r with Star replaced by max and the ends in
// ascending order (RFC 9051 §9: "*" is the largest number in use, and
// 3:* and *:3 are the same set).
func (r SeqRange) Bounds(max uint32) (lo, hi uint32) {
	lo, hi = r.Start, r.Stop
	if lo == Star {
		lo = max
	}
	if hi == Star {
		hi = max
	}
	if lo > hi {
		lo, hi = hi, lo
	}
	return lo, hi
}

// Contains reports whether n is in the set, "*" standing for max.
func (s SeqSet) Contains(n, max uint32) bool {
	for _, r := range s.Ranges {
		lo, hi := r.Bounds(max)
		if lo <= n && n <= hi {
			return true
		}
	}
	return false
}

// FormatUIDs formats ascending numbers as a compact sequence set, merging
// consecutive runs ("1:3,7"), for COPYUID, ESEARCH ALL and similar.
func FormatUIDs(nums []uint32) string {
	var b []byte
	for i := 0; i < len(nums); {
		j := i
		for j+1 < len(nums) && nums[j+1] == nums[j]+1 {
			j++
		}
		if len(b) > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendUint(b, uint64(nums[i]), 10)
		if j > i {
			b = append(b, ':')
			b = strconv.AppendUint(b, uint64(nums[j]), 10)
		}
		i = j + 1
	}
	return string(b)
}
