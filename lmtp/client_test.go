package lmtp

import (
	"context"
	"errors"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	gosmtp "github.com/emersion/go-smtp"
	"github.com/mailstack/mailstack/envelope"
	"github.com/mailstack/mailstack/internal/testpeer"
	"github.com/mailstack/mailstack/smtp"
)

func path(t *testing.T, s string) envelope.Path {
	t.Helper()
	p, err := envelope.ParseForwardPath(s, envelope.ParseOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestClientDovecot(t *testing.T) {
	// RFC 2033 against Dovecot's lmtpd: one reply per recipient, the
	// unknown user refused at RCPT, and the message lands in the Maildir.
	d := testpeer.StartDovecot(t, testpeer.DovecotConfig{Users: map[string]string{"other@example.test": "pw"}})
	c, err := Dial(context.Background(), "tcp", d.LMTPAddr, &smtp.ClientConfig{LocalName: "client.test"})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	msg := "From: a@src.test\r\nTo: " + d.User + "\r\nSubject: lmtp client test\r\nMessage-ID: <lmtp-1@src.test>\r\n\r\n.dotted line\r\nbody\r\n"
	rcpts := []envelope.Path{path(t, "<"+d.User+">"), path(t, "<nobody@example.test>"), path(t, "<other@example.test>")}
	res, err := c.Send(context.Background(), path(t, "<a@src.test>"), rcpts, strings.NewReader(msg), nil)
	if err != nil {
		t.Fatal(err)
	}
	if !res[0].Accepted() || res[1].Accepted() || !res[2].Accepted() {
		t.Fatalf("results %+v", res)
	}
	var ce *smtp.CommandError
	if !errors.As(res[1].Err, &ce) || ce.Command != "RCPT" || !ce.Permanent() {
		t.Fatalf("unknown user: %v", res[1].Err)
	}
	if !c.Capabilities().Pipelining {
		t.Error("Dovecot LMTP announces PIPELINING")
	}
	if err := c.Quit(context.Background()); err != nil {
		t.Fatal(err)
	}
	for _, dir := range []string{d.MailDir, d.UserMailDir("other@example.test")} {
		files, _ := filepath.Glob(filepath.Join(dir, "new", "*"))
		if len(files) != 1 {
			t.Fatalf("%s: %d messages in new/", dir, len(files))
		}
		b, err := os.ReadFile(files[0])
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(b), "Subject: lmtp client test") || !strings.Contains(string(b), "\n.dotted line\n") {
			t.Fatalf("delivered message:\n%s", b)
		}
	}
}

// lmtpBackend is a go-smtp LMTP backend failing one recipient at delivery.
type lmtpBackend struct {
	mu   sync.Mutex
	got  []string
	full string
}

func (b *lmtpBackend) NewSession(*gosmtp.Conn) (gosmtp.Session, error) {
	return &lmtpSession{b: b}, nil
}

type lmtpSession struct {
	b     *lmtpBackend
	rcpts []string
}

func (s *lmtpSession) Mail(string, *gosmtp.MailOptions) error { return nil }
func (s *lmtpSession) Rcpt(to string, _ *gosmtp.RcptOptions) error {
	s.rcpts = append(s.rcpts, to)
	return nil
}
func (s *lmtpSession) Data(r io.Reader) error { return errors.New("LMTPData expected") }
func (s *lmtpSession) LMTPData(r io.Reader, st gosmtp.StatusCollector) error {
	b, _ := io.ReadAll(r)
	for _, rc := range s.rcpts {
		if rc == s.b.full {
			st.SetStatus(rc, &gosmtp.SMTPError{Code: 452, EnhancedCode: gosmtp.EnhancedCode{4, 2, 2}, Message: "Mailbox full"})
			continue
		}
		s.b.mu.Lock()
		s.b.got = append(s.b.got, rc+":"+string(b))
		s.b.mu.Unlock()
		st.SetStatus(rc, nil)
	}
	return nil
}
func (s *lmtpSession) Reset()        { s.rcpts = nil }
func (s *lmtpSession) Logout() error { return nil }

func TestClientUnixSocketStepByStep(t *testing.T) {
	// LMTP over a UNIX socket, with the per-recipient replies read from
	// the MessageWriter after Data (RFC 2033 §4.2), BDAT included.
	for _, chunking := range []bool{false, true} {
		be := &lmtpBackend{full: "full@x.test"}
		sock := filepath.Join(t.TempDir(), "lmtp.sock")
		ln, err := net.Listen("unix", sock)
		if err != nil {
			t.Fatal(err)
		}
		srv := gosmtp.NewServer(be)
		srv.LMTP = true
		srv.Domain = "lmtp.test"
		go srv.Serve(ln)
		defer srv.Close()

		c, err := Dial(context.Background(), "unix", sock, &smtp.ClientConfig{DisableChunking: !chunking})
		if err != nil {
			t.Fatal(err)
		}
		ctx := context.Background()
		if err := c.Mail(ctx, path(t, "<a@src.test>"), nil); err != nil {
			t.Fatal(err)
		}
		for _, r := range []string{"<ok@x.test>", "<full@x.test>"} {
			if err := c.Rcpt(ctx, path(t, r), nil); err != nil {
				t.Fatal(err)
			}
		}
		w, err := c.Data(ctx)
		if err != nil {
			t.Fatal(err)
		}
		io.WriteString(w, "Subject: x\r\n\r\nhello\r\n")
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		reps := w.Replies()
		if len(reps) != 2 || reps[0].Code != 250 || reps[1].Code != 452 {
			t.Fatalf("chunking=%v replies %v", chunking, reps)
		}
		if len(be.got) != 1 || be.got[0] != "ok@x.test:Subject: x\r\n\r\nhello\r\n" {
			t.Fatalf("got %q", be.got)
		}
		if err := c.Quit(ctx); err != nil {
			t.Fatal(err)
		}
	}
}
