package imap

import (
	"strings"
	"testing"
)

func TestCondstoreSmoke(t *testing.T) {
	ts := newTestServer(t, nil)
	for i := 0; i < 5; i++ {
		ts.deliver(t, "u", "INBOX", msg1)
	}
	cl := login(t, ts.addr, "u")
	for _, cmd := range []string{
		"CAPABILITY",
		"SELECT INBOX (CONDSTORE)",
		"FETCH 1:* (FLAGS MODSEQ)",
		"STORE 1:2 +FLAGS (\\Seen)",
		"STORE 3 (UNCHANGEDSINCE 1) +FLAGS.SILENT (\\Flagged)",
		"UID STORE 1:5 (UNCHANGEDSINCE 3) +FLAGS.SILENT (\\Deleted)",
		"FETCH 1:* (UID) (CHANGEDSINCE 5)",
		"SEARCH MODSEQ 6",
		"SEARCH RETURN (MIN COUNT) MODSEQ \"/flags/\\\\Seen\" all 6",
		"STATUS INBOX (HIGHESTMODSEQ MESSAGES)",
		"EXPUNGE",
		"ENABLE QRESYNC",
		"UID FETCH 1:* (FLAGS) (CHANGEDSINCE 1 VANISHED)",
		"SELECT INBOX (QRESYNC (1 2 1:10))",
	} {
		lines, st := cl.do(cmd)
		t.Logf("C: %s\n%s\n%s", cmd, strings.Join(lines, "\n"), st)
	}
}
