package imap

import (
	"context"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	goimap "github.com/emersion/go-imap/v2"

	"github.com/mailstack/mailstack/store"
)

var (
	mailboxIDCodeRE = regexp.MustCompile(`^\* OK \[MAILBOXID \(([A-Za-z0-9_-]{1,255})\)\] `)
	createdRE       = regexp.MustCompile(`^OK \[MAILBOXID \(([A-Za-z0-9_-]{1,255})\)\] `)
	statusIDRE      = regexp.MustCompile(`MAILBOXID \(([A-Za-z0-9_-]{1,255})\)`)
	emailIDRE       = regexp.MustCompile(`^\(([A-Za-z0-9_-]{1,255})\)$`)
)

// statusID runs STATUS name (MAILBOXID) and returns the id.
func statusID(t *testing.T, cl *client, name string) string {
	t.Helper()
	for _, l := range cl.ok("STATUS " + name + " (MAILBOXID MESSAGES)") {
		if m := statusIDRE.FindStringSubmatch(l); m != nil && strings.HasPrefix(l, "* STATUS ") {
			return m[1]
		}
	}
	t.Fatalf("STATUS %s: no MAILBOXID", name)
	return ""
}

// selectID runs SELECT or EXAMINE and returns the MAILBOXID of its
// untagged OK (RFC 8474 §4.2).
func selectID(t *testing.T, cl *client, cmd string) string {
	t.Helper()
	for _, l := range cl.ok(cmd) {
		if m := mailboxIDCodeRE.FindStringSubmatch(l); m != nil {
			return m[1]
		}
	}
	t.Fatalf("%s: no [MAILBOXID]", cmd)
	return ""
}

// parseSaveDate parses a quoted date-time (RFC 9051 §9) as SAVEDATE sends it.
func parseSaveDate(q string) (time.Time, error) {
	s, err := strconv.Unquote(q)
	if err != nil {
		return time.Time{}, err
	}
	return time.Parse("02-Jan-2006 15:04:05 -0700", s)
}

// fetchItems runs a FETCH and returns each response's items by UID.
func fetchItems(t *testing.T, cl *client, cmd string) map[string]map[string]string {
	t.Helper()
	out := map[string]map[string]string{}
	for _, l := range cl.ok(cmd) {
		if it := splitFetch(l); it["UID"] != "" {
			out[it["UID"]] = it
		}
	}
	return out
}

// RFC 8474: MAILBOXID from CREATE, SELECT, EXAMINE and STATUS, kept by
// RENAME; EMAILID kept by STORE, COPY and MOVE; THREADID NIL; SEARCH
// EMAILID and THREADID.
func TestObjectID(t *testing.T) {
	ts := newTestServer(t, nil)
	cl := dial(t, ts.addr)
	if caps := strings.Join(cl.ok("CAPABILITY"), " "); strings.Contains(caps, "OBJECTID") || !strings.Contains(caps, " SAVEDATE") {
		t.Errorf("before login (store unknown): %s", caps)
	}
	_, st := cl.do("LOGIN u pass")
	if !strings.Contains(st, " OBJECTID") || !strings.Contains(st, " SAVEDATE") {
		t.Errorf("LOGIN's capabilities lack OBJECTID or SAVEDATE: %s", st)
	}
	_, st = cl.do("CREATE Work")
	m := createdRE.FindStringSubmatch(st)
	if m == nil {
		t.Fatalf("CREATE: %s, want OK [MAILBOXID (…)]", st)
	}
	work := m[1]
	if got := statusID(t, cl, "Work"); got != work {
		t.Errorf("STATUS MAILBOXID %s, CREATE said %s", got, work)
	}
	cl.ok("RENAME Work Play")
	if got := statusID(t, cl, "Play"); got != work {
		t.Errorf("MAILBOXID after RENAME %s, was %s", got, work)
	}
	lines := cl.ok(`LIST "" Play RETURN (STATUS (MAILBOXID))`)
	if !hasLine(lines, `* STATUS "Play" (MAILBOXID (`+work+"))") {
		t.Errorf("LIST-STATUS MAILBOXID: %q", lines)
	}
	ts.deliver(t, "u", "INBOX", msg1)
	ts.deliver(t, "u", "INBOX", "Subject: two\r\n\r\nx\r\n")
	inbox := selectID(t, cl, "SELECT INBOX")
	if inbox == work || statusID(t, cl, "INBOX") != inbox {
		t.Errorf("INBOX MAILBOXID %s (Play %s)", inbox, work)
	}
	if got := selectID(t, cl, "EXAMINE Play"); got != work {
		t.Errorf("EXAMINE Play: MAILBOXID %s, want %s", got, work)
	}
	selectID(t, cl, "SELECT INBOX")

	items := fetchItems(t, cl, "FETCH 1:* (UID EMAILID THREADID)")
	e1, e2 := items["1"]["EMAILID"], items["2"]["EMAILID"]
	if !emailIDRE.MatchString(e1) || !emailIDRE.MatchString(e2) || e1 == e2 {
		t.Fatalf("EMAILIDs %q %q", e1, e2)
	}
	if items["1"]["THREADID"] != "NIL" {
		t.Errorf("THREADID %q, want NIL (no threads kept, RFC 8474 §5.2)", items["1"]["THREADID"])
	}
	cl.ok(`STORE 1 +FLAGS (\Seen $Work)`)
	if got := fetchItems(t, cl, "UID FETCH 1 EMAILID")["1"]["EMAILID"]; got != e1 {
		t.Errorf("EMAILID after STORE %s, was %s", got, e1)
	}
	id1 := strings.Trim(e1, "()")
	if l := cl.ok("SEARCH EMAILID " + id1); !hasLine(l, "* SEARCH 1") {
		t.Errorf("SEARCH EMAILID: %q", l)
	}
	if l := cl.ok("SEARCH OR EMAILID " + id1 + " EMAILID " + strings.Trim(e2, "()")); !hasLine(l, "* SEARCH 1 2") {
		t.Errorf("SEARCH OR EMAILID: %q", l)
	}
	if l := cl.ok("SEARCH THREADID T123"); !hasLine(l, "* SEARCH") {
		t.Errorf("SEARCH THREADID: %q", l)
	}
	for _, bad := range []string{"SEARCH EMAILID M.1", "SEARCH EMAILID", "FETCH 1 (EMAILID[])", "STATUS INBOX (MAILBOXID"} {
		if _, st := cl.do(bad); !strings.HasPrefix(st, "BAD") {
			t.Errorf("%s: %s, want BAD", bad, st)
		}
	}
	cl.ok("UID COPY 1 Play")
	cl.ok("UID MOVE 2 Play")
	selectID(t, cl, "EXAMINE Play")
	items = fetchItems(t, cl, "FETCH 1:* (UID EMAILID)")
	if items["1"]["EMAILID"] != e1 || items["2"]["EMAILID"] != e2 {
		t.Errorf("EMAILIDs after COPY and MOVE %v, want %s %s", items, e1, e2)
	}
	if l := cl.ok("UID SEARCH EMAILID " + id1); !hasLine(l, "* SEARCH 1") {
		t.Errorf("SEARCH EMAILID in the copy's mailbox: %q", l)
	}
	// RFC 8474 §4.2 after RENAME of INBOX: a new mailbox, new id.
	cl.ok("UNSELECT")
	cl.ok("RENAME INBOX Old")
	if old := statusID(t, cl, "Old"); old == inbox || statusID(t, cl, "INBOX") != inbox {
		t.Errorf("after RENAME INBOX: Old %s, INBOX %s, was %s", old, statusID(t, cl, "INBOX"), inbox)
	}
}

// RFC 8514: SAVEDATE is when the message entered its mailbox, not its
// INTERNALDATE; STORE leaves it, COPY sets it; the SAVED* keys use it.
func TestSaveDate(t *testing.T) {
	ts := newTestServer(t, nil)
	cl := login(t, ts.addr, "u")
	cl.ok("CREATE Work")
	before := time.Now().Truncate(time.Second)
	lit := "Subject: old\r\n\r\nx\r\n"
	cl.send(`a1 APPEND INBOX "01-Jan-1999 10:00:00 +0000" {` + itoa(uint64(len(lit))) + "+}\r\n" + lit)
	if l := cl.line(); !strings.HasPrefix(l, "a1 OK") {
		t.Fatal(l)
	}
	ts.deliver(t, "u", "INBOX", msg1)
	after := time.Now()
	cl.ok("SELECT INBOX")
	items := fetchItems(t, cl, "FETCH 1:* (UID SAVEDATE INTERNALDATE)")
	saved := map[string]time.Time{}
	for _, u := range []string{"1", "2"} {
		raw := items[u]["SAVEDATE"]
		d, err := parseSaveDate(raw)
		if err != nil || d.Before(before) || d.After(after) {
			t.Fatalf("UID %s: SAVEDATE %q (%v), want between %v and %v", u, raw, err, before, after)
		}
		saved[u] = d
	}
	if !strings.Contains(items["1"]["INTERNALDATE"], "1999") {
		t.Errorf("INTERNALDATE %s", items["1"]["INTERNALDATE"])
	}
	cl.ok(`STORE 1:* +FLAGS (\Flagged)`)
	if got := fetchItems(t, cl, "UID FETCH 1:* SAVEDATE"); got["1"]["SAVEDATE"] != items["1"]["SAVEDATE"] || got["2"]["SAVEDATE"] != items["2"]["SAVEDATE"] {
		t.Errorf("SAVEDATE changed by STORE: %v, was %v", got, items)
	}
	for key, want := range map[string]string{
		"SAVEDATESUPPORTED":                       "* SEARCH 1 2",
		"SAVEDBEFORE 1-Jan-2000":                  "* SEARCH",
		"BEFORE 1-Jan-2000":                       "* SEARCH 1",
		"SAVEDSINCE 1-Jan-2000":                   "* SEARCH 1 2",
		"SAVEDON 1-Jan-1999":                      "* SEARCH",
		"NOT SAVEDSINCE 1-Jan-2000":               "* SEARCH",
		"OR SAVEDBEFORE 1-Jan-2000 FLAGGED":       "* SEARCH 1 2",
		"SAVEDSINCE 1-Jan-2000 BEFORE 2-Jan-1999": "* SEARCH 1",
	} {
		if l := cl.ok("SEARCH " + key); !hasLine(l, want) {
			t.Errorf("SEARCH %s: %q, want %q", key, l, want)
		}
	}
	if _, st := cl.do("SEARCH SAVEDON 1-Foo-2000"); !strings.HasPrefix(st, "BAD") {
		t.Errorf("SEARCH SAVEDON bad date: %s", st)
	}
	cl.ok("UID COPY 1 Work")
	cl.ok("EXAMINE Work")
	c := fetchItems(t, cl, "FETCH 1 (UID SAVEDATE)")["1"]["SAVEDATE"]
	if d, err := parseSaveDate(c); err != nil || d.Before(saved["1"]) {
		t.Errorf("copy's SAVEDATE %s, original's %v", c, saved["1"])
	}
}

// plainStore hides what a store knows of object ids and save dates, as a
// store without them would be.
type plainStore struct{ store.Store }

func (s plainStore) OpenMailbox(ctx context.Context, name string) (store.Mailbox, error) {
	mb, err := s.Store.OpenMailbox(ctx, name)
	if err != nil {
		return nil, err
	}
	return plainMailbox{mb}, nil
}

type plainMailbox struct{ store.Mailbox }

func (m plainMailbox) Status(ctx context.Context) (store.Status, error) {
	st, err := m.Mailbox.Status(ctx)
	st.MailboxID = ""
	return st, err
}

func (m plainMailbox) List(ctx context.Context, uids store.UIDSet) ([]store.MessageInfo, error) {
	l, err := m.Mailbox.List(ctx, uids)
	for i := range l {
		l[i].SaveDate, l[i].EmailID = time.Time{}, ""
	}
	return l, err
}

// A store without object ids or save dates: no OBJECTID, its items and
// keys are unknown; SAVEDATE is NIL, SAVEDATESUPPORTED finds nothing and
// the SAVED* keys fall back to INTERNALDATE (as Dovecot does).
func TestWithoutObjectIDs(t *testing.T) {
	ts := newTestServer(t, func(s *Server) {
		inner := s.Backend
		s.Backend = store.BackendFunc(func(ctx context.Context, user string) (store.Store, error) {
			st, err := inner.Open(ctx, user)
			return plainStore{st}, err
		})
	})
	mb, _ := ts.userStore(t, "u").OpenMailbox(context.Background(), "INBOX")
	mb.Append(context.Background(), strings.NewReader(msg1), &store.AppendOptions{InternalDate: time.Date(1999, 1, 1, 10, 0, 0, 0, time.UTC)})
	mb.Close()
	cl := dial(t, ts.addr)
	_, st := cl.do("LOGIN u pass")
	if strings.Contains(st, "OBJECTID") || !strings.Contains(st, "SAVEDATE") {
		t.Errorf("LOGIN: %s", st)
	}
	if _, st := cl.do("CREATE Work"); st != "OK CREATE completed" {
		t.Errorf("CREATE: %s", st)
	}
	for _, l := range cl.ok("SELECT INBOX") {
		if strings.Contains(l, "MAILBOXID") {
			t.Errorf("SELECT: %s", l)
		}
	}
	if got := fetchItems(t, cl, "FETCH 1 (UID SAVEDATE)")["1"]["SAVEDATE"]; got != "NIL" {
		t.Errorf("SAVEDATE %s, want NIL", got)
	}
	for key, want := range map[string]string{"SAVEDATESUPPORTED": "* SEARCH", "SAVEDBEFORE 1-Jan-2000": "* SEARCH 1", "SAVEDON 1-Jan-1999": "* SEARCH 1"} {
		if l := cl.ok("SEARCH " + key); !hasLine(l, want) {
			t.Errorf("SEARCH %s: %q, want %q", key, l, want)
		}
	}
	for _, bad := range []string{"FETCH 1 EMAILID", "FETCH 1 THREADID", "SEARCH EMAILID M1", "STATUS INBOX (MAILBOXID)"} {
		if _, st := cl.do(bad); !strings.HasPrefix(st, "BAD") {
			t.Errorf("%s: %s, want BAD", bad, st)
		}
	}
}

// go-imap v2's strict parser reads the capabilities and the MAILBOXID
// response codes of CREATE, SELECT and EXAMINE.
func TestGoIMAPObjectID(t *testing.T) {
	ts := newTestServer(t, nil)
	c := goimapLogin(t, ts.addr)
	for _, want := range []goimap.Cap{goimap.CapObjectID, goimap.CapSaveDate} {
		if !c.Caps().Has(want) {
			t.Errorf("capability %s missing", want)
		}
	}
	if err := c.Create("Work", nil).Wait(); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Select("Work", &goimap.SelectOptions{ReadOnly: true}).Wait(); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Select("INBOX", nil).Wait(); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Status("Work", &goimap.StatusOptions{NumMessages: true}).Wait(); err != nil {
		t.Fatal(err)
	}
	if err := c.Noop().Wait(); err != nil {
		t.Fatal(err)
	}
}

// noMailboxIDStore promises object ids but has none for its mailboxes, as
// a read-only Maildir without a GUID in its dovecot-uidlist.
type noMailboxIDStore struct{ store.Store }

func (noMailboxIDStore) ObjectIDs() bool { return true }

func (s noMailboxIDStore) OpenMailbox(ctx context.Context, name string) (store.Mailbox, error) {
	mb, err := s.Store.OpenMailbox(ctx, name)
	if err != nil {
		return nil, err
	}
	return noMailboxIDMailbox{mb}, nil
}

type noMailboxIDMailbox struct{ store.Mailbox }

func (m noMailboxIDMailbox) Status(ctx context.Context) (store.Status, error) {
	st, err := m.Mailbox.Status(ctx)
	st.MailboxID = ""
	return st, err
}

// STATUS leaves MAILBOXID out rather than send NIL, which RFC 8474 §8's
// grammar does not allow, when the store has no id for the mailbox.
func TestStatusWithoutMailboxID(t *testing.T) {
	ts := newTestServer(t, func(s *Server) {
		inner := s.Backend
		s.Backend = store.BackendFunc(func(ctx context.Context, user string) (store.Store, error) {
			st, err := inner.Open(ctx, user)
			return noMailboxIDStore{st}, err
		})
	})
	cl := login(t, ts.addr, "u")
	if l := cl.ok("STATUS INBOX (MESSAGES MAILBOXID UIDNEXT)"); !hasLine(l, `* STATUS "INBOX" (MESSAGES 0 UIDNEXT 1)`) {
		t.Errorf("STATUS: %q", l)
	}
	if l := cl.ok("STATUS INBOX (MAILBOXID)"); !hasLine(l, `* STATUS "INBOX" ()`) {
		t.Errorf("STATUS: %q", l)
	}
}
