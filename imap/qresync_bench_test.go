package imap

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"net"
	"strings"
	"testing"

	"github.com/mailstack/mailstack/store"
	"github.com/mailstack/mailstack/store/memstore"
)

// BenchmarkQResync measures issue #8's figure: a client reconnects to a
// 100 000-message mailbox in which 100 changes (50 flag changes, 50
// expunges) happened since it last synchronised. qresync resynchronises
// with SELECT (QRESYNC (…)), receiving VANISHED (EARLIER) and 50 FETCH;
// full-fetch does what a client without QRESYNC must: SELECT and
// FETCH 1:* (UID FLAGS), 99 950 FETCH responses. Both include connecting
// and logging in.
func BenchmarkQResync(b *testing.B) {
	const total, changes = 100_000, 100
	ctx := context.Background()
	st := memstore.New()
	mb, err := st.OpenMailbox(ctx, "INBOX")
	if err != nil {
		b.Fatal(err)
	}
	for i := 0; i < total; i++ {
		if _, err := mb.Append(ctx, strings.NewReader(msg1), nil); err != nil {
			b.Fatal(err)
		}
	}
	status, _ := mb.Status(ctx)
	since := status.HighestModSeq
	step := store.UID(total / changes)
	for i := 0; i < changes; i++ {
		u := store.UID(i)*step + 7
		flags := []string{store.FlagFlagged}
		if i%2 == 1 {
			flags = []string{store.FlagDeleted}
		}
		if _, err := mb.SetFlags(ctx, store.UIDSetOf(u), store.FlagsAdd, flags, nil); err != nil {
			b.Fatal(err)
		}
	}
	if gone, err := mb.Expunge(ctx, store.All); err != nil || len(gone) != changes/2 {
		b.Fatalf("expunged %d: %v", len(gone), err)
	}
	mb.Close()
	be := store.BackendFunc(func(ctx context.Context, user string) (store.Store, error) { return keepOpen{st}, nil })
	srv := &Server{Backend: be, AllowInsecureAuth: true, AuthFailureDelay: -1,
		Auth: AuthenticatorFunc(func(ctx context.Context, u, p string) error { return nil })}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	go srv.Serve(l)
	defer srv.Shutdown(ctx)
	addr := l.Addr().String()

	qresync := []string{"ENABLE QRESYNC",
		fmt.Sprintf("EXAMINE INBOX (QRESYNC (%d %d 1:%d))", status.UIDValidity, since, total)}
	full := []string{"EXAMINE INBOX", "FETCH 1:* (UID FLAGS)"}
	b.Run("qresync", func(b *testing.B) { benchSession(b, addr, qresync, changes/2+1) })
	b.Run("full-fetch", func(b *testing.B) { benchSession(b, addr, full, total-changes/2) })
}

// benchSession connects, logs in, runs cmds and counts the untagged
// FETCH and VANISHED responses of the last one, which must be want. It
// reports the bytes the server sent per session as wire-B/op.
func benchSession(b *testing.B, addr string, cmds []string, want int) {
	b.ReportAllocs()
	var wire int64
	for i := 0; i < b.N; i++ {
		nc, err := net.Dial("tcp", addr)
		if err != nil {
			b.Fatal(err)
		}
		cr := &countingReader{r: nc}
		r := bufio.NewReaderSize(cr, 64<<10)
		r.ReadSlice('\n') // greeting
		got := 0
		for j, cmd := range append([]string{"LOGIN u p"}, cmds...) {
			tag := []byte(fmt.Sprintf("b%d ", j))
			fmt.Fprintf(nc, "%s%s\r\n", tag, cmd)
			got = 0
			for {
				line, err := r.ReadSlice('\n')
				if err != nil {
					b.Fatal(err)
				}
				if bytes.HasPrefix(line, tag) {
					if !bytes.HasPrefix(line[len(tag):], []byte("OK")) {
						b.Fatalf("%s: %s", cmd, line)
					}
					break
				}
				if bytes.Contains(line, []byte(" FETCH ")) || bytes.HasPrefix(line, []byte("* VANISHED")) {
					got++
				}
			}
		}
		if got != want {
			b.Fatalf("%d responses, want %d", got, want)
		}
		fmt.Fprintf(nc, "z LOGOUT\r\n")
		nc.Close()
		wire += int64(cr.n) // countingReader: compress_mem_test.go
	}
	b.ReportMetric(float64(wire)/float64(b.N), "wire-B/op")
}
