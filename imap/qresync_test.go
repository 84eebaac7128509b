package imap

import (
	"context"
	"fmt"
	"math/rand/v2"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/mailstack/mailstack/imap/internal/imapwire"
	"github.com/mailstack/mailstack/maildir"
	"github.com/mailstack/mailstack/store"
	"github.com/mailstack/mailstack/store/memstore"
)

// keepOpen shares one store between sessions, which each close theirs.
type keepOpen struct{ store.Store }

func (keepOpen) Close() error { return nil }

// newStoreServer runs a test server whose every user sees st.
func newStoreServer(t *testing.T, st store.Store) *testServer {
	be := store.BackendFunc(func(ctx context.Context, user string) (store.Store, error) { return keepOpen{st}, nil })
	ts := newTestServer(t, func(s *Server) { s.Backend = be })
	ts.backend = be
	return ts
}

// cachedMsg is what a QRESYNC client keeps of a message.
type cachedMsg struct {
	flags  string // sorted, space-separated
	modseq uint64
}

// qresyncCache is client A's offline state: RFC 7162 §3.2.5's
// UIDVALIDITY, HIGHESTMODSEQ and per-UID flags.
type qresyncCache struct {
	uidValidity uint32
	modseq      uint64
	msgs        map[uint32]cachedMsg
}

var (
	reQFetch    = regexp.MustCompile(`^\* (\d+) FETCH \(UID (\d+) FLAGS \(([^)]*)\) MODSEQ \((\d+)\)\)$`)
	reHighest   = regexp.MustCompile(`^\* OK \[HIGHESTMODSEQ (\d+)\]`)
	reValidity  = regexp.MustCompile(`^\* OK \[UIDVALIDITY (\d+)\]`)
	reVanishedE = regexp.MustCompile(`^\* VANISHED \(EARLIER\) ([0-9:,]+)$`)
)

func sortedFlags(s string) string {
	f := strings.Fields(s)
	slices.Sort(f)
	return strings.Join(f, " ")
}

// uidsOf parses a UID set without "*".
func uidsOf(t *testing.T, s string) []uint32 {
	set, err := imapwire.ParseSeqSet(s)
	if err != nil {
		t.Fatalf("bad set %q: %v", s, err)
	}
	var out []uint32
	for _, n := range expandSet(set, 1<<24) {
		out = append(out, n)
	}
	return out
}

// cacheState is client A's first session: it learns everything.
func cacheState(t *testing.T, addr string) qresyncCache {
	a := login(t, addr, "u")
	a.ok("ENABLE IMAP4rev2 QRESYNC")
	c := qresyncCache{msgs: map[uint32]cachedMsg{}}
	for _, l := range a.ok("EXAMINE INBOX") {
		if g := reHighest.FindStringSubmatch(l); g != nil {
			c.modseq, _ = strconv.ParseUint(g[1], 10, 64)
		}
		if g := reValidity.FindStringSubmatch(l); g != nil {
			v, _ := strconv.ParseUint(g[1], 10, 32)
			c.uidValidity = uint32(v)
		}
	}
	for _, l := range a.ok("FETCH 1:* (UID FLAGS MODSEQ)") {
		g := reQFetch.FindStringSubmatch(l)
		if g == nil {
			t.Fatalf("FETCH line %q", l)
		}
		u, _ := strconv.ParseUint(g[2], 10, 32)
		ms, _ := strconv.ParseUint(g[4], 10, 64)
		c.msgs[uint32(u)] = cachedMsg{sortedFlags(g[3]), ms}
	}
	if c.modseq == 0 || c.uidValidity == 0 || len(c.msgs) == 0 {
		t.Fatalf("nothing cached: %+v", c)
	}
	a.ok("LOGOUT")
	return c
}

// churn is client B: sessions of flag changes, expunges, deliveries and
// deliveries expunged again. It returns every UID it expunged.
func churn(t *testing.T, ts *testServer, rng *rand.Rand, sessions int) []uint32 {
	var gone []uint32
	kw := []string{`\Seen`, `\Flagged`, `\Answered`, `$Work`, `$Later`}
	for s := 0; s < sessions; s++ {
		b := login(t, ts.addr, "u")
		b.ok("SELECT INBOX")
		uids := uidsOf(t, searchUIDs(t, b))
		for i := 0; i < 8 && len(uids) > 0; i++ {
			u := uids[rng.IntN(len(uids))]
			op := []string{"+FLAGS", "-FLAGS", "FLAGS"}[rng.IntN(3)]
			b.ok(fmt.Sprintf("UID STORE %d %s (%s)", u, op, kw[rng.IntN(len(kw))]))
		}
		ts.deliver(t, "u", "INBOX", msg1)
		ts.deliver(t, "u", "INBOX", msg1)
		b.ok("NOOP")
		uids = uidsOf(t, searchUIDs(t, b))
		// Expunge two old messages and the newest one (which client A
		// never knew).
		del := []uint32{uids[rng.IntN(len(uids)-1)], uids[rng.IntN(len(uids)-1)], uids[len(uids)-1]}
		for _, u := range del {
			b.ok(fmt.Sprintf("UID STORE %d +FLAGS.SILENT (\\Deleted)", u))
		}
		if s%2 == 0 {
			b.ok("EXPUNGE")
		} else {
			b.ok("UID EXPUNGE " + formatUIDs(toUIDs(del)))
		}
		slices.Sort(del)
		gone = append(gone, slices.Compact(del)...)
		b.ok("LOGOUT")
	}
	return gone
}

func toUIDs(n []uint32) []store.UID {
	out := make([]store.UID, len(n))
	for i, u := range n {
		out[i] = store.UID(u)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

func searchUIDs(t *testing.T, cl *client) string {
	for _, l := range cl.ok("UID SEARCH RETURN (ALL) ALL") {
		if i := strings.Index(l, " ALL "); i > 0 {
			return l[i+5:]
		}
	}
	t.Fatal("empty mailbox")
	return ""
}

// truth is the store's state, the model the resync is checked against.
func truth(t *testing.T, ts *testServer) (map[uint32]cachedMsg, []uint32) {
	st := ts.userStore(t, "u")
	mb, err := st.OpenMailbox(context.Background(), "INBOX")
	if err != nil {
		t.Fatal(err)
	}
	defer mb.Close()
	infos, err := mb.List(context.Background(), store.All)
	if err != nil {
		t.Fatal(err)
	}
	m := map[uint32]cachedMsg{}
	var order []uint32
	for _, in := range infos {
		m[uint32(in.UID)] = cachedMsg{sortedFlags(strings.Join(in.Flags, " ")), uint64(in.ModSeq)}
		order = append(order, uint32(in.UID))
	}
	return m, order
}

// resync is client A's reconnection: SELECT (QRESYNC …) with params
// after the modseq (known-uids, sequence-match data). It returns
// the VANISHED (EARLIER) UIDs and the FETCHed messages by UID, checking
// sequence numbers against order.
func resync(t *testing.T, addr string, c qresyncCache, params string, order []uint32) ([]uint32, map[uint32]cachedMsg) {
	a := login(t, addr, "u")
	a.ok("ENABLE IMAP4rev2 QRESYNC")
	lines := a.ok(fmt.Sprintf("SELECT INBOX (QRESYNC (%d %d%s))", c.uidValidity, c.modseq, params))
	var vanished []uint32
	fetched := map[uint32]cachedMsg{}
	for _, l := range lines {
		if g := reVanishedE.FindStringSubmatch(l); g != nil {
			if len(fetched) > 0 {
				t.Fatalf("VANISHED (EARLIER) after FETCH: %q", lines)
			}
			vanished = append(vanished, uidsOf(t, g[1])...)
		} else if g := reQFetch.FindStringSubmatch(l); g != nil {
			seq, _ := strconv.Atoi(g[1])
			u, _ := strconv.ParseUint(g[2], 10, 32)
			ms, _ := strconv.ParseUint(g[4], 10, 64)
			if seq < 1 || seq > len(order) || order[seq-1] != uint32(u) {
				t.Fatalf("FETCH %d for UID %d; mailbox %v", seq, u, order)
			}
			if _, dup := fetched[uint32(u)]; dup {
				t.Fatalf("UID %d fetched twice", u)
			}
			fetched[uint32(u)] = cachedMsg{sortedFlags(g[3]), ms}
		} else if strings.Contains(l, "FETCH") || strings.Contains(l, "VANISHED") || strings.Contains(l, "EXPUNGE") {
			t.Fatalf("unexpected %q", l)
		}
	}
	slices.Sort(vanished)
	a.ok("LOGOUT")
	return vanished, fetched
}

// TestQResyncScenario is issue #8's acceptance scenario: client A caches
// its state, client B flags, expunges and delivers over several sessions,
// and client A reconnects with QRESYNC and receives exactly the VANISHED
// (EARLIER) and FETCH it needs, checked against the store as the model.
// With few tombstones kept the store cannot say exactly what vanished:
// VANISHED (EARLIER) may then name UIDs that never existed but must still
// cover every vanished UID and name no present one.
func TestQResyncScenario(t *testing.T) {
	stores := []struct {
		name  string
		open  func(t *testing.T) store.Store
		exact bool
		// compact: flag changes enough to make the maildir journal
		// compact, dropping all tombstones but one.
		compact bool
	}{
		{"memstore", func(t *testing.T) store.Store { return memstore.New() }, true, false},
		{"memstore-3-tombstones", func(t *testing.T) store.Store { return memstore.Config{TombstoneLimit: 3}.New() }, false, false},
		{"maildir", func(t *testing.T) store.Store {
			st, err := maildir.Open(t.TempDir(), nil)
			if err != nil {
				t.Fatal(err)
			}
			return st
		}, true, false},
		{"maildir-compacted", func(t *testing.T) store.Store {
			st, err := maildir.Open(t.TempDir(), &maildir.Config{TombstoneLimit: 1})
			if err != nil {
				t.Fatal(err)
			}
			return st
		}, false, true},
	}
	for _, sc := range stores {
		t.Run(sc.name, func(t *testing.T) {
			if sc.compact && testing.Short() {
				t.Skip("a thousand flag changes on disk")
			}
			ts := newStoreServer(t, sc.open(t))
			for i := 0; i < 30; i++ {
				flags := []string{}
				if i%3 == 0 {
					flags = append(flags, store.FlagSeen)
				}
				ts.deliver(t, "u", "INBOX", msg1, flags...)
			}
			cache := cacheState(t, ts.addr)
			rng := rand.New(rand.NewPCG(7, uint64(len(sc.name))))
			expunged := churn(t, ts, rng, 4)
			if sc.compact {
				compactJournal(t, ts)
			}
			if incomplete := changesIncomplete(t, ts, cache.modseq); incomplete == sc.exact {
				t.Fatalf("ExpungedIncomplete %v: the store keeps other tombstones than the test means", incomplete)
			}
			now, order := truth(t, ts)
			var cached []uint32
			for u := range cache.msgs {
				cached = append(cached, u)
			}
			slices.Sort(cached)
			known := " " + formatUIDs(toUIDs(cached))
			vanished, fetched := resync(t, ts.addr, cache, known, order)
			checkResync(t, cache, now, vanished, fetched, sc.exact)

			// Without known-uids the client hears of every change since
			// its modseq: messages delivered since, and UIDs that came
			// and went while it was away.
			vanished, fetched = resync(t, ts.addr, cache, "", order)
			checkResyncAll(t, cache, now, expunged, vanished, fetched, sc.exact)

			// Sequence-match data (RFC 7162 §3.2.5.2) for the client's
			// first messages: if they still hold, nothing at or below
			// them vanished, and a store without all tombstones need not
			// name UIDs there; one with them answers exactly anyway.
			k := 0
			for k < len(cached) && k < len(order) && cached[k] == order[k] {
				k++
			}
			if k > 0 {
				match := fmt.Sprintf(" (1:%d %s)", k, formatUIDs(toUIDs(cached[:k])))
				v2, f2 := resync(t, ts.addr, cache, known+match, order)
				checkResync(t, cache, now, v2, f2, sc.exact)
				for _, u := range v2 {
					if !sc.exact && u <= cached[k-1] {
						t.Errorf("VANISHED (EARLIER) %d at or below the matched UID %d", u, cached[k-1])
					}
				}
			}
		})
	}
}

// checkResync applies the resync to the cache and compares it with the
// model: exactly the cached UIDs gone (or, when not exact, at least them
// and no present UID), exactly the cached messages changed since the
// cached modseq fetched, with their current flags and modseqs.
func checkResync(t *testing.T, c qresyncCache, now map[uint32]cachedMsg, vanished []uint32, fetched map[uint32]cachedMsg, exact bool) {
	t.Helper()
	var wantGone []uint32
	for u := range c.msgs {
		if _, ok := now[u]; !ok {
			wantGone = append(wantGone, u)
		}
	}
	slices.Sort(wantGone)
	if len(wantGone) == 0 {
		t.Fatal("the scenario expunged nothing the client knew")
	}
	if exact && !slices.Equal(vanished, wantGone) {
		t.Errorf("VANISHED (EARLIER) %v, want %v", vanished, wantGone)
	}
	for _, u := range wantGone {
		if _, found := slices.BinarySearch(vanished, u); !found {
			t.Errorf("UID %d vanished but was not reported", u)
		}
	}
	for _, u := range vanished {
		if _, ok := now[u]; ok {
			t.Errorf("VANISHED (EARLIER) names UID %d, still present", u)
		}
	}
	changed := 0
	for u, old := range c.msgs {
		cur, ok := now[u]
		got, sent := fetched[u]
		switch {
		case !ok && sent:
			t.Errorf("FETCH of vanished UID %d", u)
		case ok && cur.modseq > c.modseq && !sent:
			t.Errorf("UID %d changed (modseq %d > %d) but was not fetched", u, cur.modseq, c.modseq)
		case ok && cur.modseq <= c.modseq && sent:
			t.Errorf("UID %d unchanged since %d but fetched", u, c.modseq)
		case sent && got != cur:
			t.Errorf("UID %d fetched as %+v, is %+v", u, got, cur)
		case ok && !sent && old.flags != cur.flags:
			t.Errorf("UID %d flags %q in the cache, %q in the store", u, old.flags, cur.flags)
		}
		if sent {
			changed++
		}
	}
	for u := range fetched {
		if _, ok := c.msgs[u]; !ok {
			t.Errorf("FETCH of UID %d outside known-uids", u)
		}
	}
	if changed == 0 {
		t.Error("the scenario changed no flag the client knew")
	}
}

// checkResyncAll checks a resync without known-uids: VANISHED (EARLIER)
// names every UID expunged since the cached modseq (at least those, and no
// present UID, when not exact), and FETCH every message changed since,
// new ones included.
func checkResyncAll(t *testing.T, c qresyncCache, now map[uint32]cachedMsg, expunged, vanished []uint32, fetched map[uint32]cachedMsg, exact bool) {
	t.Helper()
	want := slices.Clone(expunged)
	slices.Sort(want)
	want = slices.Compact(want)
	if exact && !slices.Equal(vanished, want) {
		t.Errorf("VANISHED (EARLIER) %v, want %v", vanished, want)
	}
	for _, u := range want {
		if _, found := slices.BinarySearch(vanished, u); !found {
			t.Errorf("UID %d vanished but was not reported", u)
		}
	}
	for _, u := range vanished {
		if _, ok := now[u]; ok {
			t.Errorf("VANISHED (EARLIER) names UID %d, still present", u)
		}
	}
	for u, cur := range now {
		got, sent := fetched[u]
		switch {
		case cur.modseq > c.modseq && !sent:
			t.Errorf("UID %d changed (modseq %d > %d) but was not fetched", u, cur.modseq, c.modseq)
		case cur.modseq <= c.modseq && sent:
			t.Errorf("UID %d unchanged since %d but fetched", u, c.modseq)
		case sent && got != cur:
			t.Errorf("UID %d fetched as %+v, is %+v", u, got, cur)
		}
	}
	if len(fetched) > len(now) {
		t.Errorf("%d FETCH for %d messages", len(fetched), len(now))
	}
}

// compactJournal changes one message's flags until the maildir journal
// outgrows its limit and is rewritten with the last tombstone only.
func compactJournal(t *testing.T, ts *testServer) {
	ctx := context.Background()
	mb, err := ts.userStore(t, "u").OpenMailbox(ctx, "INBOX")
	if err != nil {
		t.Fatal(err)
	}
	defer mb.Close()
	infos, err := mb.List(ctx, store.All)
	if err != nil || len(infos) == 0 {
		t.Fatal(err)
	}
	// A rewrite comes once the journal has 1000 lines more than twice
	// the messages and the tombstone limit (maildir/scan.go).
	ops := []store.FlagOp{store.FlagsAdd, store.FlagsRemove}
	for i := 0; i < 1100+2*len(infos); i++ {
		if _, err := mb.SetFlags(ctx, store.UIDSetOf(infos[0].UID), ops[i%2], []string{"$Toggle"}, nil); err != nil {
			t.Fatal(err)
		}
	}
}

// changesIncomplete asks the store whether it still knows every expunge
// since modseq.
func changesIncomplete(t *testing.T, ts *testServer, since uint64) bool {
	mb, err := ts.userStore(t, "u").OpenMailbox(context.Background(), "INBOX")
	if err != nil {
		t.Fatal(err)
	}
	defer mb.Close()
	ch, err := mb.Changes(context.Background(), store.ModSeq(since))
	if err != nil {
		t.Fatal(err)
	}
	return ch.ExpungedIncomplete
}

// Sequence-match data naming 2^32 pairs is expanded no further than
// maxMatchPairs: SELECT answers at once, and VANISHED (EARLIER) from the
// known-uids fallback still names every expunged UID and no present one.
func TestQResyncMatchDataBounded(t *testing.T) {
	st := memstore.Config{TombstoneLimit: 1}.New()
	ts := newTestServer(t, func(s *Server) {
		s.Backend = store.BackendFunc(func(ctx context.Context, user string) (store.Store, error) { return st, nil })
	})
	cl := login(t, ts.addr, "u")
	for i := 0; i < 6; i++ {
		cl.ok("APPEND INBOX {" + itoa(uint64(len(msg1))) + "+}\r\n" + msg1)
	}
	cl.ok("ENABLE QRESYNC")
	var validity string
	for _, l := range cl.ok("SELECT INBOX") {
		if v, ok := strings.CutPrefix(l, "* OK [UIDVALIDITY "); ok {
			validity, _, _ = strings.Cut(v, "]")
		}
	}
	cl.ok(`STORE 1:3 +FLAGS.SILENT (\Deleted)`)
	cl.ok("EXPUNGE")
	cl.ok("UNSELECT")
	lines := cl.ok("SELECT INBOX (QRESYNC (" + validity + " 1 1:6 (1:4294967295 1:4294967295)))")
	expectLines(t, "SELECT", lines, "* VANISHED (EARLIER) 1:3")
}
