package smtp

import (
	"context"
	"net"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mailstack/mailstack/internal/testpeer"
)

// srvRun runs a peer program with a deadline and returns its combined
// output, failing the test if it exits non-zero.
func srvRun(t *testing.T, name string, args ...string) string {
	t.Helper()
	bin := testpeer.Need(t, name)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, bin, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return string(out)
}

func TestServerSwaks(t *testing.T) {
	testpeer.Need(t, "swaks")
	be := &srvBackend{features: "auth", users: map[string]string{"alice": "secret"}}
	addr := srvStart(t, &Server{Backend: be, TLSConfig: srvTLSConfig(t)})
	base := []string{"--server", addr, "--from", "a@example.org", "--to", "b@example.org", "--helo", "swaks.example"}
	tests := []struct {
		name  string
		args  []string
		check func(t *testing.T, m srvMsg)
	}{
		{"plain", nil, func(t *testing.T, m srvMsg) {
			if !regexp.MustCompile(`with ESMTP\s`).MatchString(m.Data) {
				t.Errorf("Received: %q", m.Data)
			}
		}},
		{"tls", []string{"-tls"}, func(t *testing.T, m srvMsg) {
			if m.Conn.TLS == nil || !strings.Contains(m.Data, "with ESMTPS") {
				t.Errorf("not TLS: %q", m.Data)
			}
		}},
		{"auth plain", []string{"-tls", "--auth", "PLAIN", "--auth-user", "alice", "--auth-password", "secret"}, func(t *testing.T, m srvMsg) {
			if m.Conn.AuthIdentity != "alice" || m.Conn.AuthMechanism != "PLAIN" || !strings.Contains(m.Data, "with ESMTPSA") {
				t.Errorf("auth %+v", m.Conn)
			}
		}},
		{"auth login", []string{"-tls", "--auth", "LOGIN", "--auth-user", "alice", "--auth-password", "secret"}, func(t *testing.T, m srvMsg) {
			if m.Conn.AuthIdentity != "alice" || m.Conn.AuthMechanism != "LOGIN" {
				t.Errorf("auth %+v", m.Conn)
			}
		}},
		{"pipeline", []string{"--pipeline"}, nil},
		{"8bit body", []string{"--body", "h\xc3\xa9llo w\xc3\xb6rld"}, func(t *testing.T, m srvMsg) {
			if !strings.Contains(m.Data, "h\xc3\xa9llo w\xc3\xb6rld") {
				t.Errorf("8-bit body lost: %q", m.Data)
			}
		}},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := srvRun(t, "swaks", append(append([]string{}, base...), tt.args...)...)
			msgs := be.messages()
			if len(msgs) != i+1 {
				t.Fatalf("%d messages after swaks:\n%s", len(msgs), out)
			}
			if tt.check != nil {
				tt.check(t, msgs[i])
			}
		})
	}
	t.Run("wrong password", func(t *testing.T) {
		bin := testpeer.Need(t, "swaks")
		out, err := exec.Command(bin, append(base, "-tls", "--auth", "PLAIN", "--auth-user", "alice", "--auth-password", "nope")...).CombinedOutput()
		if err == nil || !strings.Contains(string(out), "535 5.7.8") {
			t.Fatalf("swaks: %v\n%s", err, out)
		}
	})
}

// srvPython is a client script for python3's smtplib; it takes the port
// and a mode.
const srvPython = `
import smtplib, ssl, sys
from email.message import EmailMessage
port, mode = int(sys.argv[1]), sys.argv[2]
s = smtplib.SMTP("127.0.0.1", port)
s.ehlo("python.example")
if mode == "utf8":
    m = EmailMessage()
    m["From"] = "jöran@exämple.org"
    m["To"] = "用户@例子.广告"
    m["Subject"] = "grüße"
    m.set_content("héllo\n")
    s.send_message(m)
elif mode == "tls-login":
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    s.starttls(context=ctx)
    s.ehlo("python.example")
    s.login("alice", "secret")
    m = EmailMessage()
    m["From"] = "alice@example.org"
    m["To"] = "b@example.org, c@example.org"
    m["Subject"] = "hi"
    m.set_content("line 1\n.line 2\n")
    s.send_message(m)
elif mode == "refused":
    try:
        s.sendmail("a@example.org", ["nobody@example.org", "b@example.org"], "Subject: x\r\n\r\nbody\r\n")
    except smtplib.SMTPRecipientsRefused:
        sys.exit(3)
s.quit()
`

func TestServerPythonSmtplib(t *testing.T) {
	testpeer.Need(t, "python3")
	be := &srvBackend{features: "auth", users: map[string]string{"alice": "secret"}}
	addr := srvStart(t, &Server{Backend: be, TLSConfig: srvTLSConfig(t)})
	_, port, _ := net.SplitHostPort(addr)

	srvRun(t, "python3", "-c", srvPython, port, "utf8")
	msgs := be.messages()
	if len(msgs) != 1 {
		t.Fatalf("%d messages", len(msgs))
	}
	m := msgs[0]
	// RFC 6531: smtplib sees SMTPUTF8 and uses it for the UTF-8 addresses.
	if !m.Params.SMTPUTF8 || m.From.Mailbox.Local != "jöran" || m.Rcpts[0].Path.Mailbox.Domain != "例子.广告" {
		t.Errorf("envelope %+v %+v", m.From, m.Rcpts)
	}
	if !strings.Contains(m.Data, "with UTF8SMTP") || !strings.Contains(m.Data, "grüße") {
		t.Errorf("data %q", m.Data)
	}

	srvRun(t, "python3", "-c", srvPython, port, "tls-login")
	msgs = be.messages()
	if len(msgs) != 2 {
		t.Fatalf("%d messages", len(msgs))
	}
	m = msgs[1]
	if m.Conn.AuthIdentity != "alice" || len(m.Rcpts) != 2 || !strings.Contains(m.Data, "\r\n.line 2\r\n") {
		t.Errorf("message %+v", m)
	}
}

func TestServerSmtpSource(t *testing.T) {
	testpeer.Need(t, "smtp-source")
	be := &srvBackend{}
	addr := srvStart(t, &Server{Backend: be})
	const sessions, messages = 10, 200
	srvRun(t, "smtp-source", "-s", strconv.Itoa(sessions), "-m", strconv.Itoa(messages), "-l", "4096",
		"-f", "a@example.org", "-t", "b@example.org", "inet:"+addr)
	msgs := be.messages()
	if len(msgs) != messages {
		t.Fatalf("%d messages, want %d", len(msgs), messages)
	}
	for _, m := range msgs {
		if len(m.Data) < 4096 || !strings.HasPrefix(m.Data, "Received: ") {
			t.Fatalf("message of %d octets: %.200q", len(m.Data), m.Data)
		}
	}
}
