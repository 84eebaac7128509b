package pop3

import (
	"bytes"
	"fmt"
	"strings"
)

// response is a parsed status line (RFC 1939 §3, RFC 2449 §8).
type response struct {
	ok   bool
	code string // response code without brackets, or ""
	text string
}

// parseResponse parses a status line without its CRLF: "+OK" or "-ERR"
// (any case, as lenient clients accept), then optionally a space and
// text, which may begin with a bracketed response code (RFC 2449 §8).
func parseResponse(line []byte) (response, error) {
	var r response
	var rest []byte
	switch {
	case hasPrefixFold(line, "+OK"):
		r.ok, rest = true, line[3:]
	case hasPrefixFold(line, "-ERR"):
		rest = line[4:]
	default:
		return r, fmt.Errorf("%w: %q", ErrMalformedResponse, truncate(line))
	}
	if len(rest) > 0 {
		if rest[0] != ' ' {
			return r, fmt.Errorf("%w: %q", ErrMalformedResponse, truncate(line))
		}
		rest = rest[1:]
	}
	r.code, rest = parseRespCode(rest)
	r.text = string(rest)
	return r, nil
}

// parseRespCode splits a leading response code off text:
// resp-code = "[" resp-level *("/" resp-level) "]", resp-level = 1*rchar,
// rchar = %x21-2E / %x30-5C / %x5E-7F (RFC 2449 §8). Text that starts
// with "[" but is not a code is left as text.
func parseRespCode(text []byte) (string, []byte) {
	if len(text) == 0 || text[0] != '[' {
		return "", text
	}
	end := bytes.IndexByte(text, ']')
	if end < 2 {
		return "", text
	}
	code := text[1:end]
	for _, level := range bytes.Split(code, []byte("/")) {
		if len(level) == 0 {
			return "", text
		}
		for _, c := range level {
			if c < 0x21 || c > 0x7e || c == '[' {
				return "", text
			}
		}
	}
	rest := text[end+1:]
	if len(rest) > 0 && rest[0] == ' ' {
		rest = rest[1:]
	}
	return string(code), rest
}

// format returns the status line r stands for, without CRLF.
func (r response) format() string {
	var b strings.Builder
	if r.ok {
		b.WriteString("+OK")
	} else {
		b.WriteString("-ERR")
	}
	if r.code != "" {
		b.WriteString(" [" + r.code + "]")
	}
	if r.text != "" {
		b.WriteString(" " + r.text)
	}
	return b.String()
}

// err returns the *Error of a -ERR response.
func (r response) err() error {
	return &Error{Code: r.code, Text: r.text}
}

func hasPrefixFold(b []byte, prefix string) bool {
	return len(b) >= len(prefix) && strings.EqualFold(string(b[:len(prefix)]), prefix)
}

// truncate shortens a line quoted in an error.
func truncate(b []byte) []byte {
	if len(b) > 80 {
		return b[:80]
	}
	return b
}
