package imap

import (
	"bufio"
	"compress/flate"
	"io"
	"math"
	"runtime"
	"strings"
	"testing"
	"time"
)

// liveHeap returns the live heap once the server's goroutines have
// settled: the last session may still hold a compressor (1.2 MB) for an
// instant after its client has read the response, so the least of a few
// readings counts.
func liveHeap() uint64 {
	least := uint64(math.MaxUint64)
	for range 5 {
		var m runtime.MemStats
		runtime.GC()
		runtime.GC() // and what sync.Pools kept as victims
		runtime.ReadMemStats(&m)
		least = min(least, m.HeapAlloc)
		time.Sleep(10 * time.Millisecond)
	}
	return least
}

// TestCompressIdleMemory measures what COMPRESS costs an idle session:
// the heap held by sessions that waited for a command after a NOOP,
// compressed or not, with the same client-side state in both groups.
// The difference is the decompressor, whose window (up to 32 KiB, as
// much as the client has sent) must live as long as the session; the
// compressor and I/O buffers are pooled.
func TestCompressIdleMemory(t *testing.T) {
	if testing.Short() || raceBuild {
		t.Skip("opens 800 connections; the race detector's own memory would count")
	}
	const n = 200
	ts := newTestServer(t, nil)
	noop := deflated(flate.BestSpeed, "n NOOP\r\n")
	// A session that has sent 40 KB with dynamic codes (here in an ID
	// command, which keeps nothing) has a full window.
	body := strings.Repeat("A line of a message of some length, sent compressed. ", 800)[:40000]
	heavyCmd := "m ID (\"x\" {40000+}\r\n" + body + ")\r\n"
	heavy := deflated(flate.DefaultCompression, heavyCmd, "n NOOP\r\n")
	open := func(compress bool, input []byte) *client {
		cl := login(t, ts.addr, "u")
		r := cl.r
		if compress {
			cl.ok("COMPRESS DEFLATE")
			r = bufio.NewReader(flate.NewReader(cl.r))
		}
		cl.c.Write(input)
		for {
			l, err := r.ReadString('\n')
			if err != nil {
				t.Fatal(err)
			}
			if strings.HasPrefix(l, "n ") {
				break
			}
		}
		return cl // the client keeps no compression state
	}
	var clients []*client
	heap := []uint64{liveHeap()}
	for _, g := range []struct {
		compress bool
		input    []byte
	}{
		{false, []byte("n NOOP\r\n")},
		{true, noop},
		{false, []byte(heavyCmd + "n NOOP\r\n")},
		{true, heavy},
	} {
		for range n {
			clients = append(clients, open(g.compress, g.input))
		}
		heap = append(heap, liveHeap())
	}
	per := func(i int) int64 { return (int64(heap[i+1]) - int64(heap[i])) / n }
	light, heavyExtra := per(1)-per(0), per(3)-per(2)
	t.Logf("heap per idle session, client side included: after a NOOP %d B plain, %d B compressed (+%d B); "+
		"after 40 KB of commands %d B plain, %d B compressed (+%d B)", per(0), per(1), light, per(2), per(3), heavyExtra)
	if light > 4<<10 || heavyExtra > 40<<10 {
		t.Errorf("COMPRESS adds %d B (%d B after 40 KB) per idle session, want under 4 KiB (40 KiB)", light, heavyExtra)
	}
	runtime.KeepAlive(clients)
}

// TestCompressRatio compares what the server sends for a FETCH of many
// messages, with a fresh compressor per 32 KiB burst, with compress/flate
// keeping its history across the whole response (at BestSpeed and at the
// default level): the price of not keeping a compressor per session.
func TestCompressRatio(t *testing.T) {
	ts := newTestServer(t, nil)
	for i := range 100 {
		ts.deliver(t, "u", "INBOX", "From: Alice <alice@example.org>\r\nTo: bob@example.org\r\nSubject: report "+itoa(uint64(i))+
			"\r\nMessage-ID: <"+itoa(uint64(i))+"@example.org>\r\n\r\n"+strings.Repeat("The quarterly figures are attached; the numbers for line "+itoa(uint64(i))+" changed.\r\n", 20))
	}
	cl := login(t, ts.addr, "u")
	cl.ok("SELECT INBOX")
	cl.ok("COMPRESS DEFLATE")
	counter := &countingReader{r: cl.r}
	cl.r = bufio.NewReader(flate.NewReader(counter))
	fw, _ := flate.NewWriter(cl.c, flate.BestSpeed)
	cl.c = &deflateConn{Conn: cl.c, w: fw}
	before := counter.n
	lines := cl.ok("FETCH 1:* (UID FLAGS ENVELOPE BODY.PEEK[])")
	wire := counter.n - before
	plain := strings.Join(lines, "\r\n")
	size := func(level int) int {
		return len(deflated(level, plain))
	}
	fast, def := size(flate.BestSpeed), size(flate.DefaultCompression)
	t.Logf("FETCH of 100 messages: %d B in clear, %d B sent (%.1fx); one BestSpeed stream %d B (%.1fx), default level %d B (%.1fx)",
		len(plain), wire, float64(len(plain))/float64(wire), fast, float64(len(plain))/float64(fast), def, float64(len(plain))/float64(def))
	if wire*3 > len(plain) {
		t.Errorf("compressed %d B to %d B only", len(plain), wire)
	}
}

type countingReader struct {
	r interface{ Read([]byte) (int, error) }
	n int
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += n
	return n, err
}

// BenchmarkCompressBurst is the compressor's cost per burst of responses:
// a pooled compressor reset for each (deflateOutput) against one kept
// for the session, for a short response and a full write buffer.
func BenchmarkCompressBurst(b *testing.B) {
	for _, size := range []int{len("a OK NOOP completed\r\n"), 32 << 10} {
		p := []byte(strings.Repeat("* 1 FETCH (FLAGS (\\Seen) UID 17)\r\n", size/30+1)[:size])
		b.Run("pooled/"+itoa(uint64(size)), func(b *testing.B) {
			d := &deflateOutput{w: io.Discard}
			b.SetBytes(int64(size))
			for b.Loop() {
				d.Write(p)
			}
		})
		b.Run("kept/"+itoa(uint64(size)), func(b *testing.B) {
			w, _ := flate.NewWriter(io.Discard, flate.BestSpeed)
			b.SetBytes(int64(size))
			for b.Loop() {
				w.Write(p)
				w.Flush()
			}
		})
	}
}
