package queue

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/mailstack/mailstack/envelope"
	"github.com/mailstack/mailstack/smtp"
)

// benchMessage is a 2 KiB message.
var benchMessage = "From: s@sender.test\r\nTo: r@dst.test\r\nSubject: bench\r\n\r\n" + strings.Repeat(strings.Repeat("x", 78)+"\r\n", 26)

// BenchmarkThroughput compares, in one run, the queue (Enqueue with its
// fsyncs, then delivery by MX lookup to a local sink) with a plain loop
// of smtp.Client sends to the same sink, over one connection and with a
// connection per message. The figure is msgs/s.
func BenchmarkThroughput(b *testing.B) {
	s := startSink(b, nil)
	_, port, _ := strings.Cut(s.Addr, ":")
	from := mustPath(b, "<s@sender.test>")
	rcpts := []envelope.Path{mustPath(b, "<r@dst.test>")}

	b.Run("queue", func(b *testing.B) {
		w := newWorld(b, "dst.test. 60 IN MX 10 mx.dst.test.", "mx.dst.test. 60 IN A 127.0.0.1")
		ev := newEvents()
		cfg := Config{Dir: b.TempDir(), Hostname: "bench.test", MXPort: atoi(b, port), Hook: ev.Hook,
			Resolver: w.Resolver()}
		cfg.Resolver.CacheSize = 0 // the default cache, as in production
		q := runQueue(b, cfg)
		ctx := context.Background()
		b.ResetTimer()
		start := time.Now()
		for range b.N {
			if _, err := q.Enqueue(ctx, from, rcpts, strings.NewReader(benchMessage), nil); err != nil {
				b.Fatal(err)
			}
		}
		ev.Wait(b, "all removed", func(evs []Event) bool { return count(evs, EventRemoved, "") >= b.N })
		b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "msgs/s")
	})
	b.Run("queue-4-submitters", func(b *testing.B) {
		// Four concurrent Enqueue callers, as an SMTP server with several
		// sessions: their fsyncs share journal commits.
		w := newWorld(b, "dst.test. 60 IN MX 10 mx.dst.test.", "mx.dst.test. 60 IN A 127.0.0.1")
		ev := newEvents()
		r := w.Resolver()
		r.CacheSize = 0 // the default cache
		q := runQueue(b, Config{Dir: b.TempDir(), Hostname: "bench.test", MXPort: atoi(b, port), Hook: ev.Hook, Resolver: r})
		ctx := context.Background()
		b.SetParallelism(2) // 2 × GOMAXPROCS (2 here) = 4 goroutines
		b.ResetTimer()
		start := time.Now()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if _, err := q.Enqueue(ctx, from, rcpts, strings.NewReader(benchMessage), nil); err != nil {
					b.Error(err)
					return
				}
			}
		})
		ev.Wait(b, "all removed", func(evs []Event) bool { return count(evs, EventRemoved, "") >= b.N })
		b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "msgs/s")
	})
	b.Run("client-reuse", func(b *testing.B) {
		ctx := context.Background()
		c, err := smtp.Dial(ctx, s.Addr, nil)
		if err != nil {
			b.Fatal(err)
		}
		defer c.Close()
		b.ResetTimer()
		start := time.Now()
		for range b.N {
			if _, err := c.Send(ctx, from, rcpts, strings.NewReader(benchMessage), nil); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "msgs/s")
	})
	b.Run("client-dial-each", func(b *testing.B) {
		ctx := context.Background()
		b.ResetTimer()
		start := time.Now()
		for range b.N {
			c, err := smtp.Dial(ctx, s.Addr, nil)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := c.Send(ctx, from, rcpts, strings.NewReader(benchMessage), nil); err != nil {
				b.Fatal(err)
			}
			c.Quit(ctx)
		}
		b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "msgs/s")
	})
}
