// Package mbox reads and appends to mbox files (RFC 4155) in the forms
// mail programs write them, with the locking that Postfix local(8),
// procmail and mutt use, so mailstack can share an mbox with them.
//
// Reading streams each message; memory stays bounded whatever the sizes:
//
//	r := mbox.NewReader(f, nil)
//	for {
//		m, err := r.Next()
//		if err == io.EOF { break }
//		io.Copy(dst, m.Body)
//	}
//
// Appending under dotlock and fcntl:
//
//	err := mbox.Append(ctx, "/var/mail/u", msg, &mbox.AppendOptions{Sender: "a@example.org"})
//
// Variants (see Format). A message starts with a From_ line; a From_ line
// starts a message only at the start of the file or after a blank line.
//
//	mboxo    body lines "From " quoted as ">From " (not reversible)
//	mboxrd   lines matching ^>*From  get one more '>'; reversible (default)
//	mboxcl   mboxo plus Content-Length
//	mboxcl2  Content-Length, no quoting
//
// Content-Length is honoured only when the input is an io.ReaderAt and a
// From_ line (or the end of the file) follows exactly where it points, so
// a wrong header cannot swallow the next message. The writer always writes
// mboxrd with LF line ends: CRLF input is normalised to LF, so a message
// read back differs from what was appended only in its line ends.
//
// # Store
//
// OpenStore serves one mbox file (such as /var/mail/user) as the INBOX of
// a store.Store, so the imap and pop3 servers can serve it alongside an
// MDA, mutt and Dovecot:
//
//	s, err := mbox.OpenStore("/var/mail/u", nil)
//	mb, err := s.OpenMailbox(ctx, "INBOX")
//
// The store is append-only: it reads, and appends as an MDA does (dotlock
// and fcntl, truncated back on failure), but refuses flag changes,
// expunges and moves with store.ErrReadOnly; Config.ReadOnly refuses
// appends too. The reason: changing a flag or expunging means rewriting
// the file, and neither way to rewrite it is safe among other programs.
// Writing a new file and renaming it over the old one loses mail: a
// program that takes the fcntl lock before the dotlock (mutt, Dovecot
// with mbox_write_locks = fcntl dotlock) may already hold the old file
// open, waiting for its lock, and will append to the unlinked file once we
// release it. Rewriting in place (as Dovecot does) leaves a torn file if
// the power fails part way, and only a recovery step that every other
// program would have to know can repair it. Mail that needs flags kept
// belongs in a Maildir (examples/mbox2maildir converts).
//
// Flags are read from Status (R: \Seen), X-Status (A: \Answered,
// F: \Flagged, T: \Draft, D: \Deleted) and X-Keywords, and appended
// messages get these fields (see StatusFlags, FlagHeaders). Metadata
// fields (IsMetaHeader) are not content: they are stripped from what Open
// serves and from appended messages.
//
// UIDs follow Dovecot's rules (mbox-sync), so both agree:
//
//   - If the first message has X-IMAPbase (or is the folder data pseudo
//     message, with X-IMAP), its UIDVALIDITY is used, an X-UID counts if
//     it is above the UID before it and not above the last UID given, and
//     other messages, such as those an MDA delivered since, get the next
//     UIDs in file order. Appends add no X-UID, as an MDA. If another
//     program removes such a message before one writes their X-UIDs, a
//     Store keeps the UIDs it gave to the messages after it; a Store
//     opened later numbers them afresh, as Dovecot would.
//   - Otherwise UIDs are positions, 1 to n. The UIDVALIDITY is a digest
//     of the messages present when the Store first reads the file: two
//     readers of the same file agree on it, appends keep it, and any other
//     change (a message removed or rewritten, the file replaced) gives a
//     new one, since positions then shift. A Store opened after messages
//     were appended computes a new one: clients resynchronise once.
//
// Modseqs live in memory: they start from the clock (in microseconds)
// when a Store first reads the file or its UIDVALIDITY changes, so they
// keep growing across restarts; changes made before that are reported
// with Changes.ExpungedIncomplete. Sessions served by different processes
// do not share modseqs. Changes by other programs are found by polling
// the file's identity (inode, size, times) and rescanning it whole.
//
// The file keeps no save dates nor object ids, so a Store reports neither
// (store.MessageInfo.SaveDate is zero, EmailID and Status.MailboxID are
// empty) and does not implement store.ObjectIDStore: an IMAP server
// answers SAVEDATE NIL and does not offer OBJECTID.
//
// Dovecot serves lines as stored: it does not undo mboxrd quoting, so a
// body line mailstack appended as ">From " shows with its '>' there. It
// writes unquoted bodies with Content-Length; read its files with
// Format MboxCL2 (a Store then refuses appends, which it writes as
// mboxrd). Keywords an append sets are kept by Dovecot only if its
// X-IMAPbase already lists them.
//
// The package builds on Unix systems (Linux, macOS, the BSDs), whose file
// locks and inodes it uses; Windows is not supported.
//
// Standards:
//
//	RFC 4155   The application/mbox media type (From_ line, variants)
//	qmail mbox(5), Postfix local(8): locking conventions
//	RFC 9051   IMAP4rev2 UIDs and flags (the Store)
//	RFC 7162   modseqs (the Store, in memory)
//	Dovecot 2.3 mbox format: X-IMAPbase, X-UID, X-Keywords, pseudo message
package mbox
