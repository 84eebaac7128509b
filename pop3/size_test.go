package pop3

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/mailstack/mailstack/store"
)

// sizeStore reports a made-up CRLFSize for one UID and counts the opens
// of message contents.
type sizeStore struct {
	store.Store
	uid   store.UID
	size  int64
	opens *atomic.Int32
}

type sizeMailbox struct {
	store.Mailbox
	s sizeStore
}

func (s sizeStore) OpenMailbox(ctx context.Context, name string) (store.Mailbox, error) {
	mb, err := s.Store.OpenMailbox(ctx, name)
	if err != nil {
		return nil, err
	}
	return sizeMailbox{mb, s}, nil
}

func (m sizeMailbox) List(ctx context.Context, uids store.UIDSet) ([]store.MessageInfo, error) {
	l, err := m.Mailbox.List(ctx, uids)
	for i := range l {
		if l[i].UID == m.s.uid {
			l[i].CRLFSize = m.s.size
		}
	}
	return l, err
}

func (m sizeMailbox) Open(ctx context.Context, uid store.UID) (store.Content, error) {
	m.s.opens.Add(1)
	return m.Mailbox.Open(ctx, uid)
}

// TestStoreCRLFSize: sizes come from store.MessageInfo.CRLFSize without
// reading any message (RFC 1939 §5 STAT and LIST), and a CRLFSizer that
// does not know a size leaves the field's.
func TestStoreCRLFSize(t *testing.T) {
	ctx := context.Background()
	be := newTestBackend()
	uids := be.deliver(t, "alice", msg1, msg2)
	var opens atomic.Int32
	var mu sync.Mutex
	held, sized, closed := false, 0, 0
	ss := sizeStore{Store: noClose{be.store("alice")}, uid: uids[0], size: 4242, opens: &opens}
	ost := optStore{Store: ss, mu: &mu, held: &held, sizes: map[store.UID]int64{}, sized: &sized, closed: &closed}
	srv := &Server{AllowInsecureAuth: true,
		Backend: BackendFunc(func(ctx context.Context, _ *ConnInfo, user, pass string) (*Maildrop, error) {
			return &Maildrop{Store: ost}, nil
		}),
	}
	c, err := Dial(ctx, startServer(t, srv), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Login(ctx, "alice", "x"); err != nil {
		t.Fatal(err)
	}
	want2 := int64(len(toCRLF(msg2)))
	n, total, err := c.Stat(ctx)
	if err != nil || n != 2 || total != 4242+want2 {
		t.Fatalf("STAT = %d %d %v, want 2 %d", n, total, err, 4242+want2)
	}
	list, err := c.List(ctx)
	if err != nil || len(list) != 2 || list[0].Size != 4242 || list[1].Size != want2 {
		t.Fatalf("List = %v %v", list, err)
	}
	if k := opens.Load(); k != 0 {
		t.Errorf("%d messages read to learn sizes the store knew", k)
	}
}
