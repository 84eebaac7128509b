package pop3

import (
	"errors"
	"strings"
	"unicode/utf8"
)

// maxKeyword is the longest command keyword accepted: RFC 1939 §3 and RFC
// 2449 §3 keywords have three or four characters; a little slack lets an
// unknown longer one be answered as unknown rather than malformed.
const maxKeyword = 8

// command is one parsed command line (RFC 1939 §3).
type command struct {
	name string   // keyword, upper case
	args []string // arguments split at spaces
	rest string   // the line after the keyword and one space, verbatim
}

// errSyntax is the error of a line that is not a command.
var errSyntax = errors.New("pop3: malformed command")

// parseCommand parses a command line without its CRLF: a keyword of
// letters and digits, then arguments separated by spaces (RFC 1939 §3).
// Arguments may be UTF-8 (RFC 6856 §2); control characters are refused.
func parseCommand(line []byte) (command, error) {
	s := string(line)
	if !utf8.ValidString(s) {
		return command{}, errSyntax
	}
	for _, r := range s {
		if r < 0x20 || r == 0x7f {
			return command{}, errSyntax
		}
	}
	name, rest, _ := strings.Cut(s, " ")
	if name == "" || len(name) > maxKeyword {
		return command{}, errSyntax
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !('A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9') {
			return command{}, errSyntax
		}
	}
	return command{name: strings.ToUpper(name), args: strings.Fields(rest), rest: rest}, nil
}

// parseNumber parses a message number or line count: 1*DIGIT (RFC 1939
// §3), at most nine digits so that it fits any int.
func parseNumber(s string) (int, bool) {
	if s == "" || len(s) > 9 {
		return 0, false
	}
	n := 0
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
		n = n*10 + int(s[i]-'0')
	}
	return n, true
}
