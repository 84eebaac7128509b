package imap

import (
	"compress/flate"
	"io"
	"sync"

	"github.com/mailstack/mailstack/imap/internal/imapwire"
	"github.com/mailstack/mailstack/imap/internal/inflate"
)

// COMPRESS DEFLATE, RFC 4978 §3: the tagged OK is the last response sent
// as is; from the next byte on, both directions are raw DEFLATE
// (RFC 1951, no zlib header), under the tracer, which keeps seeing the
// dialog in clear.
func cmdCompress(c *conn, cmd *command) error {
	var mech string
	if !c.dec.ExpectSP() || !c.dec.ExpectAtom(&mech) || !c.endArgs() {
		return nil
	}
	switch {
	case c.srv.DisableCompress:
		return no("", "COMPRESS is disabled")
	case c.compressed != nil:
		return no("COMPRESSIONACTIVE", "DEFLATE is already active")
	case !equalFold(mech, "DEFLATE"):
		return no("", "Unknown compression mechanism")
	}
	c.reply(cmd.tag, &Error{Type: "OK", Text: "DEFLATE active"})
	cmd.replied = true
	if err := c.enc.Release(); err != nil {
		c.state = stateLogout
		return nil
	}
	c.startDeflate()
	return nil
}

// startDeflate puts a deflateStream between the connection and the
// session's reader, writer and tracer.
func (c *conn) startDeflate() {
	in := &deflateInput{r: c.nc}
	if n := c.br.Buffered(); n > 0 {
		// The client did not wait for the OK (RFC 4978 §3 says it
		// must): what it sent after COMPRESS is compressed already.
		b, _ := c.br.Peek(n)
		in.buf = inputPool.Get().(*[inputSize]byte)
		in.data = in.buf[:copy(in.buf[:], b)]
	}
	c.compressed = &deflateStream{in: in, r: inflate.NewReader(in), w: deflateOutput{w: c.nc}}
	var rw io.ReadWriter = c.compressed
	if c.trace != nil {
		c.trace.rw = c.compressed
		rw = c.trace
	}
	c.rd = rw
	c.first = firstByte{r: rw}
	c.br.Reset(&c.first)
	c.enc = imapwire.NewPooledEncoder(rw)
	c.enc.UTF8 = c.utf8
}

// deflateStream is a compressed session's connection as the session
// sees it: Read decompresses, Write compresses.
type deflateStream struct {
	in *deflateInput
	r  *inflate.Reader
	w  deflateOutput
}

func (z *deflateStream) Read(p []byte) (int, error)  { return z.r.Read(p) }
func (z *deflateStream) Write(p []byte) (int, error) { return z.w.Write(p) }

// Memory. The client's compressor may refer back 32 KiB into what it
// sent before (RFC 1951 §3.2.5), so each compressed session keeps a
// decompressor with its window for as long as it lives. The window grows
// with what the client has sent: an idle session costs about 1.3 KB more
// than without COMPRESS after a few commands, 36.5 KB once the client
// has sent 32 KiB (TestCompressIdleMemory). Input buffers go back to a
// pool when drained, as without compression.
//
// A compressor (compress/flate.Writer) is far larger, 0.7 to 1.2 MB
// whatever the level (its tables are allocated whole), so none is kept
// per session:
// each burst of responses (one write of the session's write buffer,
// which flushes at the end of every response and every 32 KiB) takes one
// from a pool, resets it, compresses, ends with a sync flush
// (Z_SYNC_FLUSH, RFC 4978 §4: the client can decode everything sent so
// far) and gives it back. A sync flush ends on a byte boundary after a
// complete block, so a fresh compressor may go on from there: the client
// only sees more blocks. What is lost is references into earlier bursts
// (measured in TestCompressRatio); what is gained, besides memory, is that
// a response never shares a compression context with another one, the
// cross-response probing that CRIME-like attacks on compression over TLS
// rely on (RFC 4978 §6). Level BestSpeed resets cheaply (the others
// clear 640 KiB of hash tables on every reset): a short response costs
// the same 1.8 µs as with a compressor kept per session, a full 32 KiB
// write about 20% more (BenchmarkCompressBurst). A server that sends
// compressed responses rarely may find the pool emptied by the garbage
// collector and allocate a compressor for a burst now and then.
var (
	deflaterPool = sync.Pool{New: func() any {
		w, _ := flate.NewWriter(nil, flate.BestSpeed)
		return w
	}}
	inputPool = sync.Pool{New: func() any { return new([inputSize]byte) }}
)

const inputSize = 4096

// deflateOutput compresses each write on its own and sync-flushes it.
type deflateOutput struct {
	w   io.Writer
	err error // a failed write leaves the stream unusable
}

func (d *deflateOutput) Write(p []byte) (int, error) {
	if d.err != nil {
		return 0, d.err
	}
	fw := deflaterPool.Get().(*flate.Writer)
	fw.Reset(d.w)
	_, err := fw.Write(p)
	if err == nil {
		err = fw.Flush()
	}
	if err != nil {
		d.err = err // fw is dropped, not pooled, in whatever state it is
		return 0, err
	}
	fw.Reset(nil)
	deflaterPool.Put(fw)
	return len(p), nil
}

// deflateInput is the compressed input for inflate.Reader: a buffer taken
// from inputPool while it holds unread bytes.
type deflateInput struct {
	r    io.Reader
	buf  *[inputSize]byte // nil when drained
	data []byte           // unread bytes, in buf or one
	one  [1]byte
	// lean makes the next read a one-byte read into one: set while the
	// session waits for a command (awaitInput), so that it holds no
	// buffer then either.
	lean bool
}

func (in *deflateInput) Buffered() int { return len(in.data) }

func (in *deflateInput) ReadByte() (byte, error) {
	for len(in.data) == 0 {
		if err := in.fill(); err != nil {
			return 0, err
		}
	}
	b := in.data[0]
	in.data = in.data[1:]
	if len(in.data) == 0 && in.buf != nil {
		inputPool.Put(in.buf)
		in.buf = nil
	}
	return b, nil
}

func (in *deflateInput) fill() error {
	if in.lean {
		in.lean = false
		n, err := in.r.Read(in.one[:])
		in.data = in.one[:n]
		if n > 0 {
			return nil
		}
		return err
	}
	in.buf = inputPool.Get().(*[inputSize]byte)
	n, err := in.r.Read(in.buf[:])
	in.data = in.buf[:n]
	if n > 0 {
		return nil
	}
	inputPool.Put(in.buf)
	in.buf = nil
	return err
}
