package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/mailstack/mailstack/envelope"
)

// TestIdleWakesOnDelivery: a delivery wakes an IDLEing IMAP session (RFC
// 2177) through the Store the session shares with the LMTP delivery agent,
// not by polling: the server polls the Maildirs only once an hour here, and
// the session is given far less than that to see the message.
func TestIdleWakesOnDelivery(t *testing.T) {
	cfg := testConfig(t, "mx.a.test", "a.test", "alice@a.test:{PLAIN}alice-pw")
	s := startServerWith(t, cfg, func(s *server) { s.pollInterval = time.Hour })
	idle := startIdle(t, s.addr("imap"), "alice@a.test", "alice-pw")

	c := dialSMTP(t, s.addr("submission"), "alice@a.test", "alice-pw")
	ctx := context.Background()
	msg := "Subject: wake up\r\nMessage-ID: <wake@a.test>\r\n\r\nno polling\r\n"
	res, err := c.Send(ctx, mustPath(t, "<alice@a.test>"), []envelope.Path{mustPath(t, "<alice@a.test>")}, strings.NewReader(msg), nil)
	if err != nil || res[0].Err != nil {
		t.Fatalf("send: %v %+v", err, res)
	}
	fetched := idle.result(t)
	for _, want := range []string{"Subject: wake up\r\n", "Delivered-To: alice@a.test\r\n", "no polling"} {
		if !strings.Contains(fetched, want) {
			t.Errorf("IDLE fetched a message without %q:\n%s", want, fetched)
		}
	}
}
