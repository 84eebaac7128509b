package main

import (
	"bytes"
	"crypto/tls"
	"encoding/pem"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/emersion/go-sasl"
	gosmtp "github.com/emersion/go-smtp"
	"github.com/mailstack/mailstack/internal/testpeer"
	"github.com/mailstack/mailstack/mx/mxtest"
)

// server is a go-smtp server (test-only) recording what it receives.
type server struct {
	addr     string
	mu       sync.Mutex
	got      []got
	password string
}

type got struct {
	from  string
	rcpts []string
	data  string
}

func (s *server) NewSession(*gosmtp.Conn) (gosmtp.Session, error) { return &session{s: s}, nil }

type session struct {
	s      *server
	authed bool
	cur    got
}

func (ss *session) AuthMechanisms() []string { return []string{sasl.Plain} }
func (ss *session) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, u, p string) error {
		if u != "alice" || p != ss.s.password {
			return &gosmtp.SMTPError{Code: 535, EnhancedCode: gosmtp.EnhancedCode{5, 7, 8}, Message: "bad credentials"}
		}
		ss.authed = true
		return nil
	}), nil
}
func (ss *session) Mail(from string, _ *gosmtp.MailOptions) error {
	if ss.s.password != "" && !ss.authed {
		return gosmtp.ErrAuthRequired
	}
	ss.cur = got{from: from}
	return nil
}
func (ss *session) Rcpt(to string, _ *gosmtp.RcptOptions) error {
	switch {
	case strings.HasPrefix(to, "nobody@"):
		return &gosmtp.SMTPError{Code: 550, EnhancedCode: gosmtp.EnhancedCode{5, 1, 1}, Message: "no such user"}
	case strings.HasPrefix(to, "later@"):
		return &gosmtp.SMTPError{Code: 451, EnhancedCode: gosmtp.EnhancedCode{4, 3, 0}, Message: "try later"}
	}
	ss.cur.rcpts = append(ss.cur.rcpts, to)
	return nil
}
func (ss *session) Data(r io.Reader) error {
	b, _ := io.ReadAll(r)
	ss.cur.data = string(b)
	ss.s.mu.Lock()
	ss.s.got = append(ss.s.got, ss.cur)
	ss.s.mu.Unlock()
	return nil
}
func (ss *session) Reset()        {}
func (ss *session) Logout() error { return nil }

func startServer(t *testing.T, setup func(*gosmtp.Server, *server)) *server {
	t.Helper()
	s := &server{}
	srv := gosmtp.NewServer(s)
	srv.Domain = "mx.test"
	srv.EnableSMTPUTF8 = true
	if setup != nil {
		setup(srv, s)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s.addr = ln.Addr().String()
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return s
}

func runCmd(t *testing.T, stdin string, env map[string]string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(args, strings.NewReader(stdin), &out, &errb, func(k string) string { return env[k] })
	return code, out.String(), errb.String()
}

func TestDirectMX(t *testing.T) {
	s := startServer(t, nil)
	_, port, _ := net.SplitHostPort(s.addr)
	dns, err := mxtest.NewServer("dst.test. 60 IN MX 10 mx.dst.test.", "mx.dst.test. 60 IN A 127.0.0.1", "null.test. 60 IN MX 0 .")
	if err != nil {
		t.Fatal(err)
	}
	defer dns.Close()
	msg := "From: a@src.test\nTo: b@dst.test\nSubject: hello\n\n.line with dot\nbody\n"
	tests := []struct {
		name  string
		rcpts []string
		code  int
		lines []string
	}{
		{"all accepted", []string{"b@dst.test", "c@dst.test"}, 0, []string{"<b@dst.test>: accepted 250", "<c@dst.test>: accepted 250"}},
		{"RFC 5321 §4.2.2 550 refused", []string{"b@dst.test", "nobody@dst.test"}, 69, []string{"<b@dst.test>: accepted", "<nobody@dst.test>: failed 550 5.1.1 no such user"}},
		{"RFC 5321 §4.2.1 451 deferred", []string{"later@dst.test"}, 75, []string{"<later@dst.test>: deferred 451 4.3.0"}},
		{"RFC 7505 null MX", []string{"x@null.test"}, 69, []string{"<x@null.test>: failed 556 5.1.10"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			args := append([]string{"-f", "a@src.test", "-dns", dns.Addr, "-mx-port", port}, tc.rcpts...)
			code, out, errs := runCmd(t, msg, nil, args...)
			if code != tc.code {
				t.Fatalf("exit %d, want %d\n%s%s", code, tc.code, out, errs)
			}
			for _, l := range tc.lines {
				if !strings.Contains(out, l) {
					t.Errorf("output lacks %q:\n%s", l, out)
				}
			}
		})
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.got) < 1 || !strings.Contains(s.got[0].data, "\r\n.line with dot\r\nbody\r\n") || !strings.Contains(s.got[0].data, "Message-ID: <") {
		t.Fatalf("got %+v", s.got)
	}
}

func TestHeadersRecipients(t *testing.T) {
	// -t: To, Cc and Bcc name the recipients; Bcc is removed (RFC 5322
	// §3.6.3).
	s := startServer(t, nil)
	_, port, _ := net.SplitHostPort(s.addr)
	dns, _ := mxtest.NewServer("dst.test. 60 IN MX 10 mx.dst.test.", "mx.dst.test. 60 IN A 127.0.0.1")
	defer dns.Close()
	msg := "From: a@src.test\nTo: B <b@dst.test>\nCc: c@dst.test\nBcc: hidden@dst.test,\n  also@dst.test\nSubject: t\n\nhi\n"
	code, out, errs := runCmd(t, msg, nil, "-t", "-i", "-f", "<a@src.test>", "-dns", dns.Addr, "-mx-port", port)
	if code != 0 {
		t.Fatalf("exit %d\n%s%s", code, out, errs)
	}
	if len(s.got) != 1 || strings.Join(s.got[0].rcpts, ",") != "b@dst.test,c@dst.test,hidden@dst.test,also@dst.test" {
		t.Fatalf("%+v", s.got)
	}
	if strings.Contains(s.got[0].data, "Bcc") || strings.Contains(s.got[0].data, "also@") {
		t.Fatalf("Bcc leaked:\n%s", s.got[0].data)
	}
}

func TestSmarthostAuthTLS(t *testing.T) {
	certPEM, cert := testCert(t)
	s := startServer(t, func(srv *gosmtp.Server, s *server) {
		srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}}
		s.password = "sekret"
	})
	ca := filepath.Join(t.TempDir(), "ca.pem")
	os.WriteFile(ca, certPEM, 0o600)
	_, port, _ := net.SplitHostPort(s.addr)
	host := "localhost:" + port
	msg := "Subject: via relay\n\nhi\n"
	code, out, errs := runCmd(t, msg, map[string]string{PasswordEnv: "sekret"},
		"-f", "a@src.test", "-smarthost", host, "-user", "alice", "-cafile", ca, "x@anywhere.test", "y@elsewhere.test")
	if code != 0 {
		t.Fatalf("exit %d\n%s%s", code, out, errs)
	}
	if len(s.got) != 1 || len(s.got[0].rcpts) != 2 {
		t.Fatalf("%+v", s.got)
	}
	// Wrong password: permanent AUTH failure for everyone.
	code, out, _ = runCmd(t, msg, map[string]string{PasswordEnv: "wrong"},
		"-f", "a@src.test", "-smarthost", host, "-user", "alice", "-cafile", ca, "x@anywhere.test")
	if code != exUnavailable || !strings.Contains(out, "failed 535") {
		t.Fatalf("exit %d\n%s", code, out)
	}
	// Without the CA, the certificate is not trusted and nothing is sent.
	code, out, _ = runCmd(t, msg, map[string]string{PasswordEnv: "sekret"},
		"-f", "a@src.test", "-smarthost", host, "-user", "alice", "x@anywhere.test")
	if code != exTempFail || !strings.Contains(out, "deferred") {
		t.Fatalf("exit %d\n%s", code, out)
	}
}

func TestUsage(t *testing.T) {
	for _, args := range [][]string{
		{"-f", "a@src.test"},                       // no recipient
		{"-mx-port", "0", "b@x.test"},              // bad port
		{"-user", "u", "b@x.test"},                 // -user without -smarthost
		{"-f", "not an address", "b@x.test"},       // bad sender
		{"-f", "a@src.test", "bad address@x.test"}, // bad recipient
		{"-nosuchflag"},
	} {
		if code, _, _ := runCmd(t, "Subject: x\n\nx\n", nil, args...); code != exUsage {
			t.Errorf("%q: exit %d", args, code)
		}
	}
}

// testCert returns a self-signed certificate for localhost, as PEM and
// as a tls.Certificate.
func testCert(t *testing.T) ([]byte, tls.Certificate) {
	cert, _ := testpeer.TLSCert(t, "localhost")
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Certificate[0]}), cert
}
