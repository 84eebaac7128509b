package smtp

import (
	"context"
	"crypto/tls"
	"io"
	"net"

	"github.com/mailstack/mailstack/envelope"
)

// Backend creates a Session for each connection the Server accepts. It is
// the one thing a Server needs from its user.
//
// NewSession is called before the greeting, in the connection's goroutine,
// so it may block (a DNSBL lookup, say). Returning an error rejects the
// connection: a *envelope.Reply (found with errors.As) is sent as the
// greeting, such as 554 5.7.1 for a blocked address; after a 5xx greeting
// the server answers every command but QUIT with 503 (RFC 5321 §3.1). Any
// other error sends 421 4.3.2 and closes the connection.
type Backend interface {
	NewSession(ctx context.Context, c *ConnInfo) (Session, error)
}

// Session receives one connection's mail transactions. The server calls
// its methods one at a time, from one goroutine, in protocol order; ctx is
// cancelled when the connection ends or the server is closed.
//
// A method rejects a command by returning an error. A *envelope.Reply (or
// an error wrapping one, found with errors.As) is sent to the client as it
// is: envelope.ReplyMailboxNotFound, a 452 4.2.2 for a full mailbox, and so
// on. Any other error is logged and answered 451 4.3.0 without its text,
// so internal details never reach the client. A positive *envelope.Reply
// (2xx) returned as the error accepts the command with that text, such as
// "250 2.0.0 Ok: queued as 4Ab3". A 421 reply also closes the connection.
//
// Optional features are further interfaces a Session may implement, found
// when the session is created: AuthSession, HeloSession, DSNSession,
// BinaryMIMESession, RequireTLSSession and TraceIDSession. They do not
// embed Session, so
// that package lmtp's sessions can implement them too. An extension is advertised only
// when the session implements what it needs, and its parameters are
// refused otherwise, so a backend never sees a request it did not claim to
// handle.
type Session interface {
	// Mail starts a transaction with the reverse-path of MAIL FROM (RFC
	// 5321 §4.1.1.2). from is the null path for bounces. params holds the
	// ESMTP parameters, already checked against the extensions in force
	// (SIZE against Limits.MaxMessageBytes, for one).
	Mail(ctx context.Context, from envelope.Path, params *envelope.MailParams) error

	// Rcpt adds a recipient (RFC 5321 §4.1.1.3). It is called once per
	// RCPT command, duplicates included; to may be <Postmaster>
	// (Path.IsPostmaster), which RFC 5321 §4.5.1 requires a server to
	// accept. A backend that relays must refuse recipients it does not
	// serve (envelope.ReplyRelayDenied): the server itself accepts any.
	Rcpt(ctx context.Context, to envelope.Path, params *envelope.RcptParams) error

	// Data receives the message of a transaction with at least one
	// accepted recipient, from DATA (RFC 5321 §4.1.1.4) or BDAT chunks
	// (RFC 3030), dot-stuffing removed, with the server's Received field
	// first unless Server.OmitReceived is set.
	//
	// Data must read r to io.EOF and return nil only once the message is
	// safely stored (fsync'd, or handed on): the server answers 250 as
	// soon as Data returns nil, and that reply makes the client forget the
	// message. If reading r fails, Data must return an error and keep
	// nothing: r fails when the message breaks a limit or a rule (too
	// large, bare CR or LF, NUL octets), and the server then answers 552
	// or 554 whatever Data returns. If Data returns early, the server
	// reads and discards the rest of the message.
	Data(ctx context.Context, r io.Reader) error

	// Reset ends the current transaction, if any: after the message is
	// answered, on RSET, HELO, EHLO and STARTTLS, and when a transaction
	// is abandoned (RFC 5321 §4.1.1.5).
	Reset(ctx context.Context)

	// Logout is called once when the connection ends, whatever the state;
	// a transaction still open is abandoned without a call to Reset. Its
	// error is logged.
	Logout(ctx context.Context) error
}

// AuthSession is a Session that authenticates clients with a user name and
// password: the server then offers AUTH PLAIN (RFC 4616) and AUTH LOGIN
// (draft-murchison-sasl-login), over TLS only unless
// Server.AllowInsecureAuth is set (RFC 4954 §4).
type AuthSession interface {
	// Auth checks the credentials. identity is the authorization identity
	// PLAIN allows the client to ask for, or "" (LOGIN never sends one);
	// a backend that does not let username act for another identity must
	// refuse a non-empty identity that differs from username.
	//
	// Return nil to accept and envelope.ReplyAuthFailed (535 5.7.8) to
	// refuse; the server waits Server.AuthFailureDelay before it answers
	// a refusal. Any other error that is not a *envelope.Reply is answered
	// 454 4.7.0 (RFC 4954 §6, temporary authentication failure) and
	// logged.
	Auth(ctx context.Context, identity, username, password string) error
}

// HeloSession is a Session that checks the name a client gives with HELO,
// EHLO or LHLO; ConnInfo.Helo and ConnInfo.ESMTP hold it when Helo is
// called. An error rejects the command (550 5.7.1, say) and the client
// stays un-greeted.
type HeloSession interface {
	Helo(ctx context.Context, name string) error
}

// DSNSession is a Session that honours Delivery Status Notification
// requests (RFC 3461): the RET and ENVID parameters of MAIL and the NOTIFY
// and ORCPT parameters of RCPT, which the server then accepts and hands on
// in envelope.MailParams and envelope.RcptParams. Without it DSN is not
// advertised and those parameters are refused with 555 5.5.4.
type DSNSession interface {
	// SupportsDSN marks the interface; it is never called.
	SupportsDSN()
}

// BinaryMIMESession is a Session that stores or relays binary message
// content faithfully (RFC 3030 §3): the server then advertises BINARYMIME
// and accepts BODY=BINARYMIME, whose messages arrive through BDAT with no
// line-ending or NUL checks. Without it BODY=BINARYMIME is refused.
// CHUNKING itself needs nothing from the backend and is always offered.
type BinaryMIMESession interface {
	// SupportsBinaryMIME marks the interface; it is never called.
	SupportsBinaryMIME()
}

// RequireTLSSession is a Session that relays messages carrying REQUIRETLS
// only over validated TLS, as RFC 8689 §4 demands. The server then
// advertises REQUIRETLS on TLS sessions (RFC 8689 §3) and accepts the
// parameter (envelope.MailParams.RequireTLS); otherwise it is refused.
type RequireTLSSession interface {
	// SupportsRequireTLS marks the interface; it is never called.
	SupportsRequireTLS()
}

// TraceIDSession is a Session that names each message itself, typically
// by the queue ID it will store the message under, so that the "id" of
// the server's Received field (RFC 5321 §4.4) matches the ID its logs and
// its 250 reply give, as Postfix's do. The Received field goes out before
// the message data is read, so the name must be chosen first: the server
// calls TraceID once per message when its data begins (DATA, or the first
// BDAT chunk), after the recipients, before Data, whether or not it writes
// a Received field (Server.OmitReceived). Octets outside atext (RFC 5322
// §3.2.3) are replaced with '?' in the field; an empty result keeps the
// server's own ID (the connection's ID and a message count).
type TraceIDSession interface {
	TraceID(ctx context.Context) string
}

// ConnInfo describes a connection. The server updates it as the session
// goes on (HELO name, TLS, authentication); a Session may keep the pointer
// NewSession received and read it from its methods, which run in the
// connection's goroutine, but not from other goroutines.
type ConnInfo struct {
	// ID identifies the connection in logs, traces and Received fields.
	ID string
	// RemoteAddr and LocalAddr are the connection's addresses.
	RemoteAddr net.Addr
	LocalAddr  net.Addr
	// TLS is the TLS connection state once TLS is in use (implicit TLS or
	// after STARTTLS), nil before.
	TLS *tls.ConnectionState
	// Helo is the argument of the last HELO, EHLO or LHLO; "" before one.
	// It is whatever the client claimed and proves nothing.
	Helo string
	// ESMTP reports that the client greeted with EHLO (or LHLO).
	ESMTP bool
	// AuthIdentity is the identity the client authenticated as (the
	// authorization identity if PLAIN gave one, else the user name); ""
	// when the client has not authenticated.
	AuthIdentity string
	// AuthMechanism is the SASL mechanism used, "PLAIN" or "LOGIN"; "" when
	// the client has not authenticated.
	AuthMechanism string
	// LMTP reports an LMTP connection (package lmtp).
	LMTP bool
}

// Authenticated reports whether the client has authenticated.
func (c *ConnInfo) Authenticated() bool { return c.AuthMechanism != "" }

// Rcpt is one accepted recipient of a Transaction.
type Rcpt struct {
	Path   envelope.Path
	Params envelope.RcptParams
}

// Transaction is the envelope of one message as DataFunc receives it.
type Transaction struct {
	// Conn describes the connection the message arrived on.
	Conn *ConnInfo
	// From is the reverse-path, MailParams the parameters of MAIL.
	From       envelope.Path
	MailParams envelope.MailParams
	// Rcpts are the accepted recipients, in RCPT order, duplicates
	// included.
	Rcpts []Rcpt
}

// DataFunc is a Backend for the simplest uses (sinks, tests, a submission
// server behind AUTH): it accepts every sender and every recipient, and
// calls the function once per message with the envelope and the message.
// The function has the duties of Session.Data: read r to the end and
// return nil only once the message is safe. Because it accepts any
// recipient, a DataFunc listening on port 25 of a public address is an
// open relay unless the function refuses what it does not serve.
type DataFunc func(ctx context.Context, tx *Transaction, r io.Reader) error

// NewSession implements Backend.
func (f DataFunc) NewSession(ctx context.Context, c *ConnInfo) (Session, error) {
	return &funcSession{fn: f, tx: Transaction{Conn: c}}, nil
}

// funcSession is the Session of a DataFunc.
type funcSession struct {
	fn DataFunc
	tx Transaction
}

func (s *funcSession) Mail(ctx context.Context, from envelope.Path, p *envelope.MailParams) error {
	s.tx.From, s.tx.MailParams = from, *p
	return nil
}

func (s *funcSession) Rcpt(ctx context.Context, to envelope.Path, p *envelope.RcptParams) error {
	s.tx.Rcpts = append(s.tx.Rcpts, Rcpt{Path: to, Params: *p})
	return nil
}

func (s *funcSession) Data(ctx context.Context, r io.Reader) error {
	return s.fn(ctx, &s.tx, r)
}

func (s *funcSession) Reset(ctx context.Context) {
	// A fresh Transaction, so that one the function kept stays intact.
	s.tx = Transaction{Conn: s.tx.Conn}
}

func (s *funcSession) Logout(ctx context.Context) error { return nil }
