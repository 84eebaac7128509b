package queue

import (
	"fmt"
	"strings"
	"testing"
	"time"

	gosmtp "github.com/emersion/go-smtp"
)

// eventIndex returns the position of the first event matching kind and
// id (and dsn, if not empty), or -1.
func eventIndex(evs []Event, kind EventKind, id, dsn string) int {
	for i, e := range evs {
		if e.Kind == kind && e.ID == id && (dsn == "" || e.DSNID == dsn) {
			return i
		}
	}
	return -1
}

func TestQueueOneDSNPerMessage(t *testing.T) {
	// Recipients failing in two destinations (a null MX, RFC 7505, and a
	// domain that does not exist) are reported in one DSN (RFC 3464),
	// whether the two deliveries run at once or one after the other
	// (Concurrency 1). The events come in order: the DSN is enqueued,
	// then "bounce" names it, then it is delivered, and the message is
	// removed after its "bounce".
	for _, conc := range []int{1, 2, 20} {
		t.Run(fmt.Sprint("concurrency ", conc), func(t *testing.T) {
			home := startSink(t, nil)
			w := newWorld(t, "sender.test. 60 IN MX 10 mx.sender.test.", "mx.sender.test. 60 IN A 127.0.0.3",
				"null.test. 60 IN MX 0 .", "null2.test. 60 IN MX 0 .")
			w.Map("127.0.0.3", home.Addr)
			ev := newEvents()
			cfg := baseConfig(t, w, ev)
			cfg.Concurrency = conc
			q := runQueue(t, cfg)
			var ids []string
			for i := range 5 {
				ids = append(ids, enqueue(t, q, "<s@sender.test>", fmt.Sprintf("p%d", i),
					"<u@null.test>", "<v@nx.test>", "<w@null2.test>", "<x@nx.test>"))
			}
			ev.Wait(t, "every message and DSN removed", func(evs []Event) bool { return count(evs, EventRemoved, "") == 10 })
			evs := ev.List()
			for _, id := range ids {
				if n := count(evs, EventBounce, id); n != 1 {
					t.Fatalf("%s: %d bounces; events %v", id, n, evs)
				}
				b := eventIndex(evs, EventBounce, id, "")
				dsn := evs[b].DSNID
				if eventIndex(evs, EventEnqueued, dsn, "") > b || eventIndex(evs, EventAttempt, dsn, "") < b ||
					eventIndex(evs, EventRemoved, id, "") < b || eventIndex(evs, EventRemoved, dsn, "") < b {
					t.Errorf("%s: events out of order: %v", id, evs)
				}
			}
			msgs := home.Messages()
			if len(msgs) != len(ids) {
				t.Fatalf("%d DSNs for %d messages", len(msgs), len(ids))
			}
			for _, m := range msgs {
				_, rcpts, _ := dsnParts(t, m.Data)
				if len(rcpts) != 4 {
					t.Errorf("DSN with %d recipients:\n%s", len(rcpts), m.Data)
				}
			}
		})
	}
}

func TestQueueDSNPerPass(t *testing.T) {
	// A failure is reported at the end of the pass it happened in, not
	// held back until a deferred recipient is done: the deferred one,
	// delivered later, adds no DSN. (A recipient that fails in a later
	// pass gets a DSN of its own.)
	dst := startSink(t, func(s *sink, _ *gosmtp.Server) {
		s.rcpt = func(to string, n int) error {
			switch {
			case strings.HasPrefix(to, "bad"):
				return smtpErr(550, [3]int{5, 1, 1}, "no such user")
			case n == 1:
				return smtpErr(451, [3]int{4, 3, 0}, "later")
			}
			return nil
		}
	})
	home := startSink(t, nil)
	w := newWorld(t, "dst.test. 60 IN MX 10 mx.dst.test.", "mx.dst.test. 60 IN A 127.0.0.2",
		"sender.test. 60 IN MX 10 mx.sender.test.", "mx.sender.test. 60 IN A 127.0.0.3")
	w.Map("127.0.0.2", dst.Addr)
	w.Map("127.0.0.3", home.Addr)
	ev := newEvents()
	cfg := baseConfig(t, w, ev)
	cfg.Retry.MinBackoff, cfg.Retry.MaxBackoff = time.Hour, time.Hour
	q := runQueue(t, cfg)
	id := enqueue(t, q, "<s@sender.test>", "pp1", "<bad@dst.test>", "<slow@dst.test>")
	ev.Wait(t, "bounce", func(evs []Event) bool { return count(evs, EventBounce, id) == 1 })
	if evs := ev.List(); count(evs, EventDeferred, id) != 1 || count(evs, EventDelivered, id) != 0 {
		t.Fatalf("events %v", evs)
	}
	q.Flush()
	ev.Wait(t, "removal of both", func(evs []Event) bool { return count(evs, EventRemoved, "") == 2 })
	if n := count(ev.List(), EventBounce, id); n != 1 {
		t.Fatalf("%d bounces", n)
	}
	msgs := home.Messages()
	if len(msgs) != 1 {
		t.Fatalf("%d DSNs", len(msgs))
	}
	if _, rcpts, _ := dsnParts(t, msgs[0].Data); len(rcpts) != 1 || rcpts[0].Get("Final-Recipient") != "rfc822; bad@dst.test" {
		t.Fatalf("%v", rcpts)
	}
}
