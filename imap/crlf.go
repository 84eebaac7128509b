package imap

import (
	"bytes"
	"io"
	"sort"
	"sync"
)

// Stored messages often end lines with LF alone (what MDAs write in a
// Maildir); IMAP sends CRLF (RFC 9051 §2.2), and sizes and offsets must be
// those of the CRLF form, as Dovecot reports them. crlfView presents a
// stored message in its CRLF form as an io.ReaderAt without loading it:
// one pass records, every crlfBlock raw bytes, where that block starts in
// the CRLF form, and a read converts from the nearest mark. crlfReader
// converts a stream, for a whole message whose CRLF size is known.
type crlfView struct {
	src   io.ReaderAt
	raw   int64
	size  int64
	marks []crlfMark
}

type crlfMark struct {
	conv   int64 // offset in the CRLF form of the block's first byte
	prevCR bool  // the byte before the block is CR
}

const crlfBlock = 32 << 10

// blockPool holds crlfBlock-sized scratch buffers for raw bytes.
var blockPool = sync.Pool{New: func() any { b := make([]byte, crlfBlock); return &b }}

// crlfConvert copies src to dst with a CR put before every LF that does
// not follow one; prevCR tells whether the byte before src[0] was CR. It
// stops when dst cannot take the next byte (or the CR LF pair) and returns
// the bytes written and read and whether the last byte read was CR.
func crlfConvert(dst, src []byte, prevCR bool) (w, r int, cr bool) {
	cr = prevCR
	for r < len(src) {
		i := bytes.IndexByte(src[r:], '\n')
		if i < 0 {
			i = len(src) - r
		}
		n := copy(dst[w:], src[r:r+i])
		if n > 0 {
			cr = src[r+n-1] == '\r'
		}
		w, r = w+n, r+n
		if n < i || r == len(src) {
			return w, r, cr
		}
		if cr { // src[r] is a LF after CR
			if w == len(dst) {
				return w, r, cr
			}
			dst[w] = '\n'
			w++
		} else {
			if w+2 > len(dst) {
				return w, r, cr
			}
			dst[w], dst[w+1] = '\r', '\n'
			w += 2
		}
		r++
		cr = false
	}
	return w, r, cr
}

// newCRLFView returns src itself when it has no bare LF, else a view
// converting it; size is the CRLF size.
func newCRLFView(src io.ReaderAt, raw int64) (io.ReaderAt, int64, error) {
	v := &crlfView{src: src, raw: raw}
	bp := blockPool.Get().(*[]byte)
	defer blockPool.Put(bp)
	buf := *bp
	var conv int64
	prevCR := false
	bare := false
	for off := int64(0); off < raw; off += crlfBlock {
		v.marks = append(v.marks, crlfMark{conv, prevCR})
		n, err := src.ReadAt(buf[:min(crlfBlock, raw-off)], off)
		if err != nil && !(err == io.EOF && int64(n) == min(crlfBlock, raw-off)) {
			return nil, 0, err
		}
		b := buf[:n]
		lfs := bytes.Count(b, []byte{'\n'})
		crlfs := bytes.Count(b, []byte("\r\n"))
		if prevCR && n > 0 && b[0] == '\n' {
			crlfs++
		}
		conv += int64(n + lfs - crlfs)
		bare = bare || lfs != crlfs
		prevCR = n > 0 && b[n-1] == '\r'
	}
	if !bare {
		return src, raw, nil
	}
	v.size = conv
	return v, conv, nil
}

// ReadAt reads the CRLF form.
func (v *crlfView) ReadAt(p []byte, off int64) (int, error) {
	if off >= v.size {
		return 0, io.EOF
	}
	k := sort.Search(len(v.marks), func(i int) bool { return v.marks[i].conv > off }) - 1
	conv, cr := v.marks[k].conv, v.marks[k].prevCR
	rawOff := int64(k) * crlfBlock
	bp := blockPool.Get().(*[]byte)
	defer blockPool.Put(bp)
	rbuf := *bp
	var cbuf [4096]byte
	n := 0
	for n < len(p) && rawOff < v.raw {
		m, err := v.src.ReadAt(rbuf[:min(crlfBlock, v.raw-rawOff)], rawOff)
		src := rbuf[:m]
		rawOff += int64(m)
		for len(src) > 0 && n < len(p) {
			pos := off + int64(n)
			if conv >= pos {
				// Converting straight into p from here on.
				w, r, c := crlfConvert(p[n:], src, cr)
				if w == 0 { // room left for the CR of a CR LF only
					p[n] = '\r'
					n++
					break
				}
				n, src, cr, conv = n+w, src[r:], c, conv+int64(w)
				continue
			}
			// Still before off: convert into scratch and skip.
			w, r, c := crlfConvert(cbuf[:], src, cr)
			if conv+int64(w) > pos {
				n += copy(p[n:], cbuf[pos-conv:w])
			}
			src, cr, conv = src[r:], c, conv+int64(w)
		}
		if err != nil && err != io.EOF {
			return n, err
		}
		if m == 0 {
			break
		}
	}
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

// crlfReader streams src in CRLF form.
type crlfReader struct {
	src    io.Reader
	bp     *[]byte // raw bytes read: buf[r:w] not converted yet
	r, w   int
	cr     bool // the last raw byte converted was CR
	needLF bool // a CR was sent, its LF not yet
	err    error
}

func newCRLFReader(src io.Reader) *crlfReader {
	return &crlfReader{src: src, bp: blockPool.Get().(*[]byte)}
}

// Read converts the next bytes into p.
func (c *crlfReader) Read(p []byte) (int, error) {
	n := 0
	if c.needLF && len(p) > 0 {
		p[0], c.needLF = '\n', false
		n++
	}
	for n < len(p) {
		if c.r == c.w {
			if c.err != nil || c.bp == nil {
				break
			}
			m, err := c.src.Read(*c.bp)
			c.r, c.w, c.err = 0, m, err
			continue
		}
		buf := *c.bp
		w, r, cr := crlfConvert(p[n:], buf[c.r:c.w], c.cr)
		n, c.r, c.cr = n+w, c.r+r, cr
		if w == 0 { // one byte of room and a bare LF next: CR now, LF later
			p[n], c.needLF, c.cr = '\r', true, false
			n++
			c.r++
		}
	}
	if n == 0 && c.err != nil {
		return 0, c.err
	}
	return n, nil
}

// Close gives the buffer back.
func (c *crlfReader) Close() error {
	if c.bp != nil {
		blockPool.Put(c.bp)
		c.bp = nil
	}
	return nil
}
