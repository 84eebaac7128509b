package store

import "context"

// HeaderIndex is an optional interface of a Mailbox that keeps some header
// fields of its messages in an index (a database column, Dovecot's
// dovecot.index.cache), so that a server can answer SORT and THREAD
// (RFC 5256) and SEARCH's header keys (FROM, TO, CC, SUBJECT, SENT*)
// without opening every message. The IMAP server asks, in one call per
// command, for some of these fields of the messages it sorts or searches:
// Subject, Date, From, To, Cc, Message-ID, In-Reply-To and References.
// Without it the server reads each message's header itself; with it, the
// results are the same, which is the implementation's part of the
// contract.
type HeaderIndex interface {
	// HeaderFields returns, for each message in uids that exists,
	// ascending by UID, the fields of its top-level header whose names
	// are in names (ASCII case-insensitively): every occurrence, in
	// header order, each as written, from its name to its line end,
	// folding included. That is the form of IMAP's BODY.PEEK[HEADER.FIELDS
	// (names)] without the final empty line. A message with none of the
	// fields has an empty Header. Absent UIDs are skipped.
	HeaderFields(ctx context.Context, uids UIDSet, names []string) ([]MessageHeader, error)
}

// MessageHeader is one message's answer to [HeaderIndex.HeaderFields].
type MessageHeader struct {
	UID    UID
	Header []byte // the fields asked for, as written; the caller may keep it
}
