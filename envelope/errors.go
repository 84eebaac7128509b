package envelope

import (
	"errors"
	"strconv"
)

// Length limits of RFC 5321 §4.5.3.1, in octets. They are fixed by the RFC
// rather than configurable: a receiver must accept objects up to these sizes
// and may refuse larger ones, and this package always refuses them.
const (
	// MaxLocalPartLength is the longest local part, as written on the wire
	// (quotes and backslashes count). RFC 5321 §4.5.3.1.1.
	MaxLocalPartLength = 64
	// MaxDomainLength is the longest domain or address literal, as written.
	// RFC 5321 §4.5.3.1.2.
	MaxDomainLength = 255
	// MaxLabelLength is the longest label of a domain; for a U-label it
	// applies to the label's A-label form. RFC 1035 §2.3.4, RFC 5890 §2.3.2.1.
	MaxLabelLength = 63
	// MaxPathLength is the longest reverse-path or forward-path, angle
	// brackets and any source route included. RFC 5321 §4.5.3.1.3.
	MaxPathLength = 256
)

// Sentinel errors carried by *SyntaxError (test with errors.Is) so that a
// server can choose a precise reply code.
var (
	// ErrLocalPartTooLong: the local part exceeds MaxLocalPartLength.
	ErrLocalPartTooLong = errors.New("local part longer than 64 octets")
	// ErrDomainTooLong: the domain exceeds MaxDomainLength (as written, or
	// once converted to A-labels).
	ErrDomainTooLong = errors.New("domain longer than 255 octets")
	// ErrLabelTooLong: a domain label exceeds MaxLabelLength.
	ErrLabelTooLong = errors.New("domain label longer than 63 octets")
	// ErrPathTooLong: the path exceeds MaxPathLength.
	ErrPathTooLong = errors.New("path longer than 256 octets")
	// ErrNeedsSMTPUTF8: the input holds well-formed UTF-8, which RFC 6531
	// §3.3 permits only when SMTPUTF8 is in effect (ParseOptions.UTF8). A
	// server answers it with 553 5.6.7 (RFC 6531 §3.7.4.2).
	ErrNeedsSMTPUTF8 = errors.New("non-ASCII address requires SMTPUTF8")
	// ErrNullPath: the null path "<>" was given where a forward-path is
	// required (RFC 5321 §4.1.1.3).
	ErrNullPath = errors.New("null path not allowed here")
	// ErrAddressLiteral: an address literal is malformed or uses a tag
	// other than "IPv6" (RFC 5321 §4.1.3).
	ErrAddressLiteral = errors.New("invalid address literal")
	// ErrIDNA: a domain label is not a valid IDNA2008 label (RFC 5890,
	// RFC 5891); the wrapped error holds the details from package idna.
	ErrIDNA = errors.New("invalid internationalized domain label")
	// ErrUTF8LocalPart: an address with a UTF-8 local part cannot be
	// expressed in ASCII (RFC 6531 §3.2 has no downgrade for local parts).
	ErrUTF8LocalPart = errors.New("UTF-8 local part has no ASCII form")
)

// SyntaxError reports input that is not a valid address, domain or path.
// Offset and Reason locate and explain the problem; Err, when not nil, is
// one of the package's sentinel errors (ErrLocalPartTooLong, ...) or wraps
// one, and is reachable through errors.Is and errors.As.
//
// The message never quotes the input, so it is safe to put in an SMTP
// reply or a log line even when the input holds control characters.
type SyntaxError struct {
	// Kind names what was being parsed: "address", "domain", "reverse-path"
	// or "forward-path".
	Kind string
	// Offset is the byte offset in the parsed string where the problem was
	// found.
	Offset int
	// Reason says what is wrong, for people.
	Reason string
	// Err is the underlying sentinel error, or nil.
	Err error
}

// Error returns a message such as
// "envelope: invalid forward-path at offset 5: unterminated quoted string".
func (e *SyntaxError) Error() string {
	reason := e.Reason
	if reason == "" && e.Err != nil {
		reason = e.Err.Error()
	}
	return "envelope: invalid " + e.Kind + " at offset " + strconv.Itoa(e.Offset) + ": " + reason
}

// Unwrap returns e.Err.
func (e *SyntaxError) Unwrap() error { return e.Err }
