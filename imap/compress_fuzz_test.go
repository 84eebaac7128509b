package imap

import (
	"bufio"
	"bytes"
	"compress/flate"
	"context"
	"encoding/hex"
	"errors"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/mailstack/mailstack/store/memstore"
)

// deflated returns cmds compressed as one stream, each sync-flushed.
func deflated(level int, cmds ...string) []byte {
	var z bytes.Buffer
	w, _ := flate.NewWriter(&z, level)
	for _, c := range cmds {
		io.WriteString(w, c)
		w.Flush()
	}
	return z.Bytes()
}

// FuzzCompressStream feeds arbitrary bytes to a session as the client's
// DEFLATE stream after COMPRESS DEFLATE, followed by a LOGOUT compressed
// on its own (a valid continuation after a flush). The session must end
// (corrupt input ends it with a BYE), never panic, and what the server
// sent after the OK must stay a valid DEFLATE stream.
func FuzzCompressStream(f *testing.F) {
	for _, level := range []int{flate.HuffmanOnly, flate.NoCompression, flate.BestSpeed, flate.BestCompression} {
		f.Add(deflated(level, "c SELECT INBOX\r\n", "d FETCH 1:* (FLAGS BODY.PEEK[] BODYSTRUCTURE)\r\n",
			"e APPEND INBOX {5+}\r\nhello\r\n", "f IDLE\r\n", "DONE\r\n", "g COMPRESS DEFLATE\r\n"))
	}
	f.Add(deflated(flate.BestSpeed, "c APPEND INBOX {11}\r\n", "hello world\r\n", "d LIST \"\" *\r\n"))
	// python3 zlib, Z_PARTIAL_FLUSH after each command, Z_SYNC_FLUSH at
	// the end: "c SELECT INBOX", "d FETCH 1:* (FLAGS BODY.PEEK[HEADER])",
	// "e NOOP".
	partial, _ := hex.DecodeString("4a560876f571750e51f0f473f28fe0e50208a0140537d710670f05432b2d050d371f47f76005277f9748bd005757ef680f574717d7a0584d5e2e80004a55f0f3f70fe0e50208000000ffff")
	f.Add(partial)
	f.Add([]byte("c NOOP\r\n"))                      // not compressed
	f.Add([]byte{0x00, 0xff, 0xff, 0x00, 0x00, 'x'}) // a stored block cut short
	logout := deflated(flate.BestSpeed, "zz LOGOUT\r\n")
	f.Fuzz(func(t *testing.T, z []byte) {
		be := memstore.NewBackend()
		st, _ := be.Open(context.Background(), "u")
		mb, _ := st.OpenMailbox(context.Background(), "INBOX")
		mb.Append(context.Background(), strings.NewReader(msg1), nil)
		mb.Close()
		srv := &Server{Backend: be, AllowInsecureAuth: true, AuthFailureDelay: -1,
			MaxCommandSize: 4096, AppendLimit: 4096, IdleTimeout: 100 * time.Millisecond,
			Auth: AuthenticatorFunc(func(ctx context.Context, u, p string) error { return nil })}
		srv.init()
		cli, sc := net.Pipe()
		c := srv.newConn(sc)
		srv.track(c)
		ended := make(chan struct{})
		go func() { c.serve(); close(ended) }()
		okSeen := make(chan bool, 1)
		outErr := make(chan error, 1)
		go func() { outErr <- readCompressed(cli, okSeen) }()
		cli.SetWriteDeadline(time.Now().Add(5 * time.Second))
		io.WriteString(cli, "a LOGIN u pass\r\nb COMPRESS DEFLATE\r\n")
		if !<-okSeen {
			t.Fatal("COMPRESS refused")
		}
		cli.Write(append(z[:len(z):len(z)], logout...))
		select {
		case <-ended:
		case <-time.After(5 * time.Second):
			t.Fatal("session did not end")
		}
		cli.Close()
		var ce flate.CorruptInputError
		if err := <-outErr; errors.As(err, &ce) {
			t.Fatalf("server output is not valid DEFLATE: %v", err)
		}
		if srv.group.Len() != 0 {
			t.Fatal("connection still tracked after it ended")
		}
	})
}

// readCompressed reads a session's output: lines in clear up to
// COMPRESS's tagged response (reported on ok), then DEFLATE data to the
// end, returning the decompressor's error.
func readCompressed(r io.Reader, ok chan<- bool) error {
	br := bufio.NewReader(r)
	for {
		l, err := br.ReadString('\n')
		if err != nil {
			ok <- false
			return err
		}
		if strings.HasPrefix(l, "b ") {
			ok <- strings.HasPrefix(l, "b OK")
			break
		}
	}
	_, err := io.Copy(io.Discard, flate.NewReader(br))
	return err
}
