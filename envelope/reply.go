package envelope

import (
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"
)

// MaxReplyLineLength is the longest reply line WriteTo emits, in octets
// including the reply code and CRLF (RFC 5321 §4.5.3.1.5). Longer text is
// wrapped onto continuation lines.
const MaxReplyLineLength = 512

// ErrReplyCode reports a reply code outside RFC 5321 §4.2's Reply-code
// grammar (%x32-35 %x30-35 %x30-39), which WriteTo refuses to emit.
var ErrReplyCode = errors.New("envelope: invalid SMTP reply code")

// Reply is an SMTP reply (RFC 5321 §4.2): a three-digit code, an optional
// enhanced status code (RFC 3463, RFC 2034) and lines of text. It
// implements error, so a backend can return a *Reply and the server sends
// it as is; errors.As finds it through any wrapping.
//
// The predefined Reply values in this package are shared: do not modify
// them, copy instead.
type Reply struct {
	// Code is the reply code, 200 to 559.
	Code int
	// Enhanced is the enhanced status code; the zero value means none.
	// WriteTo writes it only when it is valid and its class matches the
	// first digit of Code (RFC 2034 §4), so never on 3xx replies.
	Enhanced EnhancedCode
	// Lines is the text, one element per line, without the code, the
	// enhanced code or line endings. WriteTo splits elements at CR or LF,
	// so text can never end the reply early.
	Lines []string
}

// NewReply returns a reply with the given code, enhanced code and lines.
func NewReply(code int, enh EnhancedCode, lines ...string) *Reply {
	return &Reply{Code: code, Enhanced: enh, Lines: lines}
}

// Replyf returns a reply whose text is formatted with fmt.Sprintf; each
// "\n" in the result starts a new line of the reply.
func Replyf(code int, enh EnhancedCode, format string, args ...any) *Reply {
	text := strings.TrimSuffix(fmt.Sprintf(format, args...), "\n")
	return &Reply{Code: code, Enhanced: enh, Lines: strings.Split(text, "\n")}
}

// Error formats the reply on one line, such as "550 5.1.1 No such user",
// joining multiple lines with spaces. Control characters are replaced.
func (r *Reply) Error() string {
	var b strings.Builder
	b.WriteString(strconv.Itoa(r.Code))
	if e := r.enhanced(); !e.IsZero() {
		b.WriteByte(' ')
		b.WriteString(e.String())
	}
	for _, l := range r.Lines {
		b.WriteByte(' ')
		b.WriteString(sanitizeReplyText(l))
	}
	return b.String()
}

// Text returns the lines joined with "\n".
func (r *Reply) Text() string {
	return strings.Join(r.Lines, "\n")
}

// Positive reports a positive completion reply, 2xx (RFC 5321 §4.2.1).
func (r *Reply) Positive() bool { return r.Code >= 200 && r.Code <= 299 }

// Intermediate reports a positive intermediate reply, 3xx, such as 354.
func (r *Reply) Intermediate() bool { return r.Code >= 300 && r.Code <= 399 }

// Temporary reports a transient negative completion reply, 4xx: the
// command may succeed if repeated later (RFC 5321 §4.2.1).
func (r *Reply) Temporary() bool { return r.Code >= 400 && r.Code <= 499 }

// Permanent reports a permanent negative completion reply, 5xx.
func (r *Reply) Permanent() bool { return r.Code >= 500 && r.Code <= 599 }

// Is makes errors.Is(err, target) true when target is a *Reply with the
// same code and enhanced code, whatever the text: errors.Is(err,
// ReplyMailboxNotFound) matches any 550 5.1.1.
func (r *Reply) Is(target error) bool {
	t, ok := target.(*Reply)
	return ok && t != nil && t.Code == r.Code && t.Enhanced == r.Enhanced
}

// enhanced returns the enhanced code to write, or zero when it must not be
// written: invalid, or its class differs from the reply's (RFC 2034 §4).
func (r *Reply) enhanced() EnhancedCode {
	if !r.Enhanced.Valid() || r.Enhanced.Class != r.Code/100 {
		return EnhancedCode{}
	}
	return r.Enhanced
}

// validCode reports RFC 5321 §4.2: Reply-code = %x32-35 %x30-35 %x30-39.
func validCode(code int) bool {
	return code >= 200 && code <= 599 && code/10%10 <= 5
}

// WriteTo writes the reply in wire form, implementing io.WriterTo:
// "250-First line\r\n250 Last line\r\n", with the enhanced code after the
// separator of every line (RFC 2034 §4). Text containing CR or LF is split
// into more lines; other control characters except HTAB become "?"; text
// longer than MaxReplyLineLength allows is wrapped, at a space when there
// is one. An invalid Code is refused with ErrReplyCode before anything is
// written.
func (r *Reply) WriteTo(w io.Writer) (int64, error) {
	if !validCode(r.Code) {
		return 0, fmt.Errorf("%w: %d", ErrReplyCode, r.Code)
	}
	n, err := io.WriteString(w, r.wire())
	return int64(n), err
}

// wire returns the reply as WriteTo writes it.
func (r *Reply) wire() string {
	code := strconv.Itoa(r.Code)
	enh := r.enhanced().String()
	lines := r.wireLines()
	var b strings.Builder
	for i, l := range lines {
		b.WriteString(code)
		last := i == len(lines)-1
		if last && enh == "" && l == "" {
			// RFC 5321 §4.2: Reply-code [ SP textstring ] CRLF.
			b.WriteString("\r\n")
			break
		}
		if last {
			b.WriteByte(' ')
		} else {
			b.WriteByte('-')
		}
		b.WriteString(enh)
		if enh != "" && l != "" {
			b.WriteByte(' ')
		}
		b.WriteString(l)
		b.WriteString("\r\n")
	}
	return b.String()
}

// wireLines returns the text lines as WriteTo writes them: split at line
// breaks, control characters replaced, leading spaces dropped after an
// enhanced code (a reader cannot tell them from the separator, RFC 2034
// §4), and wrapped to MaxReplyLineLength.
func (r *Reply) wireLines() []string {
	enh := r.enhanced().String()
	budget := MaxReplyLineLength - len("250-") - len("\r\n")
	if enh != "" {
		budget -= len(enh) + 1
	}
	var out []string
	for _, l := range r.Lines {
		for _, piece := range splitLineBreaks(l) {
			piece = sanitizeReplyText(piece)
			if enh != "" {
				piece = strings.TrimLeft(piece, " ")
			}
			out = wrapReplyText(out, piece, budget, enh != "")
		}
	}
	if len(out) == 0 {
		out = []string{""}
	}
	return out
}

// splitLineBreaks splits s at CRLF, CR or LF.
func splitLineBreaks(s string) []string {
	if !strings.ContainsAny(s, "\r\n") {
		return []string{s}
	}
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")
	return strings.Split(s, "\n")
}

// sanitizeReplyText replaces control characters other than HTAB, which
// RFC 5321 §4.2 textstring does not allow, with "?".
func sanitizeReplyText(s string) string {
	if !hasControl(s) {
		return s
	}
	b := []byte(s)
	for i, c := range b {
		if (c < 32 && c != '\t') || c == 127 {
			b[i] = '?'
		}
	}
	return string(b)
}

// wrapReplyText appends s to out as one or more lines of at most budget
// octets, breaking at the last space that fits, else at a UTF-8 boundary.
func wrapReplyText(out []string, s string, budget int, trimLead bool) []string {
	for len(s) > budget {
		cut := strings.LastIndexByte(s[:budget+1], ' ')
		next := cut + 1
		if cut <= 0 {
			cut = budget
			for cut > 0 && !utf8.RuneStart(s[cut]) {
				cut--
			}
			if cut == 0 {
				cut = budget
			}
			next = cut
		}
		out = append(out, s[:cut])
		s = s[next:]
		if trimLead {
			s = strings.TrimLeft(s, " ")
		}
	}
	return append(out, s)
}
