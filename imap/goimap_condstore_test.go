package imap

import (
	"slices"
	"testing"

	goimap "github.com/emersion/go-imap/v2"
)

// TestGoIMAPCondstore drives CONDSTORE (RFC 7162 §3.1) with go-imap v2's
// client, as far as it supports it: SELECT (CONDSTORE), FETCH MODSEQ and
// CHANGEDSINCE, STORE UNCHANGEDSINCE, SEARCH MODSEQ (ESEARCH and SEARCH
// forms) and STATUS HIGHESTMODSEQ. It has no QRESYNC: raw scripts test that
// (TestQResyncVanished, TestQResyncScenario).
func TestGoIMAPCondstore(t *testing.T) {
	ts := newTestServer(t, nil)
	for i := 0; i < 4; i++ {
		ts.deliver(t, "u", "INBOX", msg1)
	}
	c := goimapLogin(t, ts.addr)
	if caps := c.Caps(); !caps.Has(goimap.CapCondStore) || !caps.Has(goimap.CapQResync) {
		t.Fatalf("CONDSTORE/QRESYNC not advertised: %v", caps)
	}
	sel, err := c.Select("INBOX", &goimap.SelectOptions{CondStore: true}).Wait()
	if err != nil || sel.HighestModSeq != uint64(highest(t, ts)) {
		t.Fatalf("SELECT (CONDSTORE): %+v %v", sel, err)
	}
	before := sel.HighestModSeq
	msgs, err := c.Store(goimap.SeqSetNum(2, 3), &goimap.StoreFlags{Op: goimap.StoreFlagsAdd, Flags: []goimap.Flag{goimap.FlagFlagged}},
		&goimap.StoreOptions{UnchangedSince: before}).Collect()
	if err != nil || len(msgs) != 2 || msgs[0].ModSeq <= before || msgs[0].SeqNum != 2 {
		t.Fatalf("STORE UNCHANGEDSINCE: %+v %v", msgs, err)
	}
	// Message 2 changed after before: this conditional STORE leaves it.
	msgs, err = c.Store(goimap.SeqSetNum(2), &goimap.StoreFlags{Op: goimap.StoreFlagsAdd, Flags: []goimap.Flag{goimap.FlagSeen}},
		&goimap.StoreOptions{UnchangedSince: before}).Collect()
	if err != nil || len(msgs) != 0 {
		t.Fatalf("failing STORE UNCHANGEDSINCE: %+v %v", msgs, err)
	}
	msgs, err = c.Fetch(goimap.SeqSetNum(1, 2, 3, 4), &goimap.FetchOptions{UID: true, Flags: true, ModSeq: true, ChangedSince: before}).Collect()
	if err != nil || len(msgs) != 2 || msgs[0].UID != 2 || msgs[1].UID != 3 ||
		msgs[1].ModSeq != uint64(modseqOf(t, ts, 3)) || !slices.Contains(msgs[1].Flags, goimap.FlagFlagged) {
		t.Fatalf("FETCH CHANGEDSINCE: %+v %v", msgs, err)
	}
	crit := &goimap.SearchCriteria{ModSeq: &goimap.SearchCriteriaModSeq{ModSeq: before + 1}}
	sd, err := c.UIDSearch(crit, &goimap.SearchOptions{ReturnAll: true}).Wait()
	if err != nil || sd.All.String() != "2:3" || sd.ModSeq != uint64(highest(t, ts)) {
		t.Fatalf("UID SEARCH MODSEQ: %+v %v", sd, err)
	}
	crit.ModSeq.MetadataName, crit.ModSeq.MetadataType = `/flags/\Flagged`, goimap.SearchCriteriaMetadataShared
	sd, err = c.Search(crit, nil).Wait()
	if err != nil || !slices.Equal(sd.AllSeqNums(), []uint32{2, 3}) || sd.ModSeq != uint64(highest(t, ts)) {
		t.Fatalf("SEARCH MODSEQ entry: %+v %v", sd, err)
	}
	st, err := c.Status("INBOX", &goimap.StatusOptions{HighestModSeq: true, NumMessages: true}).Wait()
	if err != nil || st.HighestModSeq != uint64(highest(t, ts)) || *st.NumMessages != 4 {
		t.Fatalf("STATUS HIGHESTMODSEQ: %+v %v", st, err)
	}
	if err := c.Logout().Wait(); err != nil {
		t.Fatal(err)
	}
}
