package imap

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/mailstack/mailstack/internal/testpeer"
)

// TestDovecotOracleQResync runs one QRESYNC story on this server and on a
// private Dovecot and compares what client A is told when it comes back:
// the VANISHED (EARLIER) UIDs, and which messages are FETCHed at which
// sequence numbers with which flags (modseq values are each server's
// own). The resync is asked four ways: with no known-uids, with them, with
// sequence-match data too, and by UID FETCH (CHANGEDSINCE … VANISHED).
func TestDovecotOracleQResync(t *testing.T) {
	testpeer.Need(t, "dovecot")
	d := testpeer.StartDovecot(t, testpeer.DovecotConfig{})
	ts := newTestServer(t, nil)
	servers := []struct {
		name string
		dial func() *client
	}{
		{"dovecot", func() *client { return dialUser(t, d.IMAPAddr, d.User, d.Password) }},
		{"ours", func() *client { c := login(t, ts.addr, "u"); c.ok("SELECT INBOX"); return c }},
	}
	var got [2][]string
	for i, s := range servers {
		got[i] = qresyncStory(t, s.dial)
	}
	if !slices.Equal(got[0], got[1]) {
		t.Errorf("dovecot:\n%s\nours:\n%s", strings.Join(got[0], "\n"), strings.Join(got[1], "\n"))
	}
}

var reModSeqNum = regexp.MustCompile(`MODSEQ \(\d+\)`)

// qresyncStory delivers 12 messages, caches client A's state, changes
// the mailbox as client B and returns A's normalised resync answers.
func qresyncStory(t *testing.T, dial func() *client) []string {
	b := dial()
	for i := 0; i < 12; i++ {
		b.ok(fmt.Sprintf("APPEND INBOX {%d+}\r\n%s", len(msg1), msg1))
	}
	a := dial()
	a.ok("ENABLE QRESYNC")
	var uidv, modseq string
	for _, l := range a.ok("SELECT INBOX") {
		if g := reHighest.FindStringSubmatch(l); g != nil {
			modseq = g[1]
		}
		if g := reValidity.FindStringSubmatch(l); g != nil {
			uidv = g[1]
		}
	}
	a.ok("LOGOUT")
	b.ok("NOOP")
	for _, cmd := range []string{`UID STORE 2,5 +FLAGS (\Flagged)`, `UID STORE 3 +FLAGS (\Deleted)`, "UID EXPUNGE 3",
		fmt.Sprintf("APPEND INBOX {%d+}\r\n%s", len(msg1), msg1), `UID STORE 13,7 +FLAGS (\Deleted)`, "EXPUNGE",
		`UID STORE 9 FLAGS ($Work)`, `UID STORE 11 +FLAGS (\Seen)`, `UID STORE 11 -FLAGS (\Seen)`} {
		b.ok(cmd)
	}
	b.ok("LOGOUT")
	var out []string
	// The third gives true sequence-match data, the fourth false: with
	// all tombstones both servers answer exactly whatever it says.
	for _, params := range []string{"", " 1:12", " 1:12 (1:4 1:4)", " 2:12 (2,4 2,5)"} {
		a := dial()
		a.ok("ENABLE QRESYNC")
		out = append(out, "SELECT (QRESYNC ("+params+"))")
		out = append(out, normalResync(a.ok("SELECT INBOX (QRESYNC ("+uidv+" "+modseq+params+"))"))...)
		out = append(out, "UID FETCH 4:* (FLAGS) (CHANGEDSINCE … VANISHED)")
		out = append(out, normalResync(a.ok("UID FETCH 4:* (FLAGS) (CHANGEDSINCE "+modseq+" VANISHED)"))...)
		a.ok("LOGOUT")
	}
	return out
}

// normalResync keeps the lines that carry resync data, with modseq
// values and \Recent (a session-state flag) taken out and flags sorted.
func normalResync(lines []string) []string {
	var out []string
	for _, l := range lines {
		switch {
		case strings.Contains(l, "VANISHED"), strings.HasSuffix(l, " EXISTS"):
			out = append(out, l)
		case strings.Contains(l, " FETCH "):
			l = reModSeqNum.ReplaceAllString(l, "MODSEQ (n)")
			if g := reQFetchAny.FindStringSubmatch(l); g != nil {
				l = g[1] + " FLAGS (" + sortedFlags(strings.ReplaceAll(g[2], `\Recent`, "")) + ")" + g[3]
			}
			out = append(out, l)
		}
	}
	return out
}

var reQFetchAny = regexp.MustCompile(`^(.*) FLAGS \(([^)]*)\)(.*)$`)

// TestDovecotOracleCondstore runs one CONDSTORE/QRESYNC command script on
// this server and on a private Dovecot and compares the responses with
// modseq values masked (each server numbers its own changes; Dovecot gives
// all messages of one STORE the same modseq) and the text of tagged
// responses dropped: which responses come, in which order and shape, with
// which response codes.
func TestDovecotOracleCondstore(t *testing.T) {
	testpeer.Need(t, "dovecot")
	d := testpeer.StartDovecot(t, testpeer.DovecotConfig{})
	ts := newTestServer(t, nil)
	script := []string{
		"ENABLE CONDSTORE",
		"FETCH 1 (MODSEQ)",
		`STORE 1:2 +FLAGS (\Seen)`,
		`STORE 3 +FLAGS.SILENT (\Seen)`,
		`UID STORE 4 -FLAGS.SILENT (\Seen)`,
		`UID STORE 1,3 (UNCHANGEDSINCE 0) +FLAGS (\Flagged)`,
		`STORE 1 (UNCHANGEDSINCE 0) +FLAGS (\Flagged)`,
		`STORE 4 (UNCHANGEDSINCE 999999) FLAGS ($Work)`,
		"SEARCH MODSEQ 999999",
		"ENABLE QRESYNC",
		`STORE 2,4 +FLAGS.SILENT (\Deleted)`,
		"EXPUNGE",
		`UID STORE 5 +FLAGS.SILENT (\Deleted)`,
		"UID EXPUNGE 5",
		"UID FETCH 1:* (FLAGS) (CHANGEDSINCE 1 VANISHED)",
		"FETCH 1:* (FLAGS) (CHANGEDSINCE 1 VANISHED)",
		"UID FETCH 1:* (FLAGS) (VANISHED)",
		"STATUS Other (MESSAGES HIGHESTMODSEQ)",
		"SELECT INBOX (CONDSTORE)",
	}
	run := func(dial func() *client) []string {
		cl := dial()
		cl.ok("CREATE Other")
		for i := 0; i < 6; i++ {
			cl.ok(fmt.Sprintf("APPEND INBOX {%d+}\r\n%s", len(msg1), msg1))
		}
		cl.ok("NOOP")
		var out []string
		for _, cmd := range script {
			lines, st := cl.do(cmd)
			out = append(out, "C: "+cmd)
			for _, l := range lines {
				if strings.HasPrefix(l, "* OK [CLOSED]") || strings.HasPrefix(l, "* OK [HIGHESTMODSEQ") ||
					!strings.HasPrefix(l, "* OK") && !strings.HasPrefix(l, "* FLAGS") && !strings.HasSuffix(l, "RECENT") {
					out = append(out, maskModSeq(l))
				}
			}
			out = append(out, maskModSeq(tagged(st)))
		}
		// Another session's changes, as this one hears of them.
		other := dial()
		other.ok(`UID STORE 3 +FLAGS (\Answered)`)
		other.ok(`UID STORE 6 +FLAGS (\Deleted)`)
		other.ok(`UID EXPUNGE 6`)
		lines, _ := cl.do("NOOP")
		out = append(out, "C: NOOP")
		var noop []string
		for _, l := range lines {
			noop = append(noop, maskModSeq(l))
		}
		// Dovecot sends the FETCH before the VANISHED, this server
		// after: both orders are right (the UIDs say which is which).
		slices.Sort(noop)
		return append(out, noop...)
	}
	theirs := run(func() *client { return dialUser(t, d.IMAPAddr, d.User, d.Password) })
	ours := run(func() *client { c := login(t, ts.addr, "u"); c.ok("SELECT INBOX"); return c })
	if !slices.Equal(theirs, ours) {
		t.Errorf("dovecot:\n%s\nours:\n%s", strings.Join(theirs, "\n"), strings.Join(ours, "\n"))
	}
}

var reFlagList = regexp.MustCompile(`FLAGS \([^)]*\)`)

var reModSeqVals = regexp.MustCompile(`(MODSEQ \(|HIGHESTMODSEQ |MODSEQ )\d+`)

func maskModSeq(l string) string {
	l = reModSeqVals.ReplaceAllString(l, "${1}n")
	// \Recent is session state each server hands out its own way.
	l = strings.NewReplacer(` \Recent`, "", `\Recent `, "", `\Recent`, "", `"Other"`, "Other").Replace(l)
	// Flags in one order (the store's is not Dovecot's).
	l = reFlagList.ReplaceAllStringFunc(l, func(f string) string {
		return "FLAGS (" + sortedFlags(f[len("FLAGS ("):len(f)-1]) + ")"
	})
	return strings.TrimSuffix(l, ".") // Dovecot ends its texts with a full stop

}

// tagged keeps a tagged response's status and response code.
func tagged(st string) string {
	if i := strings.Index(st, "] "); strings.Contains(st, " [") && i > 0 {
		return st[:i+1]
	}
	return strings.Fields(st)[0]
}
