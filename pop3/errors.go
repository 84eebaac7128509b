package pop3

import (
	"errors"
	"strings"
)

// Error is a -ERR response (RFC 1939 §3) with its optional response code
// (RFC 2449 §8). The server sends an *Error returned by a Backend as it
// is; the client returns one for every -ERR it receives. Compare with
// errors.Is against the sentinels below, which match any error carrying
// the same response code, or use errors.As to read the text.
type Error struct {
	// Code is the response code without brackets, such as "IN-USE" or
	// "SYS/TEMP" (RFC 2449 §8, RFC 3206); empty if the response had none.
	Code string
	// Text is the human-readable rest of the line.
	Text string
}

// Error formats the response as it appears on the wire, after "pop3: ".
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("pop3: -ERR")
	if e.Code != "" {
		b.WriteString(" [")
		b.WriteString(e.Code)
		b.WriteString("]")
	}
	if e.Text != "" {
		b.WriteString(" ")
		b.WriteString(e.Text)
	}
	return b.String()
}

// Is reports whether target is an *Error with a non-empty Code equal to
// e's, compared case-insensitively, so that errors.Is(err, ErrInUse)
// holds for any [IN-USE] response whatever its text.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Code != "" && strings.EqualFold(t.Code, e.Code)
}

// Sentinel errors, one per response code. A Backend may return them
// (wrapped or not) to choose the code the client sees.
var (
	// ErrInUse: the maildrop is locked by another session
	// (RFC 2449 §8.1.1 IN-USE).
	ErrInUse = &Error{Code: "IN-USE", Text: "maildrop already locked"}
	// ErrLoginDelay: the user logged in too recently
	// (RFC 2449 §8.1.2 LOGIN-DELAY).
	ErrLoginDelay = &Error{Code: "LOGIN-DELAY", Text: "minimum time between logins not reached"}
	// ErrAuthFailed: the credentials are wrong, or the user may not use
	// POP3 (RFC 3206 §5 AUTH).
	ErrAuthFailed = &Error{Code: "AUTH", Text: "authentication failed"}
	// ErrSysTemp: a temporary failure unrelated to the user's input
	// (RFC 3206 §4 SYS/TEMP). The server sends it for any backend error
	// that is not an *Error, without the error's text.
	ErrSysTemp = &Error{Code: "SYS/TEMP", Text: "temporary system failure, try again later"}
	// ErrSysPerm: a permanent failure the user cannot fix
	// (RFC 3206 §4 SYS/PERM).
	ErrSysPerm = &Error{Code: "SYS/PERM", Text: "permanent system failure"}
)

// ErrMalformedResponse is returned by the client, wrapped with the
// offending line, when a server's response breaks the grammar of RFC 1939
// §3 and RFC 2449 §8.
var ErrMalformedResponse = errors.New("pop3: malformed response")

// ErrServerClosed is returned by Server.Serve after Shutdown or Close.
var ErrServerClosed = errors.New("pop3: server closed")

// ErrClientBusy is returned by a Client method called while a message
// reader from Retr or Top is still open.
var ErrClientBusy = errors.New("pop3: a message is still being read")

// backendError turns what a Backend returned into the response the client
// sees: an *Error as it is, anything else as SYS/TEMP with no internal
// detail.
func backendError(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return ErrSysTemp
}
