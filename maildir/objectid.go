package maildir

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"strings"

	"github.com/mailstack/mailstack/store"
)

// Object ids (RFC 8474) and save dates (RFC 8514), shared with Dovecot
// where Dovecot keeps them:
//
//   - MailboxID is the mailbox GUID of the folder's dovecot-uidlist header
//     (G<32 hex digits>), which Dovecot reports as the mailbox's guid
//     (doveadm mailbox status guid). It lives in the folder, so it survives
//     RENAME; a uidlist without one gets one, written by a rewrite.
//   - A message's GUID is Dovecot's: the G<guid> field of its uidlist
//     record if there is one, else the file's base name (the name before
//     ":2,"). Flag changes rename only the part after ':', so the GUID
//     stays; a copy gets a new file name, so Copy and Move write the
//     original's GUID as G<guid> in the new record, as Dovecot does.
//   - EmailID is "M" and the first 24 hex digits of the SHA-256 of the
//     GUID: base names hold characters an object id may not ('.', ',',
//     '='), and hashing keeps copies equal (same GUID, same id).
//   - SaveDate is recorded in the journal (see JournalName).

// guidOf returns the message GUID of uid whose file's base name is base.
// Caller holds f.mu.
func (f *folder) guidOf(uid store.UID, base string) string {
	if f.ul == nil {
		return base
	}
	recs := f.ul.Records
	i := store.SearchIndex(len(recs), func(i int) store.UID { return recs[i].UID }, uid)
	if i == len(recs) || recs[i].UID != uid || recs[i].Ext == "" {
		return base
	}
	for _, e := range strings.Fields(recs[i].Ext) {
		if e[0] == 'G' && len(e) > 1 {
			return e[1:]
		}
	}
	return base
}

// guidExt returns the uidlist record field that keeps guid, or "" for a
// GUID the record cannot hold (a record's fields are space-separated).
func guidExt(guid string) string {
	if strings.ContainsAny(guid, " \t\r\n\x00:") || len(guid) > MaxFileName {
		return ""
	}
	return "G" + guid
}

// emailIDOf returns the EMAILID of a message whose GUID is guid: "M" and
// 24 hex digits of its SHA-256.
func emailIDOf(guid string) string {
	h := sha256.Sum256([]byte(guid))
	var b [25]byte
	b[0] = 'M'
	hex.Encode(b[1:], h[:12])
	return string(b[:])
}

// mailboxGUID returns the G field of the UID list header, or "".
// Caller holds f.mu.
func (f *folder) mailboxGUID() string {
	if f.ul == nil {
		return ""
	}
	for _, e := range f.ul.HeaderExt {
		if e[0] == 'G' && len(e) > 1 {
			return e[1:]
		}
	}
	return ""
}

// mailboxID returns the folder's MAILBOXID: its mailbox GUID as Dovecot
// keeps it, or a hash of it if it is not a valid object id. Caller holds
// f.mu.
func (f *folder) mailboxID() string {
	g := f.mailboxGUID()
	if g == "" || store.IsObjectID(g) {
		return g
	}
	h := sha256.Sum256([]byte(g))
	return "F" + hex.EncodeToString(h[:12])
}

// ensureMailboxGUID gives the UID list a mailbox GUID if it has none (a
// list written by Courier, by an old Dovecot, or by hand), rewriting it
// whole as Dovecot does.
func (f *folder) ensureMailboxGUID(ctx context.Context) error {
	return f.withLock(ctx, func() error {
		if err := f.ensureUIDList(); err != nil || f.mailboxGUID() != "" {
			return err
		}
		g := make([]byte, 16)
		rand.Read(g)
		nu := &UIDList{Version: 3, UIDValidity: f.ul.UIDValidity, NextUID: f.ul.Next(),
			HeaderExt: append(f.ul.HeaderExt[:len(f.ul.HeaderExt):len(f.ul.HeaderExt)], "G"+hex.EncodeToString(g)),
			Records:   f.ul.Records}
		if err := writeFileAtomic(f.dir, UIDListName, nu.Bytes()); err != nil {
			return err
		}
		f.ulState = fileState{}
		return f.readUIDList()
	})
}
