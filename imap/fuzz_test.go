package imap

import (
	"bytes"
	"context"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mailstack/mailstack/message"
	"github.com/mailstack/mailstack/store"
	"github.com/mailstack/mailstack/store/memstore"
)

// FuzzCommandStream feeds whole command streams to a server over a pipe,
// against an in-memory store holding two messages. The session must end
// (no hang once the input ends), and no goroutine may outlive it.
func FuzzCommandStream(f *testing.F) {
	login := "a LOGIN u pass\r\nb SELECT INBOX\r\n"
	for _, s := range []string{
		login + "c FETCH 1:* (FLAGS BODY.PEEK[HEADER.FIELDS (From)]<0.10> BODYSTRUCTURE ENVELOPE BINARY[1] BINARY.SIZE[1] RFC822)\r\n",
		login + "c STORE 1 +FLAGS (\\Deleted $X)\r\nd EXPUNGE\r\ne UID SEARCH RETURN (MIN MAX) OR DELETED TEXT {3}\r\nabc\r\n",
		login + "c APPEND INBOX (\\Seen) \" 7-Feb-1994 21:52:25 -0800\" {5+}\r\nhello\r\nd NOOP\r\n",
		login + "c IDLE\r\nDONE\r\nd UID MOVE 1:* Trash\r\ne CREATE Trash\r\nf UID COPY 2 Trash\r\n",
		login + "c LIST (SUBSCRIBED RECURSIVEMATCH) \"\" (\"*\" \"%\") RETURN (CHILDREN STATUS (MESSAGES SIZE))\r\n",
		"a AUTHENTICATE PLAIN AHUAcGFzcw==\r\nb ENABLE IMAP4rev2 UTF8=ACCEPT\r\nc SELECT INBOX\r\nd CLOSE\r\n",
		"a CAPABILITY\r\nb ID (\"name\" \"x\")\r\nc STARTTLS\r\n",
		login + "c FETCH 1 BODY[1.2.3.MIME]\r\nd FETCH 1 (BODY[TEXT]<5.0>)\r\ne SEARCH NOT NOT NOT (((ALL)))\r\n",
		// NOTIFY, RFC 5465 §3.1 and §8 (the RFC's own example is lower case).
		login + "c notify set status (selected (MessageNew (uid body.peek[header.fields (from to subject)]) MessageExpunge)) " +
			"(subtree Lists (MessageNew MessageExpunge MailboxName)) (mailboxes (INBOX Trash) NONE) (personal (MailboxName SubscriptionChange))\r\n" +
			"d CREATE Lists/x\r\ne APPEND INBOX {5+}\r\nhello\r\nf IDLE\r\nDONE\r\ng NOTIFY NONE\r\n",
		login + "c NOTIFY SET (SELECTED-DELAYED (MessageNew MessageExpunge FlagChange)) (INBOXES (MessageNew MessageExpunge AnnotationChange))\r\n" +
			"d NOTIFY SET (SUBSCRIBED (MessageNew MessageExpunge FlagChange SubscriptionChange)) (MAILBOXES Trash (MessageNew (UID) MessageExpunge))\r\n" +
			"e NOTIFY SET (SUBSCRIBED (MessageNew MessageExpunge FlagChange SubscriptionChange))\r\nf SUBSCRIBE INBOX\r\ng RENAME INBOX Old\r\nh DELETE Old\r\ni STORE 1 +FLAGS (\\Deleted)\r\nj EXPUNGE\r\n",
		// RFC 7162 CONDSTORE and QRESYNC
		"a LOGIN u pass\r\nb ENABLE QRESYNC\r\nc SELECT INBOX (QRESYNC (1 5 1:3,7 (1:2 1,3)))\r\nd EXAMINE INBOX (CONDSTORE)\r\n",
		login + "c STORE 1:2 (UNCHANGEDSINCE 3) +FLAGS.SILENT (\\Deleted)\r\nd FETCH 1:* (FLAGS MODSEQ) (CHANGEDSINCE 1)\r\ne SEARCH MODSEQ \"/flags/\\\\Seen\" all 2\r\n",
		"a LOGIN u pass\r\nb ENABLE CONDSTORE QRESYNC\r\nc SELECT INBOX\r\nd UID FETCH 1:* (UID) (CHANGEDSINCE 0 VANISHED)\r\ne STORE 1 +FLAGS (\\Deleted)\r\nf EXPUNGE\r\ng STATUS INBOX (HIGHESTMODSEQ)\r\n",
		// SEARCHRES (RFC 5182) and ESEARCH options (RFC 4731).
		login + "c SEARCH RETURN (SAVE MIN) 1:*\r\nd FETCH $ (UID)\r\ne UID SEARCH RETURN (SAVE COUNT) $ OR UID $ 2\r\nf STORE $ +FLAGS (\\Deleted)\r\ng UID EXPUNGE $\r\nh MOVE $ INBOX\r\n",
		// MULTIAPPEND (RFC 3502), literal8 (RFC 3516), a failing message.
		login + "c APPEND INBOX (\\Seen) {3+}\r\nabc \" 7-Feb-1994 21:52:25 -0800\" ~{3+}\r\na\x00c {2}\r\nzz\r\nd APPEND INBOX {1+}\r\n\x00 (\\Bad flag) {1+}\r\nx\r\n",
		// QUOTA (RFC 9208).
		login + "c GETQUOTAROOT INBOX\r\nd GETQUOTA \"\"\r\ne SETQUOTA \"\" (STORAGE 10 MESSAGE 1)\r\nf SETQUOTA x (\r\n",
		// OBJECTID (RFC 8474) and SAVEDATE (RFC 8514).
		login + "c FETCH 1:* (EMAILID THREADID SAVEDATE)\r\nd UID SEARCH OR EMAILID M1 THREADID T-_9 SAVEDATESUPPORTED\r\n" +
			"e SEARCH SAVEDBEFORE 1-Jan-2000 SAVEDON \"2-Feb-2020\" NOT SAVEDSINCE 3-Mar-2030\r\n",
		"a LOGIN u pass\r\nb CREATE X\r\nc STATUS X (MAILBOXID MESSAGES)\r\nd RENAME X Y\r\ne EXAMINE Y\r\n" +
			"f LIST \"\" * RETURN (STATUS (MAILBOXID))\r\ng SEARCH EMAILID ()\r\n",
		// RFC 5256 §3, RFC 5267 §3.2, RFC 5957 §3 examples.
		login + "c SORT (SUBJECT) UTF-8 SINCE 1-Feb-1994\r\nd SORT (SUBJECT REVERSE DATE) UTF-8 ALL\r\n" +
			"e UID SORT (REVERSE ARRIVAL) US-ASCII UNDELETED SUBJECT \"afternoon meeting\"\r\n",
		login + "c UID SORT RETURN (MIN MAX COUNT ALL) (DATE) UTF-8 UNDELETED UNKEYWORD $Junk\r\n" +
			"d SORT (DISPLAYFROM REVERSE DISPLAYTO SIZE CC TO FROM) UTF-8 OR 1 2\r\ne SORT () UTF-8 ALL\r\n",
		login + "c THREAD ORDEREDSUBJECT UTF-8 SINCE 5-MAR-2000\r\nd UID THREAD REFERENCES US-ASCII TEXT {3+}\r\nabc\r\n" +
			"e THREAD REFS UTF-8 ALL\r\nf THREAD REFERENCES KOI8-R ALL\r\n",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		be := memstore.NewBackend()
		st, _ := be.Open(context.Background(), "u")
		mb, _ := st.OpenMailbox(context.Background(), "INBOX")
		mb.Append(context.Background(), strings.NewReader(msg1), nil)
		mb.Append(context.Background(), strings.NewReader("Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n\r\nx\r\n--b--\r\n"),
			&store.AppendOptions{Flags: []string{store.FlagSeen}})
		mb.Close()
		srv := &Server{Backend: be, AllowInsecureAuth: true, AuthFailureDelay: -1,
			MaxCommandSize: 4096, AppendLimit: 4096, IdleTimeout: time.Second, PreAuthTimeout: time.Second,
			Auth: AuthenticatorFunc(func(ctx context.Context, u, p string) error { return nil })}
		srv.init()
		cli, sc := net.Pipe()
		c := srv.newConn(sc)
		srv.track(c)
		ended := make(chan struct{})
		go func() { c.serve(); close(ended) }()
		go io.Copy(io.Discard, cli)
		cli.SetWriteDeadline(time.Now().Add(5 * time.Second))
		// A LOGOUT ends most streams at once; one left inside a
		// literal or IDLE ends by the idle timeout.
		io.WriteString(cli, in+"\r\nzz LOGOUT\r\n")
		select {
		case <-ended:
		case <-time.After(3 * time.Second):
			cli.Close()
			select {
			case <-ended:
			case <-time.After(5 * time.Second):
				t.Fatal("session did not end after its input was closed")
			}
		}
		cli.Close()
		if srv.group.Len() != 0 {
			t.Fatal("connection still tracked after it ended")
		}
	})
}

// FuzzTextMatcher checks that the streaming SEARCH matcher finds a needle
// exactly when the folded whole text holds it, whatever the write
// boundaries and however invalid the UTF-8.
func FuzzTextMatcher(f *testing.F) {
	f.Add("Grüße aus Köln", "KÖLN", uint16(3), uint16(9))
	f.Add("\u212aelvin", "kel", uint16(1), uint16(2))
	f.Add("a\xe2\x82b\xffc", "\xe2\x82b", uint16(2), uint16(3))
	f.Add("xxxx", "", uint16(0), uint16(0))
	f.Add("caf\u00e9 \ufdfa \ufb01x", "cafe\u0301", uint16(4), uint16(5))
	f.Fuzz(func(t *testing.T, hay, needle string, i, j uint16) {
		a := min(int(i), len(hay))
		b := min(max(int(j), a), len(hay))
		n := foldString(needle)
		var m textMatcher
		m.reset(n)
		m.Write([]byte(hay[:a]))
		m.Write([]byte(hay[a:b]))
		m.Write([]byte(hay[b:]))
		m.flush()
		want := strings.Contains(string(foldString(hay)), string(n))
		if m.found != want {
			t.Fatalf("found %v, want %v (splits %d %d)", m.found, want, a, b)
		}
		if len(m.win) > len(n)+len(foldString(hay))+4 {
			t.Fatalf("window of %d bytes", len(m.win))
		}
	})
}

// FuzzParseStored checks the fast path of ENVELOPE, BODYSTRUCTURE and
// RFC822.SIZE: indexing a message as stored (LF line ends) and adding the
// bare LFs must give what indexing its CRLF form gives.
func FuzzParseStored(f *testing.F) {
	f.Add([]byte("Subject: x\n\nbody\n"))
	f.Add([]byte("Content-Type: multipart/mixed; boundary=t\n\n--t\nContent-Type: message/rfc822\n\nFrom: a\n--t--\n"))
	f.Add([]byte("Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\n\nx\r\n--b\r\nContent-Type: message/rfc822\n\nA: b\n\nc\n--b--\n"))
	f.Fuzz(func(t *testing.T, stored []byte) {
		conv, size, err := newCRLFView(bytes.NewReader(stored), int64(len(stored)))
		if err != nil {
			t.Fatal(err)
		}
		want, err := message.Parse(conv, size, nil)
		if err != nil {
			t.Fatal(err)
		}
		msg, gotSize, err := parseStored(memContent{bytes.NewReader(stored)})
		if err != nil {
			t.Fatal(err)
		}
		if gotSize != size {
			t.Fatalf("size %d, want %d", gotSize, size)
		}
		if got, w := crlfStructure(msg).AppendIMAP(nil, true), want.BodyStructure().AppendIMAP(nil, true); !bytes.Equal(got, w) {
			t.Fatalf("structure\n got  %s\n want %s", got, w)
		}
	})
}

// FuzzMetaBlob decodes any bytes as a store cache entry: what decodes
// must be made of values that cannot break a response's framing (a scan
// that honours literals finds the value's end at its last byte), and must
// encode back to the same bytes.
func FuzzMetaBlob(f *testing.F) {
	env := []byte(`(NIL {9}` + "\r\nfolded\r\n" + ` NIL NIL NIL NIL NIL NIL NIL NIL)`)
	full := msgMeta{size: 120, raw: 113, sized: true, env: env, body: []byte(`("text" "plain" NIL NIL NIL "7bit" 3 1)`),
		bs: []byte(`(("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 3 1 NIL NIL NIL NIL) "mixed" ("boundary" "b") NIL NIL NIL)`)}
	f.Add(full.encode())
	f.Add((&msgMeta{size: 10, raw: 8, sized: true}).encode())
	f.Add((&msgMeta{env: []byte("()")}).encode())
	f.Add((&msgMeta{env: []byte("()"), refs: []byte("<a@b> <c@d>")}).encode())
	f.Add((&msgMeta{refs: []byte{}}).encode())
	f.Add([]byte{metaBlobVersion, 0})
	f.Add([]byte{metaBlobVersion, metaEnv, 5, '(', '{', '1', '}', ')'})
	f.Fuzz(func(t *testing.T, b []byte) {
		m, ok := decodeMeta(b)
		if !ok {
			return
		}
		for _, v := range [][]byte{m.env, m.body, m.bs} {
			if v != nil && !validValue(v) {
				t.Fatalf("decoded an invalid value %q", v)
			}
		}
		if m.sized && (m.size < m.raw || m.size > 2*m.raw) {
			t.Fatalf("size %d for %d stored bytes", m.size, m.raw)
		}
		if again := m.encode(); !bytes.Equal(again, b) {
			// Uvarints have one encoding each only when minimal.
			if m2, ok := decodeMeta(again); !ok || !bytes.Equal(m2.encode(), again) {
				t.Fatalf("encode(decode(%q)) = %q, does not decode to itself", b, again)
			}
		}
	})
}

// FuzzEnvWire checks the reader of cached ENVELOPEs that SORT and THREAD
// use: any bytes are refused or read without panic, and every ENVELOPE
// that message.Envelope.AppendIMAP writes is read back.
func FuzzEnvWire(f *testing.F) {
	files, _ := filepath.Glob("../message/testdata/corpus/*.eml")
	for _, name := range files {
		if b, err := os.ReadFile(name); err == nil && len(b) < 16<<10 {
			f.Add(b)
		}
	}
	f.Add([]byte(`("d" {3}` + "\r\nabc" + ` ((NIL NIL "a" "b")) NIL NIL ((NIL NIL "g" NIL)(NIL NIL NIL NIL)) NIL NIL "<x>" "<y>")`))
	f.Fuzz(func(t *testing.T, b []byte) {
		parseEnvWire(b)
		h, _ := message.ParseHeader(b)
		env := message.EnvelopeFromHeader(&h)
		e, ok := parseEnvWire(env.AppendIMAP(nil))
		if !ok {
			t.Fatalf("ENVELOPE %q not read back", env.AppendIMAP(nil))
		}
		if !strings.ContainsAny(env.Date, "\r\n") && e.date != env.Date {
			t.Fatalf("date %q read as %q", env.Date, e.date)
		}
	})
}
