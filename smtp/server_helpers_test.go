package smtp

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mailstack/mailstack/envelope"
	"github.com/mailstack/mailstack/internal/testpeer"
)

// srvMsg is a message a srvBackend received.
type srvMsg struct {
	From   envelope.Path
	Params envelope.MailParams
	Rcpts  []Rcpt
	Data   string
	Conn   ConnInfo
}

// srvBackend records what it receives. Its knobs are read-only once the
// server runs.
type srvBackend struct {
	// features selects the session type: "" core only, "auth" with
	// AuthSession, "all" with every optional interface.
	features string
	users    map[string]string // for Auth
	// refuse maps a recipient local part to the reply Rcpt returns.
	refuse map[string]error
	// dataErr is returned by Data after reading the message.
	dataErr error
	// reject is returned by NewSession.
	reject error
	// readLimit makes Data stop reading after that many octets (0: all).
	readLimit int

	mu     sync.Mutex
	msgs   []srvMsg
	resets int
	logout int
}

func (b *srvBackend) NewSession(ctx context.Context, c *ConnInfo) (Session, error) {
	if b.reject != nil {
		return nil, b.reject
	}
	s := &srvSession{b: b, conn: c}
	switch b.features {
	case "auth":
		return &srvAuthSession{s}, nil
	case "all":
		return &srvFullSession{srvAuthSession{s}}, nil
	}
	return s, nil
}

func (b *srvBackend) messages() []srvMsg {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]srvMsg(nil), b.msgs...)
}

type srvSession struct {
	b    *srvBackend
	conn *ConnInfo
	msg  srvMsg
}

func (s *srvSession) Mail(ctx context.Context, from envelope.Path, p *envelope.MailParams) error {
	s.msg = srvMsg{From: from, Params: *p}
	return nil
}

func (s *srvSession) Rcpt(ctx context.Context, to envelope.Path, p *envelope.RcptParams) error {
	if err := s.b.refuse[to.Mailbox.Local]; err != nil {
		return err
	}
	s.msg.Rcpts = append(s.msg.Rcpts, Rcpt{Path: to, Params: *p})
	return nil
}

func (s *srvSession) Data(ctx context.Context, r io.Reader) error {
	if s.b.readLimit > 0 {
		r = io.LimitReader(r, int64(s.b.readLimit))
	}
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	if s.b.dataErr != nil {
		return s.b.dataErr
	}
	s.msg.Data = string(data)
	s.msg.Conn = *s.conn
	s.b.mu.Lock()
	s.b.msgs = append(s.b.msgs, s.msg)
	s.b.mu.Unlock()
	return nil
}

func (s *srvSession) Reset(ctx context.Context) {
	s.msg = srvMsg{}
	s.b.mu.Lock()
	s.b.resets++
	s.b.mu.Unlock()
}

func (s *srvSession) Logout(ctx context.Context) error {
	s.b.mu.Lock()
	s.b.logout++
	s.b.mu.Unlock()
	return nil
}

type srvAuthSession struct{ *srvSession }

func (s *srvAuthSession) Auth(ctx context.Context, identity, user, pass string) error {
	if p, ok := s.b.users[user]; ok && p == pass && (identity == "" || identity == user) {
		return nil
	}
	if user == "tempfail" {
		return errors.New("directory unavailable")
	}
	return envelope.ReplyAuthFailed
}

type srvFullSession struct{ srvAuthSession }

func (*srvFullSession) SupportsDSN()        {}
func (*srvFullSession) SupportsBinaryMIME() {}
func (*srvFullSession) SupportsRequireTLS() {}

// srvStart runs srv on a loopback port and returns its address. The
// server is closed when the test ends.
func srvStart(t testing.TB, srv *Server) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if srv.Hostname == "" {
		srv.Hostname = "mx.test"
	}
	if srv.AuthFailureDelay == 0 {
		srv.AuthFailureDelay = -1
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(l) }()
	t.Cleanup(func() {
		srv.Close()
		if err := <-done; !errors.Is(err, ErrServerClosed) {
			t.Errorf("Serve returned %v", err)
		}
	})
	return l.Addr().String()
}

// srvTLSConfig returns a server TLS configuration with a fresh
// self-signed certificate for "mx.test" and 127.0.0.1.
func srvTLSConfig(t testing.TB) *tls.Config {
	t.Helper()
	cert, _ := testpeer.TLSCert(t, "mx.test", "127.0.0.1")
	return &tls.Config{Certificates: []tls.Certificate{cert}}
}

// srvClient speaks raw SMTP to a server.
type srvClient struct {
	t    testing.TB
	conn net.Conn
	br   *bufio.Reader
}

// srvDial connects to addr and reads the greeting.
func srvDial(t testing.TB, addr string) (*srvClient, *envelope.Reply) {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	c := &srvClient{t: t, conn: conn, br: bufio.NewReader(conn)}
	return c, c.read()
}

// send writes s as it is.
func (c *srvClient) send(s string) {
	c.t.Helper()
	c.conn.SetWriteDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.WriteString(c.conn, s); err != nil {
		c.t.Fatalf("write: %v", err)
	}
}

// read reads one reply.
func (c *srvClient) read() *envelope.Reply {
	c.t.Helper()
	c.conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	r, err := envelope.ReadReply(c.br, nil)
	if err != nil {
		c.t.Fatalf("read reply: %v", err)
	}
	return r
}

// cmd sends a command line and reads its reply.
func (c *srvClient) cmd(line string) *envelope.Reply {
	c.t.Helper()
	c.send(line + "\r\n")
	return c.read()
}

// expect sends a command and checks the reply's code.
func (c *srvClient) expect(line string, code int) *envelope.Reply {
	c.t.Helper()
	r := c.cmd(line)
	if r.Code != code {
		c.t.Fatalf("%q: got %q, want code %d", line, r.Error(), code)
	}
	return r
}

// closed reports whether the server closed the connection: the next read
// gets EOF (or a reset) instead of data.
func (c *srvClient) closed() bool {
	c.t.Helper()
	c.conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	_, err := c.br.ReadByte()
	return err != nil && !isTimeout(err)
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// srvBody strips the Received field the server prepends.
func srvBody(t testing.TB, data string) string {
	t.Helper()
	if !strings.HasPrefix(data, "Received: ") {
		t.Fatalf("message does not start with Received: %q", data)
	}
	// The field ends at the first CRLF not followed by folding white space.
	for i := 0; i+2 < len(data); i++ {
		if data[i] == '\r' && data[i+1] == '\n' && data[i+2] != ' ' && data[i+2] != '\t' {
			return data[i+2:]
		}
	}
	t.Fatalf("unterminated Received field: %q", data)
	return ""
}
