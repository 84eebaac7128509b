package maildir

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// imapConn is the least IMAP client the interop tests need: commands in,
// untagged lines with their literals out.
type imapConn struct {
	t   *testing.T
	c   net.Conn
	r   *bufio.Reader
	tag int
}

func dialIMAP(t *testing.T, addr, user, pass string) *imapConn {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	c.SetDeadline(time.Now().Add(60 * time.Second))
	ic := &imapConn{t: t, c: c, r: bufio.NewReader(c)}
	ic.line() // greeting
	ic.cmd(fmt.Sprintf("LOGIN %q %q", user, pass))
	t.Cleanup(func() { c.Close() })
	return ic
}

func (ic *imapConn) line() string {
	l, err := ic.r.ReadString('\n')
	if err != nil {
		ic.t.Fatalf("imap read: %v", err)
	}
	return l
}

// imapResp is one untagged response: its text with literals replaced by
// "{n}" markers, and the literals.
type imapResp struct {
	text     string
	literals [][]byte
}

var literalRe = regexp.MustCompile(`\{(\d+)\}\r\n$`)

// cmd sends a command (with optional synchronising literals after it) and
// returns the untagged responses; it fails the test unless the reply is OK.
func (ic *imapConn) cmd(c string, literals ...[]byte) []imapResp {
	ic.t.Helper()
	ic.tag++
	tag := "a" + strconv.Itoa(ic.tag)
	fmt.Fprintf(ic.c, "%s %s\r\n", tag, c)
	for _, lit := range literals {
		if l := ic.line(); !strings.HasPrefix(l, "+") {
			ic.t.Fatalf("%s: no continuation: %s", c, l)
		}
		ic.c.Write(lit)
		ic.c.Write([]byte("\r\n"))
	}
	var out []imapResp
	for {
		l := ic.line()
		if strings.HasPrefix(l, tag+" ") {
			if !strings.HasPrefix(l, tag+" OK") {
				ic.t.Fatalf("%s: %s", c, l)
			}
			return out
		}
		var r imapResp
		for {
			m := literalRe.FindStringSubmatch(l)
			if m == nil {
				r.text += l
				break
			}
			n, _ := strconv.Atoi(m[1])
			lit := make([]byte, n)
			if _, err := io.ReadFull(ic.r, lit); err != nil {
				ic.t.Fatal(err)
			}
			r.literals = append(r.literals, lit)
			r.text += l[:len(l)-2]
			l = ic.line()
		}
		out = append(out, r)
	}
}

// imapMsg is what UID FETCH (UID FLAGS RFC822.SIZE BODY.PEEK[]) returned
// for one message.
type imapMsg struct {
	uid   uint32
	flags []string
	size  int64
	body  string
}

var (
	uidRe   = regexp.MustCompile(`UID (\d+)`)
	sizeRe  = regexp.MustCompile(`RFC822\.SIZE (\d+)`)
	flagsRe = regexp.MustCompile(`FLAGS \(([^)]*)\)`)
)

func (ic *imapConn) fetchAll(mailbox string) (uidValidity uint32, msgs []imapMsg) {
	ic.t.Helper()
	for _, r := range ic.cmd("SELECT " + strconv.Quote(mailbox)) {
		if m := regexp.MustCompile(`UIDVALIDITY (\d+)`).FindStringSubmatch(r.text); m != nil {
			v, _ := strconv.ParseUint(m[1], 10, 32)
			uidValidity = uint32(v)
		}
	}
	for _, r := range ic.cmd("UID FETCH 1:* (UID FLAGS RFC822.SIZE BODY.PEEK[])") {
		if !strings.Contains(r.text, "FETCH") {
			continue
		}
		var m imapMsg
		if s := uidRe.FindStringSubmatch(r.text); s != nil {
			u, _ := strconv.ParseUint(s[1], 10, 32)
			m.uid = uint32(u)
		}
		if s := sizeRe.FindStringSubmatch(r.text); s != nil {
			m.size, _ = strconv.ParseInt(s[1], 10, 64)
		}
		if s := flagsRe.FindStringSubmatch(r.text); s != nil {
			for _, f := range strings.Fields(s[1]) {
				if f != `\Recent` {
					m.flags = append(m.flags, f)
				}
			}
		}
		if len(r.literals) > 0 {
			m.body = string(r.literals[0])
		}
		msgs = append(msgs, m)
	}
	return uidValidity, msgs
}

// lmtpDeliver delivers one message to rcpt over LMTP (RFC 2033).
func lmtpDeliver(t *testing.T, addr, rcpt, msg string) {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(30 * time.Second))
	r := bufio.NewReader(c)
	expect := func(code string) {
		for {
			l, err := r.ReadString('\n')
			if err != nil || !strings.HasPrefix(l, code) {
				t.Fatalf("lmtp: want %s, got %q %v", code, l, err)
			}
			if len(l) > 3 && l[3] == ' ' {
				return
			}
		}
	}
	expect("220")
	fmt.Fprintf(c, "LHLO test\r\n")
	expect("250")
	fmt.Fprintf(c, "MAIL FROM:<sender@example.org>\r\n")
	expect("250")
	fmt.Fprintf(c, "RCPT TO:<%s>\r\n", rcpt)
	expect("250")
	fmt.Fprintf(c, "DATA\r\n")
	expect("354")
	body := strings.ReplaceAll(msg, "\r\n.", "\r\n..")
	fmt.Fprintf(c, "%s.\r\n", body)
	expect("250")
	fmt.Fprintf(c, "QUIT\r\n")
}
