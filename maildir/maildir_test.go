package maildir

import (
	"testing"

	"github.com/mailstack/mailstack/store"
	"github.com/mailstack/mailstack/store/storetest"
)

func openTest(t *testing.T, dir string) *Store {
	t.Helper()
	s, err := Open(dir, &Config{PollInterval: 20e6})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store { return openTest(t, t.TempDir()) })
}

func TestConformanceShared(t *testing.T) {
	storetest.RunShared(t, func(t *testing.T) (store.Store, store.Store) {
		dir := t.TempDir()
		return openTest(t, dir), openTest(t, dir)
	})
}
