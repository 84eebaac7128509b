package imap

import (
	"errors"

	"github.com/mailstack/mailstack/store"
)

// Error is the status response a command ends with when it fails: NO or
// BAD, an optional response code (RFC 9051 §7.1, RFC 5530) and text. Hooks
// may return one to choose the reply; any other error becomes
// NO [UNAVAILABLE] with no internal text sent.
type Error struct {
	Type string // "NO" or "BAD"; default "NO"
	Code string // response code without brackets, e.g. "TOOBIG"; may be ""
	Text string
}

// Error returns the status response as it would be sent, prefixed with
// "imap: ".
func (e *Error) Error() string {
	s := e.Type
	if s == "" {
		s = "NO"
	}
	if e.Code != "" {
		s += " [" + e.Code + "]"
	}
	return "imap: " + s + " " + e.Text
}

// ErrAuthFailed is what an Authenticator returns for wrong credentials
// (RFC 5530 AUTHENTICATIONFAILED).
var ErrAuthFailed = &Error{Type: "NO", Code: "AUTHENTICATIONFAILED", Text: "Invalid credentials"}

func no(code, text string) *Error  { return &Error{Type: "NO", Code: code, Text: text} }
func bad(code, text string) *Error { return &Error{Type: "BAD", Code: code, Text: text} }

// errReply converts an error from a hook or the store into the reply sent.
func errReply(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	var mod *store.ModifiedError
	switch {
	case errors.As(err, &mod):
		return no("", "Some messages were modified")
	case errors.Is(err, store.ErrNoSuchMailbox):
		return no("NONEXISTENT", "No such mailbox")
	case errors.Is(err, store.ErrMailboxExists):
		return no("ALREADYEXISTS", "Mailbox already exists")
	case errors.Is(err, store.ErrInvalidName):
		return no("CANNOT", "Invalid mailbox name")
	case errors.Is(err, store.ErrNotAllowed):
		return no("CANNOT", "Operation not allowed")
	case errors.Is(err, store.ErrTooManyKeywords):
		return no("LIMIT", "Too many keywords")
	case errors.Is(err, store.ErrInvalidFlag):
		return bad("", "Invalid flag")
	case errors.Is(err, store.ErrReadOnly):
		return no("CANNOT", "Mailbox is read-only")
	case errors.Is(err, store.ErrOverQuota):
		return no("OVERQUOTA", "Quota exceeded") // RFC 9208 §5
	case errors.Is(err, store.ErrTooBig):
		return no("TOOBIG", "Message too big")
	case errors.Is(err, store.ErrNoSuchMessage):
		return no("EXPUNGEISSUED", "Some messages were expunged")
	}
	return no("UNAVAILABLE", "Temporary failure, try again later")
}
