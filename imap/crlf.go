package imap

import (
	"bytes"
	"io"
	"sort"
)

// Stored messages often end lines with LF alone (what MDAs write in a
// Maildir); IMAP sends CRLF (RFC 9051 §2.2), and sizes and offsets must be
// those of the CRLF form, as Dovecot reports them. crlfView presents a
// stored message in its CRLF form as an io.ReaderAt without loading it:
// one pass records, every crlfBlock raw bytes, where that block starts in
// the CRLF form, and a read converts from the nearest mark.
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

// newCRLFView returns src itself when it has no bare LF, else a view
// converting it; size is the CRLF size.
func newCRLFView(src io.ReaderAt, raw int64) (io.ReaderAt, int64, error) {
	v := &crlfView{src: src, raw: raw}
	buf := make([]byte, crlfBlock)
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
	conv, prevCR := v.marks[k].conv, v.marks[k].prevCR
	rawOff := int64(k) * crlfBlock
	buf := make([]byte, min(crlfBlock, int64(len(p))+1024))
	n := 0
	emit := func(c byte) {
		if conv >= off && n < len(p) {
			p[n] = c
			n++
		}
		conv++
	}
	for n < len(p) && rawOff < v.raw {
		m, err := v.src.ReadAt(buf[:min(int64(len(buf)), v.raw-rawOff)], rawOff)
		for _, c := range buf[:m] {
			if c == '\n' && !prevCR {
				emit('\r')
			}
			emit(c)
			prevCR = c == '\r'
			if n == len(p) {
				break
			}
		}
		rawOff += int64(m)
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
