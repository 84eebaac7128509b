// Package imap is an IMAP4rev2 and IMAP4rev1 server over the storage
// interfaces of package store.
//
// The library, not the backend, owns the protocol state: each session keeps
// its own view of the selected mailbox (sequence number → UID), learns of
// changes from the store's change stream (Mailbox.Changes and Watch), and
// sends EXISTS, EXPUNGE and FETCH FLAGS only where RFC 9051 §7.5.1 and
// §5.5 allow. A backend only provides a store.Store per user.
//
// The shortest use, with the in-memory store:
//
//	srv := &imap.Server{
//		Backend: memstore.NewBackend(),
//		Auth: imap.AuthenticatorFunc(func(ctx context.Context, user, pass string) error {
//			if user == "alice" && pass == "secret" {
//				return nil
//			}
//			return imap.ErrAuthFailed
//		}),
//		AllowInsecureAuth: true,
//	}
//	err := srv.ListenAndServe("127.0.0.1:1143")
//
// SEARCH BODY and TEXT match the decoded text of a message's text parts
// (transfer encodings undone, charsets converted to UTF-8), streaming one
// part at a time, and header keys match RFC 2047 decoded values; strings
// are compared decomposed (NFKD, rune by rune) and with Unicode simple case
// folding, so that "cafe" finds "café" as in Dovecot.
//
// SORT and THREAD (RFC 5256, with ESORT and SORT=DISPLAY) take SEARCH's
// keys and order what they find as Dovecot does: strings in the
// i;unicode-casemap form (title case, decomposed), base subjects as
// message.BaseSubject extracts them, sent dates from the Date field or the
// INTERNALDATE, ties by sequence number; THREAD=REFERENCES follows
// Dovecot's reading of the RFC's steps (thread_refs.go). The values come
// from the ENVELOPE (and, for THREAD=REFERENCES, the References field) in
// the Server's cache when it is there (and what SORT and THREAD compute
// goes into it, and into a store.MessageCache), else from a mailbox's
// store.HeaderIndex, asked once for all the messages, else from each
// message's header. SEARCH's
// header keys use a store.HeaderIndex too.
//
// What FETCH computes from a message's content and that never changes for
// a UID (the size with CRLF line ends, ENVELOPE, BODY, BODYSTRUCTURE) is
// kept in a cache shared by the Server's sessions (Server.CacheSize), so a
// client's second FETCH of the same messages reads no message file. Behind
// it, a mailbox that implements store.MessageCache (package maildir keeps a
// file per folder) keeps the same across restarts, as Dovecot's
// dovecot.index.cache does; what it returns is checked before it is sent.
// A size the store reports (store.MessageInfo.CRLFSize, a Maildir name's
// ",W=") is used without reading the message. Bodies stream from the store, converted to
// CRLF on the way, never loaded whole. An idle session holds its view of
// the selected mailbox (UIDs as runs: bytes, not kilobytes, for a mailbox
// without many holes) but no I/O buffers: they go back to pools between
// commands and during IDLE.
//
// \Recent (RFC 3501 §2.3.2) is kept for IMAP4rev1 clients: the first
// read-write session to learn of a message, at SELECT or as it arrives,
// sees it as \Recent and gets RECENT responses; EXAMINE and IMAP4rev2
// sessions take nothing away. The record of what was claimed lives in the
// Server, per user and mailbox, not in the store: another process serving
// the same mailboxes, or this one after a restart, does not share it, and
// its first session sees every message as recent, as RFC 3501 §2.3.2
// requires when it cannot be known.
//
// LIST returns the levels of the hierarchy that hold mailboxes without
// being one (\Noselect to IMAP4rev1, \NonExistent with RFC 5258 syntax
// or IMAP4rev2), and LIST (SUBSCRIBED) and LSUB the subscriptions whose
// mailbox is gone, when the store can list them: a store.Store that also
// has the method
//
//	Subscriptions(ctx context.Context) ([]string, error)
//
// returning every subscribed name. Otherwise only subscribed mailboxes
// that exist are known.
//
// NOTIFY (RFC 5465) sends events while no command is in progress: a
// session with NOTIFY set waits for its next command in a reader
// goroutine, as IDLE does, while its own goroutine, still the only
// writer, waits for store and mailbox events; a session without NOTIFY
// waits as before, holding no buffers. All mailbox filters are supported
// (INBOXES is INBOX, where this module's MDAs deliver); the events are
// MessageNew (with fetch attributes for the selected mailbox),
// MessageExpunge, FlagChange, MailboxName and SubscriptionChange, and
// others are refused with NO [BADEVENT]. Other mailboxes are watched
// through store.Mailbox.Watch, at most Server.MaxNotifyMailboxes of them,
// and reported with STATUS. MailboxName and SubscriptionChange events
// travel between the sessions of one Server only: a mailbox another
// process creates, deletes or renames is not reported (the next NOTIFY
// SET watches what then exists). When a session cannot keep up it gets
// [NOTIFICATIONOVERFLOW] and NOTIFY is turned off.
//
// CONDSTORE and QRESYNC (RFC 7162) use the store's modseqs and expunge
// tombstones (store.Changes); the session keeps no state of its own for
// them. A client that resynchronises with SELECT (QRESYNC (…)) from a
// modseq older than the tombstones its store keeps (memstore and maildir
// keep the last 100 000 expunges of each mailbox, Config.TombstoneLimit)
// still gets a correct VANISHED (EARLIER): the UIDs of its known-uids (or
// of 1:UIDNEXT-1) that are not in the mailbox, less those its
// sequence-match data shows unchanged, which may name UIDs it never saw,
// as RFC 7162 §3.2.5.2 allows. Once QRESYNC is enabled, VANISHED replaces
// EXPUNGE everywhere.
//
// The saved search result of SEARCHRES ("$", RFC 5182) is kept as UIDs,
// so that expunges do not shift it, and resolves to the same messages in
// sequence-number and UID commands. APPEND takes several messages
// (MULTIAPPEND, RFC 3502) and adds all or none: atomically when the
// mailbox implements store.MultiAppender (memstore, maildir and mbox do),
// otherwise one by one, expunging those added when a later one fails,
// which other sessions may glimpse. Each message streams into the store
// as it arrives; each is bounded by Server.AppendLimit and their number by
// Server.MaxAppendMessages. A message sent as literal8 (~{n}, RFC 3516
// §4.4) may hold NUL octets; one sent as a plain literal may not (BAD).
//
// Object ids (RFC 8474 OBJECTID: MAILBOXID, EMAILID, THREADID) are the
// store's: OBJECTID is advertised after login when the user's store
// implements store.ObjectIDStore (memstore and maildir do; maildir's ids
// are Dovecot's mailbox and message GUIDs), and its items and keys are
// unknown otherwise. THREADID is NIL unless the store threads messages.
// SAVEDATE (RFC 8514) is always advertised: a message whose store does not
// know its save date has SAVEDATE NIL, is not matched by
// SAVEDATESUPPORTED, and is compared by its INTERNALDATE in SAVEDBEFORE,
// SAVEDON and SAVEDSINCE, as Dovecot does.
//
// QUOTA (RFC 9208) is advertised, with QUOTA=RES-STORAGE and
// QUOTA=RES-MESSAGE, once a session's store implements
// store.QuotaReporter (memstore and maildir do; limits come from their
// Config). GETQUOTA and GETQUOTAROOT report the resources that have a
// limit, since a QUOTA response pairs usage with one; SETQUOTA is refused
// (NO [CANNOT]) and QUOTASET not advertised. An APPEND or COPY the store
// refuses with store.ErrOverQuota fails with NO [OVERQUOTA].
//
// COMPRESS=DEFLATE (RFC 4978) is offered after authentication unless
// Server.DisableCompress is set. The server's decompressor is its own
// (package imap/internal/inflate), not compress/flate's, which keeps
// what it decoded until a stored block follows: a client that ends a
// command with a partial flush, as mbsync does, would wait for its answer
// while the server waits for the rest of the flush. This one hands out
// what it decoded whenever the next bits have not arrived. Its window
// grows with what the client sent, to 32 KiB: an idle compressed session
// costs about 1.3 KB more than an uncompressed one after a few commands,
// 36.5 KB once the client has sent 32 KiB. The compressor (0.7 to 1.2 MB
// in compress/flate) is pooled per burst of responses, each ending with
// a sync flush; responses thus never share compression history, which
// costs some ratio (30x instead of 38x on a FETCH of 100 similar
// messages) and keeps a response's secrets out of reach of text an
// attacker placed in another one. Compression under TLS still mixes, in
// one response, data an attacker may choose (a message it sent) with
// data it may not read (RFC 4978 §6, the CRIME class): disable it where
// that matters.
//
// Standards:
//
//	RFC 9051  IMAP4rev2
//	RFC 3501  IMAP4rev1 (clients that do not ENABLE IMAP4rev2)
//	RFC 2177  IDLE
//	RFC 5465  NOTIFY
//	RFC 4315  UIDPLUS (APPENDUID, COPYUID, UID EXPUNGE)
//	RFC 6851  MOVE
//	RFC 7888  LITERAL+
//	RFC 2342  NAMESPACE
//	RFC 2971  ID
//	RFC 5161  ENABLE
//	RFC 4959  SASL-IR; RFC 4616 PLAIN
//	RFC 3691  UNSELECT
//	RFC 6154  SPECIAL-USE
//	RFC 3348  CHILDREN
//	RFC 5258  LIST-EXTENDED
//	RFC 5819  LIST-STATUS
//	RFC 4731  ESEARCH (return options of SEARCH)
//	RFC 5182  SEARCHRES (SEARCH RETURN (SAVE), "$")
//	RFC 3502  MULTIAPPEND
//	RFC 5256  SORT, THREAD=ORDEREDSUBJECT, THREAD=REFERENCES
//	RFC 5267  ESORT (RETURN options of SORT; not CONTEXT=SORT)
//	RFC 5957  SORT=DISPLAY
//	RFC 9208  QUOTA (STORAGE and MESSAGE; no SETQUOTA)
//	RFC 8438  STATUS=SIZE
//	RFC 7889  APPENDLIMIT
//	RFC 6855  UTF8=ACCEPT
//	RFC 5530  response codes
//	RFC 3516  BINARY (FETCH BINARY[] and BINARY.SIZE[], APPEND of literal8)
//	RFC 7162  CONDSTORE and QRESYNC (MODSEQ, CHANGEDSINCE, UNCHANGEDSINCE, VANISHED)
//	RFC 8474  OBJECTID (MAILBOXID, EMAILID, THREADID)
//	RFC 8514  SAVEDATE
//	RFC 3516  BINARY (FETCH BINARY[] and BINARY.SIZE[])
//	RFC 4978  COMPRESS=DEFLATE
//	RFC 2045, RFC 2047  decoding for SEARCH (transfer encodings, encoded words)
package imap
