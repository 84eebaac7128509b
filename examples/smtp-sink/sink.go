package main

import (
	"context"
	"io"

	"github.com/mailstack/mailstack/envelope"
	"github.com/mailstack/mailstack/examples/internal/passwd"
	"github.com/mailstack/mailstack/lmtp"
	"github.com/mailstack/mailstack/maildir"
	"github.com/mailstack/mailstack/smtp"
)

// sink is the backend: it accepts every address and discards each message
// or delivers it into the Maildir.
type sink struct {
	maildir string
	users   *passwd.DB // nil: no AUTH
}

func (b *sink) NewSession(ctx context.Context, c *smtp.ConnInfo) (smtp.Session, error) {
	s := &session{b: b}
	if b.users != nil {
		return &authSession{s}, nil
	}
	return s, nil
}

// deliver stores or discards one message. maildir.Deliver fsyncs the file
// and new/ before it returns, so the 250 that follows is safe.
func (b *sink) deliver(ctx context.Context, r io.Reader) error {
	if b.maildir == "" {
		_, err := io.Copy(io.Discard, r)
		return err
	}
	_, err := maildir.Deliver(ctx, b.maildir, r, nil)
	return err
}

type session struct{ b *sink }

func (s *session) Mail(context.Context, envelope.Path, *envelope.MailParams) error { return nil }
func (s *session) Rcpt(context.Context, envelope.Path, *envelope.RcptParams) error { return nil }
func (s *session) Data(ctx context.Context, r io.Reader) error                     { return s.b.deliver(ctx, r) }
func (s *session) Reset(context.Context)                                           {}
func (s *session) Logout(context.Context) error                                    { return nil }

// authSession adds AUTH against the users file.
type authSession struct{ *session }

func (s *authSession) Auth(ctx context.Context, identity, user, pass string) error {
	if identity != "" && identity != user {
		return envelope.ReplyAuthFailed
	}
	if !s.b.users.Check(user, pass) {
		return envelope.ReplyAuthFailed // RFC 4954 §6: 535 5.7.8
	}
	return nil
}

// lmtpSink is the LMTP face of sink: one delivery serves every recipient,
// so all of them get its result.
type lmtpSink struct{ b *sink }

func (l lmtpSink) NewSession(ctx context.Context, c *smtp.ConnInfo) (lmtp.Session, error) {
	s := &lmtpSession{session{l.b}}
	if l.b.users != nil {
		return &lmtpAuthSession{s}, nil
	}
	return s, nil
}

type lmtpSession struct{ session }

func (s *lmtpSession) Data(ctx context.Context, r io.Reader, _ *lmtp.Status) error {
	return s.b.deliver(ctx, r)
}

type lmtpAuthSession struct{ *lmtpSession }

func (s *lmtpAuthSession) Auth(ctx context.Context, identity, user, pass string) error {
	return (&authSession{&s.session}).Auth(ctx, identity, user, pass)
}
