package smtp

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// fakeServer is a scripted SMTP server for client tests: it answers each
// command from a table of replies and records what the client sent. It
// understands DATA (reading to the "." line) and BDAT (reading the chunk)
// so that the message can be checked.
type fakeServer struct {
	Addr string
	ln   net.Listener

	// Greeting is sent first; default "220 fake ESMTP".
	Greeting string
	// EHLO is the reply to EHLO/LHLO; default "250-fake\r\n250 PIPELINING".
	EHLO string
	// Replies maps a command prefix (upper case, as "RCPT TO:<bad@") to
	// its reply; longest match wins. Defaults: 250 OK, 354 for DATA,
	// 221 for QUIT.
	Replies map[string]string
	// DataReply is the reply after the message; default "250 2.0.0 OK".
	// In LMTP mode (LMTPReplies set) one reply per accepted recipient.
	DataReply   string
	LMTPReplies []string
	// Hook, if set, may handle a command itself: it returns true when it
	// did (and wrote whatever it wanted).
	Hook func(s *fakeSession, line string) bool

	mu       sync.Mutex
	commands []string
	messages []string
	wg       sync.WaitGroup
}

type fakeSession struct {
	conn net.Conn
	br   *bufio.Reader
	bw   *bufio.Writer
	rcpt int
}

func (s *fakeSession) write(reply string) {
	s.bw.WriteString(strings.ReplaceAll(strings.TrimSuffix(reply, "\r\n"), "\r\n", "\r\n") + "\r\n")
	s.bw.Flush()
}

func startFake(t *testing.T, f *fakeServer) *fakeServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	f.ln, f.Addr = ln, ln.Addr().String()
	if f.Greeting == "" {
		f.Greeting = "220 fake ESMTP"
	}
	if f.EHLO == "" {
		f.EHLO = "250-fake\r\n250 PIPELINING"
	}
	if f.DataReply == "" {
		f.DataReply = "250 2.0.0 OK queued"
	}
	f.wg.Add(1)
	go func() {
		defer f.wg.Done()
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			f.wg.Add(1)
			go func() {
				defer f.wg.Done()
				defer conn.Close()
				f.serve(conn)
			}()
		}
	}()
	t.Cleanup(func() { ln.Close(); f.wg.Wait() })
	return f
}

func (f *fakeServer) Commands() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.commands...)
}

func (f *fakeServer) Messages() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.messages...)
}

func (f *fakeServer) reply(line string) string {
	up := strings.ToUpper(line)
	best, bestLen := "", -1
	for k, v := range f.Replies {
		if strings.HasPrefix(up, strings.ToUpper(k)) && len(k) > bestLen {
			best, bestLen = v, len(k)
		}
	}
	if bestLen >= 0 {
		return best
	}
	switch {
	case strings.HasPrefix(up, "EHLO"), strings.HasPrefix(up, "LHLO"):
		return f.EHLO
	case up == "DATA":
		return "354 go ahead"
	case up == "QUIT":
		return "221 2.0.0 bye"
	}
	return "250 2.0.0 OK"
}

func (f *fakeServer) serve(conn net.Conn) {
	s := &fakeSession{conn: conn, br: bufio.NewReader(conn), bw: bufio.NewWriter(conn)}
	s.write(f.Greeting)
	var bdat strings.Builder
	for {
		line, err := s.br.ReadString('\n')
		if err != nil {
			return
		}
		line = strings.TrimSuffix(line, "\r\n")
		f.mu.Lock()
		f.commands = append(f.commands, line)
		f.mu.Unlock()
		if f.Hook != nil && f.Hook(s, line) {
			continue
		}
		up := strings.ToUpper(line)
		if strings.HasPrefix(up, "BDAT ") {
			fields := strings.Fields(line)
			n, _ := strconv.Atoi(fields[1])
			buf := make([]byte, n)
			if _, err := io.ReadFull(s.br, buf); err != nil {
				return
			}
			bdat.Write(buf)
			if len(fields) > 2 {
				f.mu.Lock()
				f.messages = append(f.messages, bdat.String())
				f.mu.Unlock()
				bdat.Reset()
				f.final(s)
				s.rcpt = 0
				continue
			}
			s.write(f.reply(line))
			continue
		}
		r := f.reply(line)
		s.write(r)
		if strings.HasPrefix(up, "RCPT") && strings.HasPrefix(r, "2") {
			s.rcpt++
		}
		if up == "QUIT" || strings.HasPrefix(r, "421") {
			return
		}
		if up == "DATA" && strings.HasPrefix(r, "354") {
			msg, err := readDotted(s.br)
			if err != nil {
				return
			}
			f.mu.Lock()
			f.messages = append(f.messages, msg)
			f.mu.Unlock()
			f.final(s)
			s.rcpt = 0
		}
		if up == "RSET" {
			s.rcpt = 0
		}
	}
}

func (f *fakeServer) final(s *fakeSession) {
	if f.LMTPReplies == nil {
		s.write(f.DataReply)
		return
	}
	for i := 0; i < s.rcpt; i++ {
		s.write(f.LMTPReplies[i%len(f.LMTPReplies)])
	}
}

// readDotted reads dot-stuffed data up to the "." line and returns it
// un-stuffed, CRLFs kept.
func readDotted(br *bufio.Reader) (string, error) {
	var b strings.Builder
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			return "", err
		}
		if line == ".\r\n" {
			return b.String(), nil
		}
		if !strings.HasSuffix(line, "\r\n") {
			return "", fmt.Errorf("bare LF in data: %q", line)
		}
		b.WriteString(strings.TrimPrefix(line, "."))
	}
}
