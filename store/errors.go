package store

import (
	"errors"
	"fmt"
)

// Errors a store returns, wrapped with context; test them with errors.Is.
var (
	// ErrNoSuchMailbox: the named mailbox does not exist (IMAP
	// [NONEXISTENT], RFC 5530 §3).
	ErrNoSuchMailbox = errors.New("store: no such mailbox")
	// ErrMailboxExists: CREATE or RENAME to a name in use
	// (IMAP [ALREADYEXISTS]).
	ErrMailboxExists = errors.New("store: mailbox already exists")
	// ErrNoSuchMessage: the UID is not in the mailbox (any more).
	ErrNoSuchMessage = errors.New("store: no such message")
	// ErrInvalidName: the mailbox name is empty, has a control
	// character, an empty or dot-only hierarchy part, or otherwise
	// cannot be stored safely.
	ErrInvalidName = errors.New("store: invalid mailbox name")
	// ErrNotAllowed: the operation is refused, such as deleting INBOX or
	// a mailbox that has children (IMAP [CANNOT]).
	ErrNotAllowed = errors.New("store: operation not allowed")
	// ErrTooManyKeywords: the mailbox cannot hold another keyword (a
	// Maildir has 26 keyword letters).
	ErrTooManyKeywords = errors.New("store: too many keywords")
	// ErrInvalidFlag: a flag is not a valid system flag or keyword atom
	// (RFC 9051 §9 flag-keyword).
	ErrInvalidFlag = errors.New("store: invalid flag")
	// ErrReadOnly: the mailbox cannot be changed.
	ErrReadOnly = errors.New("store: mailbox is read-only")
	// ErrModified: some messages failed an UNCHANGEDSINCE condition; see
	// ModifiedError.
	ErrModified = errors.New("store: modified since")
	// ErrClosed: the store or mailbox was closed.
	ErrClosed = errors.New("store: closed")
)

// ModifiedError lists the messages a conditional SetFlags left alone because
// their modseq exceeded UNCHANGEDSINCE (RFC 7162 §3.1.3, the MODIFIED
// response code). errors.Is(err, ErrModified) is true.
type ModifiedError struct {
	UIDs []UID
}

// Error says how many messages changed after the UNCHANGEDSINCE modseq.
func (e *ModifiedError) Error() string {
	return fmt.Sprintf("store: %d message(s) modified since the given modseq", len(e.UIDs))
}

// Is makes errors.Is(err, ErrModified) true.
func (e *ModifiedError) Is(target error) bool { return target == ErrModified }

// ErrTooBig: the message exceeds the store's size limit (IMAP [TOOBIG],
// RFC 4469 §7 / RFC 7889 APPENDLIMIT).
var ErrTooBig = errors.New("store: message too big")
