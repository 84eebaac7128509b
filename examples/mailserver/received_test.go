package main

import (
	"context"
	"regexp"
	"strings"
	"testing"

	"github.com/mailstack/mailstack/envelope"
	"github.com/mailstack/mailstack/queue"
)

// TestReceivedIDIsQueueID: the Received field the MSA adds names the
// message by its queue ID (RFC 5321 §4.4 "id"), the one the 250 reply and
// the queue's events give.
func TestReceivedIDIsQueueID(t *testing.T) {
	s := startServer(t, testConfig(t, "mx.a.test", "a.test", "alice@a.test:{PLAIN}alice-pw"))
	c := dialSMTP(t, s.addr("submission"), "alice@a.test", "alice-pw")
	msg := "Subject: traced\r\n\r\nbody\r\n"
	res, err := c.Send(context.Background(), mustPath(t, "<alice@a.test>"), []envelope.Path{mustPath(t, "<alice@a.test>")}, strings.NewReader(msg), nil)
	if err != nil || res[0].Err != nil {
		t.Fatalf("send: %v %+v", err, res)
	}
	m := regexp.MustCompile(`queued as (\S+)`).FindStringSubmatch(res[0].Reply.Error())
	if m == nil {
		t.Fatalf("250 reply %q names no queue ID", res[0].Reply.Error())
	}
	id := m[1]
	s.events.wait(t, "the message queued under its ID", func(ev qevent) bool { return ev.Kind == queue.EventEnqueued && ev.ID == id })
	s.events.wait(t, "delivery to alice", deliveredTo("alice@a.test"))
	msgs := maildirMessages(t, s.maildirPath("alice@a.test", ""))
	if len(msgs) != 1 {
		t.Fatalf("%d messages", len(msgs))
	}
	if !regexp.MustCompile(`with ESMTPSA\s+id ` + regexp.QuoteMeta(id) + `\s`).MatchString(msgs[0]) {
		t.Errorf("the MSA's Received field does not name %s:\n%s", id, msgs[0])
	}
}
