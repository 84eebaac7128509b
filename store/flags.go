package store

import (
	"fmt"
	"slices"
	"strings"
)

// systemFlags in canonical order.
var systemFlags = [...]string{FlagSeen, FlagAnswered, FlagFlagged, FlagDeleted, FlagDraft}

// CanonicalFlag validates a flag and returns its stored spelling: a system
// flag in the canonical case, a keyword unchanged. \Recent and unknown
// backslash flags are refused with ErrInvalidFlag, as are keywords that are
// not atoms (RFC 9051 §9 flag-keyword = atom).
func CanonicalFlag(f string) (string, error) {
	if strings.HasPrefix(f, `\`) {
		for _, s := range systemFlags {
			if equalFold(f, s) {
				return s, nil
			}
		}
		return "", fmt.Errorf("%w: %q", ErrInvalidFlag, f)
	}
	if f == "" || len(f) > 256 {
		return "", fmt.Errorf("%w: %q", ErrInvalidFlag, f)
	}
	for i := 0; i < len(f); i++ {
		c := f[i]
		// RFC 9051 §9: ATOM-CHAR excludes atom-specials.
		if c <= ' ' || c >= 0x7f || strings.IndexByte(`(){%*"\]`, c) >= 0 {
			return "", fmt.Errorf("%w: %q", ErrInvalidFlag, f)
		}
	}
	return f, nil
}

// IsSystemFlag reports whether f is one of the five system flags.
func IsSystemFlag(f string) bool {
	for _, s := range systemFlags {
		if equalFold(f, s) {
			return true
		}
	}
	return false
}

// CanonicalFlags validates flags and returns them deduplicated
// (case-insensitively) and sorted: system flags first in the order \Seen
// \Answered \Flagged \Deleted \Draft, then keywords in byte order.
func CanonicalFlags(flags []string) ([]string, error) {
	out := make([]string, 0, len(flags))
	for _, f := range flags {
		c, err := CanonicalFlag(f)
		if err != nil {
			return nil, err
		}
		if !containsFold(out, c) {
			out = append(out, c)
		}
	}
	SortFlags(out)
	return out, nil
}

// SortFlags sorts flags in the canonical order of CanonicalFlags.
func SortFlags(flags []string) {
	slices.SortFunc(flags, func(a, b string) int {
		ra, rb := flagRank(a), flagRank(b)
		if ra != rb {
			return ra - rb
		}
		return strings.Compare(a, b)
	})
}

func flagRank(f string) int {
	for i, s := range systemFlags {
		if f == s {
			return i
		}
	}
	return len(systemFlags)
}

// ApplyFlags returns the flags that result from applying op with flags to
// cur (RFC 9051 §6.4.6), in canonical order. Both inputs must already be
// canonical; keywords compare case-insensitively, keeping cur's spelling.
func ApplyFlags(cur []string, op FlagOp, flags []string) []string {
	var out []string
	switch op {
	case FlagsReplace:
		out = slices.Clone(flags)
	case FlagsAdd:
		out = slices.Clone(cur)
		for _, f := range flags {
			if !containsFold(out, f) {
				out = append(out, f)
			}
		}
	case FlagsRemove:
		for _, f := range cur {
			if !containsFold(flags, f) {
				out = append(out, f)
			}
		}
	}
	SortFlags(out)
	return out
}

// SameFlags reports whether a and b hold the same flags, ignoring order and
// case.
func SameFlags(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for _, f := range a {
		if !containsFold(b, f) {
			return false
		}
	}
	return true
}

func containsFold(list []string, f string) bool {
	for _, x := range list {
		if equalFold(x, f) {
			return true
		}
	}
	return false
}
