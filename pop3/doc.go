// Package pop3 is a POP3 server and client (RFC 1939 and its
// extensions). The server serves any store.Store through a small Backend
// hook that authenticates users; the client talks to any POP3 server,
// Dovecot included.
//
// The shortest server, over the in-memory store:
//
//	srv := &pop3.Server{
//		Backend: pop3.BackendFunc(func(ctx context.Context, _ *pop3.ConnInfo, user, pass string) (*pop3.Maildrop, error) {
//			if user != "alice" || pass != "secret" {
//				return nil, pop3.ErrAuthFailed
//			}
//			return &pop3.Maildrop{Store: st}, nil
//		}),
//		TLSConfig: tlsConfig, // STLS; nil refuses passwords unless AllowInsecureAuth
//	}
//	err := srv.ListenAndServe()
//
// And a client:
//
//	c, err := pop3.DialStartTLS(ctx, "pop.example.com:110", nil)
//	err = c.Login(ctx, "alice", "secret")
//	uids, err := c.UIDL(ctx)
//	r, err := c.Retr(ctx, 1) // a stream; Close it before the next call
//	err = c.Dele(ctx, 1)
//	err = c.Quit(ctx) // deletions happen now, not before
//
// # Server behaviour
//
// The library owns the protocol state: at login it takes a snapshot of the
// maildrop (by default the store's INBOX), numbers the messages and keeps
// DELE marks in the session. Only QUIT in the TRANSACTION state changes
// the store (RFC 1939 §6): it sets \Seen on the messages RETR sent (unless
// Server.NoFlagUpdates) and removes the deleted ones. A connection that
// drops, times out or is shut down deletes nothing.
//
// The maildrop is locked for the session (RFC 1939 §8): a second login to
// it gets -ERR [IN-USE]. The lock is held within one Server, keyed by
// Maildrop.LockKey; a store.Mailbox that can lock against other processes
// implements MaildropLocker and the server takes that lock too.
//
// Unique-ids (UIDL) come from the store's UID and UIDVALIDITY, formatted as
// Dovecot's default pop3_uidl_format does, so they survive sessions and
// a move between Dovecot and this server on one Maildir.
//
// Sizes count CRLF line endings, which is what RETR sends: messages stored
// with LF alone (as MDAs write them) are converted as they stream, and
// their size is learnt by reading them once, unless the store reports it
// (store.MessageInfo.CRLFSize, such as a Maildir name's ",W=") or the
// mailbox implements CRLFSizer. Those count LFs without CR, as Dovecot's
// virtual size does; RETR also turns a bare CR into CRLF, so a message
// holding bare CRs (which RFC 5322 §2.3 forbids) is sent a few octets
// longer than listed. RETR and TOP stream from the store's io.ReaderAt through the
// dot-stuffing writer of internal/wire: a message is never held in memory.
//
// USER/PASS and SASL PLAIN/LOGIN are refused, and not advertised, on a
// connection without TLS unless Server.AllowInsecureAuth is set. APOP is
// offered when the Backend implements APOPBackend.
//
// Limits (all Server fields, with defaults in limits.go): command line
// length, SASL line length, erroneous commands, commands before login,
// failed logins, connections; timeouts for idle sessions (10 minutes, the
// RFC 1939 §3 minimum), writes and TLS handshakes.
//
// # Standards
//
//	RFC 1939  POP3: USER, PASS, APOP, STAT, LIST, RETR, DELE, NOOP, RSET,
//	          QUIT, TOP, UIDL; AUTHORIZATION, TRANSACTION, UPDATE states
//	RFC 2449  CAPA; TOP, USER, SASL, RESP-CODES, LOGIN-DELAY, PIPELINING,
//	          EXPIRE, UIDL, IMPLEMENTATION capabilities; [IN-USE],
//	          [LOGIN-DELAY] response codes
//	RFC 2595  STLS
//	RFC 3206  [SYS/TEMP], [SYS/PERM], [AUTH] response codes
//	RFC 5034  AUTH with SASL (PLAIN, LOGIN) and initial response;
//	          AUTH-RESP-CODE
//	RFC 6856  UTF8 command and capability (UTF8 USER); messages are not
//	          downgraded for clients that do not send UTF8; LANG is not
//	          implemented
//	RFC 8314  implicit TLS (port 995): Server.ServeTLS, DialTLS
//
// The client implements the same commands, reads multi-line responses
// with line and size limits (ClientOptions), pipelines USER/PASS and DELE
// when the server announces PIPELINING, and returns every -ERR as an
// *Error carrying its response code.
package pop3
