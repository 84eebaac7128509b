package smtp

import (
	"bufio"
	"context"
	"io"
	"net"
	"strings"
	"testing"

	gosmtp "github.com/emersion/go-smtp"
)

// benchSession is what smtp-source sends for one message: a new
// connection, HELO, one transaction with a 10 KiB message, QUIT.
var benchSession = "HELO bench.example\r\nMAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.org>\r\nDATA\r\n" +
	"Subject: bench\r\n\r\n" + strings.Repeat(strings.Repeat("x", 78)+"\r\n", 128) + ".\r\nQUIT\r\n"

// runBenchSessions sends benchSession b.N times, one connection each, and
// reads every reply, in parallel.
func runBenchSessions(b *testing.B, addr string) {
	b.SetBytes(int64(len(benchSession)))
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			c, err := net.Dial("tcp", addr)
			if err != nil {
				b.Error(err)
				return
			}
			br := bufio.NewReader(c)
			// Greeting, then each command's reply: smtp-source does not
			// pipeline after HELO, but the replies are the same.
			io.WriteString(c, benchSession)
			n := 0
			for {
				line, err := br.ReadString('\n')
				if err != nil {
					break
				}
				if len(line) > 3 && line[3] == ' ' {
					n++
				}
			}
			c.Close()
			if n != 7 {
				b.Errorf("%d replies", n)
				return
			}
		}
	})
}

func BenchmarkServerSession(b *testing.B) {
	srv := &Server{Backend: DataFunc(func(ctx context.Context, tx *Transaction, r io.Reader) error {
		_, err := io.Copy(io.Discard, r)
		return err
	})}
	runBenchSessions(b, srvStart(b, srv))
}

// BenchmarkGoSMTPSession is the same against go-smtp v0.25, for
// comparison.
func BenchmarkGoSMTPSession(b *testing.B) {
	s := gosmtp.NewServer(benchGoBackend{})
	s.Domain = "localhost"
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	go s.Serve(l)
	defer s.Close()
	runBenchSessions(b, l.Addr().String())
}

type benchGoBackend struct{}

func (benchGoBackend) NewSession(*gosmtp.Conn) (gosmtp.Session, error) { return benchGoSession{}, nil }

type benchGoSession struct{}

func (benchGoSession) Mail(string, *gosmtp.MailOptions) error { return nil }
func (benchGoSession) Rcpt(string, *gosmtp.RcptOptions) error { return nil }
func (benchGoSession) Data(r io.Reader) error {
	_, err := io.Copy(io.Discard, r)
	return err
}
func (benchGoSession) Reset()        {}
func (benchGoSession) Logout() error { return nil }
