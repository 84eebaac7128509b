package imap

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	goimap "github.com/emersion/go-imap/v2"

	"github.com/mailstack/mailstack/internal/testpeer"
)

// searchResScript exercises SEARCHRES (RFC 5182) and the ESEARCH return
// options (RFC 4731) on six messages, 2 and 4 \Flagged. Each step is a
// command; the lines it must answer are checked against this server's
// expectations in TestSearchRes and against Dovecot in
// TestDovecotOracleSearchRes.
var searchResScript = []struct {
	cmd  string
	want []string // untagged lines, then the status word (and code)
}{
	// "$" before any SAVE is a valid, empty set (RFC 5182 §2.1).
	{"FETCH $ (UID)", []string{"OK"}},
	{"SEARCH $", []string{"* SEARCH", "OK"}},
	{"UID STORE $ +FLAGS.SILENT (\\Seen)", []string{"OK"}},
	// SAVE alone sends no ESEARCH.
	{"SEARCH RETURN (SAVE) 2:4", []string{"OK"}},
	{"FETCH $ (UID)", []string{"* 2 FETCH (UID 2)", "* 3 FETCH (UID 3)", "* 4 FETCH (UID 4)", "OK"}},
	{"UID FETCH $ (UID)", []string{"* 2 FETCH (UID 2)", "* 3 FETCH (UID 3)", "* 4 FETCH (UID 4)", "OK"}},
	{"SEARCH $", []string{"* SEARCH 2 3 4", "OK"}},
	{"SEARCH NOT $", []string{"* SEARCH 1 5 6", "OK"}},
	{"UID SEARCH UID $", []string{"* SEARCH 2 3 4", "OK"}},
	{"SEARCH OR $ 6", []string{"* SEARCH 2 3 4 6", "OK"}},
	// A UID SEARCH result used by sequence number, and $ read before
	// the same command saves anew (RFC 5182 §2.4).
	{"UID SEARCH RETURN (SAVE) FLAGGED", []string{"OK"}},
	{"FETCH $ (UID)", []string{"* 2 FETCH (UID 2)", "* 4 FETCH (UID 4)", "OK"}},
	{"SEARCH RETURN (SAVE ALL) $ 3:4", []string{`* ESEARCH (TAG "T") ALL 4`, "OK"}},
	{"FETCH $ (UID)", []string{"* 4 FETCH (UID 4)", "OK"}},
	// MIN/MAX with SAVE keep only those messages; ALL or COUNT keep all.
	{"SEARCH RETURN (SAVE MIN) 2:5", []string{`* ESEARCH (TAG "T") MIN 2`, "OK"}},
	{"FETCH $ (UID)", []string{"* 2 FETCH (UID 2)", "OK"}},
	{"UID SEARCH RETURN (MAX SAVE) 2:5", []string{`* ESEARCH (TAG "T") UID MAX 5`, "OK"}},
	{"FETCH $ (UID)", []string{"* 5 FETCH (UID 5)", "OK"}},
	{"SEARCH RETURN (MIN MAX SAVE) 2:5", []string{`* ESEARCH (TAG "T") MIN 2 MAX 5`, "OK"}},
	{"FETCH $ (UID)", []string{"* 2 FETCH (UID 2)", "* 5 FETCH (UID 5)", "OK"}},
	{"SEARCH RETURN (MIN MAX SAVE) 3", []string{`* ESEARCH (TAG "T") MIN 3 MAX 3`, "OK"}},
	{"FETCH $ (UID)", []string{"* 3 FETCH (UID 3)", "OK"}},
	{"SEARCH RETURN (MIN COUNT SAVE) 2:5", []string{`* ESEARCH (TAG "T") MIN 2 COUNT 4`, "OK"}},
	{"FETCH $ (UID)", []string{"* 2 FETCH (UID 2)", "* 3 FETCH (UID 3)", "* 4 FETCH (UID 4)", "* 5 FETCH (UID 5)", "OK"}},
	{"SEARCH RETURN (MAX ALL SAVE) 1,3", []string{`* ESEARCH (TAG "T") MAX 3 ALL 1,3`, "OK"}},
	{"FETCH $ (UID)", []string{"* 1 FETCH (UID 1)", "* 3 FETCH (UID 3)", "OK"}},
	// An empty result: no MIN, MAX or ALL, COUNT 0, and $ is empty.
	{"UID SEARCH RETURN (MIN MAX ALL COUNT SAVE) KEYWORD nothing", []string{`* ESEARCH (TAG "T") UID COUNT 0`, "OK"}},
	{"FETCH $ (UID)", []string{"OK"}},
	{"SEARCH RETURN (MIN MAX ALL) KEYWORD nothing", []string{`* ESEARCH (TAG "T")`, "OK"}},
	{"UID SEARCH RETURN () FLAGGED", []string{`* ESEARCH (TAG "T") UID ALL 2,4`, "OK"}},
	{"SEARCH RETURN (COUNT) 1:*", []string{`* ESEARCH (TAG "T") COUNT 6`, "OK"}},
	// A BAD SEARCH leaves $ alone; a NO one with SAVE empties it.
	{"SEARCH RETURN (SAVE) 5:6", []string{"OK"}},
	{"SEARCH RETURN (SAVE) NOSUCHKEY", []string{"BAD"}},
	{"FETCH $ (UID)", []string{"* 5 FETCH (UID 5)", "* 6 FETCH (UID 6)", "OK"}},
	{"SEARCH RETURN (SAVE) CHARSET X-UNKNOWN ALL", []string{"NO [BADCHARSET]"}},
	{"FETCH $ (UID)", []string{"OK"}},
	// STORE, COPY, MOVE and UID EXPUNGE take $; an expunged message
	// leaves it, and the others keep their identity under new numbers.
	{"SEARCH RETURN (SAVE) 1,3,5", []string{"OK"}},
	{"STORE $ +FLAGS.SILENT (\\Deleted)", []string{"OK"}},
	{"SEARCH DELETED", []string{"* SEARCH 1 3 5", "OK"}},
	{"COPY $ Other", []string{"OK [COPYUID]"}},
	{"STORE 1,3 -FLAGS.SILENT (\\Deleted)", []string{"OK"}},
	{"UID EXPUNGE $", []string{"* 5 EXPUNGE", "OK"}},
	{"FETCH $ (UID)", []string{"* 1 FETCH (UID 1)", "* 3 FETCH (UID 3)", "OK"}},
	{"UID SEARCH RETURN (SAVE) UID 3:4", []string{"OK"}},
	{"MOVE $ Other", []string{"* OK [COPYUID]", "* 3 EXPUNGE", "* 3 EXPUNGE", "OK"}},
	{"FETCH $ (UID)", []string{"OK"}},
	{"SEARCH ALL", []string{"* SEARCH 1 2 3", "OK"}},
	// SELECT empties it.
	{"SEARCH RETURN (SAVE) ALL", []string{"OK"}},
	{"SELECT INBOX", nil},
	{"FETCH $ (UID)", []string{"OK"}},
}

// runSearchResScript runs searchResScript on cl and returns, per step,
// the normalised answer: untagged lines (tags as "T", response-code
// arguments and texts dropped) and the status word with its code.
func runSearchResScript(t *testing.T, cl *client) [][]string {
	var out [][]string
	for _, step := range searchResScript {
		lines, st := cl.do(step.cmd)
		tag := fmt.Sprintf("t%d", cl.tag)
		var got []string
		for _, l := range lines {
			if strings.HasPrefix(l, "* OK") && !strings.Contains(l, "[COPYUID") ||
				strings.HasSuffix(l, " RECENT") || strings.HasPrefix(l, "* FLAGS") {
				continue // session state that IMAP4rev1 servers send as they like
			}
			got = append(got, normSearchRes(strings.ReplaceAll(l, `"`+tag+`"`, `"T"`)))
		}
		out = append(out, append(got, normSearchRes(st)))
	}
	return out
}

// normSearchRes keeps a status word and the name of its code.
func normSearchRes(l string) string {
	if i := strings.Index(l, "["); i >= 0 && (strings.HasPrefix(l, "OK") || strings.HasPrefix(l, "NO") || strings.HasPrefix(l, "* OK")) {
		code := l[i+1:]
		if j := strings.IndexAny(code, " ]"); j >= 0 {
			code = code[:j]
		}
		return l[:i] + "[" + code + "]"
	}
	for _, w := range []string{"OK", "NO", "BAD"} {
		if l == w || strings.HasPrefix(l, w+" ") {
			return w
		}
	}
	return l
}

func searchResSetup(t *testing.T, cl *client) {
	cl.ok("CREATE Other")
	for i := 1; i <= 6; i++ {
		m := msgN(i)
		flags := "()"
		if i == 2 || i == 4 {
			flags = `(\Flagged)`
		}
		cl.ok(fmt.Sprintf("APPEND INBOX %s {%d+}\r\n%s", flags, len(m), m))
	}
	cl.ok("SELECT INBOX")
}

func TestSearchRes(t *testing.T) {
	ts := newTestServer(t, nil)
	cl := login(t, ts.addr, "u")
	searchResSetup(t, cl)
	got := runSearchResScript(t, cl)
	for i, step := range searchResScript {
		if step.want != nil && !slices.Equal(got[i], step.want) {
			t.Errorf("%s:\n got  %q\n want %q", step.cmd, got[i], step.want)
		}
	}
}

// TestDovecotOracleSearchRes runs the same script in Dovecot, which
// implements SEARCHRES and ESEARCH, and compares every answer.
func TestDovecotOracleSearchRes(t *testing.T) {
	testpeer.Need(t, "dovecot")
	d := testpeer.StartDovecot(t, testpeer.DovecotConfig{})
	dc := dialUser(t, d.IMAPAddr, d.User, d.Password)
	dc.ok("UNSELECT")
	searchResSetup(t, dc)
	ts := newTestServer(t, nil)
	cl := login(t, ts.addr, "u")
	searchResSetup(t, cl)
	theirs := runSearchResScript(t, dc)
	ours := runSearchResScript(t, cl)
	for i, step := range searchResScript {
		if step.want != nil && !slices.Equal(countExpunges(ours[i]), countExpunges(theirs[i])) {
			t.Errorf("%s:\n ours    %q\n dovecot %q", step.cmd, ours[i], theirs[i])
		}
	}
}

// countExpunges replaces EXPUNGE responses by their number: servers may
// announce the same messages in any order (Dovecot goes from the highest
// sequence number down, this server from the lowest up).
func countExpunges(lines []string) []string {
	var out []string
	n := 0
	for _, l := range lines {
		if strings.HasSuffix(l, " EXPUNGE") {
			n++
			continue
		}
		out = append(out, l)
	}
	return append(out, fmt.Sprintf("%d expunged", n))
}

// UID FETCH $ (CHANGEDSINCE … VANISHED) reports the saved messages
// expunged since (RFC 7162 §3.2.6): "$" keeps their UIDs.
func TestSearchResVanished(t *testing.T) {
	ts := newTestServer(t, nil)
	for i := 1; i <= 4; i++ {
		ts.deliver(t, "u", "INBOX", msgN(i))
	}
	cl := login(t, ts.addr, "u")
	cl.ok("ENABLE QRESYNC")
	cl.ok("SELECT INBOX")
	cl.ok("UID SEARCH RETURN (SAVE) UID 2:3")
	cl.ok("UID STORE 2,4 +FLAGS.SILENT (\\Deleted)")
	cl.ok("EXPUNGE")
	lines := cl.ok("UID FETCH $ (FLAGS) (CHANGEDSINCE 1 VANISHED)")
	if !hasLine(lines, "* VANISHED (EARLIER) 2") || len(lines) != 2 || !strings.Contains(lines[1], "UID 3") {
		t.Fatalf("UID FETCH $ VANISHED: %q", lines)
	}
}

// go-imap v2's client reads our ESEARCH answers, the empty one included,
// and sends "$" (imap.SearchRes) in FETCH. v2.0.0-beta.8 does not send
// SearchOptions.ReturnSave, so nothing can be saved through it: "$" is
// empty here, and FETCH $ answers nothing (RFC 5182 §2.1).
func TestSearchResGoIMAP(t *testing.T) {
	ts := newTestServer(t, nil)
	for i := 1; i <= 5; i++ {
		ts.deliver(t, "u", "INBOX", msgN(i))
	}
	c := goimapLogin(t, ts.addr)
	if !c.Caps().Has(goimap.CapSearchRes) || !c.Caps().Has(goimap.CapMultiAppend) {
		t.Fatalf("caps %v", c.Caps())
	}
	if _, err := c.Select("INBOX", nil).Wait(); err != nil {
		t.Fatal(err)
	}
	opts := &goimap.SearchOptions{ReturnMin: true, ReturnMax: true, ReturnCount: true, ReturnAll: true}
	d, err := c.UIDSearch(&goimap.SearchCriteria{UID: []goimap.UIDSet{goimap.UIDSetNum(2, 3, 4)}}, opts).Wait()
	if err != nil || d.Min != 2 || d.Max != 4 || d.Count != 3 || d.All.String() != "2:4" {
		t.Fatalf("UID SEARCH RETURN (MIN MAX COUNT ALL): %+v %v", d, err)
	}
	d, err = c.Search(&goimap.SearchCriteria{Flag: []goimap.Flag{goimap.FlagFlagged}}, opts).Wait()
	if err != nil || d.Min != 0 || d.Max != 0 || d.Count != 0 || d.All != nil && d.All.String() != "" {
		t.Fatalf("empty SEARCH RETURN (MIN MAX COUNT ALL): %+v %v", d, err)
	}
	msgs, err := c.Fetch(goimap.SearchRes(), &goimap.FetchOptions{UID: true}).Collect()
	if err != nil || len(msgs) != 0 {
		t.Fatalf("FETCH $ with nothing saved: %v %v", msgs, err)
	}
}
