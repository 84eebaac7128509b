// Package store defines the mailbox storage interfaces that the imap and
// pop3 servers consume, so that any storage (Maildir, mbox, memory, a
// database) can serve them.
//
// The split follows one rule: the protocol library owns protocol state and
// the store owns data. A store speaks UIDs only; sequence numbers, pending
// untagged responses and \Recent belong to the server's session. A store
// reports every change (delivery, flag change, expunge, whether made by this
// process or another) with a modification sequence (modseq), which is all a
// session needs to keep its view current and all CONDSTORE/QRESYNC need.
//
// The shortest use, with the in-memory implementation:
//
//	st := memstore.New()
//	mb, _ := st.OpenMailbox(ctx, "INBOX")
//	res, _ := mb.Append(ctx, strings.NewReader(msg), nil)
//	infos, _ := mb.List(ctx, store.UIDSet{{Start: res.UID, Stop: res.UID}})
//
// Learning about changes: a session remembers the highest modseq it has
// seen, waits on [Mailbox.Watch] (or polls), and calls [Mailbox.Changes]
// with that modseq. Changes returns new and changed messages and the UIDs
// expunged since (tombstones). Stores keep tombstones for a bounded time or
// count, documented by each implementation; when a caller asks for changes
// older than the retained tombstones, Changes says so
// ([Changes.ExpungedIncomplete]) and the caller falls back to comparing its
// UID list with [Mailbox.List].
//
// Optional capabilities are add-on interfaces a server detects once, when it
// is built, such as [MultiAppender], [SubscriptionLister],
// [MessageCache] and [HeaderIndex]; [ObjectIDStore] and [QuotaReporter]
// are detected once per store, when a session opens it.
//
// Standards the interfaces are shaped for:
//
//	RFC 9051  IMAP4rev2: UIDs, UIDVALIDITY, flags, keywords, mailbox names
//	RFC 3501  IMAP4rev1
//	RFC 4315  UIDPLUS: APPENDUID, COPYUID (AppendResult, CopyResult)
//	RFC 6851  MOVE
//	RFC 3502  MULTIAPPEND (MultiAppender)
//	RFC 9208  QUOTA (QuotaReporter, ErrOverQuota)
//	RFC 6154  SPECIAL-USE attributes
//	RFC 7162  CONDSTORE/QRESYNC: modseqs, UNCHANGEDSINCE, expunge tombstones
//	RFC 8474  OBJECTID: MailboxID, EmailID, ThreadID ([ObjectIDStore])
//	RFC 8514  SAVEDATE: MessageInfo.SaveDate
//	RFC 1939  POP3: messages by UID, sizes
//	RFC 5256  SORT, THREAD: header fields from an index (HeaderIndex)
package store

import (
	"context"
	"io"
	"time"
)

// UID is a message's unique identifier within one mailbox and one
// UIDVALIDITY (RFC 9051 §2.3.1.1). Zero is never a valid UID.
type UID uint32

// MaxUID is the largest UID.
const MaxUID UID = 1<<32 - 1

// ModSeq is a modification sequence (RFC 7162 §3.1.1): every change to a
// mailbox gets a value greater than any before it.
type ModSeq uint64

// System flags (RFC 9051 §2.3.2). Stores keep them in this spelling;
// lookups are case-insensitive. \Recent is not a stored flag: it is session
// state kept by the IMAP server.
const (
	FlagSeen     = `\Seen`
	FlagAnswered = `\Answered`
	FlagFlagged  = `\Flagged`
	FlagDeleted  = `\Deleted`
	FlagDraft    = `\Draft`
)

// Special-use mailbox attributes (RFC 6154 §2), plus the list attributes a
// store reports.
const (
	AttrAll         = `\All`
	AttrArchive     = `\Archive`
	AttrDrafts      = `\Drafts`
	AttrFlagged     = `\Flagged`
	AttrJunk        = `\Junk`
	AttrSent        = `\Sent`
	AttrTrash       = `\Trash`
	AttrNoSelect    = `\Noselect`
	AttrHasChildren = `\HasChildren`
	AttrHasNoChild  = `\HasNoChildren`
)

// Backend gives access to users' stores. The servers call Open after
// authentication; the store returned is closed when the session ends.
type Backend interface {
	Open(ctx context.Context, username string) (Store, error)
}

// BackendFunc adapts a function to [Backend].
type BackendFunc func(ctx context.Context, username string) (Store, error)

// Open calls f.
func (f BackendFunc) Open(ctx context.Context, username string) (Store, error) {
	return f(ctx, username)
}

// Store is one user's mail: a hierarchy of mailboxes whose names use
// Delimiter as separator. "INBOX" (any case) always exists and names the
// inbox (RFC 9051 §5.1). Names are UTF-8; the IMAP server converts modified
// UTF-7 (RFC 9051 §5.1.3). A Store is safe for concurrent use.
type Store interface {
	// Delimiter returns the hierarchy separator, such as '/' or '.'.
	Delimiter() rune
	// Mailboxes lists every mailbox, INBOX first.
	Mailboxes(ctx context.Context) ([]MailboxInfo, error)
	// CreateMailbox creates a mailbox and any missing parents
	// (RFC 9051 §6.3.4). ErrMailboxExists if it exists; ErrInvalidName
	// for a name the store refuses.
	CreateMailbox(ctx context.Context, name string, opts *CreateOptions) error
	// DeleteMailbox deletes a mailbox and its messages (RFC 9051 §6.3.5).
	// Deleting INBOX or a mailbox with children fails with ErrNotAllowed.
	DeleteMailbox(ctx context.Context, name string) error
	// RenameMailbox renames a mailbox and its children (RFC 9051 §6.3.6).
	// Renaming INBOX moves its messages to the new mailbox and leaves
	// INBOX empty.
	RenameMailbox(ctx context.Context, from, to string) error
	// SetSubscribed adds or removes a name from the subscription list
	// (RFC 9051 §6.3.7); the mailbox need not exist.
	SetSubscribed(ctx context.Context, name string, subscribed bool) error
	// OpenMailbox opens a mailbox by name; ErrNoSuchMailbox if absent.
	OpenMailbox(ctx context.Context, name string) (Mailbox, error)
	// Close releases the store's resources. Mailboxes opened from it
	// must be closed first.
	Close() error
}

// MailboxInfo describes one mailbox in a listing.
type MailboxInfo struct {
	// Name is the full name, hierarchy parts joined by the delimiter.
	Name string
	// Attrs holds list and special-use attributes such as AttrSent.
	Attrs []string
	// Subscribed is true if Name is on the subscription list.
	Subscribed bool
}

// CreateOptions are the options of [Store.CreateMailbox]. The zero value
// creates a plain mailbox.
type CreateOptions struct {
	// SpecialUse lists special-use attributes to give the new mailbox
	// (RFC 6154 §3, CREATE-SPECIAL-USE). Default none.
	SpecialUse []string
}

// Mailbox is an open mailbox. All methods are safe for concurrent use.
type Mailbox interface {
	// Name returns the mailbox name as opened.
	Name() string
	// Status returns counters and identifiers, current as of the call.
	Status(ctx context.Context) (Status, error)
	// List returns the messages whose UIDs are in uids, ascending by UID.
	// Use All for every message.
	List(ctx context.Context, uids UIDSet) ([]MessageInfo, error)
	// Open returns a message's content; ErrNoSuchMessage if the UID is
	// not (or no longer) in the mailbox.
	Open(ctx context.Context, uid UID) (Content, error)
	// Append adds a message read from r (RFC 9051 §6.3.12).
	Append(ctx context.Context, r io.Reader, opts *AppendOptions) (AppendResult, error)
	// SetFlags changes the flags of the messages in uids (RFC 9051
	// §6.4.6) and returns the messages whose flags changed, each with
	// its new modseq; a message whose flags stay the same keeps its
	// modseq. With opts.Conditional, messages whose modseq is greater
	// than opts.UnchangedSince are left alone and reported in a
	// *ModifiedError (RFC 7162 §3.1.3) returned together with the
	// updates made, and messages that passed the test are returned even
	// if their flags did not change.
	SetFlags(ctx context.Context, uids UIDSet, op FlagOp, flags []string, opts *SetFlagsOptions) ([]MessageInfo, error)
	// Expunge removes the messages in uids that have \Deleted
	// (RFC 9051 §6.4.3, RFC 4315 §2.1 UID EXPUNGE) and returns their
	// UIDs, ascending.
	Expunge(ctx context.Context, uids UIDSet) ([]UID, error)
	// Copy copies messages to the mailbox named dest, keeping flags and
	// internal dates (RFC 9051 §6.4.7).
	Copy(ctx context.Context, uids UIDSet, dest string) (CopyResult, error)
	// Move moves messages to dest (RFC 6851): copies, then expunges the
	// originals whatever their flags.
	Move(ctx context.Context, uids UIDSet, dest string) (CopyResult, error)
	// Changes reports what changed after modseq since: messages added or
	// whose flags changed, and UIDs expunged (RFC 7162 §3.2.5.2).
	Changes(ctx context.Context, since ModSeq) (Changes, error)
	// Watch returns a channel that receives a value (coalesced, never
	// blocking the store) after the mailbox may have changed, including
	// by another process; the channel is closed when ctx ends. After a
	// receive, call Changes.
	Watch(ctx context.Context) <-chan struct{}
	// Close releases the handle.
	Close() error
}

// Status describes a mailbox (RFC 9051 §6.3.11, RFC 7162 §3.1.2).
type Status struct {
	UIDValidity   uint32
	UIDNext       UID
	HighestModSeq ModSeq
	Messages      int
	Unseen        int
	Deleted       int
	Size          int64 // sum of message sizes (RFC 8438 STATUS=SIZE)
	// Keywords lists the keywords defined in the mailbox (for the FLAGS
	// response, RFC 9051 §7.3.5).
	Keywords []string
	// MoreKeywords is true if new keywords can still be created (\* in
	// PERMANENTFLAGS, RFC 9051 §7.1).
	MoreKeywords bool
	// MailboxID is the mailbox's object id (RFC 8474 §4, see
	// IsObjectID): it never changes while the mailbox exists, RENAME
	// included, and no other mailbox of the store ever has it. Empty
	// when the store keeps none; a store that implements
	// [ObjectIDStore] always sets it.
	MailboxID string
}

// MessageInfo is what the store keeps about one message.
type MessageInfo struct {
	UID UID
	// Flags holds system flags (canonical spelling) and keywords. It is
	// the caller's to keep but not to modify.
	Flags        []string
	ModSeq       ModSeq
	InternalDate time.Time
	Size         int64
	// CRLFSize is the size with every LF not preceded by CR counted as
	// CR LF: the size of the form the IMAP and POP3 servers send
	// (RFC 9051 §2.2, RFC 1939 §3), what Dovecot calls the virtual size
	// (the ",W=" field of a Maildir file name). 0 means the store does
	// not know it, and a server reads the message to learn it.
	CRLFSize int64
	// SaveDate is when the message was saved into this mailbox, by
	// Append, Copy, Move or delivery (RFC 8514 §2): unlike InternalDate,
	// which Append may set and Copy keeps, it is the store's own clock,
	// and a copy gets a new one. It never changes afterwards, flag
	// changes included. The zero Time means the store does not know it
	// (an IMAP server then answers SAVEDATE NIL).
	SaveDate time.Time
	// EmailID is the object id of the message's content (RFC 8474 §5.1,
	// see IsObjectID): it never changes, flag changes included, and
	// Copy and Move give the copy the same EmailID as the original;
	// messages of different content never share one. Empty when the
	// store keeps none; a store that implements [ObjectIDStore] always
	// sets it.
	EmailID string
	// ThreadID is the object id of the message's thread (RFC 8474
	// §5.2): messages of one conversation share it. Empty when the
	// store does not thread messages (an IMAP server then answers
	// THREADID NIL, as RFC 8474 §5.2 allows).
	ThreadID string
}

// HasFlag reports whether m has flag, compared case-insensitively.
func (m *MessageInfo) HasFlag(flag string) bool {
	for _, f := range m.Flags {
		if equalFold(f, flag) {
			return true
		}
	}
	return false
}

// Content is a message's bytes exactly as stored: as appended, or as
// another program wrote them. Files that MDAs and Dovecot write in a
// Maildir or mbox usually end lines with LF alone; a protocol server sends
// CRLF (RFC 9051 §2.2, RFC 1939 §3) and converts as it streams.
type Content interface {
	io.ReaderAt
	io.Closer
	// Size returns the length in bytes.
	Size() int64
}

// AppendOptions are the options of [Mailbox.Append]. The zero value (or nil)
// appends with no flags and the current time.
type AppendOptions struct {
	// Flags to set on the new message. Default none.
	Flags []string
	// InternalDate of the message (RFC 9051 §2.3.3). Default: now.
	// Stores keep at least one-second precision.
	InternalDate time.Time
}

// AppendResult identifies an appended message (RFC 4315 APPENDUID).
type AppendResult struct {
	UIDValidity uint32
	UID         UID
	ModSeq      ModSeq
}

// CopyResult maps copied messages (RFC 4315 COPYUID): SourceUIDs[i] became
// DestUIDs[i] in the destination, whose UIDVALIDITY is UIDValidity.
type CopyResult struct {
	UIDValidity uint32
	SourceUIDs  []UID
	DestUIDs    []UID
}

// FlagOp is how [Mailbox.SetFlags] combines flags (RFC 9051 §6.4.6).
type FlagOp int

const (
	FlagsAdd     FlagOp = iota // +FLAGS
	FlagsRemove                // -FLAGS
	FlagsReplace               // FLAGS
)

// SetFlagsOptions are the options of [Mailbox.SetFlags]. The zero value
// sets flags unconditionally.
type SetFlagsOptions struct {
	// Conditional applies UnchangedSince (RFC 7162 §3.1.3); it exists
	// so that UNCHANGEDSINCE 0, which fails for every message, can be
	// expressed. Default false: no condition.
	Conditional bool
	// UnchangedSince is the UNCHANGEDSINCE value: messages whose modseq
	// is greater are not changed. Used only when Conditional is set.
	UnchangedSince ModSeq
}

// Changes is the answer of [Mailbox.Changes].
type Changes struct {
	// HighestModSeq is the mailbox's highest modseq when the answer was
	// made; pass it to the next call.
	HighestModSeq ModSeq
	// UIDValidity is the current UIDVALIDITY; if it differs from what
	// the caller knew, all its UIDs are void (RFC 9051 §2.3.1.1).
	UIDValidity uint32
	// Updated holds messages appended or whose flags changed after
	// since, ascending by UID.
	Updated []MessageInfo
	// Expunged holds UIDs expunged after since, ascending.
	Expunged []UID
	// ExpungedIncomplete is true when tombstones old enough to matter
	// were discarded: Expunged may miss UIDs, and the caller must find
	// vanished UIDs by comparing its list with List.
	ExpungedIncomplete bool
}

// MultiAppender is an optional interface of a Mailbox that appends several
// messages atomically (RFC 3502 MULTIAPPEND): either all are added or
// none is. What "none" promises across a crash is each implementation's
// to document.
type MultiAppender interface {
	// AppendMulti appends the messages next yields, in order, and
	// returns their results in that order. next returns one message at
	// a time, then io.EOF; the store reads (or abandons) each Body
	// before it calls next again, so that messages can stream one after
	// another from a connection, and it may hold its locks meanwhile.
	// If next or an append fails, no message is added and the error is
	// returned, next's unchanged; the store then calls next no more.
	AppendMulti(ctx context.Context, next func() (*AppendMessage, error)) ([]AppendResult, error)
}

// AppendMessages returns a next function for [MultiAppender.AppendMulti]
// that yields msgs, then io.EOF.
func AppendMessages(msgs ...AppendMessage) func() (*AppendMessage, error) {
	i := 0
	return func() (*AppendMessage, error) {
		if i == len(msgs) {
			return nil, io.EOF
		}
		i++
		return &msgs[i-1], nil
	}
}

// ReadOnlyMailbox is an optional interface of a Mailbox whose flags cannot
// be changed nor messages expunged, such as an mbox served by package
// mbox: its SetFlags, Expunge and Move fail with ErrReadOnly. An IMAP
// server answers SELECT of it with [READ-ONLY] and PERMANENTFLAGS ()
// (RFC 9051 §6.3.2, §7.1). Append may still work.
type ReadOnlyMailbox interface {
	ReadOnly() bool
}

// SubscriptionLister is an optional interface of a Store that can list
// every subscribed name, including names whose mailbox no longer exists or
// never did: a subscription outlives its mailbox (RFC 9051 §6.3.7), and
// LIST (SUBSCRIBED) shows such names as \NonExistent (RFC 5258 §3). A
// Store without it reports subscriptions only through
// MailboxInfo.Subscribed.
type SubscriptionLister interface {
	// Subscriptions returns the subscribed names, INBOX spelt "INBOX".
	Subscriptions(ctx context.Context) ([]string, error)
}

// MessageCache is an optional interface of a Mailbox that keeps, for a
// server, what it computed about each message (an IMAP server's ENVELOPE
// and BODYSTRUCTURE, which Dovecot keeps in dovecot.index.cache) across
// restarts, as bytes the store does not interpret. An entry belongs to a
// UID under one UIDVALIDITY: a message's content never changes while both
// stay the same (RFC 9051 §2.3.1.1). The cache is bounded and may lose
// entries at any time, or return damaged ones after a crash or another
// program's writes: callers check what they read.
type MessageCache interface {
	// CacheGet returns what CachePut stored for uid under uidValidity,
	// or nil. The caller may keep and modify the slice.
	CacheGet(ctx context.Context, uidValidity uint32, uid UID) []byte
	// CachePut stores data for uid under uidValidity, replacing an
	// earlier entry; entries of another UIDVALIDITY are dropped. It
	// does not keep data. Stores may drop an entry (too large, cache
	// full) and still return nil.
	CachePut(ctx context.Context, uidValidity uint32, uid UID, data []byte) error
}

// ObjectIDStore is an optional interface of a Store that gives every
// mailbox a [Status.MailboxID] and every message a [MessageInfo.EmailID]
// (RFC 8474 OBJECTID). An IMAP server advertises OBJECTID to a session
// only when its store reports true; a wrapper that embeds a Store can
// report false to hide the ids.
type ObjectIDStore interface {
	// ObjectIDs reports whether the store sets MailboxID and EmailID.
	ObjectIDs() bool
}

// AppendMessage is one message of [MultiAppender.AppendMulti].
type AppendMessage struct {
	Body    io.Reader
	Options *AppendOptions
}

func equalFold(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		x, y := a[i], b[i]
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}
