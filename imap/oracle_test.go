package imap

import (
	"bytes"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mailstack/mailstack/internal/testpeer"
)

// oracleItems are fetched from both servers for every corpus message.
var oracleItems = []string{"RFC822.SIZE", "ENVELOPE", "BODYSTRUCTURE", "BODY", "BODY[]", "BODY[HEADER]",
	"BODY[TEXT]", "BODY[1]", "BODY[1.MIME]", "BODY[HEADER.FIELDS (FROM SUBJECT)]"}

// oracleKnown lists where our FETCH output deliberately differs from
// Dovecot 2.3's, by corpus file and item, with the reason. Most come from
// package message (see its knownDiff in oracle_test.go).
var oracleKnown = map[[2]string]string{
	{"a6.1-obs-phrase.eml", "ENVELOPE"}:                                       "message: an empty obs-addr-list member is skipped",
	{"broken-bad-addresses.eml", "ENVELOPE"}:                                  "message: parsable members of broken lists are kept",
	{"broken-duplicate-headers.eml", "ENVELOPE"}:                              "message: the first of repeated fields is used",
	{"broken-empty-headers.eml", "ENVELOPE"}:                                  "message: an empty Date/Subject/Message-ID is NIL",
	{"mime-bad-content-type.eml", "BODYSTRUCTURE"}:                            "message: an invalid Content-Type is text/plain (RFC 2045 §5.2)",
	{"mime-bad-content-type.eml", "BODY"}:                                     "as BODYSTRUCTURE",
	{"rfc2231-params.eml", "BODYSTRUCTURE"}:                                   "message: RFC 2231 continuation joining differs",
	{"rfc2231-params.eml", "BODY"}:                                            "as BODYSTRUCTURE",
	{"broken-nul-in-body.eml", "BODY[]"}:                                      "we serve the stored NUL; Dovecot replaces NUL by 0x80",
	{"broken-nul-in-body.eml", "BODY[TEXT]"}:                                  "as BODY[]",
	{"broken-nul-in-body.eml", "BODY[1]"}:                                     "as BODY[]",
	{"broken-cr-cr-lf.eml", "ENVELOPE"}:                                       "same subject text; Dovecot sends it as a literal because the raw field had a stray CR",
	{"broken-cr-cr-lf.eml", "BODY[HEADER.FIELDS (FROM SUBJECT)]"}:             "message: field bytes as stored; Dovecot rewrites CR CR LF",
	{"broken-header-only-no-blank.eml", "BODY[HEADER.FIELDS (FROM SUBJECT)]"}: "message: no empty line added to a subset of a header that had none",
	{"broken-rfc822-truncated.eml", "BODYSTRUCTURE"}:                          "message: line count of a truncated message/rfc822 part",
	{"broken-rfc822-truncated.eml", "BODY"}:                                   "as BODYSTRUCTURE",
	{"broken-whitespace-only-headers.eml", "ENVELOPE"}:                        "message: white space around a structured value (Date, Message-ID, In-Reply-To) is trimmed; Dovecot keeps some",
}

// corpusMessages returns the message package's corpus, sorted by file
// name: the names and the contents.
func corpusMessages(t testing.TB) (names, msgs []string) {
	t.Helper()
	files, _ := filepath.Glob("../message/testdata/corpus/*.eml")
	sort.Strings(files)
	if len(files) == 0 {
		t.Fatal("no corpus")
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		names, msgs = append(names, filepath.Base(f)), append(msgs, string(data))
	}
	return names, msgs
}

// corpusServers puts msgs, \Seen, in a private Dovecot's INBOX (files
// named corpus%03d, Dovecot's X-GUID) and in this server's, and returns a
// session on each, logged in; ours has INBOX selected.
func corpusServers(t *testing.T, msgs []string) (dc, ours *client) {
	t.Helper()
	d := testpeer.StartDovecot(t, testpeer.DovecotConfig{})
	ts := newTestServer(t, nil)
	for i, m := range msgs {
		os.WriteFile(filepath.Join(d.MailDir, "cur", fmt.Sprintf("corpus%03d:2,S", i)), []byte(m), 0o644)
		ts.deliver(t, "u", "INBOX", m, `\Seen`)
	}
	d.ChownMailDirs(t)
	dc = dialUser(t, d.IMAPAddr, d.User, d.Password)
	ours = login(t, ts.addr, "u")
	ours.ok("SELECT INBOX")
	return dc, ours
}

// TestDovecotOracleFetch compares FETCH responses of this server with a
// private Dovecot's on the message package's corpus.
func TestDovecotOracleFetch(t *testing.T) {
	testpeer.Need(t, "dovecot")
	names, msgs := corpusMessages(t)
	dc, ours := corpusServers(t, msgs)
	byGUID := map[string]string{}
	for _, l := range dc.ok("UID FETCH 1:* (X-GUID)") {
		it := splitFetch(l)
		byGUID[strings.Trim(it["X-GUID"], `"`)] = it["UID"]
	}
	fetch := strings.ReplaceAll(strings.Join(oracleItems, " "), "BODY[", "BODY.PEEK[")
	diffs := 0
	for i, name := range names {
		uid := byGUID[fmt.Sprintf("corpus%03d", i)]
		theirs := splitFetch(strings.Join(dc.ok("UID FETCH "+uid+" ("+fetch+")"), ""))
		mine := splitFetch(strings.Join(ours.ok("UID FETCH "+strconv.Itoa(i+1)+" ("+fetch+")"), ""))
		// The second answer comes from the Server's cache.
		if again := splitFetch(strings.Join(ours.ok("UID FETCH "+strconv.Itoa(i+1)+" ("+fetch+")"), "")); !maps.Equal(again, mine) {
			t.Errorf("%s: second FETCH differs from the first:\n %.300q\n %.300q", name, again, mine)
		}
		for _, it := range oracleItems {
			o, th := mine[it], theirs[it]
			if o == th || (o == "NIL" && th == `""`) {
				continue
			}
			if _, ok := oracleKnown[[2]string{name, it}]; ok || name == "broken-deep-nesting-120.eml" {
				continue
			}
			diffs++
			t.Errorf("%s %s differs:\n ours    %.300q\n dovecot %.300q", name, it, o, th)
		}
	}
	t.Logf("%d messages × %d items compared with Dovecot, %d unexplained differences", len(names), len(oracleItems), diffs)
}

func dialUser(t *testing.T, addr, user, pass string) *client {
	cl := dial(t, addr)
	cl.c.SetDeadline(time.Now().Add(2 * time.Minute))
	cl.ok("LOGIN " + strconv.Quote(user) + " " + strconv.Quote(pass))
	cl.ok("SELECT INBOX")
	return cl
}

// splitFetch splits "* n FETCH (K V K V …)" into item name → raw value.
func splitFetch(resp string) map[string]string {
	items := map[string]string{}
	i := strings.Index(resp, "FETCH (")
	if i < 0 {
		return items
	}
	b := []byte(resp[i+7 : len(resp)-1])
	for len(b) > 0 {
		b = bytes.TrimLeft(b, " ")
		depth, j := 0, 0
		for ; j < len(b) && !(b[j] == ' ' && depth == 0); j++ {
			if b[j] == '[' {
				depth++
			} else if b[j] == ']' {
				depth--
			}
		}
		name := string(b[:j])
		if j < len(b) {
			j++
		}
		b = b[j:]
		n := valueEnd(b)
		items[name] = string(b[:n])
		b = b[n:]
	}
	return items
}

// valueEnd returns the length of the IMAP value at the start of b.
func valueEnd(b []byte) int {
	depth, i := 0, 0
	for i < len(b) {
		switch b[i] {
		case '"':
			for i++; i < len(b) && b[i] != '"'; i++ {
				if b[i] == '\\' {
					i++
				}
			}
			i++
		case '{':
			j := bytes.IndexByte(b[i:], '}')
			if j < 0 {
				return len(b)
			}
			n, _ := strconv.Atoi(string(b[i+1 : i+j]))
			i = min(i+j+3+n, len(b))
		case '(':
			depth++
			i++
		case ')':
			depth--
			i++
		default:
			i++
		}
		if depth <= 0 && (i >= len(b) || b[i] == ' ') {
			return i
		}
	}
	return i
}
