package lmtp

import (
	"context"
	"errors"
	"io"

	"github.com/mailstack/mailstack/envelope"
	"github.com/mailstack/mailstack/internal/lmtpmark"
	"github.com/mailstack/mailstack/smtp"
)

// Backend creates a Session for each connection, as smtp.Backend does;
// see it for the meaning of an error.
type Backend interface {
	NewSession(ctx context.Context, c *smtp.ConnInfo) (Session, error)
}

// Session receives one connection's transactions. It is smtp.Session with
// a Data that reports a result per recipient. A Session may implement the
// optional interfaces of package smtp (smtp.AuthSession, smtp.HeloSession,
// smtp.DSNSession, smtp.BinaryMIMESession, smtp.RequireTLSSession) with
// the same effect as there.
type Session interface {
	// Mail, Rcpt, Reset and Logout are those of smtp.Session.
	Mail(ctx context.Context, from envelope.Path, params *envelope.MailParams) error
	Rcpt(ctx context.Context, to envelope.Path, params *envelope.RcptParams) error
	Reset(ctx context.Context)
	Logout(ctx context.Context) error

	// Data receives the message for the recipients accepted so far,
	// which status lists in RCPT order, duplicates included (RFC 2033
	// §4.2). It reports each recipient's result with status.Set; a
	// recipient left unset gets Data's own result: 250 when it returns
	// nil, else the reply for its error. So a simple backend returns one
	// error for all, and one that delivers to each mailbox sets each.
	//
	// The duties of smtp.Session.Data apply: read r to io.EOF, and let a
	// recipient succeed only once the message is safely stored for it,
	// since its 250 makes the client forget it. If reading r fails, every
	// recipient is refused whatever Data reports.
	Data(ctx context.Context, r io.Reader, status *Status) error
}

// Status collects the per-recipient results of Session.Data.
type Status struct {
	rcpts []smtp.Rcpt
	errs  []error
	set   []bool
}

// Len returns the number of recipients.
func (s *Status) Len() int { return len(s.rcpts) }

// Recipient returns the i-th accepted recipient, in RCPT order.
func (s *Status) Recipient(i int) smtp.Rcpt { return s.rcpts[i] }

// Set records the result of delivery to the i-th recipient: nil for
// success, or an error chosen as for smtp.Session (a *envelope.Reply such
// as a 452 4.2.2 for a full mailbox; anything else becomes 451 4.3.0). An
// index out of range is ignored. Setting twice keeps the last.
func (s *Status) Set(i int, err error) {
	if i >= 0 && i < len(s.errs) {
		s.errs[i], s.set[i] = err, true
	}
}

// DataFunc is a Backend for simple delivery agents: it accepts every
// sender and recipient and calls the function once per message with the
// envelope, the message and the Status to report each recipient's result
// in (tx.Rcpts[i] is status.Recipient(i)). It has the duties of
// Session.Data.
type DataFunc func(ctx context.Context, tx *smtp.Transaction, r io.Reader, status *Status) error

// NewSession implements Backend.
func (f DataFunc) NewSession(ctx context.Context, c *smtp.ConnInfo) (Session, error) {
	return &funcSession{fn: f, tx: smtp.Transaction{Conn: c}}, nil
}

type funcSession struct {
	fn DataFunc
	tx smtp.Transaction
}

func (s *funcSession) Mail(ctx context.Context, from envelope.Path, p *envelope.MailParams) error {
	s.tx.From, s.tx.MailParams = from, *p
	return nil
}

func (s *funcSession) Rcpt(ctx context.Context, to envelope.Path, p *envelope.RcptParams) error {
	s.tx.Rcpts = append(s.tx.Rcpts, smtp.Rcpt{Path: to, Params: *p})
	return nil
}

func (s *funcSession) Data(ctx context.Context, r io.Reader, status *Status) error {
	return s.fn(ctx, &s.tx, r, status)
}

func (s *funcSession) Reset(ctx context.Context) { s.tx = smtp.Transaction{Conn: s.tx.Conn} }

func (s *funcSession) Logout(ctx context.Context) error { return nil }

// backendAdapter runs a Backend as an smtp.Backend in LMTP mode.
type backendAdapter struct{ b Backend }

// LMTPBackend tells package smtp to speak LMTP.
func (backendAdapter) LMTPBackend(lmtpmark.Token) {}

func (a backendAdapter) NewSession(ctx context.Context, c *smtp.ConnInfo) (smtp.Session, error) {
	s, err := a.b.NewSession(ctx, c)
	if err != nil {
		return nil, err
	}
	if s == nil {
		return nil, errors.New("lmtp: Backend.NewSession returned no session")
	}
	return sessionAdapter{s}, nil
}

// sessionAdapter is a Session seen as an smtp.Session. Package smtp calls
// its data function instead of Data, and looks for the optional
// interfaces on the Session itself.
type sessionAdapter struct{ s Session }

func (a sessionAdapter) Mail(ctx context.Context, from envelope.Path, p *envelope.MailParams) error {
	return a.s.Mail(ctx, from, p)
}

func (a sessionAdapter) Rcpt(ctx context.Context, to envelope.Path, p *envelope.RcptParams) error {
	return a.s.Rcpt(ctx, to, p)
}

func (a sessionAdapter) Reset(ctx context.Context)        { a.s.Reset(ctx) }
func (a sessionAdapter) Logout(ctx context.Context) error { return a.s.Logout(ctx) }

// Data is never called in LMTP mode.
func (a sessionAdapter) Data(ctx context.Context, r io.Reader) error {
	return errors.New("lmtp: smtp.Session.Data called in LMTP mode")
}

// LMTPSession hands package smtp the session to inspect for optional
// interfaces and the per-recipient data function.
func (a sessionAdapter) LMTPSession(lmtpmark.Token) (any, func(context.Context, io.Reader, []smtp.Rcpt) []error) {
	return a.s, a.data
}

func (a sessionAdapter) data(ctx context.Context, r io.Reader, rcpts []smtp.Rcpt) []error {
	st := &Status{rcpts: rcpts, errs: make([]error, len(rcpts)), set: make([]bool, len(rcpts))}
	err := a.s.Data(ctx, r, st)
	for i := range st.errs {
		if !st.set[i] {
			st.errs[i] = err
		}
	}
	return st.errs
}
