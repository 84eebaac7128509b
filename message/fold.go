package message

// Folding limits of RFC 5322 §2.1.1: lines SHOULD be at most 78 characters
// and MUST be at most 998, both without the CRLF.
const (
	softLineLimit = 78
	hardLineLimit = 998
)

// foldField formats "name: value" folded at white space (RFC 5322 §2.2.3):
// a line is broken before the white space that would take it past 78
// characters. Encoded words hold no white space, so they are never split
// (RFC 2047 §2). A run without white space longer than 998 cannot be folded
// without changing the value and is written as it is.
func foldField(name, value, eol string) []byte {
	for len(value) > 0 && (value[0] == ' ' || value[0] == '\t') {
		value = value[1:]
	}
	for len(value) > 0 && (value[len(value)-1] == ' ' || value[len(value)-1] == '\t') {
		value = value[:len(value)-1]
	}
	b := make([]byte, 0, len(name)+len(value)+len(value)/softLineLimit*len(eol)+4)
	b = append(b, name...)
	b = append(b, ':')
	if value != "" {
		b = append(b, ' ')
	}
	lineStart := 0
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
		b = append(b, value[i:k]...)
		i = k
	}
	return append(b, eol...)
}
