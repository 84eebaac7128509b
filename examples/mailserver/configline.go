package main

import (
	"slices"
	"strconv"
	"strings"
)

// keyLine returns the 1-based line of src where the dotted TOML key (as
// toml.Key.String formats it, quoted parts included) is assigned, or 0.
// It follows [table] headers and plain "key = value" lines, which is how
// configuration files are written; keys inside inline tables are not
// found, and the error then goes without a line. A table's key is found
// at its [header].
func keyLine(src []byte, key string) int {
	want := splitKey(key)
	if len(want) == 0 {
		return 0
	}
	var table []string
	for i, line := range strings.Split(string(src), "\n") {
		line = strings.TrimSpace(line)
		if strings.HasPrefix(line, "[") && !strings.HasPrefix(line, "[[") {
			end := strings.LastIndexByte(line, ']')
			if end > 0 {
				table = splitKey(line[1:end])
			}
			if slices.Equal(table, want) {
				return i + 1 // the key is the table itself
			}
			continue
		}
		k, _, ok := cutAssign(line)
		if !ok {
			continue
		}
		full := append(append([]string(nil), table...), splitKey(k)...)
		if slices.Equal(full, want) {
			return i + 1
		}
	}
	return 0
}

// cutAssign splits "key = value" at the first '=' outside quotes.
func cutAssign(line string) (key, value string, ok bool) {
	var quote byte
	for i := 0; i < len(line); i++ {
		switch c := line[i]; {
		case quote != 0:
			if c == '\\' && quote == '"' {
				i++
			} else if c == quote {
				quote = 0
			}
		case c == '"' || c == '\'':
			quote = c
		case c == '#':
			return "", "", false
		case c == '=':
			return strings.TrimSpace(line[:i]), line[i+1:], true
		}
	}
	return "", "", false
}

// splitKey splits a dotted key into its parts, unquoting quoted ones.
func splitKey(s string) []string {
	var parts []string
	s = strings.TrimSpace(s)
	for s != "" {
		var part string
		switch s[0] {
		case '"', '\'':
			end := closingQuote(s, s[0])
			part, s = unquoteKey(s[:end]), s[end:]
		default:
			dot := strings.IndexByte(s, '.')
			if dot < 0 {
				dot = len(s)
			}
			part, s = strings.TrimSpace(s[:dot]), s[dot:]
		}
		parts = append(parts, part)
		s = strings.TrimSpace(s)
		s = strings.TrimPrefix(s, ".")
		s = strings.TrimSpace(s)
	}
	return parts
}

// closingQuote returns the index just past the quote closing the string
// that s starts with, or len(s).
func closingQuote(s string, q byte) int {
	for i := 1; i < len(s); i++ {
		if s[i] == '\\' && q == '"' {
			i++
			continue
		}
		if s[i] == q {
			return i + 1
		}
	}
	return len(s)
}

// unquoteKey returns the value of a quoted key part; an unterminated one
// is taken as it stands after its opening quote.
func unquoteKey(q string) string {
	if q[0] == '"' {
		if u, err := strconv.Unquote(q); err == nil {
			return u
		}
	}
	if len(q) >= 2 && q[len(q)-1] == q[0] {
		return q[1 : len(q)-1]
	}
	return q[1:]
}
