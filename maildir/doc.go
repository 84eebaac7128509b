// Package maildir stores mail in Maildir and Maildir++ directories that
// Dovecot, Postfix, mutt and mblaze can share, and implements package store
// over them.
//
// Delivery (the MDA path) needs no open store:
//
//	name, err := maildir.Deliver(ctx, "/home/u/Maildir", msg, nil)
//
// Reading and changing, with UIDs and modseqs, goes through a Store:
//
//	st, err := maildir.Open("/home/u/Maildir", nil)
//	mb, err := st.OpenMailbox(ctx, "INBOX")
//	infos, err := mb.List(ctx, store.All)
//
// Layout and compatibility:
//
//   - Delivery writes tmp/<sec>.M<usec>P<pid>Q<n>.<host>, fsyncs it, renames
//     it into new/ as <name>,S=<size> without ever replacing a file
//     (renameat2 RENAME_NOREPLACE, else link and unlink) and fsyncs new/.
//     Nothing half-written is ever visible in new/ or cur/.
//   - Append and Copy name files <name>,S=<size>,W=<vsize> as Dovecot
//     does, W being the size with CRLF line ends (store.MessageInfo's
//     CRLFSize), read back from names (or a W<vsize> field of the UID
//     list) so that servers need not read a message to learn it.
//   - Opening a message the index knows opens its file by the name
//     recorded; only if it is gone (renamed by a flag change elsewhere,
//     or expunged) is the folder rescanned and the open retried.
//   - A reader numbers new files in delivery order: by the seconds,
//     microseconds and Q counter of their names compared as numbers (as
//     Dovecot sorts them), and only once every file delivered before them
//     is in sight, so each writer's messages get ascending UIDs even
//     though readdir is not a snapshot.
//   - A reader moves new/ files to cur/ with ":2," and keeps flags in the
//     info letters (see SplitName, ParseFlags): D F R S T and keyword
//     letters a–z named by the folder's dovecot-keywords file.
//   - Folders are Maildir++: mailbox "Lists.Go" is root/.Lists.Go (name in
//     modified UTF-7, as Dovecot's default layout), with a maildirfolder
//     marker. Names that could escape the root are refused.
//   - UIDs live in each folder's dovecot-uidlist (version 3), read and
//     written as Dovecot does: records are appended, or the file is
//     rewritten (temp file + rename), always under the dovecot-uidlist.lock
//     dotlock that Dovecot takes too. UIDs given by Dovecot are kept.
//   - Modseqs for CONDSTORE/QRESYNC live in mailstack-modseq (see
//     JournalName), with expunge tombstones: the last Config.TombstoneLimit
//     (100 000) per folder, older ones dropped when the journal is
//     compacted; Changes since a modseq older than the oldest kept reports
//     ExpungedIncomplete. Changes made by other programs are noticed on
//     the next scan and get fresh modseqs then.
//   - Object ids (RFC 8474, store.ObjectIDStore) are Dovecot's GUIDs:
//     MailboxID is the mailbox GUID in the dovecot-uidlist header
//     (G<guid>, what doveadm mailbox status guid prints), kept by RENAME
//     and added to a list that lacks one; a message's GUID is the G<guid>
//     field of its uidlist record, else its file's base name, and
//     EmailID is "M" and 24 hex digits of its SHA-256. Copy and Move
//     write the original's GUID into the new record, as Dovecot does, so
//     a copy keeps its EMAILID for both servers. THREADID is not kept.
//   - Save dates (RFC 8514) live in the journal: the time of the Append,
//     Copy or Move, or for mail another program delivered the file's
//     mtime (its delivery time) when a scan first sees it. Flag renames
//     change a file's ctime, which Dovecot reports as the save date of a
//     message its index does not know, so the journal, not ctime, is the
//     record. A message whose journal entry predates save dates reports
//     its mtime.
//   - What servers compute about messages (store.MessageCache: an IMAP
//     server's ENVELOPE and BODYSTRUCTURE) lives in mailstack-cache (see
//     CacheName): append-only, checksummed records, bounded by
//     Config.CacheLimit, rewritten when damaged or grown.
//   - Append and AppendMulti (store.MultiAppender, RFC 3502) write every
//     message to tmp/ first and move them into cur/ together under the
//     uidlist lock, taking the moved ones back if one fails: all or none,
//     except across a crash during the moves, which leaves those moved so
//     far to be numbered as new mail by the next reader.
//   - Quota (store.QuotaReporter, RFC 9208): usage is counted over INBOX
//     and every folder; Config.QuotaStorage and QuotaMessages, when set,
//     make appends and copies beyond them fail with store.ErrOverQuota.
//   - Subscriptions: root/subscriptions. Special use: folder names as in
//     Dovecot's default configuration, plus root/mailstack-special-use.
//
// Watching (store.Mailbox's Watch, which IMAP IDLE and NOTIFY use):
// changes made through a Store, Store.Deliver included, wake its watchers
// at once. Changes made by other processes (Postfix's local(8) or
// Dovecot's LDA delivering, Dovecot's imapd or mutt flagging and
// expunging, another Store) are found as follows:
//
//   - On Linux, a Store has one inotify descriptor, read by one goroutine,
//     both made by the first Watch and released by Store.Close. A folder
//     with watchers has inotify watches on new/ and cur/ (files created,
//     renamed in or out, or removed) and on its own directory (renamed or
//     deleted), added with its first watcher and removed with its last;
//     an event makes the folder rescan at once, and its watchers are
//     signalled if that found a change. A burst of events costs one
//     rescan per 50 ms. The Store's own changes cause events too, which
//     cost a rescan that finds nothing new (Watch may fire spuriously, as
//     store.Mailbox allows). A watched folder is still polled every 30 s,
//     or Config.PollInterval if longer, as a safety net: for a lost
//     event queue (an overflow makes every watched folder check itself)
//     or a change inotify cannot see.
//   - Elsewhere, and on Linux where inotify cannot serve, one goroutine
//     per watched folder stats new/ and cur/ every Config.PollInterval
//     (directory mtimes change on every delivery, flag change and
//     expunge) and rescans only when they moved. inotify cannot serve
//     when inotify_init1 fails (past fs.inotify.max_user_instances,
//     often 128 Stores per Unix user; tried again for the next folder
//     watched), when fs.inotify.max_user_watches is reached (ENOSPC), for
//     a folder on a network file system (NFS, SMB, AFS, Ceph, 9p), whose
//     inotify misses other clients' changes, and after Store.Close.
//
// A folder's goroutine ends when its last watcher's context does.
//
// The package builds on Unix systems (Linux, macOS, the BSDs): it relies on
// POSIX rename, link and fsync semantics, and on inodes. Windows is not
// supported.
//
// Specifications followed:
//
//	Maildir          https://cr.yp.to/proto/maildir.html
//	Maildir++        Courier's maildir++ folders
//	dovecot-uidlist  Dovecot 2.x maildir-uidlist.c, version 3
//	RFC 3501 §5.1.3  modified UTF-7 folder names
//	RFC 7162         modseqs and expunge tombstones
//	RFC 8474         object ids (MAILBOXID, EMAILID)
//	RFC 8514         save dates
package maildir
