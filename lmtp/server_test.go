package lmtp

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	gosmtp "github.com/emersion/go-smtp"
	"github.com/mailstack/mailstack/envelope"
	"github.com/mailstack/mailstack/internal/testpeer"
	"github.com/mailstack/mailstack/smtp"
)

// srvDelivery is one recipient's copy of a message.
type srvDelivery struct {
	To   string
	Data string
}

// srvBackend delivers to every recipient but "full" (452 4.2.2, a
// *envelope.Reply) and "broken" (an internal error: 451 4.3.0); "nobody"
// is refused at RCPT.
type srvBackend struct {
	mu         sync.Mutex
	deliveries []srvDelivery
	logouts    int
}

var replyFull = envelope.NewReply(452, envelope.EnhancedCode{Class: 4, Subject: 2, Detail: 2}, "Mailbox full")

func (b *srvBackend) NewSession(ctx context.Context, c *smtp.ConnInfo) (Session, error) {
	return &srvSession{b: b}, nil
}

func (b *srvBackend) all() []srvDelivery {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]srvDelivery(nil), b.deliveries...)
}

type srvSession struct{ b *srvBackend }

func (s *srvSession) Mail(ctx context.Context, from envelope.Path, p *envelope.MailParams) error {
	return nil
}

func (s *srvSession) Rcpt(ctx context.Context, to envelope.Path, p *envelope.RcptParams) error {
	if to.Mailbox.Local == "nobody" {
		return envelope.ReplyMailboxNotFound
	}
	return nil
}

func (s *srvSession) Data(ctx context.Context, r io.Reader, st *Status) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	for i := 0; i < st.Len(); i++ {
		switch rc := st.Recipient(i); rc.Path.Mailbox.Local {
		case "full":
			st.Set(i, replyFull)
		case "broken":
			st.Set(i, errors.New("disk error on /var/mail"))
		default:
			s.b.mu.Lock()
			s.b.deliveries = append(s.b.deliveries, srvDelivery{To: rc.Path.String(), Data: string(data)})
			s.b.mu.Unlock()
			st.Set(i, nil)
		}
	}
	return nil
}

func (s *srvSession) Reset(ctx context.Context) {}

func (s *srvSession) Logout(ctx context.Context) error {
	s.b.mu.Lock()
	s.b.logouts++
	s.b.mu.Unlock()
	return nil
}

// srvStart serves srv on l until the test ends.
func srvStart(t *testing.T, srv *Server, l net.Listener) {
	t.Helper()
	if srv.Hostname == "" {
		srv.Hostname = "mda.test"
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(l) }()
	t.Cleanup(func() {
		srv.Close()
		if err := <-done; !errors.Is(err, smtp.ErrServerClosed) {
			t.Errorf("Serve: %v", err)
		}
	})
}

func srvListen(t *testing.T, srv *Server) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srvStart(t, srv, l)
	return l.Addr().String()
}

// srvConn is a raw LMTP client.
type srvConn struct {
	t  *testing.T
	c  net.Conn
	br *bufio.Reader
}

func srvDialRaw(t *testing.T, network, addr string) *srvConn {
	t.Helper()
	c, err := net.Dial(network, addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	sc := &srvConn{t: t, c: c, br: bufio.NewReader(c)}
	if r := sc.read(); r.Code != 220 || !strings.Contains(r.Text(), "LMTP") {
		t.Fatalf("greeting %q", r.Error())
	}
	return sc
}

func (c *srvConn) read() *envelope.Reply {
	c.t.Helper()
	c.c.SetReadDeadline(time.Now().Add(10 * time.Second))
	r, err := envelope.ReadReply(c.br, nil)
	if err != nil {
		c.t.Fatalf("read: %v", err)
	}
	return r
}

// send writes s and checks the codes of the replies that follow.
func (c *srvConn) send(s string, codes ...int) []*envelope.Reply {
	c.t.Helper()
	if _, err := io.WriteString(c.c, s); err != nil {
		c.t.Fatal(err)
	}
	var out []*envelope.Reply
	for _, want := range codes {
		r := c.read()
		if r.Code != want {
			c.t.Fatalf("after %q: got %q, want %d", s, r.Error(), want)
		}
		out = append(out, r)
	}
	return out
}

// RFC 2033 §4.2: one reply per accepted recipient, in RCPT order,
// duplicates included; a recipient refused at RCPT gets none.
func TestServerPerRecipientReplies(t *testing.T) {
	be := &srvBackend{}
	addr := srvListen(t, &Server{Backend: be})
	c := srvDialRaw(t, "tcp", addr)
	c.send("LHLO client.example\r\n", 250)
	c.send("MAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.org>\r\nRCPT TO:<full@example.org>\r\n"+
		"RCPT TO:<nobody@example.org>\r\nRCPT TO:<b@example.org>\r\nRCPT TO:<broken@example.org>\r\nDATA\r\n",
		250, 250, 250, 550, 250, 250, 354)
	replies := c.send("Subject: x\r\n\r\nbody\r\n.\r\n", 250, 452, 250, 451)
	if !strings.Contains(replies[1].Text(), "Mailbox full") || strings.Contains(replies[3].Error(), "disk") {
		t.Errorf("replies %v", replies)
	}
	got := be.all()
	if len(got) != 2 || got[0].To != "<b@example.org>" || got[1].To != "<b@example.org>" {
		t.Fatalf("deliveries %+v", got)
	}
	if !strings.Contains(got[0].Data, "with LMTP") || !strings.HasSuffix(got[0].Data, "\r\n\r\nbody\r\n") {
		t.Errorf("data %q", got[0].Data)
	}
	c.send("QUIT\r\n", 221)
}

func TestServerLMTPRules(t *testing.T) {
	be := &srvBackend{}
	addr := srvListen(t, &Server{Backend: be, Limits: smtp.Limits{MaxMessageBytes: 50}})
	c := srvDialRaw(t, "tcp", addr)
	// RFC 2033 §4.1: LHLO, never HELO or EHLO.
	c.send("EHLO client.example\r\n", 500)
	c.send("HELO client.example\r\n", 500)
	c.send("MAIL FROM:<a@example.org>\r\n", 503)
	c.send("LHLO client.example\r\n", 250)
	// RFC 2033 §4.2: DATA without a successful RCPT is 503.
	c.send("MAIL FROM:<a@example.org>\r\nRCPT TO:<nobody@example.org>\r\nDATA\r\n", 250, 550, 503)
	c.send("RSET\r\n", 250)
	// A message over the limit fails for every recipient.
	c.send("MAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.org>\r\nRCPT TO:<c@example.org>\r\nDATA\r\n", 250, 250, 250, 354)
	c.send(strings.Repeat("0123456789\r\n", 10)+".\r\n", 552, 552)
	// RFC 3030 with RFC 2033: the per-recipient replies follow BDAT LAST.
	c.send("MAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.org>\r\nRCPT TO:<full@example.org>\r\n", 250, 250, 250)
	// A chunk before LAST that fails gets one reply, not one per
	// recipient; the transaction is over.
	c.send("BDAT 6\r\nhello\nBDAT 2 LAST\r\n\r\n", 554, 503) // bare LF
	c.send("MAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.org>\r\nRCPT TO:<full@example.org>\r\n", 250, 250, 250)
	c.send("BDAT 7\r\nhello\r\nBDAT 2 LAST\r\n\r\n", 250, 250, 452)
	// Too large from the first chunk, and LAST: one reply per recipient.
	c.send("MAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.org>\r\nRCPT TO:<c@example.org>\r\n", 250, 250, 250)
	c.send("BDAT 60 LAST\r\n"+strings.Repeat("0123456789", 6), 552, 552)
	c.send("NOOP\r\n", 250)
	if got := be.all(); len(got) != 1 || !strings.HasSuffix(got[0].Data, "hello\r\n\r\n") {
		t.Fatalf("deliveries %+v", got)
	}
}

func TestServerUnixSocket(t *testing.T) {
	dir, err := os.MkdirTemp("", "lmtp")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	sock := filepath.Join(dir, "lmtp.sock")
	l, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	be := &srvBackend{}
	srvStart(t, &Server{Backend: be}, l)
	c := srvDialRaw(t, "unix", sock)
	c.send("LHLO client.example\r\nMAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.org>\r\nDATA\r\n", 250, 250, 250, 354)
	c.send("x\r\n.\r\n", 250)
	if got := be.all(); len(got) != 1 || !strings.Contains(got[0].Data, "from client.example") {
		t.Fatalf("deliveries %+v", got)
	}
}

// A Data that returns one error without setting any status fails every
// recipient with it.
func TestServerDataFuncAllOrNothing(t *testing.T) {
	fn := DataFunc(func(ctx context.Context, tx *smtp.Transaction, r io.Reader, st *Status) error {
		io.Copy(io.Discard, r)
		if len(tx.Rcpts) != st.Len() {
			t.Errorf("%d recipients, status of %d", len(tx.Rcpts), st.Len())
		}
		if tx.Rcpts[0].Path.Mailbox.Local == "full" {
			return replyFull
		}
		st.Set(1, replyFull)
		return nil
	})
	addr := srvListen(t, &Server{Backend: fn})
	c := srvDialRaw(t, "tcp", addr)
	c.send("LHLO client.example\r\nMAIL FROM:<a@example.org>\r\nRCPT TO:<full@example.org>\r\nRCPT TO:<b@example.org>\r\nDATA\r\n", 250, 250, 250, 250, 354)
	c.send("x\r\n.\r\n", 452, 452)
	c.send("MAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.org>\r\nRCPT TO:<c@example.org>\r\nDATA\r\n", 250, 250, 250, 354)
	c.send("x\r\n.\r\n", 250, 452)
}

// go-smtp's LMTP client reads the per-recipient replies.
func TestServerGoSMTPLMTPClient(t *testing.T) {
	be := &srvBackend{}
	addr := srvListen(t, &Server{Backend: be})
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	c := gosmtp.NewClientLMTP(conn)
	defer c.Close()
	if err := c.Hello("client.example"); err != nil {
		t.Fatal(err)
	}
	if err := c.Mail("a@example.org", nil); err != nil {
		t.Fatal(err)
	}
	for _, rc := range []string{"b@example.org", "full@example.org"} {
		if err := c.Rcpt(rc, nil); err != nil {
			t.Fatal(err)
		}
	}
	w, err := c.Data()
	if err != nil {
		t.Fatal(err)
	}
	io.WriteString(w, "Subject: x\r\n\r\nhi\r\n")
	resp, err := w.CloseWithLMTPResponse()
	var lerr gosmtp.LMTPDataError
	if !errors.As(err, &lerr) {
		t.Fatalf("Close: %v %v", resp, err)
	}
	if e := lerr["full@example.org"]; e == nil || e.Code != 452 {
		t.Errorf("full: %v", e)
	}
	if _, failed := lerr["b@example.org"]; failed {
		t.Errorf("b failed: %v", lerr)
	}
	if len(be.all()) != 1 {
		t.Errorf("deliveries %+v", be.all())
	}
}

func TestServerSwaksLMTP(t *testing.T) {
	swaks := testpeer.Need(t, "swaks")
	be := &srvBackend{}
	addr := srvListen(t, &Server{Backend: be})
	out, err := exec.Command(swaks, "--protocol", "LMTP", "--server", addr, "--helo", "swaks.example",
		"--from", "a@example.org", "--to", "b@example.org,full@example.org,c@example.org").CombinedOutput()
	if err != nil {
		t.Fatalf("swaks: %v\n%s", err, out)
	}
	for _, want := range []string{"<-  250 2.1.5 <b@example.org> OK", "<** 452 4.2.2 Mailbox full", "<-  250 2.1.5 <c@example.org> OK"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("swaks output lacks %q:\n%s", want, out)
		}
	}
	if got := be.all(); len(got) != 2 || got[1].To != "<c@example.org>" {
		t.Errorf("deliveries %+v", got)
	}
}

// srvPythonLMTP sends one message to three recipients with
// smtplib.LMTP, then reads the two replies smtplib leaves unread after
// data() (it reads one), printing the three codes.
const srvPythonLMTP = `
import smtplib, sys
s = smtplib.LMTP()
s.connect(sys.argv[1], int(sys.argv[2]))
s.ehlo_or_helo_if_needed()
assert s.has_extn("pipelining"), s.esmtp_features
s.mail("a@example.org")
for rcpt in ["b@example.org", "full@example.org", "c@example.org"]:
    code, _ = s.rcpt(rcpt)
    assert code == 250, code
codes = [s.data(b"Subject: py\r\n\r\nhello\r\n")[0]]
codes += [s.getreply()[0] for _ in range(2)]
print(" ".join(map(str, codes)))
s.quit()
`

func TestServerPythonLMTP(t *testing.T) {
	python := testpeer.Need(t, "python3")
	be := &srvBackend{}
	addr := srvListen(t, &Server{Backend: be})
	host, port, _ := net.SplitHostPort(addr)
	out, err := exec.Command(python, "-c", srvPythonLMTP, host, port).CombinedOutput()
	if err != nil {
		t.Fatalf("python3: %v\n%s", err, out)
	}
	if got := strings.TrimSpace(string(out)); got != "250 452 250" {
		t.Errorf("per-recipient codes %q", got)
	}
	if got := be.all(); len(got) != 2 {
		t.Errorf("deliveries %+v", got)
	}
}

// Postfix's smtp-source in LMTP mode (-L): many sessions and messages.
func TestServerSmtpSourceLMTP(t *testing.T) {
	bin := testpeer.Need(t, "smtp-source")
	be := &srvBackend{}
	addr := srvListen(t, &Server{Backend: be})
	out, err := exec.Command(bin, "-L", "-s", "5", "-m", "100", "-l", "2048", "-r", "2",
		"-f", "a@example.org", "-t", "b@example.org", "inet:"+addr).CombinedOutput()
	if err != nil {
		t.Fatalf("smtp-source: %v\n%s", err, out)
	}
	// -r 2 sends each message to two recipients: one delivery each.
	if got := len(be.all()); got != 200 {
		t.Fatalf("%d deliveries, want 200\n%s", got, out)
	}
}
