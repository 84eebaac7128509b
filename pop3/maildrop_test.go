package pop3

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/mailstack/mailstack/store"
)

// optStore wraps a store so that its mailboxes implement the optional
// MaildropLocker and CRLFSizer interfaces.
type optStore struct {
	store.Store
	mu     *sync.Mutex
	held   *bool
	sizes  map[store.UID]int64
	sized  *int // CRLFSizes calls
	closed *int // mailbox Close calls
}

type optMailbox struct {
	store.Mailbox
	s optStore
}

func (s optStore) OpenMailbox(ctx context.Context, name string) (store.Mailbox, error) {
	mb, err := s.Store.OpenMailbox(ctx, name)
	if err != nil {
		return nil, err
	}
	return optMailbox{mb, s}, nil
}

func (m optMailbox) LockMaildrop(ctx context.Context) (func() error, error) {
	m.s.mu.Lock()
	defer m.s.mu.Unlock()
	if *m.s.held {
		return nil, fmt.Errorf("locked by another process: %w", ErrInUse)
	}
	*m.s.held = true
	return func() error {
		m.s.mu.Lock()
		*m.s.held = false
		m.s.mu.Unlock()
		return nil
	}, nil
}

func (m optMailbox) CRLFSizes(ctx context.Context, uids []store.UID) ([]int64, error) {
	*m.s.sized++
	out := make([]int64, len(uids))
	for i, u := range uids {
		if n, ok := m.s.sizes[u]; ok {
			out[i] = n
		} else {
			out[i] = -1
		}
	}
	return out, nil
}

func (m optMailbox) Close() error {
	*m.s.closed++
	return m.Mailbox.Close()
}

// TestOptionalInterfaces: the server takes a store's own maildrop lock
// (another process holding it gives [IN-USE]) and uses known CRLF sizes,
// reading only the messages whose size is unknown.
func TestOptionalInterfaces(t *testing.T) {
	ctx := context.Background()
	be := newTestBackend()
	uids := be.deliver(t, "alice", msg1, msg2)
	var mu sync.Mutex
	held := true
	sized, closed := 0, 0
	ost := optStore{Store: noClose{be.store("alice")}, mu: &mu, held: &held,
		sizes: map[store.UID]int64{uids[0]: 1000}, sized: &sized, closed: &closed}
	srv := &Server{AllowInsecureAuth: true,
		Backend: BackendFunc(func(ctx context.Context, _ *ConnInfo, user, pass string) (*Maildrop, error) {
			return &Maildrop{Store: ost}, nil
		}),
		UIDL: func(v uint32, uid store.UID) string { return fmt.Sprintf("%d.%d", v, uid) },
	}
	addr := startServer(t, srv)
	c, err := Dial(ctx, addr, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Login(ctx, "alice", "x"); !errors.Is(err, ErrInUse) {
		t.Fatalf("login while another process holds the lock: %v", err)
	}
	if closed != 1 {
		t.Errorf("refused login closed the mailbox %d times", closed)
	}
	mu.Lock()
	held = false
	mu.Unlock()
	if err := c.Login(ctx, "alice", "x"); err != nil {
		t.Fatal(err)
	}
	list, err := c.List(ctx)
	if err != nil || len(list) != 2 || list[0].Size != 1000 || list[1].Size != int64(len(toCRLF(msg2))) {
		t.Fatalf("List = %v %v", list, err)
	}
	if sized != 1 {
		t.Errorf("CRLFSizes called %d times", sized)
	}
	u, err := c.UIDLMessage(ctx, 2)
	if err != nil || u != fmt.Sprintf("%d.%d", mustStatus(t, be).UIDValidity, uids[1]) {
		t.Errorf("custom UIDL = %q %v", u, err)
	}
	if err := c.Dele(ctx, 1); err != nil {
		t.Fatal(err)
	}
	if err := c.Rset(ctx); err != nil {
		t.Fatal(err)
	}
	if n, _, _ := c.Stat(ctx); n != 2 {
		t.Errorf("after RSET: %d messages", n)
	}
	if err := c.Quit(ctx); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if held {
		t.Error("QUIT did not release the store's lock")
	}
	if be.count(t, "alice") != 2 {
		t.Error("RSET did not cancel DELE")
	}
}

func mustStatus(t *testing.T, be *testBackend) store.Status {
	t.Helper()
	mb, err := be.store("alice").OpenMailbox(context.Background(), "INBOX")
	if err != nil {
		t.Fatal(err)
	}
	defer mb.Close()
	st, err := mb.Status(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return st
}
