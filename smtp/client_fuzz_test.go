package smtp

import (
	"bytes"
	"context"
	"net"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/mailstack/mailstack/envelope"
)

func FuzzParseCapabilities(f *testing.F) {
	// Seeds: RFC 5321 §4.1.1.1's example, real servers (Postfix, Exim,
	// Gmail, Exchange) and oddities (old AUTH= form, lower case, junk).
	for _, s := range []string{
		"250-foo.com greets bar.com\n250-8BITMIME\n250-SIZE\n250-DSN\n250 HELP",
		"250-mx.example.org\n250-PIPELINING\n250-SIZE 10240000\n250-VRFY\n250-ETRN\n250-STARTTLS\n250-ENHANCEDSTATUSCODES\n250-8BITMIME\n250-DSN\n250-SMTPUTF8\n250 CHUNKING",
		"250-mx.google.com at your service\n250-SIZE 157286400\n250-8BITMIME\n250-STARTTLS\n250-ENHANCEDSTATUSCODES\n250-PIPELINING\n250-CHUNKING\n250 SMTPUTF8",
		"250-exim.example Hello\n250-SIZE 52428800\n250-AUTH PLAIN LOGIN\n250-AUTH=PLAIN LOGIN\n250 HELP",
		"250-x\n250-auth cram-md5 plain\n250-size abc\n250-REQUIRETLS\n250 BINARYMIME",
		"250-x\n250-SIZE 99999999999999999999999\n250--bad\n250-a=b\n250 X-FOO bar  baz",
		"250 only.name",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := envelope.ParseReply(s)
		if err != nil {
			return
		}
		c := ParseCapabilities(r)
		if len(c.Keywords) > MaxCapabilities+1 || len(c.Auth) > MaxCapabilities {
			t.Fatalf("limits broken: %d keywords, %d mechanisms", len(c.Keywords), len(c.Auth))
		}
		if c.Size > 0 && !c.HasSize {
			t.Fatal("Size without HasSize")
		}
		for _, m := range c.Auth {
			if !clientIsMechanism(m) {
				t.Fatalf("bad mechanism %q", m)
			}
		}
		// Lines → ParseCapabilities gives the same value back.
		c2 := ParseCapabilities(&envelope.Reply{Code: 250, Lines: c.Lines()})
		if !reflect.DeepEqual(c, c2) {
			t.Fatalf("round trip:\n%+v\n%+v", c, c2)
		}
	})
}

// fuzzConn is a connection whose peer's octets are fixed in advance and
// whose writes go nowhere.
type fuzzConn struct {
	r *bytes.Reader
}

func (c *fuzzConn) Read(p []byte) (int, error)       { return c.r.Read(p) }
func (c *fuzzConn) Write(p []byte) (int, error)      { return len(p), nil }
func (c *fuzzConn) Close() error                     { return nil }
func (c *fuzzConn) LocalAddr() net.Addr              { return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 1025} }
func (c *fuzzConn) RemoteAddr() net.Addr             { return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 25} }
func (c *fuzzConn) SetDeadline(time.Time) error      { return nil }
func (c *fuzzConn) SetReadDeadline(time.Time) error  { return nil }
func (c *fuzzConn) SetWriteDeadline(time.Time) error { return nil }

// FuzzClientSession feeds a whole server side of a session to the client:
// whatever the server says, Send returns one result per recipient, an
// accepted recipient has a positive reply, and the error is nil exactly
// when some recipient was accepted.
func FuzzClientSession(f *testing.F) {
	for _, s := range []string{
		"220 x\r\n250-x\r\n250 PIPELINING\r\n250 ok\r\n250 ok\r\n550 no\r\n354 go\r\n250 queued\r\n221 bye\r\n",
		"220 x\r\n250 x\r\n250 ok\r\n250 ok\r\n250 ok\r\n354 go\r\n250 queued\r\n",
		"220 x\r\n502 no\r\n250 x\r\n250 ok\r\n250 ok\r\n250 ok\r\n354 go\r\n451 later\r\n",
		"220 x\r\n250-x\r\n250-CHUNKING\r\n250 SIZE 10\r\n250 ok\r\n250 ok\r\n250 ok\r\n250 done\r\n",
		"220 x\r\n250-x\r\n250 STARTTLS\r\n220 go\r\nJUNK",
		"220 x\r\n250 x\r\n421 bye\r\n",
		"554 no\r\n",
		"220-x\r\n220 y\r\n250-x\r\n250-AUTH PLAIN\r\n250 PIPELINING\r\n250 ok\r\n452 4.5.3 too many\r\n250 ok\r\n354 x\r\n250 ok\r\n",
	} {
		f.Add(s, false)
	}
	f.Add("220 x\r\n250-x\r\n250 PIPELINING\r\n250 ok\r\n250 ok\r\n250 ok\r\n354 go\r\n250 a\r\n452 b\r\n", true)
	f.Fuzz(func(t *testing.T, server string, lmtp bool) {
		conn := &fuzzConn{r: bytes.NewReader([]byte(server))}
		c := NewClient(conn, &ClientConfig{LMTP: lmtp, ChunkSize: 16})
		rcpts := []envelope.Path{
			{Mailbox: envelope.Address{Local: "a", Domain: "x.test"}},
			{Mailbox: envelope.Address{Local: "b", Domain: "x.test"}},
			{Mailbox: envelope.Address{Local: "a", Domain: "x.test"}},
		}
		res, err := c.Send(context.Background(), envelope.Path{}, rcpts,
			strings.NewReader("Subject: x\r\n\r\n.body\r\n"), &SendOptions{Mail: envelope.MailParams{Size: 20, HasSize: true}})
		if len(res) != len(rcpts) {
			t.Fatalf("%d results", len(res))
		}
		anyOK := false
		for i, r := range res {
			if r.Accepted() {
				anyOK = true
				if r.Reply == nil || !r.Reply.Positive() {
					t.Fatalf("rcpt %d accepted with reply %v", i, r.Reply)
				}
			}
		}
		if anyOK != (err == nil) {
			t.Fatalf("err %v but accepted=%v", err, anyOK)
		}
		c.Close()
	})
}
