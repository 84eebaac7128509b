package message

import (
	"errors"
	"fmt"
)

// Default limits. RFC 5322 §2.1.1 caps a line at 998 characters, but real
// mail exceeds it, so the defaults are far larger and only protect memory.
const (
	DefaultMaxHeaderBytes = 256 << 10 // per part
	DefaultMaxLineLength  = 64 << 10  // per header line kept for parsing
	DefaultMaxDepth       = 100       // nested multipart / message levels
	DefaultMaxParts       = 10000     // parts per message
)

// Limits bound the resources spent on one message. The zero value (and a nil
// *Limits) uses the defaults. Exceeding a limit never fails a parse of the
// part index: the offending part degrades to an opaque leaf (see Part.Degraded).
type Limits struct {
	// MaxHeaderBytes is the number of header bytes of one part that are
	// kept and parsed; the rest of the header is skipped (its size is still
	// counted). Default DefaultMaxHeaderBytes (256 KiB).
	MaxHeaderBytes int

	// MaxLineLength is the longest header line kept for parsing; longer
	// lines are truncated for parsing, never for the byte-exact copy.
	// Default DefaultMaxLineLength (64 KiB).
	MaxLineLength int

	// MaxDepth is how deep multiparts and message/rfc822 parts may nest.
	// A part deeper than this is not looked into. Default 100.
	MaxDepth int

	// MaxParts is the number of parts indexed per message; further parts
	// become part of their parent's opaque body. Default 10 000.
	MaxParts int
}

func (l *Limits) headerBytes() int {
	if l == nil || l.MaxHeaderBytes <= 0 {
		return DefaultMaxHeaderBytes
	}
	return l.MaxHeaderBytes
}

func (l *Limits) lineLength() int {
	if l == nil || l.MaxLineLength <= 0 {
		return DefaultMaxLineLength
	}
	return l.MaxLineLength
}

func (l *Limits) depth() int {
	if l == nil || l.MaxDepth <= 0 {
		return DefaultMaxDepth
	}
	return l.MaxDepth
}

func (l *Limits) parts() int {
	if l == nil || l.MaxParts <= 0 {
		return DefaultMaxParts
	}
	return l.MaxParts
}

// ErrHeaderTooLarge is returned (wrapped in a *LimitError) when a header
// exceeds Limits.MaxHeaderBytes in functions that must hold it whole.
var ErrHeaderTooLarge = errors.New("message: header too large")

// ErrLineTooLong is returned (wrapped in a *LimitError) when a header line
// exceeds Limits.MaxLineLength in functions that must hold it whole.
var ErrLineTooLong = errors.New("message: header line too long")

// LimitError reports which limit was exceeded and where.
type LimitError struct {
	Err    error // ErrHeaderTooLarge or ErrLineTooLong
	Limit  int   // the limit in force
	Offset int64 // byte offset in the input where it was exceeded
}

// Error describes the limit, its value and the offset where it was passed.
func (e *LimitError) Error() string {
	return fmt.Sprintf("%v (limit %d, at offset %d)", e.Err, e.Limit, e.Offset)
}

// Unwrap returns e.Err so that errors.Is(err, ErrHeaderTooLarge) works.
func (e *LimitError) Unwrap() error { return e.Err }

// SyntaxError reports a field that could not be parsed.
type SyntaxError struct {
	What   string // e.g. "address", "date-time", "msg-id"
	Input  string // the input, cut to 100 bytes
	Offset int    // byte offset in Input where parsing stopped
	Msg    string // what was expected
}

// Error says what could not be parsed, where, and what was expected.
func (e *SyntaxError) Error() string {
	return fmt.Sprintf("message: bad %s at offset %d: %s (in %q)", e.What, e.Offset, e.Msg, e.Input)
}

func syntaxErr(what, input string, off int, msg string) *SyntaxError {
	if len(input) > 100 {
		input = input[:100]
	}
	return &SyntaxError{What: what, Input: input, Offset: off, Msg: msg}
}
