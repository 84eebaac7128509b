package imap

import (
	"context"
	"fmt"
	"runtime"
	"strings"
	"testing"

	"github.com/mailstack/mailstack/store"
	"github.com/mailstack/mailstack/store/memstore"
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

// THREAD=REFERENCES on hostile References fields (RFC 5256 §2.2 step 1:
// every msg-id is linked to the next, each link checked for a loop): 16
// messages of 20,000 ids each (as much as a 256 KiB header holds) make one
// chain 320,000 deep, and the last names the chain's ends 5,000 times
// over, asking each time for a link that would close a loop. Each link
// walked the chain up from its parent: quadratic, past the client's 30 s
// deadline here (0.2 s now; Dovecot takes milliseconds). Messages outside
// the chain are threaded as usual.
func TestThreadHostileReferences(t *testing.T) {
	ts := newTestServer(t, nil)
	ts.deliver(t, "u", "INBOX", "From: a@b\r\nSubject: x\r\nMessage-ID: <top@x>\r\n\r\nbody\r\n")
	const msgs, per = 16, 20000
	id := 0
	for k := 0; k < msgs; k++ {
		var b strings.Builder
		if k > 0 {
			fmt.Fprintf(&b, " <%d@x>", id-1) // the previous message's last
		}
		for ; b.Len() < per*9; id++ {
			fmt.Fprintf(&b, " <%d@x>", id)
		}
		if k == msgs-1 {
			for i := 0; i < 5000; i++ {
				fmt.Fprintf(&b, " <0@x> <%d@x>", id-1)
			}
		}
		ts.deliver(t, "u", "INBOX", fmt.Sprintf("From: a@b\r\nSubject: c%d\r\nMessage-ID: <c%d@x>\r\nReferences:%s\r\n\r\nbody\r\n", k, k, b.String()))
	}
	ts.deliver(t, "u", "INBOX", "From: a@b\r\nSubject: Re: x\r\nMessage-ID: <re@x>\r\nReferences: <top@x>\r\n\r\nbody\r\n")
	cl := login(t, ts.addr, "u")
	cl.ok("SELECT INBOX")
	lines := cl.ok("THREAD REFERENCES UTF-8 ALL")
	expectLines(t, "THREAD", lines, "* THREAD (1 18)((2)(3)(4)(5)(6)(7)(8)(9)(10)(11)(12)(13)(14)(15)(16)(17))")
}

// LIST RETURN (STATUS (…)) takes STATUS's items (RFC 5819 §2, RFC 9051
// §9 status-att): an unknown one is BAD, as in STATUS and Dovecot, not a
// STATUS response with an item and no value.
func TestListStatusUnknownItem(t *testing.T) {
	ts := newTestServer(t, nil)
	cl := login(t, ts.addr, "u")
	lines, st := cl.do(`LIST "" * RETURN (STATUS (MESSAGES FOO))`)
	if !strings.HasPrefix(st, "BAD") || len(lines) != 0 {
		t.Fatalf("LIST-STATUS with FOO: %q %q", lines, st)
	}
	expectLines(t, "LIST-STATUS", cl.ok(`LIST "" INBOX RETURN (STATUS (MESSAGES SIZE))`), `* STATUS "INBOX" (MESSAGES 0 SIZE 0)`)
}

// A sequence set that names the whole mailbox thousands of times over
// ("1:*,1:*,…", within the 64 KiB command limit; RFC 9051 §9 allows it)
// resolves in memory bounded by the mailbox, not by mailbox × ranges:
// 10,000 ranges over 3,000 messages listed 30 million indexes (240 MB)
// before sorting them, for one FETCH, STORE, COPY or UID EXPUNGE.
func TestSeqSetRepeatedRanges(t *testing.T) {
	ts := newTestServer(t, nil)
	st := ts.userStore(t, "u")
	mb, err := st.OpenMailbox(context.Background(), "INBOX")
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3000; i++ {
		if _, err := mb.Append(context.Background(), strings.NewReader(msg1), nil); err != nil {
			t.Fatal(err)
		}
	}
	mb.Close()
	cl := login(t, ts.addr, "u")
	cl.ok("SELECT INBOX")
	set := strings.Repeat("1:*,", 10000) + "3000"
	for _, cmd := range []string{"FETCH " + set + " (UID)", "UID FETCH " + set + " (UID)"} {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		lines := cl.ok(cmd)
		runtime.ReadMemStats(&after)
		if len(lines) != 3000 {
			t.Fatalf("%.20s: %d lines", cmd, len(lines))
		}
		if d := after.TotalAlloc - before.TotalAlloc; d > 64<<20 {
			t.Errorf("%.20s allocated %d MB", cmd, d>>20)
		}
	}
}

// SORT (SUBJECT) and THREAD on Subject fields of 80,000 subj-blobs
// ("[a][a]…x", RFC 5256 §2.1 steps (3)-(5)): each blob removed by step
// (4) made step (3) scan all the blobs left, quadratic in their number
// (over 30 s per message); now linear. The base subject is still "x".
func TestSortHostileSubjectBlobs(t *testing.T) {
	ts := newTestServer(t, nil)
	subj := strings.Repeat("[a]", 80000)
	ts.deliver(t, "u", "INBOX", "From: a@b\r\nSubject: "+subj+"y\r\n\r\nbody\r\n")
	ts.deliver(t, "u", "INBOX", "From: a@b\r\nSubject: "+subj+"x\r\n\r\nbody\r\n")
	ts.deliver(t, "u", "INBOX", "From: a@b\r\nSubject: w\r\n\r\nbody\r\n")
	cl := login(t, ts.addr, "u")
	cl.ok("SELECT INBOX")
	expectLines(t, "SORT", cl.ok("SORT (SUBJECT) UTF-8 ALL"), "* SORT 3 2 1")
	expectLines(t, "THREAD", cl.ok("THREAD ORDEREDSUBJECT UTF-8 ALL"), "* THREAD (1)(2)(3)")
}

// LIST RETURN (STATUS (HIGHESTMODSEQ)) enables CONDSTORE as STATUS
// (HIGHESTMODSEQ) does (RFC 7162 §3.1; RFC 5819 §2: the STATUS responses
// are those of STATUS), as in Dovecot.
func TestListStatusHighestModSeqEnablesCondstore(t *testing.T) {
	ts := newTestServer(t, nil)
	ts.deliver(t, "u", "INBOX", msg1)
	cl := login(t, ts.addr, "u")
	cl.ok("SELECT INBOX")
	h := ms(highest(t, ts))
	lines := cl.ok(`LIST "" INBOX RETURN (STATUS (HIGHESTMODSEQ))`)
	expectLines(t, "LIST", lines, "* OK [HIGHESTMODSEQ "+h+"] Highest", `* STATUS "INBOX" (HIGHESTMODSEQ `+h+")")
	lines = cl.ok(`STORE 1 +FLAGS (\Flagged)`)
	expectLines(t, "STORE", lines, "* 1 FETCH (MODSEQ ("+ms(highest(t, ts))+`) FLAGS (\Flagged \Recent))`)
}

// A NOTIFY MessageNew FETCH (RFC 5465 §5.2) that cannot be answered for a
// message that came during a command (BINARY of an unknown
// Content-Transfer-Encoding, RFC 3516 §4.2) is no failure of that command:
// the STORE that was running succeeded and is answered OK. It answered
// NO [UNKNOWN-CTE], the FETCH's error, which tells the client its STORE
// failed.
func TestNotifyFetchErrorKeepsCommandOK(t *testing.T) {
	be := memstore.NewBackend()
	deliver := func(msg string) {
		st, _ := be.Open(context.Background(), "u")
		mb, err := st.OpenMailbox(context.Background(), "INBOX")
		if err != nil {
			t.Error(err)
			return
		}
		defer mb.Close()
		if _, err := mb.Append(context.Background(), strings.NewReader(msg), nil); err != nil {
			t.Error(err)
		}
	}
	ts := newTestServer(t, func(s *Server) {
		s.Backend = hookBackend{be, func() {
			// Mail arrives while the STORE runs.
			deliver("Content-Transfer-Encoding: x-unknown\r\nSubject: bad\r\n\r\nhello\r\n")
		}}
	})
	deliver(msg1)
	cl := login(t, ts.addr, "u")
	cl.ok("SELECT INBOX")
	cl.ok("NOTIFY SET (SELECTED (MessageNew (UID BINARY[1]) MessageExpunge))")
	lines := cl.ok(`STORE 1 +FLAGS (\Flagged)`)
	expectLines(t, "STORE", lines, "* 2 EXISTS")
}

// hookBackend runs a function at the start of every SetFlags.
type hookBackend struct {
	store.Backend
	onSetFlags func()
}

func (b hookBackend) Open(ctx context.Context, user string) (store.Store, error) {
	st, err := b.Backend.Open(ctx, user)
	return hookStore{st, b.onSetFlags}, err
}

type hookStore struct {
	store.Store
	onSetFlags func()
}

func (s hookStore) OpenMailbox(ctx context.Context, name string) (store.Mailbox, error) {
	mb, err := s.Store.OpenMailbox(ctx, name)
	if err != nil {
		return nil, err
	}
	return hookMailbox{mb, s.onSetFlags}, nil
}

type hookMailbox struct {
	store.Mailbox
	onSetFlags func()
}

func (m hookMailbox) SetFlags(ctx context.Context, uids store.UIDSet, op store.FlagOp, flags []string, opts *store.SetFlagsOptions) ([]store.MessageInfo, error) {
	m.onSetFlags()
	return m.Mailbox.SetFlags(ctx, uids, op, flags, opts)
}

// A server that advertises QUOTA=RES-STORAGE must know the STATUS item
// DELETED-STORAGE (RFC 9208 §5.1, defined in §4.4): what EXPUNGE would
// free, the size of the messages flagged \Deleted. A store without quotas
// advertises no QUOTA and does not know the item.
func TestStatusDeletedStorage(t *testing.T) {
	ts := newQuotaServer(t, 10<<20, 100)
	cl := login(t, ts.addr, "u")
	cl.ok("APPEND INBOX (\\Deleted) {5+}\r\nabcde")
	cl.ok("APPEND INBOX {3+}\r\nxyz")
	cl.ok("APPEND INBOX (\\Deleted \\Seen) {7+}\r\n1234567")
	expectLines(t, "STATUS", cl.ok("STATUS INBOX (DELETED DELETED-STORAGE)"), `* STATUS "INBOX" (DELETED 2 DELETED-STORAGE 12)`)
	expectLines(t, "LIST-STATUS", cl.ok(`LIST "" INBOX RETURN (STATUS (DELETED-STORAGE))`), `* STATUS "INBOX" (DELETED-STORAGE 12)`)

	ts = newTestServer(t, func(s *Server) { s.Backend = singleAppendBackend{memstore.NewBackend()} })
	cl = login(t, ts.addr, "u")
	if _, st := cl.do("STATUS INBOX (DELETED-STORAGE)"); !strings.HasPrefix(st, "BAD") {
		t.Errorf("DELETED-STORAGE without quotas: %q", st)
	}
}
