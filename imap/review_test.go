package imap

import (
	"testing"
)

// Regression tests from a review of the extensions, one per bug, each
// naming the rule it checks.

// STATUS (HIGHESTMODSEQ) is a CONDSTORE enabling command (RFC 7162 §3.1):
// with a mailbox selected it gets OK [HIGHESTMODSEQ] (§3.1.2.1), and
// later flag changes carry MODSEQ, as in Dovecot.
func TestStatusHighestModSeqEnablesCondstore(t *testing.T) {
	ts := newTestServer(t, nil)
	ts.deliver(t, "u", "INBOX", msg1)
	cl := login(t, ts.addr, "u")
	cl.ok("SELECT INBOX")
	h := ms(highest(t, ts))
	lines := cl.ok("STATUS INBOX (HIGHESTMODSEQ)")
	expectLines(t, "STATUS", lines, "* OK [HIGHESTMODSEQ "+h+"] Highest", `* STATUS "INBOX" (HIGHESTMODSEQ `+h+")")
	lines = cl.ok(`STORE 1 +FLAGS (\Flagged)`)
	expectLines(t, "STORE", lines, "* 1 FETCH (MODSEQ ("+ms(highest(t, ts))+`) FLAGS (\Flagged \Recent))`)
}

// A QUOTA response lists at least one resource (RFC 9208 §9 quota-list =
// "(" quota-resource *(SP quota-resource) ")"): a root without limits is
// named in QUOTAROOT but gets no QUOTA response, as in Dovecot.
func TestQuotaNoEmptyList(t *testing.T) {
	ts := newQuotaServer(t, 0, 0)
	cl := login(t, ts.addr, "u")
	lines := cl.ok("GETQUOTAROOT INBOX")
	expectLines(t, "GETQUOTAROOT", lines, `* QUOTAROOT "INBOX" ""`)
	noLine(t, "GETQUOTAROOT", lines, "* QUOTA ")
	noLine(t, "GETQUOTA", cl.ok(`GETQUOTA ""`), "* QUOTA ")
}
