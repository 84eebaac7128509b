package memstore_test

import (
	"testing"

	"github.com/mailstack/mailstack/store"
	"github.com/mailstack/mailstack/store/memstore"
	"github.com/mailstack/mailstack/store/storetest"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store { return memstore.New() })
}

func TestConformanceDotDelimiter(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store { return memstore.Config{Delimiter: '.'}.New() })
}

func TestShared(t *testing.T) {
	storetest.RunShared(t, func(t *testing.T) (store.Store, store.Store) {
		s := memstore.New()
		return s, s
	})
}

func TestQuota(t *testing.T) {
	storetest.RunQuota(t, func(t *testing.T, storage int64, messages int) store.Store {
		return memstore.Config{QuotaStorage: storage, QuotaMessages: messages}.New()
	})
}
