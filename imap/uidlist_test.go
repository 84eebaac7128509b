package imap

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/mailstack/mailstack/store"
)

// uidList behaves as the plain sorted slice it stands for, in both of its
// forms, under random appends and removals; the runs form is chosen when
// it is the smaller.
func TestUIDListModel(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for round := 0; round < 200; round++ {
		var model []store.UID
		next := store.UID(1 + rng.IntN(5))
		add := func(k int) {
			var batch []store.UID
			for j := 0; j < k; j++ {
				batch = append(batch, next)
				next += store.UID(1 + rng.IntN(3)*rng.IntN(2)) // mostly consecutive
			}
			model = append(model, batch...)
		}
		add(rng.IntN(300))
		l := newUIDList(model)
		for op := 0; op < 40; op++ {
			switch rng.IntN(3) {
			case 0:
				before := len(model)
				add(rng.IntN(50))
				l.Append(model[before:]...)
			case 1:
				var gone []store.UID
				var want []uint32
				kept := model[:0:0]
				for i, u := range model {
					if rng.IntN(8) == 0 {
						want = append(want, uint32(i+1-len(gone)))
						gone = append(gone, u)
					} else {
						kept = append(kept, u)
					}
				}
				if got := l.Remove(gone); !slices.Equal(got, want) {
					t.Fatalf("Remove sequence numbers %v, want %v", got, want)
				}
				model = kept
			case 2:
				checkUIDList(t, &l, model)
			}
		}
		checkUIDList(t, &l, model)
	}
}

func checkUIDList(t *testing.T, l *uidList, model []store.UID) {
	t.Helper()
	if l.Len() != len(model) {
		t.Fatalf("Len %d, want %d", l.Len(), len(model))
	}
	var each []store.UID
	l.Each(func(i int, u store.UID) bool {
		if i != len(each) {
			t.Fatalf("Each index %d, want %d", i, len(each))
		}
		each = append(each, u)
		return true
	})
	if !slices.Equal(each, model) {
		t.Fatalf("Each %v, want %v", each, model)
	}
	for i, u := range model {
		if l.At(i) != u {
			t.Fatalf("At(%d) = %d, want %d", i, l.At(i), u)
		}
	}
	top := store.UID(1)
	if len(model) > 0 {
		top = model[len(model)-1] + 2
	}
	for u := store.UID(0); u <= top; u++ {
		wi, wf := slices.BinarySearch(model, u)
		if i, f := l.Search(u); i != wi || f != wf {
			t.Fatalf("Search(%d) = %d %v, want %d %v", u, i, f, wi, wf)
		}
	}
	runs := 0
	for i := range model {
		if i == 0 || model[i-1]+1 != model[i] {
			runs++
		}
	}
	if l.flat == nil && 12*len(l.runs) > 4*len(model)+64 {
		t.Fatalf("runs form with %d runs for %d UIDs", len(l.runs), len(model))
	}
	if l.flat != nil && 12*runs < 4*len(model)/3 {
		t.Fatalf("flat form for %d UIDs in %d runs", len(model), runs)
	}
}

// A dense mailbox costs a run, not 4 bytes a message.
func TestUIDListDense(t *testing.T) {
	uids := make([]store.UID, 100000)
	for i := range uids {
		uids[i] = store.UID(i + 1)
	}
	l := newUIDList(uids)
	if l.flat != nil || len(l.runs) != 1 || cap(l.runs) > 1 {
		t.Fatalf("dense list: %d runs (cap %d), flat %d", len(l.runs), cap(l.runs), len(l.flat))
	}
	l.Remove([]store.UID{500, 70000})
	if l.flat != nil || len(l.runs) != 3 || l.At(499) != 501 || l.Len() != 99998 {
		t.Fatalf("after two expunges: %d runs, At(499) = %d", len(l.runs), l.At(499))
	}
}
