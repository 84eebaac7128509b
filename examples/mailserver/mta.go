package main

import (
	"context"
	"io"
	"strings"

	"github.com/mailstack/mailstack/envelope"
	"github.com/mailstack/mailstack/smtp"
)

// role is what an SMTP listener is for.
type role int

const (
	// roleMTA (port smtp) takes mail for the local domains from anyone,
	// and relays elsewhere only for authenticated users.
	roleMTA role = iota
	// roleMSA (submission and submissions) takes mail from authenticated
	// users only (smtp.Server.RequireAuth), to anyone.
	roleMSA
)

func (r role) String() string {
	if r == roleMSA {
		return "submission"
	}
	return "smtp"
}

// replySenderNotOwned refuses a MAIL FROM the authenticated user may not
// use, as Postfix's reject_sender_login_mismatch does.
var replySenderNotOwned = envelope.NewReply(553, envelope.EnhancedCode{Class: 5, Subject: 7, Detail: 1}, "Sender address rejected: not owned by the authenticated user")

// smtpBackend makes the sessions of the MTA or the MSA.
type smtpBackend struct {
	s    *server
	role role
}

func (b *smtpBackend) NewSession(ctx context.Context, c *smtp.ConnInfo) (smtp.Session, error) {
	return &smtpSession{s: b.s, role: b.role, conn: c}, nil
}

// smtpSession is one SMTP connection. Its methods run one at a time.
type smtpSession struct {
	s    *server
	role role
	conn *smtp.ConnInfo
	user string // canonical user name once authenticated

	from   envelope.Path
	params envelope.MailParams
	rcpts  []rcpt
	id     string // the queue ID of the message being received
}

// rcpt is an accepted recipient with its RCPT parameters.
type rcpt struct {
	path   envelope.Path
	params envelope.RcptParams
}

// SupportsDSN makes the server accept the DSN parameters (RFC 3461),
// which the queue honours and passes on.
func (ss *smtpSession) SupportsDSN() {}

// Auth checks a user's password (RFC 4954). Users may not act for another
// identity.
func (ss *smtpSession) Auth(ctx context.Context, identity, username, password string) error {
	if identity != "" && !strings.EqualFold(identity, username) {
		return envelope.ReplyAuthFailed
	}
	user, ok := ss.s.directory().authenticate(username, password)
	if !ok {
		ss.s.log.Warn("authentication failed", "service", ss.role.String(), "conn", ss.conn.ID, "login", username, "remote", ss.conn.RemoteAddr.String())
		return envelope.ReplyAuthFailed
	}
	ss.user = user
	return nil
}

// Mail checks the sender: an authenticated user may only use one of their
// own addresses (RFC 6409 §4.3 leaves the policy to the MSA).
func (ss *smtpSession) Mail(ctx context.Context, from envelope.Path, params *envelope.MailParams) error {
	if ss.user != "" && (from.IsNull() || !ss.s.directory().owns(ss.user, from.Mailbox)) {
		return replySenderNotOwned
	}
	ss.from, ss.params = from, *params
	return nil
}

// Rcpt accepts local recipients that exist from anyone, and others from
// authenticated users only: anything else would make an open relay.
func (ss *smtpSession) Rcpt(ctx context.Context, to envelope.Path, params *envelope.RcptParams) error {
	if to.IsPostmaster() {
		// RFC 5321 §4.5.1: <Postmaster> is the postmaster of the
		// primary domain.
		to.Mailbox = envelope.Address{Local: "postmaster", Domain: ss.s.cfg.Domains[0]}
	}
	if ss.s.cfg.isLocal(to.Mailbox.Domain) {
		if _, _, ok := ss.s.directory().resolve(to.Mailbox); !ok {
			return envelope.ReplyMailboxNotFound
		}
	} else if ss.user == "" {
		return envelope.ReplyRelayDenied
	}
	ss.rcpts = append(ss.rcpts, rcpt{path: to, params: *params})
	return nil
}

// TraceID names the message by the queue ID it will have, before the
// server writes its Received field: the field's id, the 250 reply and the
// logs then agree, as Postfix's do.
func (ss *smtpSession) TraceID(ctx context.Context) string {
	ss.id = ss.s.queue.NewID()
	return ss.id
}

// Data puts the message in the queue and answers 250 only once it is on
// disk there (queue.EnqueueID fsyncs).
func (ss *smtpSession) Data(ctx context.Context, r io.Reader) error {
	id := ss.id
	if id == "" {
		id = ss.s.queue.NewID()
	}
	err := ss.s.accept(ctx, id, ss.from, ss.params, ss.rcpts, r)
	if err != nil {
		ss.s.log.Warn("message not accepted", "service", ss.role.String(), "conn", ss.conn.ID, "from", ss.from.String(), "err", err)
		return err
	}
	ss.s.log.Info("message accepted", "service", ss.role.String(), "conn", ss.conn.ID, "id", id,
		"user", ss.user, "from", ss.from.String(), "rcpts", len(ss.rcpts), "remote", ss.conn.RemoteAddr.String())
	return envelope.Replyf(250, envelope.EnhancedCode{Class: 2}, "Ok: queued as %s", id)
}

func (ss *smtpSession) Reset(ctx context.Context) {
	ss.from, ss.params, ss.rcpts, ss.id = envelope.Path{}, envelope.MailParams{}, nil, ""
}

func (ss *smtpSession) Logout(ctx context.Context) error { return nil }
