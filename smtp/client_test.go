package smtp

import (
	"context"
	"errors"
	"io"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mailstack/mailstack/envelope"
)

func mustPath(t testing.TB, s string) envelope.Path {
	t.Helper()
	if s == "<>" {
		return envelope.Path{}
	}
	p, err := envelope.ParseForwardPath(s, envelope.ParseOptions{UTF8: true})
	if err != nil {
		t.Fatalf("path %q: %v", s, err)
	}
	return p
}

func paths(t testing.TB, ss ...string) []envelope.Path {
	var out []envelope.Path
	for _, s := range ss {
		out = append(out, mustPath(t, s))
	}
	return out
}

const testMsg = "Subject: hi\r\n\r\nline one\r\n.dot line\r\n"

func dialFake(t *testing.T, f *fakeServer, cfg *ClientConfig) *Client {
	t.Helper()
	c, err := Dial(context.Background(), f.Addr, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func TestClientSendPipelined(t *testing.T) {
	// RFC 2920 §3.1: MAIL, RCPTs and DATA in one group.
	for _, tc := range []struct {
		name      string
		ehlo      string
		pipelined bool
	}{
		{"pipelining", "250-fake\r\n250 PIPELINING", true},
		{"no pipelining", "250 fake", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := startFake(t, &fakeServer{EHLO: tc.ehlo, Replies: map[string]string{
				"RCPT TO:<bad@": "550 5.1.1 no such user",
				"RCPT TO:<tmp@": "451 4.3.0 try later",
			}})
			var trace strings.Builder
			c := dialFake(t, f, &ClientConfig{Trace: &trace})
			rcpts := paths(t, "<a@x.test>", "<bad@x.test>", "<a@x.test>", "<tmp@x.test>")
			res, err := c.Send(context.Background(), mustPath(t, "<s@y.test>"), rcpts, strings.NewReader(testMsg), nil)
			if err != nil {
				t.Fatal(err)
			}
			want := []int{250, 550, 250, 451}
			for i, r := range res {
				if r.Reply == nil || r.Reply.Code != want[i] {
					t.Fatalf("rcpt %d: %+v, want %d", i, r, want[i])
				}
				if r.Accepted() != (want[i] == 250) {
					t.Errorf("rcpt %d accepted=%v", i, r.Accepted())
				}
			}
			var ce *CommandError
			if !errors.As(res[1].Err, &ce) || ce.Command != "RCPT" || !ce.Permanent() {
				t.Errorf("bad rcpt error %v", res[1].Err)
			}
			if !errors.As(res[3].Err, &ce) || !ce.Temporary() {
				t.Errorf("tmp rcpt error %v", res[3].Err)
			}
			if msgs := f.Messages(); len(msgs) != 1 || msgs[0] != testMsg {
				t.Fatalf("messages %q", msgs)
			}
			if err := c.Quit(context.Background()); err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(trace.String(), "C: [") {
				t.Errorf("trace does not summarise data:\n%s", trace.String())
			}
		})
	}
}

func TestClientHeloFallback(t *testing.T) {
	// RFC 5321 §3.2: a server that does not know EHLO gets HELO.
	f := startFake(t, &fakeServer{Replies: map[string]string{"EHLO": "502 5.5.1 what?"}})
	c := dialFake(t, f, nil)
	if _, err := c.Send(context.Background(), mustPath(t, "<s@y.test>"), paths(t, "<a@x.test>"), strings.NewReader(testMsg), nil); err != nil {
		t.Fatal(err)
	}
	if c.ESMTP() {
		t.Error("ESMTP after HELO")
	}
	cmds := f.Commands()
	if cmds[0] != "EHLO localhost" || cmds[1] != "HELO localhost" {
		t.Fatalf("commands %q", cmds)
	}
}

func TestClientGreetingRefused(t *testing.T) {
	// RFC 5321 §3.1: a 554 greeting; the client quits.
	f := startFake(t, &fakeServer{Greeting: "554 5.3.2 go away"})
	c := dialFake(t, f, nil)
	err := c.Handshake(context.Background())
	var ce *CommandError
	if !errors.As(err, &ce) || ce.Command != "greeting" || ce.Reply.Code != 554 {
		t.Fatalf("got %v", err)
	}
	if err := c.Noop(context.Background()); !errors.Is(err, ErrClientClosed) {
		t.Fatalf("after refused greeting: %v", err)
	}
}

func TestClientMailParams(t *testing.T) {
	tests := []struct {
		name     string // with the RFC the case comes from
		ehlo     string
		params   envelope.MailParams
		from     string
		wantMail string // the MAIL line sent, or "" when refused locally
		wantCode int    // local reply code when refused
	}{
		{"RFC 1870 SIZE sent", "250-f\r\n250 SIZE 1000", envelope.MailParams{Size: 500, HasSize: true}, "<s@y.test>", "MAIL FROM:<s@y.test> SIZE=500", 0},
		{"RFC 1870 §6.1 SIZE over limit", "250-f\r\n250 SIZE 1000", envelope.MailParams{Size: 1001, HasSize: true}, "<s@y.test>", "", 552},
		{"RFC 1870 SIZE 0 no limit", "250-f\r\n250 SIZE 0", envelope.MailParams{Size: 1 << 40, HasSize: true}, "<s@y.test>", "MAIL FROM:<s@y.test> SIZE=1099511627776", 0},
		{"RFC 1870 SIZE not offered", "250 f", envelope.MailParams{Size: 500, HasSize: true}, "<s@y.test>", "MAIL FROM:<s@y.test>", 0},
		{"RFC 6152 8BITMIME", "250-f\r\n250 8BITMIME", envelope.MailParams{Body: envelope.Body8BitMIME}, "<s@y.test>", "MAIL FROM:<s@y.test> BODY=8BITMIME", 0},
		{"RFC 6152 §3 8BITMIME not offered", "250 f", envelope.MailParams{Body: envelope.Body8BitMIME}, "<s@y.test>", "", 554},
		{"RFC 3030 BINARYMIME without CHUNKING", "250-f\r\n250 BINARYMIME", envelope.MailParams{Body: envelope.BodyBinaryMIME}, "<s@y.test>", "", 554},
		{"RFC 6531 ASCII needs no SMTPUTF8", "250-f\r\n250 SMTPUTF8", envelope.MailParams{}, "<s@y.test>", "MAIL FROM:<s@y.test>", 0},
		{"RFC 6531 UTF-8 local part", "250-f\r\n250 SMTPUTF8", envelope.MailParams{}, "<jöe@y.test>", "MAIL FROM:<jöe@y.test> SMTPUTF8", 0},
		{"RFC 6531 §3.2 UTF-8 local part, no SMTPUTF8", "250 f", envelope.MailParams{}, "<jöe@y.test>", "", 553},
		{"RFC 6531 §3.2 U-label domain as A-label", "250 f", envelope.MailParams{}, "<joe@bücher.test>", "MAIL FROM:<joe@xn--bcher-kva.test>", 0},
		{"RFC 6531 message needs SMTPUTF8", "250 f", envelope.MailParams{SMTPUTF8: true}, "<s@y.test>", "", 553},
		{"RFC 3461 DSN offered", "250-f\r\n250 DSN", envelope.MailParams{Ret: envelope.ReturnHeaders, EnvID: "id+1"}, "<s@y.test>", "MAIL FROM:<s@y.test> RET=HDRS ENVID=id+2B1", 0},
		{"RFC 3461 DSN not offered", "250 f", envelope.MailParams{Ret: envelope.ReturnHeaders, EnvID: "x"}, "<s@y.test>", "MAIL FROM:<s@y.test>", 0},
		{"RFC 8689 REQUIRETLS without TLS", "250-f\r\n250 REQUIRETLS", envelope.MailParams{RequireTLS: true}, "<s@y.test>", "", 550},
		{"RFC 5321 null reverse-path", "250 f", envelope.MailParams{}, "<>", "MAIL FROM:<>", 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := startFake(t, &fakeServer{EHLO: tc.ehlo})
			c := dialFake(t, f, nil)
			err := c.Mail(context.Background(), mustPath(t, tc.from), &tc.params)
			if tc.wantMail == "" {
				var ce *CommandError
				if !errors.As(err, &ce) || !ce.Local || ce.Reply.Code != tc.wantCode || ce.Command != "MAIL" {
					t.Fatalf("got %v, want local %d", err, tc.wantCode)
				}
				for _, cmd := range f.Commands() {
					if strings.HasPrefix(cmd, "MAIL") {
						t.Fatalf("MAIL sent: %q", cmd)
					}
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			c.Quit(context.Background())
			if cmds := f.Commands(); !slices.Contains(cmds, tc.wantMail) {
				t.Fatalf("commands %q, want %q", cmds, tc.wantMail)
			}
		})
	}
}

func TestClientRcptParams(t *testing.T) {
	tests := []struct {
		name, ehlo, from, to string
		params               envelope.RcptParams
		want                 string
	}{
		{"RFC 3461 §4.1 NOTIFY and ORCPT", "250-f\r\n250 DSN", "<s@y.test>", "<a@x.test>",
			envelope.RcptParams{Notify: envelope.NotifyFailure | envelope.NotifyDelay, ORCPT: &envelope.OriginalRecipient{AddrType: "rfc822", Addr: "a@x.test"}},
			"RCPT TO:<a@x.test> NOTIFY=FAILURE,DELAY ORCPT=rfc822;a@x.test"},
		{"RFC 3461 no DSN: dropped", "250 f", "<s@y.test>", "<a@x.test>",
			envelope.RcptParams{Notify: envelope.NotifyNever}, "RCPT TO:<a@x.test>"},
		{"RFC 6531 §3.2 U-label recipient domain", "250 f", "<s@y.test>", "<a@bücher.test>",
			envelope.RcptParams{}, "RCPT TO:<a@xn--bcher-kva.test>"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := startFake(t, &fakeServer{EHLO: tc.ehlo})
			c := dialFake(t, f, nil)
			ctx := context.Background()
			if err := c.Mail(ctx, mustPath(t, tc.from), nil); err != nil {
				t.Fatal(err)
			}
			if err := c.Rcpt(ctx, mustPath(t, tc.to), &tc.params); err != nil {
				t.Fatal(err)
			}
			c.Quit(ctx)
			if cmds := f.Commands(); !slices.Contains(cmds, tc.want) {
				t.Fatalf("commands %q, want %q", cmds, tc.want)
			}
		})
	}
}

func TestClientSendUTF8Recipient(t *testing.T) {
	// RFC 6531 §3.2: without SMTPUTF8 a UTF-8 local part cannot be sent;
	// the other recipients still get the message.
	f := startFake(t, &fakeServer{EHLO: "250-f\r\n250 PIPELINING"})
	c := dialFake(t, f, nil)
	res, err := c.Send(context.Background(), mustPath(t, "<s@y.test>"), paths(t, "<jöe@x.test>", "<a@x.test>"), strings.NewReader(testMsg), nil)
	if err != nil {
		t.Fatal(err)
	}
	var ce *CommandError
	if !errors.As(res[0].Err, &ce) || !ce.Local || ce.Reply.Code != 553 {
		t.Fatalf("utf-8 rcpt: %v", res[0].Err)
	}
	if !res[1].Accepted() {
		t.Fatalf("ascii rcpt: %v", res[1].Err)
	}
	// With SMTPUTF8 offered, MAIL carries it because a recipient needs it.
	f2 := startFake(t, &fakeServer{EHLO: "250-f\r\n250-SMTPUTF8\r\n250 PIPELINING"})
	c2 := dialFake(t, f2, nil)
	res, err = c2.Send(context.Background(), mustPath(t, "<s@y.test>"), paths(t, "<jöe@x.test>"), strings.NewReader(testMsg), nil)
	if err != nil || !res[0].Accepted() {
		t.Fatal(err, res)
	}
	if cmds := f2.Commands(); !slices.Contains(cmds, "MAIL FROM:<s@y.test> SMTPUTF8") {
		t.Fatalf("commands %q", cmds)
	}
}

func TestClientMailRefused(t *testing.T) {
	for _, ehlo := range []string{"250-f\r\n250 PIPELINING", "250 f"} {
		f := startFake(t, &fakeServer{EHLO: ehlo, Replies: map[string]string{
			"MAIL": "553 5.7.1 sender rejected", "RCPT": "503 5.5.1 need MAIL", "DATA": "503 5.5.1 need RCPT"}})
		c := dialFake(t, f, nil)
		res, err := c.Send(context.Background(), mustPath(t, "<s@y.test>"), paths(t, "<a@x.test>", "<b@x.test>"), strings.NewReader(testMsg), nil)
		var ce *CommandError
		if !errors.As(err, &ce) || ce.Command != "MAIL" || ce.Reply.Code != 553 {
			t.Fatalf("%q: err %v", ehlo, err)
		}
		for _, r := range res {
			if r.Accepted() || r.Reply.Code != 553 {
				t.Fatalf("%q: %+v", ehlo, r)
			}
		}
		// The client is still usable.
		if err := c.Noop(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
}

func TestClientAllRcptsRefusedPipelinedData354(t *testing.T) {
	// RFC 2920 §3.1: if DATA gets 354 after every RCPT failed, the client
	// sends an empty message and ignores the reply.
	f := startFake(t, &fakeServer{Replies: map[string]string{"RCPT": "550 5.1.1 no"}})
	c := dialFake(t, f, nil)
	res, err := c.Send(context.Background(), mustPath(t, "<s@y.test>"), paths(t, "<a@x.test>"), strings.NewReader(testMsg), nil)
	if err == nil || res[0].Accepted() || res[0].Reply.Code != 550 {
		t.Fatalf("%v %+v", err, res)
	}
	if msgs := f.Messages(); len(msgs) != 1 || msgs[0] != "" {
		t.Fatalf("messages %q", msgs)
	}
	// Next transaction works on the same connection.
	f.Replies = nil
	if _, err := c.Send(context.Background(), mustPath(t, "<s@y.test>"), paths(t, "<a@x.test>"), strings.NewReader(testMsg), nil); err != nil {
		t.Fatal(err)
	}
}

func TestClientDataRefused(t *testing.T) {
	for _, tc := range []struct{ name, dataCmd, final string }{
		{"DATA refused", "554 5.5.1 no valid recipients", ""},
		{"message refused", "", "552 5.3.4 too big"},
		{"message deferred", "", "451 4.3.0 try again"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := &fakeServer{EHLO: "250 f", Replies: map[string]string{}}
			if tc.dataCmd != "" {
				f.Replies["DATA"] = tc.dataCmd
			}
			if tc.final != "" {
				f.DataReply = tc.final
			}
			startFake(t, f)
			c := dialFake(t, f, nil)
			res, err := c.Send(context.Background(), mustPath(t, "<s@y.test>"), paths(t, "<a@x.test>", "<b@x.test>"), strings.NewReader(testMsg), nil)
			want := tc.dataCmd + tc.final
			var ce *CommandError
			if !errors.As(err, &ce) || ce.Command != "DATA" || ce.Reply.Error() != want {
				t.Fatalf("err %v", err)
			}
			for _, r := range res {
				if r.Accepted() || r.Reply.Error() != want {
					t.Fatalf("%+v", r)
				}
			}
			if err := c.Noop(context.Background()); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestClientBareLineEndings(t *testing.T) {
	// RFC 5321 §2.3.8: only CRLF; a bare LF fails unless normalised.
	for _, ehlo := range []string{"250 f", "250-f\r\n250 CHUNKING"} {
		f := startFake(t, &fakeServer{EHLO: ehlo})
		c := dialFake(t, f, nil)
		_, err := c.Send(context.Background(), mustPath(t, "<s@y.test>"), paths(t, "<a@x.test>"), strings.NewReader("Subject: x\n\nbody\n"), nil)
		if !errors.Is(err, ErrMessageBareLineEnding) {
			t.Fatalf("%q: %v", ehlo, err)
		}
		f2 := startFake(t, &fakeServer{EHLO: ehlo})
		c2 := dialFake(t, f2, &ClientConfig{NormalizeLineEndings: true})
		if _, err := c2.Send(context.Background(), mustPath(t, "<s@y.test>"), paths(t, "<a@x.test>"), strings.NewReader("Subject: x\n\n.body\nend"), nil); err != nil {
			t.Fatal(err)
		}
		if msgs := f2.Messages(); len(msgs) != 1 || msgs[0] != "Subject: x\r\n\r\n.body\r\nend\r\n" {
			t.Fatalf("%q: %q", ehlo, msgs)
		}
	}
}

func TestClientBDATChunks(t *testing.T) {
	// RFC 3030 §2: chunks of ChunkSize, the last with LAST.
	f := startFake(t, &fakeServer{EHLO: "250-f\r\n250-CHUNKING\r\n250 PIPELINING"})
	c := dialFake(t, f, &ClientConfig{ChunkSize: 10})
	msg := "Subject: chunky\r\n\r\n" + strings.Repeat("0123456789", 3) + "\r\n.\r\n"
	if _, err := c.Send(context.Background(), mustPath(t, "<s@y.test>"), paths(t, "<a@x.test>"), strings.NewReader(msg), nil); err != nil {
		t.Fatal(err)
	}
	if msgs := f.Messages(); len(msgs) != 1 || msgs[0] != msg {
		t.Fatalf("%q", msgs)
	}
	var bdats []string
	for _, cmd := range f.Commands() {
		if strings.HasPrefix(cmd, "BDAT") {
			bdats = append(bdats, cmd)
		}
	}
	// A CRLF is never split, so a chunk may be one octet over ChunkSize.
	total := 0
	for i, b := range bdats {
		f := strings.Fields(b)
		n, _ := strconv.Atoi(f[1])
		total += n
		if n > 11 || (len(f) == 3) != (i == len(bdats)-1) {
			t.Fatalf("BDAT commands %q", bdats)
		}
	}
	if total != len(msg) || len(bdats) < 5 {
		t.Fatalf("BDAT commands %q", bdats)
	}
	if slices.Contains(f.Commands(), "DATA") {
		t.Fatal("DATA sent with CHUNKING")
	}
}

func TestClientBDATRefusedChunk(t *testing.T) {
	f := startFake(t, &fakeServer{EHLO: "250-f\r\n250 CHUNKING", Replies: map[string]string{"BDAT 10": "552 5.3.4 too much"}})
	c := dialFake(t, f, &ClientConfig{ChunkSize: 10})
	res, err := c.Send(context.Background(), mustPath(t, "<s@y.test>"), paths(t, "<a@x.test>"), strings.NewReader(strings.Repeat("x", 25)+"\r\n"), nil)
	var ce *CommandError
	if !errors.As(err, &ce) || ce.Command != "BDAT" || ce.Reply.Code != 552 || res[0].Accepted() {
		t.Fatalf("%v %+v", err, res)
	}
	if cmds := f.Commands(); cmds[len(cmds)-1] != "RSET" {
		t.Fatalf("no RSET after refused chunk: %q", cmds)
	}
}

func TestClientLMTPReplies(t *testing.T) {
	// RFC 2033 §4.2: one reply per accepted recipient after the data.
	for _, ehlo := range []string{"250-f\r\n250 PIPELINING", "250-f\r\n250-PIPELINING\r\n250 CHUNKING"} {
		f := startFake(t, &fakeServer{EHLO: ehlo, Replies: map[string]string{"RCPT TO:<bad": "550 5.1.1 no"},
			LMTPReplies: []string{"250 2.0.0 ok", "452 4.2.2 over quota", "250 2.0.0 ok"}})
		c := dialFake(t, f, &ClientConfig{LMTP: true})
		res, err := c.Send(context.Background(), mustPath(t, "<s@y.test>"),
			paths(t, "<a@x.test>", "<bad@x.test>", "<b@x.test>", "<a@x.test>"), strings.NewReader(testMsg), nil)
		if err != nil {
			t.Fatal(err)
		}
		want := []int{250, 550, 452, 250}
		for i, r := range res {
			if r.Reply.Code != want[i] || r.Accepted() != (want[i] == 250) {
				t.Fatalf("%q rcpt %d: %+v", ehlo, i, r)
			}
		}
		if cmds := f.Commands(); !strings.HasPrefix(cmds[0], "LHLO ") {
			t.Fatalf("%q", cmds)
		}
	}
}

func TestClient421(t *testing.T) {
	// RFC 5321 §3.8: 421 closes the session; pending commands get it too.
	for _, ehlo := range []string{"250-f\r\n250 PIPELINING", "250 f"} {
		f := startFake(t, &fakeServer{EHLO: ehlo, Replies: map[string]string{"RCPT TO:<b@": "421 4.3.2 shutting down"}})
		c := dialFake(t, f, nil)
		res, err := c.Send(context.Background(), mustPath(t, "<s@y.test>"), paths(t, "<a@x.test>", "<b@x.test>", "<c@x.test>"), strings.NewReader(testMsg), nil)
		if err == nil {
			t.Fatalf("%q: no error", ehlo)
		}
		for i, r := range res {
			if r.Accepted() {
				t.Fatalf("%q rcpt %d accepted", ehlo, i)
			}
			var ce *CommandError
			if i > 0 && (!errors.As(r.Err, &ce) || ce.Reply.Code != 421) {
				t.Fatalf("%q rcpt %d: %v", ehlo, i, r.Err)
			}
		}
		if err := c.Noop(context.Background()); !errors.Is(err, ErrClientClosed) {
			t.Fatalf("after 421: %v", err)
		}
	}
}

func TestClientInjectedPlaintext(t *testing.T) {
	// RFC 3207 §4.2: data after the 220 to STARTTLS, before the handshake,
	// must not be used.
	f := startFake(t, &fakeServer{EHLO: "250-f\r\n250 STARTTLS", Hook: func(s *fakeSession, line string) bool {
		if line != "STARTTLS" {
			return false
		}
		s.write("220 2.0.0 go ahead\r\n250-evil\r\n250 AUTH PLAIN")
		return true
	}})
	c := dialFake(t, f, nil)
	err := c.Handshake(context.Background())
	if !errors.Is(err, ErrInjectedPlaintext) {
		t.Fatalf("got %v", err)
	}
}

func TestClientTLSRequiredNotOffered(t *testing.T) {
	f := startFake(t, &fakeServer{EHLO: "250 f"})
	c := dialFake(t, f, &ClientConfig{TLSPolicy: TLSRequired})
	err := c.Handshake(context.Background())
	var ce *CommandError
	if !errors.As(err, &ce) || !ce.Local || ce.Command != "STARTTLS" || !ce.Temporary() {
		t.Fatalf("got %v", err)
	}
	if slices.Contains(f.Commands(), "STARTTLS") {
		t.Fatal("STARTTLS sent")
	}
}

func TestClientSTARTTLSRefusedOpportunistic(t *testing.T) {
	// RFC 3207 §4: a refused STARTTLS leaves an opportunistic client in
	// plaintext.
	f := startFake(t, &fakeServer{EHLO: "250-f\r\n250 STARTTLS", Replies: map[string]string{"STARTTLS": "454 4.7.0 TLS not available"}})
	c := dialFake(t, f, nil)
	if _, err := c.Send(context.Background(), mustPath(t, "<s@y.test>"), paths(t, "<a@x.test>"), strings.NewReader(testMsg), nil); err != nil {
		t.Fatal(err)
	}
	if _, ok := c.TLSConnectionState(); ok {
		t.Fatal("TLS on")
	}
}

func TestClientReplyLimits(t *testing.T) {
	f := startFake(t, &fakeServer{EHLO: "250-f\r\n" + strings.Repeat("250-X\r\n", 200) + "250 PIPELINING"})
	c := dialFake(t, f, nil)
	err := c.Handshake(context.Background())
	if !errors.Is(err, envelope.ErrReplyTooManyLines) {
		t.Fatalf("got %v", err)
	}
}

func TestClientTimeout(t *testing.T) {
	// RFC 5321 §4.5.3.2: each phase has a timeout; a server that never
	// answers MAIL makes the client give up, not hang.
	block := make(chan struct{})
	defer close(block)
	f := startFake(t, &fakeServer{Hook: func(s *fakeSession, line string) bool {
		if strings.HasPrefix(line, "MAIL") {
			<-block
			return true
		}
		return false
	}})
	c := dialFake(t, f, &ClientConfig{Timeouts: ClientTimeouts{Mail: 50 * time.Millisecond}})
	err := c.Mail(context.Background(), mustPath(t, "<s@y.test>"), nil)
	var ne interface{ Timeout() bool }
	if !errors.As(err, &ne) || !ne.Timeout() {
		t.Fatalf("got %v", err)
	}
}

func TestClientContextCancel(t *testing.T) {
	block := make(chan struct{})
	defer close(block)
	f := startFake(t, &fakeServer{Hook: func(s *fakeSession, line string) bool {
		if strings.HasPrefix(line, "MAIL") {
			<-block
			return true
		}
		return false
	}})
	c := dialFake(t, f, nil)
	ctx, cancel := context.WithCancel(context.Background())
	if err := c.Handshake(ctx); err != nil {
		t.Fatal(err)
	}
	done := make(chan error)
	go func() { done <- c.Mail(ctx, mustPath(t, "<s@y.test>"), nil) }()
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v", err)
	}
}

func TestClientMessageReadError(t *testing.T) {
	f := startFake(t, &fakeServer{EHLO: "250 f"})
	c := dialFake(t, f, nil)
	boom := errors.New("disk on fire")
	_, err := c.Send(context.Background(), mustPath(t, "<s@y.test>"), paths(t, "<a@x.test>"),
		io.MultiReader(strings.NewReader("Subject: x\r\n"), &errReader{boom}), nil)
	if !errors.Is(err, boom) {
		t.Fatalf("got %v", err)
	}
	if err := c.Noop(context.Background()); !errors.Is(err, ErrClientClosed) {
		t.Fatalf("connection kept after aborted DATA: %v", err)
	}
}

type errReader struct{ err error }

func (e *errReader) Read([]byte) (int, error) { return 0, e.err }

func TestClientSequence(t *testing.T) {
	f := startFake(t, &fakeServer{})
	c := dialFake(t, f, nil)
	ctx := context.Background()
	if err := c.Rcpt(ctx, mustPath(t, "<a@x.test>"), nil); !errors.Is(err, ErrClientBadSequence) {
		t.Fatalf("RCPT before MAIL: %v", err)
	}
	if _, err := c.Data(ctx); !errors.Is(err, ErrClientBadSequence) {
		t.Fatalf("DATA before RCPT: %v", err)
	}
	if err := c.Mail(ctx, mustPath(t, "<s@y.test>"), nil); err != nil {
		t.Fatal(err)
	}
	if err := c.Mail(ctx, mustPath(t, "<s@y.test>"), nil); !errors.Is(err, ErrClientBadSequence) {
		t.Fatalf("MAIL twice: %v", err)
	}
	if err := c.Reset(ctx); err != nil {
		t.Fatal(err)
	}
	if err := c.Mail(ctx, mustPath(t, "<s@y.test>"), nil); err != nil {
		t.Fatal(err)
	}
	if err := c.Rcpt(ctx, mustPath(t, "<a@x.test>"), nil); err != nil {
		t.Fatal(err)
	}
	w, err := c.Data(ctx)
	if err != nil {
		t.Fatal(err)
	}
	io.WriteString(w, testMsg)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if len(w.Replies()) != 1 || w.Replies()[0].Code != 250 {
		t.Fatalf("replies %v", w.Replies())
	}
	if err := c.Quit(ctx); err != nil {
		t.Fatal(err)
	}
}

func TestClientPipelineGroups(t *testing.T) {
	// RFC 2920 §3.1: a long recipient list goes in groups whose replies
	// are read before the next, so neither side's buffers can deadlock.
	f := startFake(t, &fakeServer{Replies: map[string]string{"RCPT TO:<r17@": "550 5.1.1 no"}})
	c := dialFake(t, f, nil)
	var rcpts []envelope.Path
	for i := range 250 {
		rcpts = append(rcpts, mustPath(t, "<r"+strconv.Itoa(i)+"@x.test>"))
	}
	res, err := c.Send(context.Background(), mustPath(t, "<s@y.test>"), rcpts, strings.NewReader(testMsg), nil)
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range res {
		if r.Accepted() == (i == 17) {
			t.Fatalf("rcpt %d: %+v", i, r)
		}
	}
	if len(f.Messages()) != 1 {
		t.Fatal("no message")
	}
}
