package imap

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mailstack/mailstack/internal/testpeer"
	"github.com/mailstack/mailstack/maildir"
	"github.com/mailstack/mailstack/store"
)

// oracleSaveDateSearches have the same answer whatever the day the test
// runs: the messages were saved today, two of them with an INTERNALDATE
// in 1999.
var oracleSaveDateSearches = []string{
	"SAVEDATESUPPORTED", "SAVEDBEFORE 1-Jan-2000", "SAVEDSINCE 1-Jan-2000", "SAVEDON 1-Jan-1999",
	"SAVEDON 2-Jan-1999", "BEFORE 1-Jan-2000", "OR SAVEDBEFORE 1-Jan-2000 BEFORE 1-Jan-2000",
	"NOT SAVEDSINCE 1-Jan-2000", "SAVEDBEFORE 1-Jan-2100", "SAVEDSINCE 1-Jan-2100",
	"SAVEDSINCE 1-Jan-2000 SAVEDBEFORE 1-Jan-2100 SINCE 1-Jan-2000",
}

// TestDovecotOracleSaveDate serves one Maildir with Dovecot (which has
// SAVEDATE but not OBJECTID) and with this server over package maildir:
// the SAVED* searches find the same messages, SAVEDATE has the same
// syntax and about the same time (Dovecot takes a file's ctime, we the
// time recorded at APPEND), and our MAILBOXID is Dovecot's mailbox GUID.
func TestDovecotOracleSaveDate(t *testing.T) {
	testpeer.Need(t, "dovecot")
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "mail")
	st, err := maildir.Open(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.CreateMailbox(ctx, "Work", nil); err != nil {
		t.Fatal(err)
	}
	mb, _ := st.OpenMailbox(ctx, "INBOX")
	old := time.Date(1999, 1, 1, 10, 0, 0, 0, time.UTC)
	for i, date := range []time.Time{old, {}, old} {
		body := "Subject: m" + itoa(uint64(i)) + "\r\n\r\nx\r\n"
		if _, err := mb.Append(ctx, strings.NewReader(body), &store.AppendOptions{InternalDate: date}); err != nil {
			t.Fatal(err)
		}
	}
	mb.Close()
	st.Close()

	d := testpeer.StartDovecot(t, testpeer.DovecotConfig{MailDir: dir})
	dc := dialUser(t, d.IMAPAddr, d.User, d.Password)
	theirs := map[string][]string{}
	for _, q := range oracleSaveDateSearches {
		theirs[q] = dc.ok("UID SEARCH " + q)
	}
	dDates := fetchItems(t, dc, "UID FETCH 1:* (UID SAVEDATE)")
	guids := map[string]string{}
	for _, n := range []string{"INBOX", "Work"} {
		out, err := d.Doveadm(t, "mailbox", "status", "-u", d.User, "guid", n)
		if err != nil {
			t.Fatal(err)
		}
		guids[n] = strings.TrimPrefix(strings.TrimSpace(string(out)), n+" guid=")
	}
	dc.ok("LOGOUT")

	addr := serveStore(t, func() (store.Store, error) { return maildir.Open(dir, nil) })
	ours := dialUser(t, addr, "u", "pass")
	nonEmpty := 0
	for _, q := range oracleSaveDateSearches {
		mine := ours.ok("UID SEARCH " + q)
		if strings.Join(mine, "|") != strings.Join(theirs[q], "|") {
			t.Errorf("SEARCH %s: ours %q, Dovecot %q", q, mine, theirs[q])
		}
		if len(mine) == 1 && mine[0] != "* SEARCH" {
			nonEmpty++
		}
	}
	if nonEmpty < 4 {
		t.Errorf("only %d searches found anything: the comparison proves little", nonEmpty)
	}
	oDates := fetchItems(t, ours, "UID FETCH 1:* (UID SAVEDATE)")
	if len(oDates) != 3 || len(dDates) != 3 {
		t.Fatalf("SAVEDATE: ours %v, Dovecot %v", oDates, dDates)
	}
	for u, it := range oDates {
		o, err1 := parseSaveDate(it["SAVEDATE"])
		dv, err2 := parseSaveDate(dDates[u]["SAVEDATE"])
		if err1 != nil || err2 != nil {
			t.Fatalf("UID %s: SAVEDATE ours %s (%v), Dovecot %s (%v)", u, it["SAVEDATE"], err1, dDates[u]["SAVEDATE"], err2)
		}
		if diff := o.Sub(dv); diff < -5*time.Minute || diff > 5*time.Minute {
			t.Errorf("UID %s: SAVEDATE ours %v, Dovecot %v", u, o, dv)
		}
	}
	for n, g := range guids {
		if got := statusID(t, ours, n); got != g {
			t.Errorf("%s: MAILBOXID %s, Dovecot's mailbox GUID %s", n, got, g)
		}
	}
}
