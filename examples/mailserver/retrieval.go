package main

import (
	"context"
	"fmt"

	"github.com/mailstack/mailstack/imap"
	"github.com/mailstack/mailstack/maildir"
	"github.com/mailstack/mailstack/pop3"
	"github.com/mailstack/mailstack/store"
)

// newIMAP serves the users' Maildirs over IMAP; passwords only under TLS
// (STARTTLS on imap, implicit TLS on imaps).
func (s *server) newIMAP() *imap.Server {
	return &imap.Server{
		Backend:   store.BackendFunc(s.openStore),
		Auth:      imap.AuthenticatorFunc(s.imapAuth),
		TLSConfig: s.tls,
		Logger:    s.log.With("service", "imap"),
	}
}

func (s *server) imapAuth(ctx context.Context, login, password string) error {
	if _, ok := s.directory().authenticate(login, password); !ok {
		s.log.Warn("authentication failed", "service", "imap", "login", login)
		return imap.ErrAuthFailed
	}
	return nil
}

// openStore returns a session's hold on the user's Maildir++ tree, the
// Store the user's other sessions and deliveries share (see stores); the
// session's Close lets go of it.
func (s *server) openStore(ctx context.Context, login string) (store.Store, error) {
	user, ok := s.directory().user(login)
	if !ok {
		return nil, fmt.Errorf("no user %q", login)
	}
	st, release, err := s.stores.acquire(user)
	if err != nil {
		return nil, err
	}
	return &sessionStore{Store: st, release: release}, nil
}

// openMaildir opens a user's Maildir++ tree. Deliveries by this server
// wake the Store's watchers at once; changes made by other programs, such
// as an MDA or Dovecot sharing the Maildirs, are reported by inotify on
// Linux, else found by polling every PollInterval (maildir's default
// unless a test sets it).
func (s *server) openMaildir(user string) (*maildir.Store, error) {
	return maildir.Open(s.maildirPath(user, ""), &maildir.Config{
		PollInterval:  s.pollInterval,
		QuotaStorage:  s.cfg.Mailbox.QuotaStorage,
		QuotaMessages: s.cfg.Mailbox.QuotaMessages,
	})
}

// newPOP3 serves each user's INBOX over POP3; passwords only under TLS
// (STLS on pop3, implicit TLS on pop3s).
func (s *server) newPOP3() *pop3.Server {
	return &pop3.Server{
		Backend:        pop3.BackendFunc(s.pop3Login),
		TLSConfig:      s.tls,
		Hostname:       s.cfg.Hostname,
		Implementation: "mailstack-mailserver",
		Logger:         s.log.With("service", "pop3"),
	}
}

func (s *server) pop3Login(ctx context.Context, info *pop3.ConnInfo, login, password string) (*pop3.Maildrop, error) {
	user, ok := s.directory().authenticate(login, password)
	if !ok {
		s.log.Warn("authentication failed", "service", "pop3", "login", login, "remote", info.RemoteAddr.String())
		return nil, pop3.ErrAuthFailed
	}
	st, err := s.openStore(ctx, user)
	if err != nil {
		return nil, err
	}
	// One lock per user, whatever case the login was typed in.
	return &pop3.Maildrop{Store: st, LockKey: user}, nil
}
