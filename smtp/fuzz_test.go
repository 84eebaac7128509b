package smtp

import (
	"bufio"
	"bytes"
	"crypto/tls"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/mailstack/mailstack/envelope"
)

// fuzzServerConn is an in-memory connection: the server reads the fuzz
// input, then EOF, and its replies are collected. Deadlines are accepted
// and ignored, since reads never block.
type fuzzServerConn struct {
	in  *bytes.Reader
	out bytes.Buffer
}

func (c *fuzzServerConn) Read(p []byte) (int, error)  { return c.in.Read(p) }
func (c *fuzzServerConn) Write(p []byte) (int, error) { return c.out.Write(p) }
func (c *fuzzServerConn) Close() error                { return nil }
func (c *fuzzServerConn) LocalAddr() net.Addr {
	return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 25}
}
func (c *fuzzServerConn) RemoteAddr() net.Addr {
	return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 40000}
}
func (c *fuzzServerConn) SetDeadline(time.Time) error      { return nil }
func (c *fuzzServerConn) SetReadDeadline(time.Time) error  { return nil }
func (c *fuzzServerConn) SetWriteDeadline(time.Time) error { return nil }

// FuzzServerSession drives whole client byte streams through a server with
// every extension on. It checks that the session ends, that everything
// the server writes is a well-formed reply, that nothing follows a 221 or
// 421, that every stored message matches one "queued" reply, and that no
// stored text message holds a NUL or a bare CR or LF.
func FuzzServerSession(f *testing.F) {
	for _, seed := range []string{
		"EHLO c\r\nMAIL FROM:<a@b.example>\r\nRCPT TO:<c@d.example>\r\nDATA\r\nSubject: x\r\n\r\n..body\r\n.\r\nQUIT\r\n",
		"HELO c\r\nMAIL FROM:<>\r\nRCPT TO:<Postmaster>\r\nDATA\r\nx\r\n.\r\n",
		"EHLO c\r\nMAIL FROM:<a@b.example>\r\nRCPT TO:<c@d.example>\r\nDATA\r\nbody\n.\nMAIL FROM:<evil@x.example>\r\nRCPT TO:<c@d.example>\r\nDATA\r\nevil\r\n.\r\n",
		"EHLO c\r\nMAIL FROM:<a@b.example>\r\nRCPT TO:<c@d.example>\r\nDATA\r\nbody\r.\rQUIT\r\n.\r\n",
		"EHLO c\r\nMAIL FROM:<a@b.example>\r\nRCPT TO:<c@d.example>\r\nBDAT 5\r\nhelloBDAT 2 LAST\r\n\r\nQUIT\r\n",
		"EHLO c\r\nMAIL FROM:<a@b.example> BODY=BINARYMIME\r\nRCPT TO:<c@d.example>\r\nBDAT 3 LAST\r\n\x00\n\rRSET\r\n",
		"EHLO c\r\nBDAT 4\r\nabcdNOOP\r\nBDAT x\r\n",
		"EHLO c\r\nAUTH PLAIN AGFsaWNlAHNlY3JldA==\r\nMAIL FROM:<alice@b.example> AUTH=<>\r\n",
		"EHLO c\r\nAUTH LOGIN\r\nYWxpY2U=\r\nc2VjcmV0\r\n",
		"EHLO c\r\nAUTH PLAIN\r\n*\r\nAUTH LOGIN =\r\n!!\r\n",
		"EHLO c\r\nSTARTTLS\r\nRSET\r\n",
		"EHLO c\r\nSTARTTLS\r\n\x16\x03\x01\x00\x05hello",
		"GET / HTTP/1.1\r\nHost: x\r\n\r\n",
		"EHLO c\r\nMAIL FROM:<j\xc3\xb6@b.example> SMTPUTF8 SIZE=10 RET=FULL ENVID=x+2B\r\nRCPT TO:<\xe7\x94\xa8@d.example> NOTIFY=SUCCESS ORCPT=utf-8;x\r\n",
		"EHLO c\r\nMAIL FROM:<a@b.example> SIZE=99999999999\r\nMAIL FROM:<a@b.example> REQUIRETLS\r\n",
		"LHLO c\r\nEHLO \x00\r\nEHLO c\nNOOP\rx\r\n" + strings.Repeat("X", 3000) + "\r\nVRFY a\r\nEXPN a\r\nHELP\r\n",
		"EHLO c\r\nMAIL FROM:<a@b.example>\r\nRCPT TO:<c@d.example>\r\nDATA\r\n" + strings.Repeat("y", 200) + "\r\n.\r\n",
	} {
		f.Add([]byte(seed))
	}
	tlsConfig := srvTLSConfig(f)
	f.Fuzz(func(t *testing.T, input []byte) {
		checkFuzzSession(t, input, tlsConfig)
	})
}

func checkFuzzSession(t *testing.T, input []byte, tlsConfig *tls.Config) {
	be := &srvBackend{features: "all", users: map[string]string{"alice": "secret"}}
	srv := &Server{
		Hostname:          "mx.test",
		Backend:           be,
		TLSConfig:         tlsConfig,
		AllowInsecureAuth: true,
		AuthFailureDelay:  -1,
		Limits:            Limits{MaxMessageBytes: 100, MaxRecipients: 3, MaxErrors: 5},
	}
	defer srv.Close()
	conn := &fuzzServerConn{in: bytes.NewReader(input)}
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
	queued := checkFuzzReplies(t, conn.out.Bytes())
	msgs := be.messages()
	if len(msgs) != queued {
		t.Fatalf("%d messages stored, %d acknowledged", len(msgs), queued)
	}
	for _, m := range msgs {
		if m.Params.Body == envelope.BodyBinaryMIME {
			continue
		}
		if strings.Contains(m.Data, "\x00") || strings.Count(m.Data, "\n") != strings.Count(m.Data, "\r\n") ||
			strings.Count(m.Data, "\r") != strings.Count(m.Data, "\r\n") {
			t.Fatalf("stored text with NUL or bare line ending: %q", m.Data)
		}
	}
}

// checkFuzzReplies parses the server's output and returns how many
// messages it acknowledged.
func checkFuzzReplies(t *testing.T, out []byte) int {
	br := bufio.NewReader(bytes.NewReader(out))
	queued := 0
	closed := false
	for {
		r, err := envelope.ReadReply(br, nil)
		if err == io.EOF {
			return queued
		}
		if err != nil {
			t.Fatalf("malformed output: %v\n%q", err, out)
		}
		if closed {
			t.Fatalf("reply after the session closed: %q\n%q", r.Error(), out)
		}
		switch {
		case r.Code == 221 || r.Code == 421:
			closed = true
		case r.Code == 250 && strings.Contains(r.Text(), "queued as"):
			queued++
		}
	}
}
