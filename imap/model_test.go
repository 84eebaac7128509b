package imap

import (
	"context"
	"fmt"
	"math/rand/v2"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/mailstack/mailstack/store"
)

// modelClient is what a client knows from the responses it received:
// UIDs by sequence number, 0 where only EXISTS told of a message.
type modelClient struct {
	cl   *client
	uids []uint32
}

var (
	reExists  = regexp.MustCompile(`^\* (\d+) EXISTS$`)
	reExpunge = regexp.MustCompile(`^\* (\d+) EXPUNGE$`)
	reFetch   = regexp.MustCompile(`^\* (\d+) FETCH \(.*UID (\d+)`)
)

// apply checks the untagged responses of cmd against the model and
// updates it; expungeOK says whether EXPUNGE may appear (RFC 9051 §7.5.1).
func (m *modelClient) apply(t *testing.T, cmd string, lines []string, expungeOK bool) {
	t.Helper()
	for _, l := range lines {
		if g := reExists.FindStringSubmatch(l); g != nil {
			n, _ := strconv.Atoi(g[1])
			if n < len(m.uids) {
				t.Fatalf("%s: EXISTS %d shrinks the mailbox of %d", cmd, n, len(m.uids))
			}
			m.uids = append(m.uids, make([]uint32, n-len(m.uids))...)
		} else if g := reExpunge.FindStringSubmatch(l); g != nil {
			if !expungeOK {
				t.Fatalf("%s: EXPUNGE not allowed here: %q", cmd, l)
			}
			n, _ := strconv.Atoi(g[1])
			if n < 1 || n > len(m.uids) {
				t.Fatalf("%s: EXPUNGE %d out of 1..%d", cmd, n, len(m.uids))
			}
			m.uids = slices.Delete(m.uids, n-1, n)
		} else if g := reFetch.FindStringSubmatch(l); g != nil {
			n, _ := strconv.Atoi(g[1])
			u, _ := strconv.ParseUint(g[2], 10, 32)
			if n < 1 || n > len(m.uids) {
				t.Fatalf("%s: FETCH %d out of 1..%d: %q", cmd, n, len(m.uids), l)
			}
			if m.uids[n-1] != 0 && m.uids[n-1] != uint32(u) {
				t.Fatalf("%s: message %d was UID %d, now %d", cmd, n, m.uids[n-1], u)
			}
			m.uids[n-1] = uint32(u)
		}
	}
	var last uint32
	for _, u := range m.uids {
		if u != 0 && u <= last {
			t.Fatalf("%s: UIDs out of order: %v", cmd, m.uids)
		}
		if u != 0 {
			last = u
		}
	}
}

// TestSequenceNumberModel runs random operations across 4 sessions on one
// mailbox and checks every response against each client's model, and each
// session's view against the store after NOOP.
func TestSequenceNumberModel(t *testing.T) {
	ops := 10000
	if testing.Short() {
		ops = 1000
	}
	ts := newTestServer(t, nil)
	st := ts.userStore(t, "u")
	mb, err := st.OpenMailbox(context.Background(), "INBOX")
	if err != nil {
		t.Fatal(err)
	}
	defer mb.Close()
	for i := 0; i < 10; i++ {
		ts.deliver(t, "u", "INBOX", msgN(i))
	}
	rng := rand.New(rand.NewPCG(1, 2))
	var cls []*modelClient
	for i := 0; i < 4; i++ {
		m := &modelClient{cl: login(t, ts.addr, "u")}
		lines := m.cl.ok("SELECT INBOX")
		m.apply(t, "SELECT", lines, false)
		lines = m.cl.ok("FETCH 1:* (UID)")
		m.apply(t, "FETCH", lines, false)
		cls = append(cls, m)
	}
	for op := 0; op < ops; op++ {
		m := cls[rng.IntN(len(cls))]
		n := len(m.uids)
		seq := func() string {
			if n == 0 {
				return "1"
			}
			return strconv.Itoa(1 + rng.IntN(n))
		}
		var cmd string
		expungeOK := true
		switch r := rng.IntN(10); {
		case r == 0:
			ts.deliver(t, "u", "INBOX", msgN(op))
			continue
		case r == 1 && n > 0:
			cmd, expungeOK = "STORE "+seq()+" +FLAGS (\\Deleted)", false
		case r == 2:
			cmd = "EXPUNGE"
		case r == 3 && n > 0:
			cmd, expungeOK = "FETCH "+seq()+":* (UID FLAGS)", false
		case r == 4:
			cmd = "UID FETCH 1:* (UID)"
		case r == 5:
			cmd, expungeOK = "SEARCH DELETED", false
		case r == 6 && n > 0:
			cmd = "NOOP"
			if u := m.uids[rng.IntN(n)]; u != 0 {
				cmd = "UID STORE " + strconv.Itoa(int(u)) + " +FLAGS ($K" + strconv.Itoa(rng.IntN(3)) + ")"
			}
		case r == 7 && n > 0:
			cmd = "MOVE " + seq() + " Trash"
			ts.userStore(t, "u").CreateMailbox(context.Background(), "Trash", nil)
		default:
			cmd = "NOOP"
		}
		lines, status := m.cl.do(cmd)
		if strings.HasPrefix(status, "BAD") {
			t.Fatalf("%s: %s", cmd, status)
		}
		m.apply(t, cmd, lines, expungeOK)
		if cmd == "NOOP" {
			m.checkStore(t, mb)
		}
	}
	for _, m := range cls {
		m.apply(t, "NOOP", m.cl.ok("NOOP"), true)
		m.apply(t, "FETCH", m.cl.ok("FETCH 1:* (UID)"), false)
		m.checkStore(t, mb)
	}
}

// checkStore compares the model after NOOP with the store: every
// expunge and delivery has been announced by then.
func (m *modelClient) checkStore(t *testing.T, mb store.Mailbox) {
	t.Helper()
	infos, err := mb.List(context.Background(), store.All)
	if err != nil {
		t.Fatal(err)
	}
	if len(infos) != len(m.uids) {
		t.Fatalf("after NOOP the client sees %d messages, the store has %d", len(m.uids), len(infos))
	}
	for i, in := range infos {
		if m.uids[i] != 0 && m.uids[i] != uint32(in.UID) {
			t.Fatalf("message %d: client has UID %d, store %d (%v)", i+1, m.uids[i], in.UID, fmt.Sprint(m.uids))
		}
	}
}
