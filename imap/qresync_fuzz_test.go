package imap

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/mailstack/mailstack/store"
	"github.com/mailstack/mailstack/store/memstore"
)

// FuzzQResyncSelect feeds arbitrary QRESYNC select parameters (RFC 7162
// §3.2.5: known-uids, sequence-match data) to EXAMINE, "V" standing for the
// mailbox's UIDVALIDITY, against a mailbox with holes, with all its expunge
// tombstones or with few. Whatever the input, VANISHED (EARLIER) must name
// no message still present and every FETCH must give a present message
// with its sequence number.
func FuzzQResyncSelect(f *testing.F) {
	for _, s := range []string{
		"(QRESYNC (V 1))",
		"(QRESYNC (V 5 1:40))",
		"(QRESYNC (V 5 1:40 (1:5 1,2,4,6,8)))",
		"(QRESYNC (V 12 (3,1 9,1)))",
		"(QRESYNC (V 0 4294967295:1 (4294967295 4294967295)))",
		"(CONDSTORE QRESYNC (1 1 1))",
	} {
		f.Add(s, false)
		f.Add(s, true)
	}
	f.Fuzz(func(t *testing.T, params string, few bool) {
		if strings.ContainsAny(params, "\r\n{") || len(params) > 2000 {
			return
		}
		limit := 0
		if few {
			limit = 4
		}
		tg := qresyncTarget(t, limit)
		cl := login(t, tg.addr, "u")
		cl.ok("ENABLE QRESYNC")
		lines, st := cl.do("EXAMINE INBOX " + strings.ReplaceAll(params, "V", tg.uidv))
		if !strings.HasPrefix(st, "OK") {
			return
		}
		for _, l := range lines {
			if g := reVanishedE.FindStringSubmatch(l); g != nil {
				for _, u := range uidsOf(t, g[1]) {
					if _, ok := tg.present[u]; ok {
						t.Fatalf("%s: VANISHED (EARLIER) names present UID %d", params, u)
					}
				}
			} else if g := reQFetch.FindStringSubmatch(l); g != nil {
				seq, _ := strconv.Atoi(g[1])
				u, _ := strconv.ParseUint(g[2], 10, 32)
				if tg.present[uint32(u)] != seq {
					t.Fatalf("%s: %q", params, l)
				}
			} else if strings.Contains(l, "VANISHED") {
				t.Fatalf("%s: %q", params, l)
			}
		}
	})
}

// fuzzTarget is a server over a mailbox with holes, and what it holds.
type fuzzTarget struct {
	addr    string
	uidv    string
	present map[uint32]int // UID → sequence number
}

// qresyncTarget builds a mailbox of 30 messages of which every third was
// expunged, with a flag change after each expunge; limit is the
// store's TombstoneLimit (0: the default).
func qresyncTarget(t *testing.T, limit int) fuzzTarget {
	st := memstore.Config{TombstoneLimit: limit}.New()
	ctx := context.Background()
	mb, _ := st.OpenMailbox(ctx, "INBOX")
	for i := 0; i < 30; i++ {
		mb.Append(ctx, strings.NewReader(msg1), nil)
	}
	for u := store.UID(2); u <= 30; u += 3 {
		mb.SetFlags(ctx, store.UIDSetOf(u), store.FlagsAdd, []string{store.FlagDeleted}, nil)
		mb.Expunge(ctx, store.UIDSetOf(u))
		mb.SetFlags(ctx, store.UIDSetOf(u-1), store.FlagsAdd, []string{store.FlagSeen}, nil)
	}
	infos, _ := mb.List(ctx, store.All)
	stat, _ := mb.Status(ctx)
	mb.Close()
	tg := fuzzTarget{uidv: strconv.FormatUint(uint64(stat.UIDValidity), 10), present: map[uint32]int{}}
	for i, in := range infos {
		tg.present[uint32(in.UID)] = i + 1
	}
	tg.addr = newStoreServer(t, st).addr
	return tg
}
