package imap

import (
	"context"
	"strings"
	"testing"

	"github.com/mailstack/mailstack/store"
	"github.com/mailstack/mailstack/store/memstore"
)

// readOnlyStore opens every mailbox as a store.ReadOnlyMailbox.
type readOnlyStore struct{ store.Store }

type readOnlyMailbox struct{ store.Mailbox }

func (readOnlyMailbox) ReadOnly() bool { return true }

func (s readOnlyStore) OpenMailbox(ctx context.Context, name string) (store.Mailbox, error) {
	mb, err := s.Store.OpenMailbox(ctx, name)
	if err != nil {
		return nil, err
	}
	return readOnlyMailbox{mb}, nil
}

// RFC 9051 §6.3.2: SELECT of a mailbox the store cannot change answers
// [READ-ONLY] with PERMANENTFLAGS (), and STORE is refused.
func TestSelectReadOnlyMailbox(t *testing.T) {
	st := memstore.New()
	mb, _ := st.OpenMailbox(context.Background(), "INBOX")
	mb.Append(context.Background(), strings.NewReader(msg1), nil)
	mb.Close()
	addr := serveStore(t, func() (store.Store, error) { return readOnlyStore{st}, nil })
	cl := login(t, addr, "u")
	lines, st2 := cl.do("SELECT INBOX")
	if !strings.HasPrefix(st2, "OK [READ-ONLY]") || !hasLine(lines, "* OK [PERMANENTFLAGS ()] Read-only mailbox") {
		t.Fatalf("SELECT: %q %q", lines, st2)
	}
	if _, st := cl.do(`STORE 1 +FLAGS (\Seen)`); !strings.HasPrefix(st, "NO") {
		t.Fatalf("STORE: %q", st)
	}
	// A read-only mailbox still has \Recent taken by the first SELECT.
	if !hasLine(lines, "* 1 RECENT") {
		t.Fatalf("RECENT: %q", lines)
	}
	if lines := login(t, addr, "u").ok("SELECT INBOX"); !hasLine(lines, "* 0 RECENT") {
		t.Fatalf("second SELECT: %q", lines)
	}
}
