package pop3

import (
	"context"
	"crypto/md5"
	"crypto/subtle"
	"crypto/tls"
	"encoding/hex"
	"net"
	"strings"

	"github.com/mailstack/mailstack/store"
)

// Backend authenticates users and gives the server their maildrops. It is
// the one hook a Server needs.
type Backend interface {
	// Login checks a user name and password (USER/PASS, RFC 1939 §7; or
	// SASL PLAIN and LOGIN, RFC 5034) and returns the user's maildrop.
	// Return ErrAuthFailed (or any *Error) to refuse; any other error
	// becomes -ERR [SYS/TEMP] without its text.
	Login(ctx context.Context, info *ConnInfo, username, password string) (*Maildrop, error)
}

// BackendFunc adapts a function to Backend.
type BackendFunc func(ctx context.Context, info *ConnInfo, username, password string) (*Maildrop, error)

// Login calls f.
func (f BackendFunc) Login(ctx context.Context, info *ConnInfo, username, password string) (*Maildrop, error) {
	return f(ctx, info, username, password)
}

// APOPBackend is an optional interface of a Backend that can check APOP
// digests (RFC 1939 §7), which needs the user's secret in plain text on
// the server. The server offers APOP (with a timestamp in its greeting)
// only when its Backend implements it.
type APOPBackend interface {
	// APOPLogin checks that digest is the MD5 of timestamp followed by
	// the user's secret (CheckAPOP does that) and returns the maildrop.
	// Errors are treated as Login's.
	APOPLogin(ctx context.Context, info *ConnInfo, username, timestamp, digest string) (*Maildrop, error)
}

// CheckAPOP reports whether digest (lower- or upper-case hex) is the MD5
// digest of timestamp followed by secret, RFC 1939 §7. It takes constant
// time for a digest of the right length.
func CheckAPOP(timestamp, secret, digest string) bool {
	sum := md5.Sum([]byte(timestamp + secret))
	want := hex.EncodeToString(sum[:])
	return subtle.ConstantTimeCompare([]byte(want), []byte(strings.ToLower(digest))) == 1
}

// Maildrop is a logged-in user's mail, as a Backend returns it.
type Maildrop struct {
	// Store is the user's store. The server closes it when the session
	// ends. Required.
	Store store.Store
	// Mailbox names the mailbox served as the maildrop. Default "INBOX".
	Mailbox string
	// LockKey identifies the maildrop for the session lock RFC 1939 §8
	// requires: two sessions with the same key in one Server never run
	// at once (the second gets -ERR [IN-USE]). Set it when several login
	// names reach one maildrop (aliases, case-insensitive names).
	// Default: the login name, as given by the client.
	LockKey string
}

// ConnInfo describes the connection a login arrives on.
type ConnInfo struct {
	RemoteAddr net.Addr
	LocalAddr  net.Addr
	// TLS is the connection's TLS state; nil on a plaintext connection.
	TLS *tls.ConnectionState
}

// MaildropLocker is an optional interface of a store.Mailbox that can lock
// it for a POP3 session against other processes (RFC 1939 §8), such as
// Dovecot's pop3_lock_session. The server always takes its own in-process
// lock (see Maildrop.LockKey) and then, if the mailbox implements this
// interface, this one.
type MaildropLocker interface {
	// LockMaildrop takes the lock without waiting, and returns an error
	// matching ErrInUse when another session holds it. unlock releases it.
	LockMaildrop(ctx context.Context) (unlock func() error, err error)
}

// CRLFSizer is an optional interface of a store.Mailbox that knows each
// message's size with every line ending counted as CRLF (Dovecot's
// "virtual size", the ,W= field of a Maildir file name). POP3 reports
// those sizes (RFC 1939 §11). A store that fills
// store.MessageInfo.CRLFSize needs no CRLFSizer; sizes CRLFSizes returns
// take precedence over that field. Without either, the server reads a
// message to learn its size the first time a command needs it.
type CRLFSizer interface {
	// CRLFSizes returns the sizes of the messages uids, in order; -1
	// for a message whose size the store does not know.
	CRLFSizes(ctx context.Context, uids []store.UID) ([]int64, error)
}
