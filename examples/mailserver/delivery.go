package main

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/mailstack/mailstack/envelope"
	"github.com/mailstack/mailstack/lmtp"
	"github.com/mailstack/mailstack/maildir"
	"github.com/mailstack/mailstack/smtp"
	"github.com/mailstack/mailstack/store"
)

// replyTooBigForMailbox refuses a message the mailbox cannot take (RFC
// 3463 X.2.3: message length exceeds administrative limit).
var replyTooBigForMailbox = envelope.NewReply(552, envelope.EnhancedCode{Class: 5, Subject: 2, Detail: 3}, "Message too big for the mailbox")

// replyMailboxFull refuses mail for a user over quota (RFC 3463 §3.3
// X.2.2), as Dovecot's LMTP does by default: permanent, so the sender
// hears of it at once.
var replyMailboxFull = envelope.NewReply(552, envelope.EnhancedCode{Class: 5, Subject: 2, Detail: 2}, "Mailbox full")

// lmtpBackend is the delivery agent: it stores what the LMTP listener
// receives (from the queue, or from an MTA such as Postfix) in the users'
// Maildirs.
type lmtpBackend struct{ s *server }

func (b *lmtpBackend) NewSession(ctx context.Context, c *smtp.ConnInfo) (lmtp.Session, error) {
	return &lmtpSession{s: b.s, conn: c}, nil
}

// lmtpSession is one LMTP connection.
type lmtpSession struct {
	s     *server
	conn  *smtp.ConnInfo
	from  envelope.Path
	rcpts []localRcpt // in RCPT order, as lmtp.Status counts them
}

// localRcpt is a recipient resolved to the users who get its mail.
type localRcpt struct {
	addr   envelope.Address
	users  []string
	detail string
}

func (ls *lmtpSession) Mail(ctx context.Context, from envelope.Path, params *envelope.MailParams) error {
	ls.from = from
	return nil
}

// Rcpt accepts the addresses of local users and aliases, sub-addresses
// included, and refuses everything else: LMTP is for final delivery only.
func (ls *lmtpSession) Rcpt(ctx context.Context, to envelope.Path, params *envelope.RcptParams) error {
	if to.IsPostmaster() {
		to.Mailbox = envelope.Address{Local: "postmaster", Domain: ls.s.cfg.Domains[0]}
	}
	if !ls.s.cfg.isLocal(to.Mailbox.Domain) {
		return envelope.ReplyMailboxNotFound
	}
	users, detail, ok := ls.s.directory().resolve(to.Mailbox)
	if !ok {
		return envelope.ReplyMailboxNotFound
	}
	ls.rcpts = append(ls.rcpts, localRcpt{addr: to.Mailbox, users: users, detail: detail})
	return nil
}

// Data stores the message once per user and folder, and reports each
// recipient's result on its own (RFC 2033 §4.2): a recipient succeeds when
// every user it stands for has the message fsync'd in a Maildir.
func (ls *lmtpSession) Data(ctx context.Context, r io.Reader, status *lmtp.Status) error {
	f, err := os.CreateTemp(ls.s.tmpDir(), "lmtp-")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	defer f.Close()
	size, err := io.Copy(f, r)
	if err != nil {
		return err
	}
	done := map[string]error{} // user and folder → result
	for i, rc := range ls.rcpts {
		var rcErr error
		for _, user := range rc.users {
			folder := ls.s.folderFor(user, rc.detail)
			key := user + "\x00" + folder
			err, seen := done[key]
			if !seen {
				err = ls.deliver(ctx, user, folder, rc.addr, io.NewSectionReader(f, 0, size))
				done[key] = err
			}
			rcErr = firstErr(rcErr, err)
		}
		status.Set(i, rcErr)
	}
	return nil
}

// firstErr keeps the first error.
func firstErr(old, err error) error {
	if old != nil {
		return old
	}
	return err
}

// deliver stores one copy with the Return-Path the final delivery adds
// (RFC 5321 §4.4) and a Delivered-To naming the recipient, as Dovecot's
// LDA and Postfix's local do. It goes through the user's shared Store, so
// that the user's IDLEing IMAP sessions hear of it at once.
func (ls *lmtpSession) deliver(ctx context.Context, user, folder string, rcptAddr envelope.Address, msg io.Reader) error {
	st, release, err := ls.s.stores.acquire(user)
	if err != nil {
		return err
	}
	defer release()
	hdr := "Return-Path: " + ls.from.String() + "\r\nDelivered-To: " + rcptAddr.String() + "\r\n"
	name, err := st.Deliver(ctx, folderName(folder), io.MultiReader(strings.NewReader(hdr), msg), nil)
	if err != nil {
		ls.s.log.Error("delivery failed", "conn", ls.conn.ID, "user", user, "folder", folderName(folder), "err", err)
		if errors.Is(err, store.ErrTooBig) {
			return replyTooBigForMailbox
		}
		if errors.Is(err, store.ErrOverQuota) {
			return replyMailboxFull
		}
		return err
	}
	ls.s.log.Info("delivered", "conn", ls.conn.ID, "from", ls.from.String(), "rcpt", rcptAddr.String(), "user", user, "folder", folderName(folder), "file", name)
	return nil
}

// folderFor returns the folder a sub-address's detail names when the user
// has that folder, and "" (INBOX) otherwise, as Dovecot's
// lmtp_save_to_detail_mailbox does without autocreate: a typo in a detail
// never makes a folder appear.
func (s *server) folderFor(user, detail string) string {
	if detail == "" {
		return ""
	}
	if _, err := maildir.EncodeFolderName(detail); err != nil || store.IsInbox(detail) {
		return ""
	}
	if fi, err := os.Stat(s.maildirPath(user, detail)); err != nil || !fi.IsDir() {
		return ""
	}
	return detail
}

// maildirPath is the directory of a user's folder ("" is INBOX, the root
// of the user's Maildir++ tree).
func (s *server) maildirPath(user, folder string) string {
	root := filepath.Join(s.mailRoot(), user)
	if folder == "" {
		return root
	}
	enc, _ := maildir.EncodeFolderName(folder)
	return filepath.Join(root, "."+enc)
}

func folderName(f string) string {
	if f == "" {
		return "INBOX"
	}
	return f
}

func (ls *lmtpSession) Reset(ctx context.Context) {
	ls.from, ls.rcpts = envelope.Path{}, nil
}

func (ls *lmtpSession) Logout(ctx context.Context) error { return nil }
