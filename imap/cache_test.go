package imap

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/mailstack/mailstack/maildir"
	"github.com/mailstack/mailstack/store"
	"github.com/mailstack/mailstack/store/memstore"
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

// cacheBackend gives every store a mailbox that implements
// store.MessageCache with a map shared by all Servers using the backend
// (a file that outlives a restart), and counts message opens.
type cacheBackend struct {
	store.Backend
	mu    sync.Mutex
	blobs map[string][]byte // "uidvalidity/uid"
	opens int
	// forge, when set, replaces what CacheGet returns.
	forge func(b []byte) []byte
}

func (b *cacheBackend) Open(ctx context.Context, user string) (store.Store, error) {
	st, err := b.Backend.Open(ctx, user)
	return cacheStore{st, b}, err
}

type cacheStore struct {
	store.Store
	b *cacheBackend
}

func (s cacheStore) OpenMailbox(ctx context.Context, name string) (store.Mailbox, error) {
	mb, err := s.Store.OpenMailbox(ctx, name)
	if err != nil {
		return nil, err
	}
	return cacheMailbox{mb, s.b}, nil
}

type cacheMailbox struct {
	store.Mailbox
	b *cacheBackend
}

func (mb cacheMailbox) Open(ctx context.Context, uid store.UID) (store.Content, error) {
	mb.b.mu.Lock()
	mb.b.opens++
	mb.b.mu.Unlock()
	return mb.Mailbox.Open(ctx, uid)
}

func (mb cacheMailbox) CacheGet(ctx context.Context, v uint32, uid store.UID) []byte {
	mb.b.mu.Lock()
	defer mb.b.mu.Unlock()
	blob := mb.b.blobs[fmt.Sprint(v, "/", uid)]
	if blob != nil && mb.b.forge != nil {
		return mb.b.forge(slices.Clone(blob))
	}
	return slices.Clone(blob)
}

func (mb cacheMailbox) CachePut(ctx context.Context, v uint32, uid store.UID, data []byte) error {
	mb.b.mu.Lock()
	defer mb.b.mu.Unlock()
	mb.b.blobs[fmt.Sprint(v, "/", uid)] = slices.Clone(data)
	return nil
}

// A restarted Server answers ENVELOPE, BODY, BODYSTRUCTURE and RFC822.SIZE
// from the store's cache without opening a message, the same as computed;
// a damaged or forged entry is ignored.
func TestFetchStoreCache(t *testing.T) {
	lf := "From: a@example.org\nSubject: lf\nContent-Type: multipart/mixed; boundary=b\n\n--b\n\nline one\nline two\n--b--\n"
	folded := "Subject: a folded\r\n subject, sent as a literal\r\n\r\nx\r\n"
	items := "(UID RFC822.SIZE ENVELOPE BODY BODYSTRUCTURE)"
	// No CRLFSize from the store: the size must come from the cache too.
	cb := &cacheBackend{Backend: infoBackend{memstore.NewBackend(), func(m *store.MessageInfo) { m.CRLFSize = 0 }},
		blobs: map[string][]byte{}}
	be := cb
	fetch := func(forge func([]byte) []byte) ([]string, int) {
		t.Helper()
		ts := newTestServer(t, func(s *Server) { s.Backend = be })
		cb.mu.Lock()
		cb.opens, cb.forge = 0, forge
		cb.mu.Unlock()
		if len(cb.blobs) == 0 {
			ts.backend = be
			ts.deliver(t, "u", "INBOX", lf)
			ts.deliver(t, "u", "INBOX", folded)
			ts.deliver(t, "u", "INBOX", msg1)
		}
		cl := login(t, ts.addr, "u")
		cl.ok("SELECT INBOX")
		got := cl.ok("FETCH 1:* " + items)
		cl.ok("LOGOUT")
		cb.mu.Lock()
		defer cb.mu.Unlock()
		return got, cb.opens
	}
	first, opens := fetch(nil)
	if opens != 3 || len(cb.blobs) != 3 {
		t.Fatalf("first FETCH: %d opens, %d cache entries", opens, len(cb.blobs))
	}
	if !strings.Contains(first[1], "ENVELOPE (NIL {") {
		t.Fatalf("the folded subject is not a literal: %q", first[1])
	}
	again, opens := fetch(nil)
	if opens != 0 || strings.Join(again, "\n") != strings.Join(first, "\n") {
		t.Fatalf("restarted: %d opens; answers\n%q\n%q", opens, again, first)
	}
	for _, forge := range []func([]byte) []byte{
		func(b []byte) []byte { return b[:len(b)-1] },        // cut short
		func(b []byte) []byte { b[0] = 9; return b },         // another version
		func(b []byte) []byte { return append(b, 'x') },      // trailing bytes
		func(b []byte) []byte { return forgeEnvelope(t, b) }, // a response injected
	} {
		got, opens := fetch(forge)
		if opens != 3 || strings.Join(got, "\n") != strings.Join(first, "\n") {
			t.Fatalf("damaged cache: %d opens; answers\n%q\n%q", opens, got, first)
		}
	}
}

// forgeEnvelope makes an entry whose ENVELOPE ends the FETCH response
// early and adds a tagged OK.
func forgeEnvelope(t *testing.T, b []byte) []byte {
	m, ok := decodeMeta(b)
	if !ok {
		t.Fatalf("cache entry does not decode: %q", b)
	}
	m.env = []byte("(NIL))\r\na OK forged\r\n* 1 FETCH (FLAGS ())")
	return m.encode()
}

func TestValidValue(t *testing.T) {
	cases := []struct {
		in string
		ok bool
	}{
		// RFC 9051 §4: lists, quoted strings, literals, atoms, NIL.
		{`(NIL "a" ("b" NIL) 12)`, true},
		{"(\"x\" {5}\r\nab)\r\n)", true}, // a literal holding ) and CRLF
		{`("a\"b\\c")`, true},
		{`()`, true},
		{``, false},
		{`NIL`, false},                 // not a list
		{`(a) `, false},                // something after the list
		{`((a)`, false},                // unbalanced
		{`(a))(`, false},               // unbalanced
		{"(a\r\nb)", false},            // CRLF outside a literal
		{"(\"a\nb\")", false},          // LF in a quoted string
		{`("a\b")`, false},             // only \" and \\ escapes
		{`("open)`, false},             // unterminated string
		{"({5}\r\nab)", false},         // literal runs past the end
		{"({}\r\n)", false},            // no length
		{"({1x}\r\na)", false},         // bad length
		{"({9999999999}\r\na)", false}, // length too long
		{"(\x00)", false},
		{strings.Repeat("(", maxValueDepth+1) + strings.Repeat(")", maxValueDepth+1), false},
		{strings.Repeat("(", maxValueDepth) + strings.Repeat(")", maxValueDepth), true},
	}
	for _, c := range cases {
		if got := validValue([]byte(c.in)); got != c.ok {
			t.Errorf("validValue(%q) = %v, want %v", c.in, got, c.ok)
		}
	}
}

// With the maildir store, a restarted Server (and store) answers ENVELOPE
// and BODYSTRUCTURE from the folder's cache file: message files changed
// behind its back (which Maildir forbids) do not show.
func TestFetchMaildirCache(t *testing.T) {
	dir := t.TempDir()
	fetch := func() []string {
		t.Helper()
		st, err := maildir.Open(dir, nil)
		if err != nil {
			t.Fatal(err)
		}
		be := store.BackendFunc(func(ctx context.Context, user string) (store.Store, error) { return st, nil })
		ts := newTestServer(t, func(s *Server) { s.Backend = be })
		ts.backend = be
		if l, _ := os.ReadDir(filepath.Join(dir, "cur")); len(l) == 0 {
			ts.deliver(t, "u", "INBOX", "Subject: one\n\nx\n")
			ts.deliver(t, "u", "INBOX", msg1)
		}
		cl := login(t, ts.addr, "u")
		cl.ok("SELECT INBOX")
		got := cl.ok("FETCH 1:* (ENVELOPE BODYSTRUCTURE)")
		cl.ok("UNSELECT") // closes the mailbox: the cache is written
		return got
	}
	first := fetch()
	if _, err := os.Stat(filepath.Join(dir, maildir.CacheName)); err != nil {
		t.Fatalf("no cache file after the first FETCH: %v", err)
	}
	names, _ := os.ReadDir(filepath.Join(dir, "cur"))
	for _, n := range names {
		os.WriteFile(filepath.Join(dir, "cur", n.Name()), []byte("Subject: changed\n\nchanged\n"), 0o600)
	}
	if again := fetch(); strings.Join(again, "\n") != strings.Join(first, "\n") {
		t.Fatalf("after a restart:\n%q\nwant\n%q", again, first)
	}
}
