package storetest

import (
	"context"
	"slices"
	"sync"
	"testing"

	"github.com/mailstack/mailstack/store"
)

func testSharedAppend(t *testing.T, a, b store.Store) {
	ma, mb := open(t, a, "INBOX"), open(t, b, "INBOX")
	r := appendMsg(t, ma, msg(1), store.FlagSeen)
	l := list(t, mb)
	if len(l) != 1 || l[0].UID != r.UID || !l[0].HasFlag(store.FlagSeen) {
		t.Fatalf("other store lists %+v, want UID %d \\Seen", l, r.UID)
	}
	if readAll(t, mb, r.UID) != msg(1) {
		t.Error("other store reads different content")
	}
	sa, sb := status(t, ma), status(t, mb)
	if sa.UIDValidity != sb.UIDValidity || sa.UIDNext != sb.UIDNext {
		t.Errorf("status differs: %+v vs %+v", sa, sb)
	}
	r2 := appendMsg(t, mb, msg(2))
	if r2.UID <= r.UID {
		t.Errorf("UID %d from other store after %d", r2.UID, r.UID)
	}
}

func testSharedFlagsExpunge(t *testing.T, a, b store.Store) {
	ma, mb := open(t, a, "INBOX"), open(t, b, "INBOX")
	r1 := appendMsg(t, ma, msg(1))
	r2 := appendMsg(t, ma, msg(2))
	since := status(t, ma).HighestModSeq
	list(t, mb)
	if _, err := mb.SetFlags(ctx, store.UIDSetOf(r1.UID), store.FlagsAdd, []string{store.FlagAnswered, "Shared"}, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := mb.SetFlags(ctx, store.UIDSetOf(r2.UID), store.FlagsAdd, []string{store.FlagDeleted}, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := mb.Expunge(ctx, store.All); err != nil {
		t.Fatal(err)
	}
	ch, err := ma.Changes(ctx, since)
	if err != nil {
		t.Fatal(err)
	}
	if len(ch.Updated) != 1 || ch.Updated[0].UID != r1.UID || !store.SameFlags(ch.Updated[0].Flags, []string{store.FlagAnswered, "Shared"}) {
		t.Errorf("Changes.Updated = %+v", ch.Updated)
	}
	if !slices.Equal(ch.Expunged, []store.UID{r2.UID}) && !ch.ExpungedIncomplete {
		t.Errorf("Changes.Expunged = %v", ch.Expunged)
	}
	if ch.HighestModSeq <= since {
		t.Errorf("HIGHESTMODSEQ %d not above %d", ch.HighestModSeq, since)
	}
}

func testSharedMailboxes(t *testing.T, a, b store.Store) {
	if err := a.CreateMailbox(ctx, "FromA", nil); err != nil {
		t.Fatal(err)
	}
	if _, ok := names(t, b)["FromA"]; !ok {
		t.Error("mailbox created in one store not listed in the other")
	}
	appendMsg(t, open(t, b, "FromA"), msg(1))
	if st := status(t, open(t, a, "FromA")); st.Messages != 1 {
		t.Errorf("FromA has %d messages in the other store", st.Messages)
	}
}

func testSharedWatch(t *testing.T, a, b store.Store) {
	ma, mb := open(t, a, "INBOX"), open(t, b, "INBOX")
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	c := ma.Watch(wctx)
	since := status(t, ma).HighestModSeq
	r := appendMsg(t, mb, msg(1))
	waitWatch(t, c)
	ch, err := ma.Changes(ctx, since)
	if err != nil || len(ch.Updated) != 1 || ch.Updated[0].UID != r.UID {
		t.Errorf("Changes after cross-store watch = %+v, %v", ch, err)
	}
}

func testSharedConcurrentAppend(t *testing.T, a, b store.Store) {
	const each = 40
	var wg sync.WaitGroup
	got := make([][]store.UID, 2)
	for i, s := range []store.Store{a, b} {
		mb := open(t, s, "INBOX")
		wg.Go(func() {
			for j := range each {
				r, err := mb.Append(ctx, stringsReader(msg(i*100+j)), nil)
				if err != nil {
					t.Error(err)
					return
				}
				got[i] = append(got[i], r.UID)
			}
		})
	}
	wg.Wait()
	all := append(slices.Clone(got[0]), got[1]...)
	slices.Sort(all)
	if len(slices.Compact(all)) != 2*each {
		t.Errorf("duplicate UIDs across stores: %v", all)
	}
	if l := list(t, open(t, a, "INBOX")); len(l) != 2*each {
		t.Errorf("%d messages listed, want %d", len(l), 2*each)
	}
}
