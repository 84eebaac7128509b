package imap

import (
	"bytes"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// SEARCH compares strings case-insensitively (RFC 9051 §6.4.4: a message
// matches if the string is a substring of the field, "case-insensitive").
// As Dovecot does, the comparison is Unicode-aware: both sides are
// decomposed rune by rune (NFKD, as RFC 5051's i;unicode-casemap does) and
// brought to one case with Unicode simple case folding. So "cafe" finds
// "café" whether é is one rune or e and a combining accent, "ÉTÉ" finds
// "été", "K" finds KELVIN SIGN and "fi" finds the ﬁ ligature, but "GRÜSSE"
// does not find "grüße" (ß has no single-rune upper case). Decomposing
// each rune alone, without canonical reordering across runes (Dovecot
// does the same), keeps the streaming matcher context-free.

// foldRune returns the canonical member of r's simple case-folding orbit
// (unicode.SimpleFold): its smallest rune. Two runes are equal under simple
// case folding exactly when their canonical members are equal. For ASCII
// letters that member is the upper-case letter.
func foldRune(r rune) rune {
	if r < utf8.RuneSelf {
		if 'a' <= r && r <= 'z' {
			return r - ('a' - 'A')
		}
		return r
	}
	least := r
	for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
		least = min(least, f)
	}
	return least
}

// appendFold appends src with every rune folded to dst. Invalid UTF-8
// becomes U+FFFD, so the result is valid UTF-8 and a byte substring match
// on it is a rune substring match. It returns the bytes of src left
// unconsumed: an incomplete sequence at the end, when !final.
func appendFold(dst, src []byte, final bool) ([]byte, []byte) {
	for i := 0; i < len(src); {
		c := src[i]
		if c < utf8.RuneSelf {
			if 'a' <= c && c <= 'z' {
				c -= 'a' - 'A'
			}
			dst = append(dst, c)
			i++
			continue
		}
		if !final && !utf8.FullRune(src[i:]) {
			return dst, src[i:]
		}
		r, n := utf8.DecodeRune(src[i:])
		dst = appendFoldRune(dst, r, src[i:i+n])
		i += n
	}
	return dst, nil
}

// appendFoldRune appends r, encoded as enc, decomposed (NFKD) and folded.
func appendFoldRune(dst []byte, r rune, enc []byte) []byte {
	d := norm.NFKD.Properties(enc).Decomposition()
	if r == utf8.RuneError || d == nil {
		return utf8.AppendRune(dst, foldRune(r))
	}
	for _, dr := range string(d) {
		dst = utf8.AppendRune(dst, foldRune(dr))
	}
	return dst
}

// foldString returns s folded, for needles and header values.
func foldString(s string) []byte {
	b, _ := appendFold(make([]byte, 0, len(s)), []byte(s), true)
	return b
}

// containsFold reports whether needle (folded with foldString) occurs in
// hay under simple case folding.
func containsFolded(hay string, needle []byte) bool {
	if len(needle) == 0 {
		return true
	}
	b, _ := appendFold(make([]byte, 0, len(hay)), []byte(hay), true)
	return bytes.Contains(b, needle)
}

// textMatcher finds a folded needle in a stream of UTF-8 text written in
// pieces of any size, holding only the last len(needle)-1 folded bytes
// between writes: a match across two writes is found, and memory stays
// bounded by the largest write.
type textMatcher struct {
	needle []byte
	win    []byte // folded tail of earlier writes, then the current write
	carry  []byte // an incomplete UTF-8 sequence from the last write
	found  bool
}

func (m *textMatcher) reset(needle []byte) {
	m.needle, m.win, m.carry, m.found = needle, m.win[:0], m.carry[:0], len(needle) == 0
}

// restart forgets the text written so far (a new MIME part begins), so
// that no match spans two parts.
func (m *textMatcher) restart() {
	m.win, m.carry = m.win[:0], m.carry[:0]
}

// Write adds text; it never fails, so it can end an io.Copy.
func (m *textMatcher) Write(p []byte) (int, error) {
	if m.found {
		return len(p), nil
	}
	src := p
	if len(m.carry) > 0 {
		src = append(m.carry, p...)
	}
	var rest []byte
	m.win, rest = appendFold(m.win, src, false)
	m.carry = append(m.carry[:0:0], rest...)
	if bytes.Contains(m.win, m.needle) {
		m.found = true
		return len(p), nil
	}
	if keep := len(m.needle) - 1; len(m.win) > keep {
		m.win = append(m.win[:0], m.win[len(m.win)-keep:]...)
	}
	return len(p), nil
}

// flush ends the current text: an incomplete sequence left over counts as
// U+FFFD.
func (m *textMatcher) flush() {
	if len(m.carry) > 0 && !m.found {
		m.win, _ = appendFold(m.win, m.carry, true)
		m.found = bytes.Contains(m.win, m.needle)
	}
	m.carry = m.carry[:0]
}
