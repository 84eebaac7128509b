package imap

import (
	"time"

	"github.com/mailstack/mailstack/imap/internal/imapwire"
	"github.com/mailstack/mailstack/store"
)

// SAVEDATE, RFC 8514: the FETCH item SAVEDATE (§4.2) and the SEARCH keys
// SAVEDBEFORE, SAVEDON, SAVEDSINCE and SAVEDATESUPPORTED (§4.3), from
// store.MessageInfo.SaveDate. A store that does not know a message's save
// date leaves it zero: FETCH answers NIL, SAVEDATESUPPORTED does not match
// the message, and the date keys compare its INTERNALDATE instead, as
// Dovecot does.

// writeSaveDate writes the SAVEDATE item's value.
func (c *conn) writeSaveDate(m *store.MessageInfo) {
	if m.SaveDate.IsZero() {
		c.enc.Raw("NIL")
		return
	}
	c.enc.Byte('"').Raw(imapwire.FormatDateTime(m.SaveDate)).Byte('"')
}

// saveDateSearchArgs reads the arguments of the SAVEDATE search keys.
func (c *conn) saveDateSearchArgs(k *searchKey) bool {
	if k.op == "SAVEDATESUPPORTED" {
		return true
	}
	return c.dec.ExpectSP() && c.dec.ExpectDate(&k.date)
}

// matchSaveDate evaluates a SAVEDATE search key against m.
func matchSaveDate(m *store.MessageInfo, k *searchKey) bool {
	if k.op == "SAVEDATESUPPORTED" {
		return !m.SaveDate.IsZero()
	}
	return cmpDate(saveDateOrInternal(m), k.date, k.op[len(k.op)-2:])
}

func saveDateOrInternal(m *store.MessageInfo) time.Time {
	if m.SaveDate.IsZero() {
		return m.InternalDate
	}
	return m.SaveDate
}
