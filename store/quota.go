package store

import (
	"context"
	"errors"
)

// ErrOverQuota: the operation would take the store beyond a quota limit
// (IMAP [OVERQUOTA], RFC 9208 §5).
var ErrOverQuota = errors.New("store: over quota")

// Quota resource names (RFC 9208 §5).
const (
	// ResourceStorage is the sum of the sizes of the messages, in units
	// of 1024 octets (RFC 9208 §5.1), usage rounded up (as Dovecot
	// does: a mailbox that holds anything never shows 0).
	ResourceStorage = "STORAGE"
	// ResourceMessage is the number of messages (RFC 9208 §5.2).
	ResourceMessage = "MESSAGE"
)

// QuotaResource is one resource of a quota root: how much is used and the
// limit, in the resource's unit (KiB for ResourceStorage).
type QuotaResource struct {
	Name  string
	Usage int64
	// Limit is the most the root may use; 0 means no limit, and the
	// IMAP server leaves such a resource out of its QUOTA responses,
	// which need one (RFC 9208 §4.2).
	Limit int64
}

// QuotaRoot is a quota root (RFC 9208 §3): a name and the resources
// whose usage it counts for the mailboxes under it.
type QuotaRoot struct {
	// Name is the root's name; stores with one quota per user use "".
	Name      string
	Resources []QuotaResource
}

// QuotaReporter is an optional interface of a Store that knows its usage
// and limits (RFC 9208 QUOTA). An IMAP server advertises QUOTA, and
// answers GETQUOTA and GETQUOTAROOT, only for stores that have it. A store
// that enforces its limits fails appends and copies beyond them with
// ErrOverQuota.
type QuotaReporter interface {
	// Quota returns the quota roots that mailbox is under, with their
	// current usage; mailbox "" asks for every root of the store.
	// ErrNoSuchMailbox if the mailbox does not exist.
	Quota(ctx context.Context, mailbox string) ([]QuotaRoot, error)
}
