package envelope

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strings"
)

// Defaults for ReadReplyOptions.
const (
	// DefaultReplyReadLineLength is the default longest reply line
	// ReadReply accepts, CRLF included. RFC 5321 §4.5.3.1.5 sets 512, but
	// real servers exceed it and §4.5.3.1 asks receivers to be tolerant;
	// 2048 is Postfix's line_length_limit.
	DefaultReplyReadLineLength = 2048
	// DefaultReplyReadLines is the default largest number of lines in one
	// reply. EHLO replies, the longest in practice, have about twenty.
	DefaultReplyReadLines = 100
)

// Errors wrapped by ReplyParseError.
var (
	// ErrReplySyntax reports a line that is not "code[SP text]" or
	// "code-text" (RFC 5321 §4.2), or text with control characters.
	ErrReplySyntax = errors.New("envelope: malformed SMTP reply")
	// ErrReplyCodeMismatch reports lines of one reply with different codes
	// (RFC 5321 §4.2.1 requires the same code on every line).
	ErrReplyCodeMismatch = errors.New("envelope: reply lines carry different codes")
	// ErrReplyLineTooLong reports a line over the MaxLineLength limit.
	ErrReplyLineTooLong = errors.New("envelope: SMTP reply line too long")
	// ErrReplyTooManyLines reports a reply over the MaxLines limit.
	ErrReplyTooManyLines = errors.New("envelope: too many SMTP reply lines")
)

// ReplyParseError describes a reply that could not be read. Err is one of
// the ErrReply sentinels; use errors.Is to classify it.
type ReplyParseError struct {
	Line int    // 1-based line of the reply where the problem was found
	Text string // the offending line, when it was read in full
	Err  error
}

// Error implements error; the line is quoted so it cannot forge logs.
func (e *ReplyParseError) Error() string {
	if e.Text == "" {
		return fmt.Sprintf("%v (line %d)", e.Err, e.Line)
	}
	return fmt.Sprintf("%v (line %d): %q", e.Err, e.Line, e.Text)
}

// Unwrap returns the underlying error.
func (e *ReplyParseError) Unwrap() error { return e.Err }

// ReadReplyOptions sets the limits of ReadReply. The zero value and a nil
// pointer give the defaults.
type ReadReplyOptions struct {
	// MaxLineLength is the longest line accepted, in octets including the
	// line ending. Zero means DefaultReplyReadLineLength.
	MaxLineLength int
	// MaxLines is the most lines one reply may have. Zero means
	// DefaultReplyReadLines.
	MaxLines int
}

func (o *ReadReplyOptions) limits() (maxLine, maxLines int) {
	maxLine, maxLines = DefaultReplyReadLineLength, DefaultReplyReadLines
	if o != nil && o.MaxLineLength > 0 {
		maxLine = o.MaxLineLength
	}
	if o != nil && o.MaxLines > 0 {
		maxLines = o.MaxLines
	}
	return maxLine, maxLines
}

// ReadReply reads one SMTP reply, possibly multi-line (RFC 5321 §4.2.1),
// from r. Every line must carry the same code; the enhanced status code
// (RFC 2034 §4) is taken from the first line when its class matches the
// code's first digit, and stripped from the following lines that repeat
// it. Lines end in CRLF; a bare LF is tolerated.
//
// It returns io.EOF if r is at end of input before the reply starts and
// io.ErrUnexpectedEOF if input ends inside it; other read errors are
// returned as they are, and malformed replies give a *ReplyParseError.
// After a ReplyParseError for a long line r is left inside that line:
// the session is out of step and should be closed.
func ReadReply(r *bufio.Reader, opts *ReadReplyOptions) (*Reply, error) {
	maxLine, maxLines := opts.limits()
	reply := &Reply{}
	for n := 1; ; n++ {
		if n > maxLines {
			return nil, &ReplyParseError{Line: n, Err: ErrReplyTooManyLines}
		}
		line, err := readReplyLine(r, maxLine)
		if err == io.EOF && n > 1 {
			err = io.ErrUnexpectedEOF
		}
		if err == errLineTooLong {
			return nil, &ReplyParseError{Line: n, Err: ErrReplyLineTooLong}
		}
		if err != nil {
			return nil, err
		}
		more, err := reply.addLine(line, n)
		if err != nil {
			return nil, err
		}
		if !more {
			return reply, nil
		}
	}
}

var errLineTooLong = errors.New("line too long")

// readReplyLine reads one line of at most max octets with its ending and
// returns it without the ending.
func readReplyLine(r *bufio.Reader, max int) (string, error) {
	var buf []byte
	for {
		frag, err := r.ReadSlice('\n')
		if len(buf)+len(frag) > max {
			return "", errLineTooLong
		}
		buf = append(buf, frag...)
		if err == nil {
			break
		}
		if err == bufio.ErrBufferFull {
			continue
		}
		if err == io.EOF && len(buf) > 0 {
			err = io.ErrUnexpectedEOF
		}
		return "", err
	}
	buf = buf[:len(buf)-1]
	if len(buf) > 0 && buf[len(buf)-1] == '\r' {
		buf = buf[:len(buf)-1]
	}
	return string(buf), nil
}

// addLine parses line n of the reply into r and reports whether more
// lines follow. RFC 5321 §4.2: Reply-line = *( Reply-code "-" [ textstring
// ] CRLF ) Reply-code [ SP textstring ] CRLF.
func (r *Reply) addLine(line string, n int) (more bool, err error) {
	fail := func(e error) (bool, error) {
		return false, &ReplyParseError{Line: n, Text: line, Err: e}
	}
	if len(line) < 3 || !isDigit(line[0]) || !isDigit(line[1]) || !isDigit(line[2]) {
		return fail(ErrReplySyntax)
	}
	code := int(line[0]-'0')*100 + int(line[1]-'0')*10 + int(line[2]-'0')
	if !validCode(code) {
		return fail(ErrReplySyntax)
	}
	if n > 1 && code != r.Code {
		return fail(ErrReplyCodeMismatch)
	}
	r.Code = code
	var text string
	if len(line) > 3 {
		switch line[3] {
		case '-':
			more = true
		case ' ':
		default:
			return fail(ErrReplySyntax)
		}
		text = line[4:]
	}
	if hasControlExceptTab(text) {
		return fail(ErrReplySyntax)
	}
	text = r.takeEnhanced(text, n)
	r.Lines = append(r.Lines, text)
	return more, nil
}

// takeEnhanced strips an enhanced status code from the start of text: on
// the first line when its class matches the reply code (RFC 2034 §4),
// on later lines when it repeats the first line's code.
func (r *Reply) takeEnhanced(text string, n int) string {
	c, end, ok := scanEnhancedCode(text)
	if !ok || (end < len(text) && text[end] != ' ') || c.Class != r.Code/100 {
		return text
	}
	if n == 1 {
		r.Enhanced = c
	} else if r.Enhanced.IsZero() || c != r.Enhanced {
		return text
	}
	// RFC 2034 §3: the code "is always followed by one or more spaces".
	return strings.TrimLeft(text[end:], " ")
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func hasControlExceptTab(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 32 && s[i] != '\t' {
			return true
		}
	}
	return false
}

// ParseReply parses a reply held in a string, such as one from a
// configuration file: lines separated by CRLF or LF, the final line ending
// optional. The string must hold exactly one reply; the default limits of
// ReadReply apply.
func ParseReply(s string) (*Reply, error) {
	if !strings.HasSuffix(s, "\n") {
		s += "\r\n"
	}
	br := bufio.NewReaderSize(strings.NewReader(s), 4096)
	r, err := ReadReply(br, nil)
	if err == io.EOF || err == io.ErrUnexpectedEOF {
		return nil, &ReplyParseError{Line: 1, Err: ErrReplySyntax}
	}
	if err != nil {
		return nil, err
	}
	if _, err := br.ReadByte(); err == nil {
		return nil, &ReplyParseError{Line: len(r.Lines) + 1, Err: fmt.Errorf("%w: text after the last line", ErrReplySyntax)}
	}
	return r, nil
}
