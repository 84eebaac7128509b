package imap

import (
	"context"
	"strings"
	"testing"

	"github.com/mailstack/mailstack/store"
)

func TestMetaCache(t *testing.T) {
	k1 := metaKey{recentKey{"u", "INBOX"}, 1}
	k2 := metaKey{recentKey{"u", "INBOX"}, 2} // a new UIDVALIDITY: another mailbox
	mc := newMetaCache(10 * 170)
	mc.put(k1, 1, msgMeta{size: 10, sized: true})
	mc.put(k1, 1, msgMeta{env: []byte("(env)")}) // adds to what is known
	if m, ok := mc.get(k1, 1); !ok || m.size != 10 || string(m.env) != "(env)" {
		t.Fatalf("get: %+v %v", m, ok)
	}
	if _, ok := mc.get(k2, 1); ok {
		t.Fatal("entry served under another UIDVALIDITY")
	}
	// Bounded: the least recently used go first.
	for u := store.UID(2); u <= 30; u++ {
		mc.put(k1, u, msgMeta{size: int64(u), sized: true})
		mc.get(k1, 1) // keep UID 1 in use
	}
	if mc.used > mc.max {
		t.Fatalf("used %d of %d", mc.used, mc.max)
	}
	if _, ok := mc.get(k1, 1); !ok {
		t.Fatal("the most used entry was evicted")
	}
	if _, ok := mc.get(k1, 2); ok {
		t.Fatal("the oldest entry was kept")
	}
	mc.put(k2, 1, msgMeta{sized: true})
	for u := store.UID(100); u < 130; u++ {
		mc.put(k1, u, msgMeta{sized: true})
	}
	if mc.boxes[k2] != nil {
		t.Fatal("an emptied mailbox is kept")
	}
	// Disabled, and entries too large for the cache.
	off := newMetaCache(-1)
	off.put(k1, 1, msgMeta{sized: true})
	if _, ok := off.get(k1, 1); ok {
		t.Fatal("disabled cache returned an entry")
	}
	mc.put(k1, 7, msgMeta{bs: make([]byte, mc.max)})
	if _, ok := mc.get(k1, 7); ok {
		t.Fatal("an entry larger than the cache was kept")
	}
}

// FETCH answers the same from the cache as from the message, and without
// a cache; the sizes are those of the CRLF form.
func TestFetchCachedEqual(t *testing.T) {
	lf := "From: a@example.org\nSubject: lf\nContent-Type: multipart/mixed; boundary=b\n\n--b\n\nline one\nline two\n--b--\n"
	items := "(UID RFC822.SIZE ENVELOPE BODY BODYSTRUCTURE BODY.PEEK[] BODY.PEEK[]<3.20> BODY.PEEK[1])"
	var answers [][]string
	// The store's CRLFSize: as memstore gives it, unknown, and stale
	// (the file changed behind the store's index: Size and CRLFSize
	// both wrong, which the content's size reveals).
	sizes := []func(*store.MessageInfo){
		nil,
		func(m *store.MessageInfo) { m.CRLFSize = 0 },
		func(m *store.MessageInfo) { m.Size, m.CRLFSize = m.Size+7, m.CRLFSize+9 },
	}
	for run := 0; run < 6; run++ {
		size := []int64{0, -1}[run%2]
		ts := newTestServer(t, func(s *Server) {
			s.CacheSize = size
			if fix := sizes[run/2]; fix != nil {
				s.Backend = infoBackend{s.Backend, fix}
			}
		})
		ts.deliver(t, "u", "INBOX", lf)
		ts.deliver(t, "u", "INBOX", msg1)
		cl := login(t, ts.addr, "u")
		cl.ok("SELECT INBOX")
		// First, with nothing cached, the whole message alone: the
		// literal's size comes from the store or one pass over it.
		whole := cl.ok("FETCH 1:* (RFC822.SIZE BODY.PEEK[])")
		if len(whole) != 2 || !strings.Contains(whole[0], "RFC822.SIZE 113 BODY[] {113}\r\nFrom: a@example.org\r\n") {
			t.Fatalf("run %d: whole message first: %q", run, whole)
		}
		for pass := 0; pass < 2; pass++ {
			answers = append(answers, cl.ok("FETCH 1:* "+items))
		}
		// A section and the structure in either order: the section is
		// served from the CRLF form whatever comes first.
		if got := cl.ok("FETCH 1 (BODY.PEEK[1] BODYSTRUCTURE)"); len(got) != 1 || !strings.Contains(got[0], "BODY[1] {18}\r\nline one\r\nline two") {
			t.Fatalf("section first: %q", got)
		}
	}
	for i := 1; i < len(answers); i++ {
		if strings.Join(answers[i], "\n") != strings.Join(answers[0], "\n") {
			t.Fatalf("answer %d differs:\n%q\n%q", i, answers[i], answers[0])
		}
	}
	if !strings.Contains(answers[0][0], "RFC822.SIZE 113 ") || !strings.Contains(answers[0][0], "BODY[] {113}\r\nFrom: a@example.org\r\n") {
		t.Fatalf("CRLF form: %q", answers[0][0])
	}
}

// infoBackend changes what the stores' List and Changes report, as a store
// whose index is out of date or knows less would.
type infoBackend struct {
	store.Backend
	fix func(*store.MessageInfo)
}

func (b infoBackend) Open(ctx context.Context, user string) (store.Store, error) {
	st, err := b.Backend.Open(ctx, user)
	return infoStore{st, b.fix}, err
}

type infoStore struct {
	store.Store
	fix func(*store.MessageInfo)
}

func (s infoStore) OpenMailbox(ctx context.Context, name string) (store.Mailbox, error) {
	mb, err := s.Store.OpenMailbox(ctx, name)
	if err != nil {
		return nil, err
	}
	return infoMailbox{mb, s.fix}, nil
}

type infoMailbox struct {
	store.Mailbox
	fix func(*store.MessageInfo)
}

func (mb infoMailbox) List(ctx context.Context, uids store.UIDSet) ([]store.MessageInfo, error) {
	l, err := mb.Mailbox.List(ctx, uids)
	for i := range l {
		mb.fix(&l[i])
	}
	return l, err
}

func (mb infoMailbox) Changes(ctx context.Context, since store.ModSeq) (store.Changes, error) {
	ch, err := mb.Mailbox.Changes(ctx, since)
	for i := range ch.Updated {
		mb.fix(&ch.Updated[i])
	}
	return ch, err
}
