package imap

import (
	"errors"
	"strings"

	"github.com/mailstack/mailstack/store"
)

// QUOTA (RFC 9208) reports what a store that implements
// store.QuotaReporter knows: its roots, and for each the resources that
// have a limit (a QUOTA response pairs usage with a limit, §4.2, so a
// resource without one is left out, as Dovecot does). Limits are set by
// the store's configuration: SETQUOTA is refused, and QUOTASET is not
// advertised. Sessions whose store lacks the interface neither advertise
// QUOTA nor know its commands, nor the STATUS item DELETED-STORAGE (§4.4)
// that §5.1 requires with QUOTA=RES-STORAGE (status.go).

// quotaStore returns the session's store as a store.QuotaReporter, or
// nil.
func (c *conn) quotaStore() store.QuotaReporter {
	if c.st == nil {
		return nil
	}
	qr, _ := c.st.(store.QuotaReporter)
	return qr
}

// writeQuotaCaps adds the QUOTA capabilities (RFC 9208 §3.1, §5) once
// the session has a store that reports quotas: before authentication it
// cannot be known, and RFC 9208 lets a server advertise it after.
func (c *conn) writeQuotaCaps() {
	if c.quotaStore() != nil {
		c.enc.Raw(" QUOTA QUOTA=RES-STORAGE QUOTA=RES-MESSAGE")
	}
}

// errNoQuota answers the QUOTA commands of a session whose store has no
// quotas, as any unknown command.
var errNoQuota = bad("", "Unknown command")

// GETQUOTA, RFC 9208 §4.2.
func cmdGetQuota(c *conn, cmd *command) error {
	qr := c.quotaStore()
	if qr == nil {
		c.dec.Discard()
		return errNoQuota
	}
	var root string
	if !c.dec.ExpectSP() || !c.dec.ExpectAString(&root) || !c.endArgs() {
		return nil
	}
	roots, err := qr.Quota(c.ctx, "")
	if err != nil {
		return err
	}
	for _, r := range roots {
		if r.Name == root {
			c.writeQuota(&r)
			return nil
		}
	}
	return no("NONEXISTENT", "No such quota root")
}

// GETQUOTAROOT, RFC 9208 §4.3: the roots of a mailbox, and each one's
// QUOTA.
func cmdGetQuotaRoot(c *conn, cmd *command) error {
	qr := c.quotaStore()
	if qr == nil {
		c.dec.Discard()
		return errNoQuota
	}
	var name string
	if !c.dec.ExpectSP() || !c.dec.ExpectMailbox(&name) || !c.endArgs() {
		return nil
	}
	if err := c.checkName(name); err != nil {
		return err
	}
	roots, err := qr.Quota(c.ctx, name)
	if errors.Is(err, store.ErrNoSuchMailbox) {
		return no("NONEXISTENT", "No such mailbox")
	}
	if err != nil {
		return err
	}
	c.enc.Raw("* QUOTAROOT ").Mailbox(name)
	for _, r := range roots {
		c.enc.SP().AString(r.Name)
	}
	c.enc.CRLF()
	for i := range roots {
		c.writeQuota(&roots[i])
	}
	return nil
}

// writeQuota writes a QUOTA response (RFC 9208 §5.1) with the resources
// of r that have a limit; none when no resource has one, since
// quota-list holds at least one (RFC 9208 §9), as Dovecot does.
func (c *conn) writeQuota(r *store.QuotaRoot) {
	first := true
	for _, res := range r.Resources {
		if res.Limit <= 0 || !isAtom(res.Name) {
			continue
		}
		if first {
			c.enc.Raw("* QUOTA ").AString(r.Name).Raw(" (")
		} else {
			c.enc.SP()
		}
		first = false
		c.enc.Raw(strings.ToUpper(res.Name)).SP().Number(uint64(max(res.Usage, 0))).SP().Number(uint64(res.Limit))
	}
	if !first {
		c.enc.Raw(")\r\n")
	}
}

// isAtom reports whether a store's resource name can be sent as an atom.
func isAtom(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		b := s[i]
		if b <= ' ' || b >= 0x7f || strings.IndexByte(`(){%*"\]`, b) >= 0 {
			return false
		}
	}
	return true
}

// SETQUOTA, RFC 9208 §4.1: read and refused, since limits come from the
// store's configuration (QUOTASET is not advertised).
func cmdSetQuota(c *conn, cmd *command) error {
	if c.quotaStore() == nil {
		c.dec.Discard()
		return errNoQuota
	}
	var root string
	if !c.dec.ExpectSP() || !c.dec.ExpectAString(&root) || !c.dec.ExpectSP() {
		return nil
	}
	if !c.dec.ExpectList(func() bool {
		var name string
		var limit uint64
		return c.dec.ExpectAtom(&name) && c.dec.ExpectSP() && c.dec.ExpectNumber64(&limit)
	}) || !c.endArgs() {
		return nil
	}
	return no("CANNOT", "Quota limits are set by the administrator")
}
