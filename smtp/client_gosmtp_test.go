package smtp

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"strings"
	"sync"
	"testing"

	"github.com/emersion/go-sasl"
	gosmtp "github.com/emersion/go-smtp"
	"github.com/mailstack/mailstack/envelope"
	"github.com/mailstack/mailstack/internal/testpeer"
)

// testCert returns a self-signed certificate for "mx.test" and 127.0.0.1,
// and a pool trusting it.
func testCert(t testing.TB) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	return testpeer.TLSCert(t, "mx.test", "127.0.0.1")
}

// goBackend is a go-smtp backend that records what it receives.
type goBackend struct {
	mu       sync.Mutex
	msgs     []goMsg
	rejectTo string // RCPT of this address is refused with 550
	password string // when set, AUTH PLAIN with user "u" is required
	lmtpFail string // in LMTP, this recipient's delivery fails with 452
}

type goMsg struct {
	from  string
	mail  gosmtp.MailOptions
	rcpts []string
	ropts []gosmtp.RcptOptions
	data  string
}

func (b *goBackend) NewSession(c *gosmtp.Conn) (gosmtp.Session, error) {
	return &goSession{b: b}, nil
}

func (b *goBackend) Messages() []goMsg {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]goMsg(nil), b.msgs...)
}

type goSession struct {
	b      *goBackend
	authed bool
	cur    goMsg
}

func (s *goSession) AuthMechanisms() []string { return []string{sasl.Plain} }

func (s *goSession) Auth(mech string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(identity, user, pass string) error {
		if user != "u" || pass != s.b.password {
			return errors.New("bad credentials")
		}
		s.authed = true
		return nil
	}), nil
}

func (s *goSession) Mail(from string, opts *gosmtp.MailOptions) error {
	if s.b.password != "" && !s.authed {
		return gosmtp.ErrAuthRequired
	}
	s.cur = goMsg{from: from}
	if opts != nil {
		s.cur.mail = *opts
	}
	return nil
}

func (s *goSession) Rcpt(to string, opts *gosmtp.RcptOptions) error {
	if to == s.b.rejectTo {
		return &gosmtp.SMTPError{Code: 550, EnhancedCode: gosmtp.EnhancedCode{5, 1, 1}, Message: "no such user"}
	}
	s.cur.rcpts = append(s.cur.rcpts, to)
	if opts != nil {
		s.cur.ropts = append(s.cur.ropts, *opts)
	}
	return nil
}

func (s *goSession) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s.cur.data = string(b)
	s.b.mu.Lock()
	s.b.msgs = append(s.b.msgs, s.cur)
	s.b.mu.Unlock()
	return nil
}

func (s *goSession) LMTPData(r io.Reader, status gosmtp.StatusCollector) error {
	if err := s.Data(r); err != nil {
		return err
	}
	for _, rc := range s.cur.rcpts {
		if rc == s.b.lmtpFail {
			status.SetStatus(rc, &gosmtp.SMTPError{Code: 452, EnhancedCode: gosmtp.EnhancedCode{4, 2, 2}, Message: "mailbox full"})
		} else {
			status.SetStatus(rc, nil)
		}
	}
	return nil
}

func (s *goSession) Reset()        {}
func (s *goSession) Logout() error { return nil }

func startGoSMTP(t *testing.T, be *goBackend, setup func(*gosmtp.Server)) string {
	t.Helper()
	srv := gosmtp.NewServer(be)
	srv.Domain = "mx.test"
	srv.EnableSMTPUTF8 = true
	srv.EnableDSN = true
	srv.EnableBINARYMIME = true
	srv.MaxMessageBytes = 1 << 20
	if setup != nil {
		setup(srv)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return ln.Addr().String()
}

func TestClientGoSMTPBDAT(t *testing.T) {
	// RFC 3030: go-smtp offers CHUNKING; the client uses BDAT, with
	// DSN and SMTPUTF8 parameters (RFC 3461, RFC 6531).
	be := &goBackend{rejectTo: "nobody@x.test"}
	addr := startGoSMTP(t, be, nil)
	var trace strings.Builder
	c, err := Dial(context.Background(), addr, &ClientConfig{Trace: &trace, ChunkSize: 100})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	body := "Subject: grüße\r\n\r\n" + strings.Repeat("line of text\r\n", 50) + ".\r\n"
	opts := &SendOptions{
		Mail: envelope.MailParams{Size: uint64(len(body)), HasSize: true, Body: envelope.Body8BitMIME, Ret: envelope.ReturnHeaders, EnvID: "env1", SMTPUTF8: true},
		Rcpt: []envelope.RcptParams{{Notify: envelope.NotifyFailure, ORCPT: &envelope.OriginalRecipient{AddrType: "rfc822", Addr: "a@x.test"}}},
	}
	res, err := c.Send(context.Background(), mustPath(t, "<s@y.test>"), paths(t, "<a@x.test>", "<nobody@x.test>", "<jöe@x.test>", "<a@x.test>"), strings.NewReader(body), opts)
	if err != nil {
		t.Fatal(err)
	}
	wantOK := []bool{true, false, true, true}
	for i, r := range res {
		if r.Accepted() != wantOK[i] {
			t.Fatalf("rcpt %d: %+v", i, r)
		}
	}
	if !strings.Contains(trace.String(), "C: BDAT 100\n") || strings.Contains(trace.String(), "C: DATA") {
		t.Fatalf("BDAT not used:\n%s", trace.String())
	}
	msgs := be.Messages()
	if len(msgs) != 1 {
		t.Fatalf("%d messages", len(msgs))
	}
	m := msgs[0]
	if m.data != body || m.from != "s@y.test" || strings.Join(m.rcpts, ",") != "a@x.test,jöe@x.test,a@x.test" {
		t.Fatalf("got %+v", m)
	}
	if !m.mail.UTF8 || m.mail.Body != gosmtp.Body8BitMIME || m.mail.Return != gosmtp.DSNReturnHeaders || m.mail.EnvelopeID != "env1" || m.mail.Size != int64(len(body)) {
		t.Fatalf("mail options %+v", m.mail)
	}
	if len(m.ropts) == 0 || len(m.ropts[0].Notify) != 1 || m.ropts[0].Notify[0] != gosmtp.DSNNotifyFailure || m.ropts[0].OriginalRecipient != "a@x.test" {
		t.Fatalf("rcpt options %+v", m.ropts)
	}
	if err := c.Quit(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func TestClientGoSMTPDataAndSize(t *testing.T) {
	be := &goBackend{}
	addr := startGoSMTP(t, be, func(s *gosmtp.Server) { s.MaxMessageBytes = 1000 })
	c, err := Dial(context.Background(), addr, &ClientConfig{DisableChunking: true})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if c.Handshake(context.Background()); c.Capabilities().Size != 1000 || !c.Capabilities().Chunking {
		t.Fatalf("caps %+v", c.Capabilities())
	}
	big := strings.Repeat(strings.Repeat("x", 98)+"\r\n", 20)
	_, err = c.Send(context.Background(), mustPath(t, "<s@y.test>"), paths(t, "<a@x.test>"), strings.NewReader(big), &SendOptions{Mail: envelope.MailParams{Size: 2000, HasSize: true}})
	var ce *CommandError
	if !errors.As(err, &ce) || !ce.Local || ce.Reply.Code != 552 {
		t.Fatalf("oversize: %v", err)
	}
	// Without a declared size the server refuses it after the data.
	_, err = c.Send(context.Background(), mustPath(t, "<s@y.test>"), paths(t, "<a@x.test>"), strings.NewReader(big), nil)
	if !errors.As(err, &ce) || ce.Local || ce.Command != "DATA" || ce.Reply.Code != 552 {
		t.Fatalf("oversize data: %v", err)
	}
	// The session goes on.
	if _, err := c.Send(context.Background(), mustPath(t, "<s@y.test>"), paths(t, "<a@x.test>"), strings.NewReader(testMsg), nil); err != nil {
		t.Fatal(err)
	}
	if msgs := be.Messages(); len(msgs) != 1 || msgs[0].data != testMsg {
		t.Fatalf("%+v", msgs)
	}
}

func TestClientGoSMTPStartTLSAuth(t *testing.T) {
	// RFC 3207 STARTTLS, then RFC 4954 AUTH PLAIN over TLS.
	cert, pool := testCert(t)
	be := &goBackend{password: "secret"}
	addr := startGoSMTP(t, be, func(s *gosmtp.Server) {
		s.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}}
	})
	for _, tc := range []struct {
		name string
		cfg  ClientConfig
		ok   bool
	}{
		{"required, verified", ClientConfig{TLSPolicy: TLSRequired, TLSConfig: &tls.Config{RootCAs: pool, ServerName: "mx.test"}, Auth: sasl.NewPlainClient("", "u", "secret")}, true},
		{"opportunistic, unverified", ClientConfig{Auth: sasl.NewPlainClient("", "u", "secret")}, true},
		{"required, unknown CA", ClientConfig{TLSPolicy: TLSRequired, Auth: sasl.NewPlainClient("", "u", "secret")}, false},
		{"bad password", ClientConfig{Auth: sasl.NewPlainClient("", "u", "wrong")}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var trace strings.Builder
			tc.cfg.Trace = &trace
			c, err := Dial(context.Background(), addr, &tc.cfg)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			_, err = c.Send(context.Background(), mustPath(t, "<s@y.test>"), paths(t, "<a@x.test>"), strings.NewReader(testMsg), nil)
			if (err == nil) != tc.ok {
				t.Fatalf("err %v\n%s", err, trace.String())
			}
			if strings.Contains(trace.String(), "secret") || strings.Contains(trace.String(), "AHUAc2VjcmV0") {
				t.Fatalf("trace leaks the password:\n%s", trace.String())
			}
			if !tc.ok {
				return
			}
			if _, ok := c.TLSConnectionState(); !ok || !c.Authenticated() {
				t.Fatal("no TLS or no AUTH")
			}
		})
	}
}

func TestClientImplicitTLS(t *testing.T) {
	// RFC 8314 §3.3: TLS from the first octet.
	cert, pool := testCert(t)
	be := &goBackend{}
	srv := gosmtp.NewServer(be)
	srv.Domain = "mx.test"
	ln, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{cert}})
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	defer srv.Close()
	c, err := Dial(context.Background(), ln.Addr().String(), &ClientConfig{ImplicitTLS: true, TLSConfig: &tls.Config{RootCAs: pool}})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Send(context.Background(), mustPath(t, "<s@y.test>"), paths(t, "<a@x.test>"), strings.NewReader(testMsg), nil); err != nil {
		t.Fatal(err)
	}
	if len(be.Messages()) != 1 {
		t.Fatal("not delivered")
	}
}

func TestClientGoLMTP(t *testing.T) {
	// RFC 2033 §4.2 against go-smtp's LMTP server.
	be := &goBackend{lmtpFail: "full@x.test"}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := gosmtp.NewServer(be)
	srv.LMTP = true
	srv.Domain = "mx.test"
	go srv.Serve(ln)
	defer srv.Close()
	c, err := Dial(context.Background(), ln.Addr().String(), &ClientConfig{LMTP: true})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	res, err := c.Send(context.Background(), mustPath(t, "<s@y.test>"), paths(t, "<a@x.test>", "<full@x.test>", "<b@x.test>"), strings.NewReader(testMsg), nil)
	if err != nil {
		t.Fatal(err)
	}
	if !res[0].Accepted() || res[1].Accepted() || !res[2].Accepted() || res[1].Reply.Code != 452 {
		t.Fatalf("%+v", res)
	}
}
