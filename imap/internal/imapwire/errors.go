package imapwire

import (
	"errors"
	"fmt"
)

// Errors of the Decoder, to be told apart with errors.Is / errors.As.
var (
	// ErrCommandTooLong: a command's bytes (outside an APPEND message
	// literal) passed Limits.MaxCommand.
	ErrCommandTooLong = errors.New("imapwire: command too long")
	// ErrTooDeep: parenthesised lists nested deeper than Limits.MaxDepth.
	ErrTooDeep = errors.New("imapwire: lists nested too deep")
	// ErrLiteralTooBig: a literal was announced beyond its limit; see
	// LiteralTooBigError.
	ErrLiteralTooBig = errors.New("imapwire: literal too big")
)

// SyntaxError is a command that does not follow the grammar of RFC 9051
// §9; a server answers it with a tagged BAD.
type SyntaxError struct {
	Msg string
}

// Error describes the syntax error.
func (e *SyntaxError) Error() string { return "imapwire: syntax error: " + e.Msg }

// LiteralTooBigError is a literal announced beyond the limit that applies
// to it. Nothing of it was read. A synchronising literal was not invited
// ("+" was not sent), so the client sends nothing more for the command and
// the server answers NO [TOOBIG]; a non-synchronising one is already on its
// way and the server must close the connection (RFC 7888 §4).
type LiteralTooBigError struct {
	Size, Max int64
	Sync      bool
}

// Error reports the announced size and the limit.
func (e *LiteralTooBigError) Error() string {
	return fmt.Sprintf("imapwire: literal of %d bytes exceeds the limit of %d", e.Size, e.Max)
}

// Is makes errors.Is(err, ErrLiteralTooBig) true.
func (e *LiteralTooBigError) Is(target error) bool { return target == ErrLiteralTooBig }
