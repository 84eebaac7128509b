package pop3

import (
	"bytes"
	"context"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/mailstack/mailstack/store"
)

// fakeConn is a net.Conn that reads a fixed input and records output, so a
// whole session runs deterministically without goroutines or sockets.
type fakeConn struct {
	in  io.Reader
	out bytes.Buffer
}

func (f *fakeConn) Read(p []byte) (int, error)  { return f.in.Read(p) }
func (f *fakeConn) Write(p []byte) (int, error) { return f.out.Write(p) }
func (f *fakeConn) Close() error                { return nil }
func (f *fakeConn) LocalAddr() net.Addr         { return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 110} }
func (f *fakeConn) RemoteAddr() net.Addr {
	return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 40000}
}
func (f *fakeConn) SetDeadline(t time.Time) error      { return nil }
func (f *fakeConn) SetReadDeadline(t time.Time) error  { return nil }
func (f *fakeConn) SetWriteDeadline(t time.Time) error { return nil }

func FuzzParseCommand(f *testing.F) {
	for _, s := range []string{"USER mrose", "PASS secret word", "APOP mrose c4c9334bac560ecc979e58001b3e22fb",
		"LIST 2", "TOP 1 10", "uidl", "AUTH PLAIN =", "STAT ", "RETR  1", "\x00", "É", "CAPA\r", "X Y Z"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, line []byte) {
		cmd, err := parseCommand(line)
		if err != nil {
			return
		}
		if cmd.name == "" || len(cmd.name) > maxKeyword || strings.ToUpper(cmd.name) != cmd.name {
			t.Fatalf("bad keyword %q", cmd.name)
		}
		for _, a := range cmd.args {
			if a == "" || strings.ContainsAny(a, " \r\n") {
				t.Fatalf("bad argument %q", a)
			}
		}
		// Round trip: the keyword and the verbatim rest parse the same.
		again := cmd.name
		if strings.Contains(string(line), " ") {
			again += " " + cmd.rest
		}
		cmd2, err := parseCommand([]byte(again))
		if err != nil || cmd2.name != cmd.name || cmd2.rest != cmd.rest || len(cmd2.args) != len(cmd.args) {
			t.Fatalf("round trip of %q: %+v %v", line, cmd2, err)
		}
	})
}

// FuzzServerSession runs whole client streams against a server over a
// memstore with three messages. Invariants: every response line ends with
// CRLF and is bounded, the first is a +OK greeting, and without QUIT the
// store is unchanged (RFC 1939 §6).
func FuzzServerSession(f *testing.F) {
	for _, s := range []string{
		"USER alice\r\nPASS secret\r\nSTAT\r\nLIST\r\nRETR 1\r\nDELE 1\r\nQUIT\r\n",
		"USER alice\r\nPASS secret\r\nDELE 1\r\nDELE 2\r\nRSET\r\nDELE 3\r\n",
		"CAPA\r\nAUTH PLAIN AGFsaWNlAHNlY3JldA==\r\nUIDL\r\nTOP 2 0\r\nTOP 3 1\r\nUIDL 2\r\nLIST 3\r\nQUIT\r\n",
		"AUTH LOGIN\r\nYWxpY2U=\r\nc2VjcmV0\r\nNOOP\r\nRETR 2\r\n",
		"AUTH PLAIN\r\n*\r\nAPOP alice 0123456789abcdef0123456789abcdef\r\nSTLS\r\nUTF8\r\n",
		"USER alice\nPASS secret\nSTAT\n", "user alice\r\npass secret\r\nquit\r\n",
		"USER alice\r\nPASS secret\r\nRETR 99999999999\r\nTOP 1 -1\r\nDELE 0\r\nLIST 1 2\r\n\r\n",
		strings.Repeat("X", 2000) + "\r\nCAPA\r\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, input []byte) {
		be := newTestBackend()
		be.deliver(t, "alice", msg1, msg2, "Subject: 3\r\n\r\n.\r\n..\r\n")
		srv := &Server{Backend: be, AllowInsecureAuth: true}
		fc := &fakeConn{in: bytes.NewReader(input)}
		c := srv.newConn(fc, false)
		c.serve()
		out := fc.out.String()
		if !strings.HasPrefix(out, "+OK ") {
			t.Fatalf("no greeting: %q", out)
		}
		if !strings.HasSuffix(out, "\r\n") {
			t.Fatalf("output does not end with CRLF: %q", out)
		}
		for _, l := range strings.Split(strings.TrimSuffix(out, "\r\n"), "\r\n") {
			if len(l) > 200 || strings.ContainsAny(l, "\r\n") {
				t.Fatalf("bad output line %q", l)
			}
		}
		if !bytes.Contains(bytes.ToUpper(input), []byte("QUIT")) {
			if n := be.count(t, "alice"); n != 3 {
				t.Fatalf("store changed without QUIT: %d messages", n)
			}
			mb, _ := be.store("alice").OpenMailbox(context.Background(), "INBOX")
			infos, _ := mb.List(context.Background(), store.All)
			for _, m := range infos {
				if m.HasFlag(store.FlagDeleted) || m.HasFlag(store.FlagSeen) {
					t.Fatalf("flags changed without QUIT: %v", m.Flags)
				}
			}
		}
		if len(srv.locks) != 0 || srv.group.Len() != 0 {
			t.Fatalf("session left locks %v or conns", srv.locks)
		}
	})
}

func FuzzParseResponse(f *testing.F) {
	for _, s := range []string{"+OK", "+OK ", "-ERR", "+OK 2 320", "-ERR [IN-USE] locked", "-ERR [SYS/TEMP] try later",
		"+ok dovecot ready.", "+OK POP3 server ready <1896.697170952@dbc.mtview.ca.us>", "-ERR [] x", "-ERR [A/]", "-ERR [a b] c",
		"+OK [X]  two spaces", "-ERRx", "+", "* OK imap", "-ERR [AUTH] Authentication failed."} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, line []byte) {
		r, err := parseResponse(line)
		if err != nil {
			return
		}
		r2, err := parseResponse([]byte(r.format()))
		if err != nil || r2 != r {
			t.Fatalf("round trip of %q: %+v then %q → %+v %v", line, r, r.format(), r2, err)
		}
		for _, s := range strings.Split(r.code, "/") {
			if r.code != "" && s == "" {
				t.Fatalf("empty response code level in %q", r.code)
			}
		}
	})
}

// FuzzClientSession feeds arbitrary server output to a client running a
// full session. Invariants: no panic, and message readers deliver no more
// than the input holds (dot-unstuffing never grows data; CRLF
// normalisation at most doubles it).
func FuzzClientSession(f *testing.F) {
	ok := "+OK\r\n"
	for _, s := range []string{
		"+OK hi <1.2@x>\r\n+OK\r\nTOP\r\nUIDL\r\nPIPELINING\r\nSASL PLAIN\r\n.\r\n+OK\r\n+OK\r\n+OK 2 30\r\n+OK\r\n1 10\r\n2 20\r\n.\r\n" +
			"+OK\r\n1 abc\r\n2 def\r\n.\r\n+OK\r\nSubject: x\r\n\r\n..dot\r\n.\r\n+OK\r\nA: b\r\n.\r\n+OK\r\n-ERR [SYS/TEMP] no\r\n",
		"+OK\r\n-ERR\r\n-ERR [IN-USE] x\r\n+ \r\n+ AAAA\r\n-ERR [AUTH] bad\r\n",
		ok + ok + strings.Repeat("1 1\r\n", 50) + ".\r\n",
		"+OK\r\n+OK\r\n.\r\n+OK\r\n+OK\r\n+OK x\r\n+OK\r\nx\ny\n.\n",
		"garbage\r\n", "+OK\r\n+OK\r\n" + strings.Repeat("A", 5000) + "\r\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, input []byte) {
		ctx := context.Background()
		fc := &fakeConn{in: bytes.NewReader(input)}
		c, err := NewClient(ctx, fc, "localhost", &ClientOptions{MaxListLength: 100})
		if err != nil {
			return
		}
		c.Capabilities(ctx)
		c.Login(ctx, "u", "p")
		c.Authenticate(ctx, sasl.NewPlainClient("", "u", "p"))
		c.Stat(ctx)
		if l, err := c.List(ctx); err == nil && len(l) > 100 {
			t.Fatalf("List returned %d entries over the limit", len(l))
		}
		c.UIDL(ctx)
		var got int64
		for _, top := range []bool{false, true} {
			var r io.ReadCloser
			if top {
				r, err = c.Top(ctx, 1, 1)
			} else {
				r, err = c.Retr(ctx, 1)
			}
			if err == nil {
				n, _ := io.Copy(io.Discard, r)
				got += n
				r.Close()
			}
		}
		if got > 2*int64(len(input)) {
			t.Fatalf("readers delivered %d octets from %d of input", got, len(input))
		}
		c.Dele(ctx, 1, 2)
		c.Quit(ctx)
	})
}
