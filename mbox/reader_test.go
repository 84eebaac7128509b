package mbox

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
	"unsafe"
)

// TestFromLinesKept: the From_ lines, senders and dates of earlier
// messages stay as they were while later ones are read (they share
// blocks of memory, see Reader.str).
func TestFromLinesKept(t *testing.T) {
	var buf bytes.Buffer
	w := NewWriter(&buf)
	const n = 500
	for i := range n {
		sender := fmt.Sprintf("user%d@example.org", i)
		if i%50 == 0 {
			sender = strings.Repeat("long", 100) + sender // longer than a block takes
		}
		w.WriteMessage(sender, time.Unix(int64(i)*86399, 0), strings.NewReader("Subject: x\n\nbody\n"))
	}
	w.Flush()
	rd := NewReader(&buf, nil)
	type seen struct {
		fromLine, sender string
		date             time.Time
	}
	var got []seen
	for {
		m, err := rd.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, seen{m.FromLine, m.Sender, m.Date})
	}
	if len(got) != n {
		t.Fatalf("%d messages, want %d", len(got), n)
	}
	for i, s := range got {
		date := time.Unix(int64(i)*86399, 0).UTC()
		sender := fmt.Sprintf("user%d@example.org", i)
		if i%50 == 0 {
			sender = strings.Repeat("long", 100) + sender
		}
		if s.fromLine != FromLine(sender, date) || s.sender != sender || !s.date.Equal(date) {
			t.Errorf("message %d: %q %q %v, want %q %q %v", i, s.fromLine, s.sender, s.date, FromLine(sender, date), sender, date)
		}
	}
}

// TestInbufMatchesBufio: the Reader's input buffer gives what a
// bufio.Reader of the same size gives, byte for byte and error for
// error, for random calls over input that arrives in pieces; and it keeps
// each byte at its input offset's place within a cache line.
func TestInbufMatchesBufio(t *testing.T) {
	for seed := range uint64(300) {
		rng := rand.New(rand.NewPCG(seed, 1))
		data := make([]byte, rng.IntN(20000))
		for i := range data {
			data[i] = "ab\n"[rng.IntN(3)]
		}
		piece := 1 + rng.IntN(3000)
		size := []int{16, 64, 100, 4096}[rng.IntN(4)]
		want := bufio.NewReaderSize(&pieceReader{data: data, n: piece}, size)
		got := newInbuf(&pieceReader{data: data, n: piece}, size)
		var consumed int64
		for op := 0; op < 2000; op++ {
			var g, w []byte
			var gerr, werr error
			var name string
			switch rng.IntN(4) {
			case 0:
				k := rng.IntN(size + 2)
				name = fmt.Sprintf("Peek(%d)", k)
				g, gerr = got.Peek(k)
				w, werr = want.Peek(k)
			case 1:
				k := rng.IntN(size + 2)
				name = fmt.Sprintf("Discard(%d)", k)
				gn, ge := got.Discard(k)
				wn, we := want.Discard(k)
				g, w, gerr, werr = []byte(fmt.Sprint(gn)), []byte(fmt.Sprint(wn)), ge, we
				consumed += int64(gn)
			case 2:
				name = "ReadSlice"
				g, gerr = got.ReadSlice('\n')
				w, werr = want.ReadSlice('\n')
				consumed += int64(len(g))
			case 3:
				p := make([]byte, rng.IntN(size))
				name = fmt.Sprintf("Read(%d)", len(p))
				n, ge := got.Read(p)
				g, gerr = append([]byte(nil), p[:n]...), ge
				n, we := want.Read(p)
				w, werr = p[:n], we
				consumed += int64(len(g))
			}
			if !bytes.Equal(g, w) || gerr != werr {
				t.Fatalf("seed %d op %d %s: %q %v, bufio %q %v", seed, op, name, g, gerr, w, werr)
			}
			if got.Buffered() != want.Buffered() {
				t.Fatalf("seed %d op %d %s: %d buffered, bufio %d", seed, op, name, got.Buffered(), want.Buffered())
			}
			if got.r < got.w {
				at := uintptr(unsafe.Pointer(&got.buf[got.r]))
				if int64(at%lineAlign) != consumed%lineAlign {
					t.Fatalf("seed %d op %d: input offset %d at address %#x", seed, op, consumed, at)
				}
			}
		}
	}
}
