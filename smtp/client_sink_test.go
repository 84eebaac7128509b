package smtp

import (
	"context"
	"errors"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mailstack/mailstack/envelope"
	"github.com/mailstack/mailstack/internal/testpeer"
)

// startSink runs Postfix's smtp-sink with args on a free loopback port and
// returns its address and the dump file it appends messages to.
func startSink(t *testing.T, args ...string) (addr, dump string) {
	t.Helper()
	bin := testpeer.Need(t, "smtp-sink")
	dir, err := os.MkdirTemp("", "sink")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	os.Chmod(dir, 0o777) // smtp-sink drops to nobody as root
	dump = filepath.Join(dir, "dump")
	for attempt := 0; attempt < 5; attempt++ {
		addr = testpeer.FreeAddr(t)
		full := append([]string{"-D", dump}, args...)
		if os.Geteuid() == 0 {
			full = append([]string{"-u", "nobody"}, full...)
		}
		full = append(full, addr, "16")
		cmd := exec.Command(bin, full...)
		var stderr strings.Builder
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		exited := make(chan struct{})
		go func() { cmd.Wait(); close(exited) }()
		t.Cleanup(func() { cmd.Process.Kill(); <-exited })
		for i := 0; i < 200; i++ {
			select {
			case <-exited:
				i = 200 // port taken, try another
				continue
			default:
			}
			if c, err := net.Dial("tcp", addr); err == nil {
				c.Close()
				return addr, dump
			}
			time.Sleep(10 * time.Millisecond)
		}
		t.Logf("smtp-sink did not start: %s", stderr.String())
	}
	t.Fatal("smtp-sink did not start")
	return "", ""
}

func sinkSend(t *testing.T, addr string, cfg *ClientConfig, rcpts ...string) ([]RcptResult, error, *Client) {
	t.Helper()
	c, err := Dial(context.Background(), addr, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	res, err := c.Send(context.Background(), mustPath(t, "<sender@src.test>"), paths(t, rcpts...),
		strings.NewReader("Subject: sink test\r\nMessage-Id: <m1@src.test>\r\n\r\n.leading dot\r\nbody\r\n"),
		&SendOptions{Mail: envelope.MailParams{Body: envelope.Body8BitMIME, Size: 80, HasSize: true}})
	return res, err, c
}

func TestClientSmtpSinkExtensions(t *testing.T) {
	// The client adapts to what smtp-sink announces: with and without
	// PIPELINING (RFC 2920), 8BITMIME (RFC 6152), ENHANCEDSTATUSCODES
	// (RFC 2034), DSN, and without ESMTP at all (RFC 5321 §3.2 HELO).
	for _, tc := range []struct {
		name string
		args []string
		body envelope.BodyType
		want func(t *testing.T, c *Client)
	}{
		{"all", nil, envelope.Body8BitMIME, func(t *testing.T, c *Client) {
			caps := c.Capabilities()
			if !caps.Pipelining || !caps.EightBitMIME || !caps.EnhancedStatusCodes {
				t.Errorf("caps %+v", caps)
			}
		}},
		{"-p no PIPELINING", []string{"-p"}, envelope.Body8BitMIME, func(t *testing.T, c *Client) {
			if c.Capabilities().Pipelining {
				t.Error("PIPELINING announced")
			}
		}},
		{"-E no ENHANCEDSTATUSCODES", []string{"-E"}, envelope.Body8BitMIME, func(t *testing.T, c *Client) {
			if c.Capabilities().EnhancedStatusCodes {
				t.Error("ENHANCEDSTATUSCODES announced")
			}
		}},
		{"-8 no 8BITMIME", []string{"-8"}, "", func(t *testing.T, c *Client) {
			if c.Capabilities().EightBitMIME {
				t.Error("8BITMIME announced")
			}
		}},
		{"-e no ESMTP", []string{"-e"}, "", func(t *testing.T, c *Client) {
			if c.ESMTP() {
				t.Error("ESMTP")
			}
		}},
		{"-8 -E -p -N", []string{"-8", "-E", "-p", "-N"}, "", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			addr, dump := startSink(t, tc.args...)
			c, err := Dial(context.Background(), addr, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			rcpts := paths(t, "<a@dst.test>", "<b@dst.test>", "<a@dst.test>")
			res, err := c.Send(context.Background(), mustPath(t, "<sender@src.test>"), rcpts,
				strings.NewReader("Subject: sink\r\n\r\n.leading dot\r\nbody\r\n"),
				&SendOptions{Mail: envelope.MailParams{Body: tc.body, Size: 40, HasSize: true}})
			if err != nil {
				t.Fatal(err)
			}
			for i, r := range res {
				if !r.Accepted() || r.Reply.Code != 250 {
					t.Fatalf("rcpt %d: %+v", i, r)
				}
			}
			if tc.want != nil {
				tc.want(t, c)
			}
			if err := c.Quit(context.Background()); err != nil {
				t.Fatal(err)
			}
			b, _ := os.ReadFile(dump)
			if !strings.Contains(string(b), "\n.leading dot\n") && !strings.Contains(string(b), "\r\n.leading dot\r\n") {
				t.Fatalf("dump lacks the un-stuffed line:\n%s", b)
			}
			if n := strings.Count(string(b), "X-Rcpt-Args:"); n != 3 {
				t.Errorf("dump has %d recipients, want 3 (duplicates kept):\n%s", n, b)
			}
		})
	}
}

func TestClientSmtpSinkFaults(t *testing.T) {
	// smtp-sink's fault injection: hard (-f) and soft (-r) rejects, drops
	// (-q) and 421 (-Q); each recipient gets the outcome that applies.
	type want struct {
		code    int // reply code every recipient gets; 0: no reply
		command string
		local   bool // error without a reply (connection)
	}
	for _, tc := range []struct {
		name string
		args []string
		want want
	}{
		{"-f rcpt", []string{"-f", "rcpt"}, want{code: 500, command: "RCPT"}},
		{"-r rcpt", []string{"-r", "rcpt"}, want{code: 450, command: "RCPT"}},
		{"-f mail", []string{"-f", "mail"}, want{code: 500, command: "MAIL"}},
		{"-r data", []string{"-r", "data"}, want{code: 450, command: "DATA"}},
		{"-f .", []string{"-f", "."}, want{code: 500, command: "DATA"}},
		{"-r .", []string{"-r", "."}, want{code: 450, command: "DATA"}},
		{"-Q rcpt", []string{"-Q", "rcpt"}, want{code: 421, command: "RCPT"}},
		{"-Q .", []string{"-Q", "."}, want{code: 421, command: "DATA"}},
		{"-q rcpt", []string{"-q", "rcpt"}, want{local: true}},
		{"-q .", []string{"-q", "."}, want{local: true}},
		{"-Q ehlo", []string{"-Q", "ehlo"}, want{code: 421, command: "EHLO"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			addr, _ := startSink(t, tc.args...)
			res, err, _ := sinkSend(t, addr, nil, "<a@dst.test>", "<b@dst.test>")
			if err == nil {
				t.Fatal("no error")
			}
			for i, r := range res {
				if r.Accepted() {
					t.Fatalf("rcpt %d accepted", i)
				}
				var ce *CommandError
				isReply := errors.As(r.Err, &ce)
				if tc.want.local {
					if isReply {
						t.Fatalf("rcpt %d: got a reply %v", i, r.Err)
					}
					continue
				}
				if !isReply || ce.Reply.Code != tc.want.code || ce.Command != tc.want.command || r.Reply != ce.Reply {
					t.Fatalf("rcpt %d: %v, want %d on %s", i, r.Err, tc.want.code, tc.want.command)
				}
			}
		})
	}
}

func TestClientSmtpSinkDelay(t *testing.T) {
	// -w delays the reply to DATA: within the DATA initiation timeout the
	// message goes through; past it the client gives up (RFC 5321
	// §4.5.3.2.4).
	addr, _ := startSink(t, "-w", "1", "-p")
	if res, err, _ := sinkSend(t, addr, nil, "<a@dst.test>"); err != nil || !res[0].Accepted() {
		t.Fatalf("%v %+v", err, res)
	}
	res, err, _ := sinkSend(t, addr, &ClientConfig{Timeouts: ClientTimeouts{DataInit: 100 * time.Millisecond}}, "<a@dst.test>")
	var ne net.Error
	if !errors.As(err, &ne) || !ne.Timeout() || res[0].Accepted() {
		t.Fatalf("%v %+v", err, res)
	}
}

func TestClientSmtpSinkLMTP(t *testing.T) {
	// smtp-sink -L speaks LMTP (RFC 2033): one reply per recipient.
	addr, _ := startSink(t, "-L")
	res, err, _ := sinkSend(t, addr, &ClientConfig{LMTP: true}, "<a@dst.test>", "<b@dst.test>")
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range res {
		if !r.Accepted() {
			t.Fatalf("%+v", r)
		}
	}
}
