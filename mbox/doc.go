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
// This package has no store.Store implementation: an mbox is rewritten
// whole to change a flag or expunge, which is only safe while every other
// program honours the same locks, and keeping IMAP UIDs in X-UID headers
// means rewriting messages. Serve mail over IMAP from Maildir (convert with
// examples/mbox2maildir).
//
// Standards:
//
//	RFC 4155   The application/mbox media type (From_ line, variants)
//	qmail mbox(5), Postfix local(8): locking conventions
package mbox
