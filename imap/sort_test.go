package imap

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	goimap "github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"github.com/mailstack/mailstack/message"
	"github.com/mailstack/mailstack/store"
)

// sortTestServer is a server whose INBOX holds threadMessages, one hour
// apart, each mailbox counting Open calls and, with index, implementing
// store.HeaderIndex.
func sortTestServer(t testing.TB, index bool) (*testServer, *countingBackend) {
	cb := &countingBackend{index: index}
	ts := newTestServer(t, func(s *Server) {
		cb.Backend = s.Backend
		s.Backend = cb
	})
	base := time.Date(2021, 3, 1, 0, 0, 0, 0, time.UTC)
	for i, m := range threadMessages {
		ts.deliverAt(t, "u", "INBOX", m, base.Add(time.Duration(i)*time.Hour))
	}
	return ts, cb
}

// countingBackend wraps the stores of a Backend to count what the server
// asks of their mailboxes.
type countingBackend struct {
	store.Backend
	index             bool // mailboxes implement store.HeaderIndex
	opens, indexCalls atomic.Int64
}

func (b *countingBackend) Open(ctx context.Context, user string) (store.Store, error) {
	st, err := b.Backend.Open(ctx, user)
	return &countingStore{Store: st, b: b}, err
}

type countingStore struct {
	store.Store
	b *countingBackend
}

func (s *countingStore) OpenMailbox(ctx context.Context, name string) (store.Mailbox, error) {
	mb, err := s.Store.OpenMailbox(ctx, name)
	if err != nil {
		return nil, err
	}
	cm := &countingMailbox{Mailbox: mb, b: s.b}
	if s.b.index {
		return &indexedMailbox{cm}, nil
	}
	return cm, nil
}

type countingMailbox struct {
	store.Mailbox
	b *countingBackend
}

func (m *countingMailbox) Open(ctx context.Context, uid store.UID) (store.Content, error) {
	m.b.opens.Add(1)
	return m.Mailbox.Open(ctx, uid)
}

// indexedMailbox answers HeaderFields as an index would, here by reading
// the messages without counting.
type indexedMailbox struct{ *countingMailbox }

func (m *indexedMailbox) HeaderFields(ctx context.Context, uids store.UIDSet, names []string) ([]store.MessageHeader, error) {
	m.b.indexCalls.Add(1)
	infos, err := m.Mailbox.List(ctx, uids)
	if err != nil {
		return nil, err
	}
	var out []store.MessageHeader
	for _, info := range infos {
		c, err := m.Mailbox.Open(ctx, info.UID)
		if err != nil {
			return nil, err
		}
		b := make([]byte, c.Size())
		c.ReadAt(b, 0)
		c.Close()
		h, _ := message.ParseHeader(b)
		var sel []byte
		for _, f := range h.Fields() {
			if slices.ContainsFunc(names, f.Is) {
				sel = append(sel, f.Raw()...)
			}
		}
		out = append(out, store.MessageHeader{UID: info.UID, Header: sel})
	}
	return out, nil
}

// sortCommands are answered the same whatever the source of the values.
var sortCommands = []string{
	"SORT (SUBJECT) UTF-8 ALL", "UID SORT (REVERSE DATE FROM) UTF-8 ALL", "SORT (DISPLAYFROM TO CC) US-ASCII ALL",
	"SORT (DISPLAYTO REVERSE ARRIVAL) UTF-8 NOT FROM bob", "SORT RETURN (MIN MAX COUNT ALL) (SUBJECT) UTF-8 ALL",
	"THREAD ORDEREDSUBJECT UTF-8 ALL", "UID THREAD REFERENCES UTF-8 ALL", "THREAD REFERENCES UTF-8 SUBJECT re",
	// SEARCH's header keys use the index too, except BCC and fields SORT
	// does not ask for; text keys read the messages.
	"SEARCH FROM bob", "UID SEARCH OR SUBJECT lunch TO amy", "SEARCH SENTSINCE 5-Mar-2021 NOT CC bob",
	"SEARCH HEADER Message-ID a1@", "SEARCH HEADER references \"\"", "SEARCH HEADER X-Nothing \"\"",
	"SEARCH BCC bob", "SORT (DATE) UTF-8 TEXT body",
}

// TestSortHeaderIndex shows that a mailbox implementing store.HeaderIndex
// is asked instead of the server opening every message, for SORT and
// THREAD and for SEARCH's header keys, and that the answers are those of
// the generic path.
func TestSortHeaderIndex(t *testing.T) {
	plain, pb := sortTestServer(t, false)
	indexed, ib := sortTestServer(t, true)
	pc, ic := login(t, plain.addr, "u"), login(t, indexed.addr, "u")
	pc.ok("SELECT INBOX")
	ic.ok("SELECT INBOX")
	for _, cmd := range sortCommands {
		pb.opens.Store(0)
		ib.opens.Store(0)
		ib.indexCalls.Store(0)
		want, got := untagged(pc.ok(cmd)), untagged(ic.ok(cmd))
		if got != want {
			t.Errorf("%s:\n index   %s\n generic %s", cmd, got, want)
		}
		generic := strings.Contains(cmd, "X-Nothing") || strings.Contains(cmd, "BCC") || strings.Contains(cmd, "TEXT")
		if n, calls := ib.opens.Load(), ib.indexCalls.Load(); (n == 0) == generic || (calls == 0) != generic && !strings.Contains(cmd, "SORT") {
			t.Errorf("%s: with the index, %d opens and %d index calls", cmd, n, calls)
		}
		if strings.Contains(cmd, "REFERENCES") && pb.opens.Load() < int64(len(threadMessages))/2 {
			t.Errorf("%s: the generic path opened only %d messages", cmd, pb.opens.Load())
		}
	}
}

// TestSortUsesEnvelopeCache shows that messages whose ENVELOPE the Server
// cached are sorted without being opened, that SORT leaves the ENVELOPEs
// it computes in the cache, and that the answers do not change.
func TestSortUsesEnvelopeCache(t *testing.T) {
	ts, cb := sortTestServer(t, false)
	c := login(t, ts.addr, "u")
	c.ok("SELECT INBOX")
	cmd := "SORT (SUBJECT REVERSE DISPLAYFROM DATE) UTF-8 ALL"
	first := untagged(c.ok(cmd))
	if cb.opens.Load() == 0 {
		t.Fatal("the first SORT opened nothing")
	}
	cb.opens.Store(0)
	if again := untagged(c.ok(cmd)); again != first {
		t.Errorf("second SORT differs:\n %s\n %s", again, first)
	}
	c.ok("FETCH 1:* ENVELOPE")
	if n := cb.opens.Load(); n != 0 {
		t.Errorf("SORT and FETCH ENVELOPE after SORT opened %d messages", n)
	}
	// THREAD=REFERENCES reads References, which no ENVELOPE has, keeps
	// it in the cache, and leaves ENVELOPEs equal to FETCH's.
	ts2, cb2 := sortTestServer(t, false)
	c2 := login(t, ts2.addr, "u")
	c2.ok("SELECT INBOX")
	threads := untagged(c2.ok("THREAD REFERENCES UTF-8 ALL"))
	cb2.opens.Store(0)
	if again := untagged(c2.ok("THREAD REFERENCES UTF-8 ALL")); again != threads {
		t.Errorf("second THREAD differs:\n %s\n %s", again, threads)
	}
	if n := cb2.opens.Load(); n != 0 {
		t.Errorf("second THREAD opened %d messages", n)
	}
	cached := c2.ok("FETCH 1:* ENVELOPE")
	if n := cb2.opens.Load(); n != 0 {
		t.Errorf("FETCH ENVELOPE after THREAD opened %d messages", n)
	}
	if fresh := c.ok("FETCH 1:* ENVELOPE"); !slices.Equal(cached, fresh) {
		t.Errorf("ENVELOPEs cached by THREAD differ from FETCH's")
	}
}

// TestSortThreadProtocol checks responses and errors of SORT and THREAD
// with raw commands.
func TestSortThreadProtocol(t *testing.T) {
	ts := newTestServer(t, nil)
	base := time.Date(2021, 3, 2, 0, 0, 0, 0, time.UTC)
	for i, m := range []string{
		"Subject: b\r\nFrom: c@x\r\nDate: 1 Mar 2021 10:00 +0000\r\nMessage-ID: <1@x>\r\n\r\nx\r\n",
		"Subject: Re: b\r\nFrom: a@x\r\nDate: 1 Mar 2021 09:00 +0000\r\nMessage-ID: <2@x>\r\nReferences: <1@x>\r\n\r\nxx\r\n",
		"Subject: a\r\nFrom: b@x\r\nMessage-ID: <3@x>\r\n\r\nxxx\r\n",
	} {
		ts.deliverAt(t, "u", "INBOX", m, base.Add(time.Duration(3-i)*time.Hour))
	}
	c := login(t, ts.addr, "u")
	if caps := strings.Join(c.ok("CAPABILITY"), ""); !strings.Contains(caps,
		" SORT SORT=DISPLAY ESORT THREAD=ORDEREDSUBJECT THREAD=REFERENCES") {
		t.Errorf("CAPABILITY: %s", caps)
	}
	if _, st := c.do("SORT (DATE) UTF-8 ALL"); !strings.HasPrefix(st, "BAD") {
		t.Errorf("SORT without a mailbox: %s", st)
	}
	c.ok("SELECT INBOX")
	for _, x := range []struct{ cmd, want string }{
		{"SORT (ARRIVAL) UTF-8 ALL", "* SORT 3 2 1"},
		{"SORT (REVERSE ARRIVAL) UTF-8 ALL", "* SORT 1 2 3"},
		{"SORT (DATE) UTF-8 ALL", "* SORT 2 1 3"},       // 3 has no Date: its INTERNALDATE, the latest
		{"SORT (SUBJECT) US-ASCII ALL", "* SORT 3 1 2"}, // "a", then "b" and "Re: b" in sequence order
		{"sort (reverse subject Date) utf-8 all", "* SORT 2 1 3"},
		{"SORT (FROM) UTF-8 NOT FROM a", "* SORT 3 1"},
		{"SORT (SIZE) UTF-8 1:2", "* SORT 1 2"},
		{"UID SORT (SIZE REVERSE DATE) UTF-8 ALL", "* SORT 3 1 2"},
		{"SORT (DATE DATE SUBJECT) UTF-8 ALL", "* SORT 2 1 3"},
		{"SORT (SUBJECT) UTF-8 SUBJECT nothing", "* SORT"},
		{"SORT RETURN () (REVERSE ARRIVAL) UTF-8 ALL", "* ESEARCH (TAG) ALL 1:3"},
		{"UID SORT RETURN (MIN MAX) (DATE) UTF-8 ALL", "* ESEARCH (TAG) UID MIN 2 MAX 3"},
		{"SORT RETURN (COUNT ALL) (DATE) UTF-8 ALL", "* ESEARCH (TAG) ALL 2,1,3 COUNT 3"},
		{"SORT RETURN (MIN) (DATE) UTF-8 SUBJECT nothing", "* ESEARCH (TAG)"},
		{"THREAD ORDEREDSUBJECT UTF-8 ALL", "* THREAD (2 1)(3)"},
		{"THREAD REFERENCES UTF-8 ALL", "* THREAD (1 2)(3)"},
		{"UID THREAD REFERENCES US-ASCII NOT SUBJECT a", "* THREAD (1 2)"},
		{"THREAD REFERENCES UTF-8 SUBJECT nothing", "* THREAD"},
		// SEARCHRES (RFC 5182 §2.4): the result set is saved, for "$".
		{"SORT RETURN (SAVE) (DATE) UTF-8 2:3", ""},
		{"SORT (REVERSE ARRIVAL) UTF-8 $", "* SORT 2 3"},
		{"SORT RETURN (SAVE MIN) (DATE) UTF-8 ALL", "* ESEARCH (TAG) MIN 2"},
		{"UID SEARCH $", "* SEARCH 2"},
		{"SORT RETURN (SAVE MAX) (REVERSE DATE) UTF-8 ALL", "* ESEARCH (TAG) MAX 2"},
		{"THREAD REFERENCES UTF-8 $", "* THREAD (2)"},
	} {
		if got := untagged(c.ok(x.cmd)); got != x.want {
			t.Errorf("%s: %q, want %q", x.cmd, got, x.want)
		}
	}
	for _, bad := range []string{
		"SORT () UTF-8 ALL", "SORT (REVERSE) UTF-8 ALL", "SORT (DATE REVERSE) UTF-8 ALL", "SORT (NAME) UTF-8 ALL",
		"SORT (REVERSE REVERSE DATE) UTF-8 ALL", "SORT DATE UTF-8 ALL", "SORT (DATE) ALL", "SORT (DATE) UTF-8",
		"SORT RETURN (DATE) UTF-8 ALL", "SORT FOO () (DATE) UTF-8 ALL",
		"THREAD UTF-8 ALL", "THREAD REFERENCES ALL", "THREAD REFERENCES UTF-8", "THREAD ORDEREDSUBJECT UTF-8 FOO",
		"THREAD REFS UTF-8 ALL", "THREAD (REFERENCES) UTF-8 ALL",
	} {
		if _, st := c.do(bad); !strings.HasPrefix(st, "BAD") {
			t.Errorf("%s: %s, want BAD", bad, st)
		}
	}
	for _, cmd := range []string{"SORT (DATE) KOI8-R ALL", "THREAD REFERENCES ISO-8859-1 ALL"} {
		if _, st := c.do(cmd); !strings.HasPrefix(st, "NO [BADCHARSET") {
			t.Errorf("%s: %s, want NO [BADCHARSET]", cmd, st)
		}
	}
	c.ok("NOOP")
}

// TestGoIMAPSortThread drives SORT and THREAD with go-imap v2's client.
func TestGoIMAPSortThread(t *testing.T) {
	ts, _ := sortTestServer(t, false)
	c := goimapLogin(t, ts.addr)
	for _, want := range []goimap.Cap{"SORT", "SORT=DISPLAY", "ESORT", "THREAD=ORDEREDSUBJECT", "THREAD=REFERENCES"} {
		if !c.Caps().Has(want) {
			t.Errorf("capability %s missing", want)
		}
	}
	if _, err := c.Select("INBOX", nil).Wait(); err != nil {
		t.Fatal(err)
	}
	raw := login(t, ts.addr, "u")
	raw.ok("SELECT INBOX")
	nums := func(lines []string, prefix string) string {
		for _, l := range lines {
			if s, ok := strings.CutPrefix(l, prefix); ok {
				return strings.TrimSpace(s)
			}
		}
		return ""
	}
	for _, crit := range [][]imapclient.SortCriterion{
		{{Key: imapclient.SortKeySubject}},
		{{Key: imapclient.SortKeyDate, Reverse: true}, {Key: imapclient.SortKeyFrom}},
		{{Key: imapclient.SortKeyTo}, {Key: imapclient.SortKeyCc, Reverse: true}, {Key: imapclient.SortKeySize}},
		{{Key: imapclient.SortKeyArrival, Reverse: true}},
	} {
		opts := &imapclient.SortOptions{SearchCriteria: &goimap.SearchCriteria{}, SortCriteria: crit}
		got, err := c.Sort(opts).Wait()
		if err != nil {
			t.Fatal(err)
		}
		gotUID, err := c.UIDSort(opts).Wait()
		if err != nil {
			t.Fatal(err)
		}
		var keys []string
		for _, k := range crit {
			keys = append(keys, map[bool]string{true: "REVERSE ", false: ""}[k.Reverse]+string(k.Key))
		}
		want := nums(raw.ok("SORT ("+strings.Join(keys, " ")+") UTF-8 ALL"), "* SORT")
		if s := fmt.Sprint(got); strings.Trim(s, "[]") != want || len(got) != len(threadMessages) {
			t.Errorf("Sort %v = %v, raw %s", keys, got, want)
		}
		if !slices.Equal(got, gotUID) { // UIDs are the sequence numbers here
			t.Errorf("UIDSort %v = %v, Sort %v", keys, gotUID, got)
		}
	}
	for _, alg := range []goimap.ThreadAlgorithm{goimap.ThreadOrderedSubject, goimap.ThreadReferences} {
		threads, err := c.Thread(&imapclient.ThreadOptions{Algorithm: alg, SearchCriteria: &goimap.SearchCriteria{}}).Wait()
		if err != nil {
			t.Fatal(err)
		}
		want := nums(raw.ok("THREAD "+string(alg)+" UTF-8 ALL"), "* THREAD")
		if got := formatThreads(threads); got != want {
			t.Errorf("Thread %s:\n go-imap %s\n raw     %s", alg, got, want)
		}
		if _, err := c.UIDThread(&imapclient.ThreadOptions{Algorithm: alg, SearchCriteria: &goimap.SearchCriteria{
			Header: []goimap.SearchCriteriaHeaderField{{Key: "Subject", Value: "lunch"}}}}).Wait(); err != nil {
			t.Fatal(err)
		}
	}
}

// formatThreads writes go-imap's parsed threads back in thread-list
// syntax.
func formatThreads(ts []imapclient.ThreadData) string {
	var b strings.Builder
	var write func(d imapclient.ThreadData)
	write = func(d imapclient.ThreadData) {
		b.WriteByte('(')
		for i, n := range d.Chain {
			if i > 0 {
				b.WriteByte(' ')
			}
			fmt.Fprint(&b, n)
		}
		if len(d.Chain) > 0 && len(d.SubThreads) > 0 {
			b.WriteByte(' ')
		}
		for _, s := range d.SubThreads {
			write(s)
		}
		b.WriteByte(')')
	}
	for _, d := range ts {
		write(d)
	}
	return b.String()
}
