package storetest

import (
	"strings"
	"testing"

	"github.com/mailstack/mailstack/store"
)

// RFC 9208: a store.QuotaReporter counts the messages and their sizes of
// every mailbox.
func testQuotaUsage(t *testing.T, s store.Store) {
	qr, ok := s.(store.QuotaReporter)
	if !ok {
		t.Skip("store does not implement store.QuotaReporter")
	}
	if err := s.CreateMailbox(ctx, "Other", nil); err != nil {
		t.Fatal(err)
	}
	big := strings.Repeat("x", 3000) + "\r\n"
	appendMsg(t, open(t, s, "INBOX"), big)
	appendMsg(t, open(t, s, "INBOX"), msg(1))
	appendMsg(t, open(t, s, "Other"), big)
	roots, err := qr.Quota(ctx, "Other")
	if err != nil || len(roots) == 0 {
		t.Fatalf("Quota(Other): %v %v", roots, err)
	}
	all, err := qr.Quota(ctx, "")
	if err != nil || len(all) < len(roots) {
		t.Fatalf("Quota(\"\"): %v %v", all, err)
	}
	wantKiB := (int64(2*len(big)+len(msg(1))) + 1023) / 1024
	for _, r := range roots {
		for _, res := range r.Resources {
			switch res.Name {
			case store.ResourceMessage:
				if res.Usage != 3 {
					t.Errorf("root %q MESSAGE usage %d, want 3", r.Name, res.Usage)
				}
			case store.ResourceStorage:
				if res.Usage != wantKiB {
					t.Errorf("root %q STORAGE usage %d KiB, want %d", r.Name, res.Usage, wantKiB)
				}
			}
		}
	}
	_, err = qr.Quota(ctx, "Nonexistent")
	wantErr(t, "Quota of a missing mailbox", err, store.ErrNoSuchMailbox)
}

// RunQuota checks that a store made by newStore with a limit of storage
// bytes and of messages (0: none) refuses appends and copies beyond it
// with store.ErrOverQuota (RFC 9208 §5), reports the limits, and stays
// usable below them.
func RunQuota(t *testing.T, newStore func(t *testing.T, storage int64, messages int) store.Store) {
	t.Run("Messages", func(t *testing.T) {
		s := newStore(t, 0, 3)
		t.Cleanup(func() { s.Close() })
		mb := open(t, s, "INBOX")
		appendMsg(t, mb, msg(1))
		appendMsg(t, mb, msg(2))
		if ma, ok := mb.(store.MultiAppender); ok {
			_, err := ma.AppendMulti(ctx, store.AppendMessages(
				store.AppendMessage{Body: strings.NewReader(msg(3))}, store.AppendMessage{Body: strings.NewReader(msg(4))}))
			wantErr(t, "AppendMulti beyond the limit", err, store.ErrOverQuota)
		}
		appendMsg(t, mb, msg(3))
		_, err := mb.Append(ctx, strings.NewReader(msg(4)), nil)
		wantErr(t, "Append beyond the limit", err, store.ErrOverQuota)
		if err := s.CreateMailbox(ctx, "Other", nil); err != nil {
			t.Fatal(err)
		}
		_, err = mb.Copy(ctx, store.All, "Other")
		wantErr(t, "Copy beyond the limit", err, store.ErrOverQuota)
		if n := len(list(t, mb)); n != 3 {
			t.Errorf("%d messages, want 3", n)
		}
		checkLimit(t, s, store.ResourceMessage, 3, 3)
	})
	t.Run("Storage", func(t *testing.T) {
		s := newStore(t, 4096, 0)
		t.Cleanup(func() { s.Close() })
		mb := open(t, s, "INBOX")
		big := strings.Repeat("y", 3000) + "\r\n"
		appendMsg(t, mb, big)
		_, err := mb.Append(ctx, strings.NewReader(big), nil)
		wantErr(t, "Append beyond the limit", err, store.ErrOverQuota)
		appendMsg(t, mb, msg(1))
		checkLimit(t, s, store.ResourceStorage, (int64(len(big)+len(msg(1)))+1023)/1024, 4)
	})
}

func checkLimit(t *testing.T, s store.Store, name string, usage, limit int64) {
	t.Helper()
	qr, ok := s.(store.QuotaReporter)
	if !ok {
		t.Fatal("store with limits does not implement store.QuotaReporter")
	}
	roots, err := qr.Quota(ctx, "INBOX")
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range roots {
		for _, res := range r.Resources {
			if res.Name == name {
				if res.Usage != usage || res.Limit != limit {
					t.Errorf("%s: usage %d limit %d, want %d and %d", name, res.Usage, res.Limit, usage, limit)
				}
				return
			}
		}
	}
	t.Errorf("no %s resource in %+v", name, roots)
}
