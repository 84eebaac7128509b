package queue

import (
	"context"
	"io"
	"net"
	"strings"
	"sync"
	"testing"

	"github.com/mailstack/mailstack/envelope"
	"github.com/mailstack/mailstack/smtp"
)

func TestQueueToOwnServer(t *testing.T) {
	// The chain within mailstack: this queue delivers to an MX running
	// package smtp's server, whose DataFunc receives the envelope as
	// queued (RFC 3461 parameters included) and the message intact.
	var mu sync.Mutex
	var got []*smtp.Transaction
	var bodies []string
	srv := &smtp.Server{Hostname: "mx.dst.test", Backend: smtp.DataFunc(func(ctx context.Context, tx *smtp.Transaction, r io.Reader) error {
		b, err := io.ReadAll(r)
		if err != nil {
			return err
		}
		cp := *tx // tx is valid only during the call
		cp.Rcpts = append([]smtp.Rcpt(nil), tx.Rcpts...)
		mu.Lock()
		got, bodies = append(got, &cp), append(bodies, string(b))
		mu.Unlock()
		return nil
	})}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })

	w := newWorld(t, "dst.test. 60 IN MX 10 mx.dst.test.", "mx.dst.test. 60 IN A 127.0.0.2")
	w.Map("127.0.0.2", ln.Addr().String())
	ev := newEvents()
	q := runQueue(t, baseConfig(t, w, ev))
	id, err := q.Enqueue(context.Background(), mustPath(t, "<s@sender.test>"),
		[]envelope.Path{mustPath(t, "<a@dst.test>"), mustPath(t, "<b@dst.test>")},
		strings.NewReader(testMessage("own1")),
		&smtp.SendOptions{Mail: envelope.MailParams{Body: envelope.Body8BitMIME},
			Rcpt: []envelope.RcptParams{{Notify: envelope.NotifyFailure}}})
	if err != nil {
		t.Fatal(err)
	}
	ev.Wait(t, "removal", removed(id))
	mu.Lock()
	defer mu.Unlock()
	if len(got) != 1 || len(got[0].Rcpts) != 2 || got[0].From.Mailbox.Local != "s" {
		t.Fatalf("%+v rcpts %+v", *got[0], got[0].Rcpts)
	}
	if got[0].MailParams.Body != envelope.Body8BitMIME || !got[0].MailParams.HasSize {
		t.Errorf("MAIL parameters %+v", got[0].MailParams)
	}
	if !strings.Contains(bodies[0], "Message-ID: <own1@sender.test>") || !strings.Contains(bodies[0], "body of own1") {
		t.Errorf("body %q", bodies[0])
	}
}
