package message

import (
	"strings"
)

// Folding limits of RFC 5322 §2.1.1: lines SHOULD be at most 78 characters
// and MUST be at most 998, both without the CRLF.
const (
	softLineLimit = 78
	hardLineLimit = 998

	// maxRun is the longest run without white space that fits on a folded
	// line, after the white space that starts it.
	maxRun = hardLineLimit - 1
)

// foldField formats "name: value" folded at white space (RFC 5322 §2.2.3):
// a line is broken before the white space that would take it past 78
// characters, and right after the colon when the first word would take the
// first line past 998. Encoded words hold no white space, so they are never
// split (RFC 2047 §2). A run without white space longer than maxRun cannot
// be folded; callers that may change its form replace it first (see
// encodeLongRuns), others get it written as it is.
func foldField(name, value, eol string) []byte {
	value = strings.Trim(value, " \t")
	b := make([]byte, 0, len(name)+len(value)+len(value)/softLineLimit*len(eol)+4)
	b = append(b, name...)
	b = append(b, ':')
	if value == "" {
		return append(b, eol...)
	}
	lineStart := 0
	first := strings.IndexAny(value, " \t")
	if first < 0 {
		first = len(value)
	}
	if len(b)+1+first > hardLineLimit {
		b = append(b, eol...) // RFC 5322 §3.2.2: FWS may follow the colon
		lineStart = len(b)
	}
	b = append(b, ' ')
	for i := 0; i < len(value); {
		j := i
		for j < len(value) && (value[j] == ' ' || value[j] == '\t') {
			j++
		}
		k := j
		for k < len(value) && value[k] != ' ' && value[k] != '\t' {
			k++
		}
		lineLen := len(b) - lineStart
		seg := k - i
		// Fold only before white space, only after the line has content,
		// and when the segment would cross the soft limit.
		if j > i && lineLen+seg > softLineLimit && lineLen > 0 {
			b = append(b, eol...)
			lineStart = len(b)
		}
		// A white space run that would cross the hard limit is folded
		// inside (FWS allows a break before any WSP), keeping one WSP to
		// start the line of the word that follows.
		for p := i; p < j; p++ {
			need := 1
			if p == j-1 {
				need += k - j
			}
			if n := len(b) - lineStart; n > 0 && n+need > hardLineLimit {
				b = append(b, eol...)
				lineStart = len(b)
			}
			b = append(b, value[p])
		}
		b = append(b, value[j:k]...)
		i = k
	}
	return append(b, eol...)
}

// unstructuredFields are the fields whose value is unstructured text
// (RFC 5322 §3.6.5, RFC 2045 §8), in which Add may rewrite an over-long
// run as encoded words (RFC 2047 §5 (1)).
var unstructuredFields = []string{"Subject", "Comments", "Content-Description"}

func isUnstructured(name string) bool {
	for _, n := range unstructuredFields {
		if strings.EqualFold(n, name) {
			return true
		}
	}
	return false
}

// encodeLongRuns rewrites unstructured text that has a run without white
// space longer than maxRun so that the field can be folded within 998
// characters, using RFC 2047 encoded words, which are short and separated by
// spaces. The decoded text (Field.Text) stays the same. Without encoded
// words in the value only the long runs are encoded (consecutive ones
// together: white space between two encoded words is dropped when decoding,
// RFC 2047 §6.2). With encoded words, whose neighbours decoding joins
// (and whose white space it drops), the whole decoded text is encoded.
func encodeLongRuns(v string) string {
	if !hasLongRun(v) {
		return v
	}
	if strings.Contains(v, "=?") {
		var out strings.Builder
		appendEncodedWords(&out, DecodeText([]byte(strings.Trim(v, " \t"))))
		return out.String()
	}
	return encodeRuns(splitWSP(v), func(word string) bool { return len(word) > maxRun })
}

func hasLongRun(v string) bool {
	n := 0
	for i := 0; i < len(v); i++ {
		if v[i] == ' ' || v[i] == '\t' {
			n = 0
		} else if n++; n > maxRun {
			return true
		}
	}
	return false
}
