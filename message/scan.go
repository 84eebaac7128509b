package message

import (
	"bytes"
	"encoding/binary"
	"io"
	"math/bits"
)

// scanBufSize is the read buffer of the index scanner; it bounds the memory
// a parse uses for the message bytes, whatever the message size.
const scanBufSize = 64 << 10

// maxBoundary bounds the boundary parameters followed. RFC 2046 §5.1.1 caps
// boundaries at 70 characters; longer ones are accepted up to this length.
const maxBoundary = 1000

// scanner reads an io.ReaderAt forward through a fixed buffer, keeping the
// absolute offset and running line-ending counts.
type scanner struct {
	r     io.ReaderAt
	size  int64
	buf   []byte
	base  int64 // absolute offset of buf[0]
	pos   int   // next unread byte in buf
	end   int   // valid bytes in buf
	prev  byte  // the byte before the next unread one ('\n' at offset 0)
	prev2 byte  // the byte before prev
	lfs   int64 // LFs consumed so far
	bare  int64 // LFs not preceded by CR consumed so far
	err   error // a read error other than EOF
}

// reset makes s read r[0:size] from the start, keeping its buffer (which
// must hold at least a boundary line prefix, 2+maxBoundary+2 bytes).
func (s *scanner) reset(r io.ReaderAt, size int64) {
	*s = scanner{r: r, size: size, buf: s.buf, prev: '\n'}
}

func (s *scanner) off() int64 { return s.base + int64(s.pos) }

func (s *scanner) eof() bool { return s.pos >= s.end && !s.fill(1) }

func (s *scanner) atLineStart() bool { return s.prev == '\n' }

// fill tries to make n bytes available after pos (n ≤ len(buf)); it
// reports whether at least one byte is available.
func (s *scanner) fill(n int) bool {
	if s.end-s.pos >= n {
		return true
	}
	if s.pos > 0 {
		copy(s.buf, s.buf[s.pos:s.end])
		s.base += int64(s.pos)
		s.end -= s.pos
		s.pos = 0
	}
	for s.end < n && s.err == nil {
		next := s.base + int64(s.end)
		if next >= s.size {
			break
		}
		want := len(s.buf) - s.end
		if rem := s.size - next; int64(want) > rem {
			want = int(rem)
		}
		m, err := s.r.ReadAt(s.buf[s.end:s.end+want], next)
		s.end += m
		if err != nil && !(err == io.EOF && m > 0) {
			if err != io.EOF {
				s.err = err
			}
			s.size = s.base + int64(s.end) // treat a short file as ending here
		}
	}
	return s.end > s.pos
}

// consume advances over n buffered bytes, counting line endings.
func (s *scanner) consume(n int) {
	if n == 0 {
		return
	}
	_, lf, bare, _ := scanLines(s.buf[s.pos:s.pos+n], n, s.prev, false)
	s.advance(n, lf, bare)
}

// advance moves past n buffered bytes holding lf LFs, bare of them without
// a CR before them.
func (s *scanner) advance(n int, lf, bare int64) {
	s.lfs += lf
	s.bare += bare
	region := s.buf[s.pos : s.pos+n]
	if n >= 2 {
		s.prev2 = region[n-2]
	} else {
		s.prev2 = s.prev
	}
	s.prev = region[n-1]
	s.pos += n
}

// line returns the rest of the current line, up to and including its LF,
// and whether it is complete; a line longer than the buffer is returned in
// pieces. The slice is valid until the next call. It does not consume.
func (s *scanner) line() ([]byte, bool) {
	if !s.fill(1) {
		return nil, true
	}
	if i := bytes.IndexByte(s.buf[s.pos:s.end], '\n'); i >= 0 {
		return s.buf[s.pos : s.pos+i+1], true
	}
	s.fill(len(s.buf))
	if i := bytes.IndexByte(s.buf[s.pos:s.end], '\n'); i >= 0 {
		return s.buf[s.pos : s.pos+i+1], true
	}
	// No LF in a full buffer, or the last line of the input.
	return s.buf[s.pos:s.end], s.base+int64(s.end) >= s.size
}

// skipLine consumes through the end of the current line.
func (s *scanner) skipLine() {
	for {
		l, complete := s.line()
		if len(l) == 0 {
			return
		}
		s.consume(len(l))
		if complete {
			return
		}
	}
}

// boundaryHit describes a boundary line found by the scanner.
type boundaryHit struct {
	eof       bool  // no boundary: the input ended
	idx       int   // index in the boundary stack
	closing   bool  // "--boundary--"
	lineStart int64 // offset of the boundary line (or of EOF)
	eol       int   // length of the line ending before it that belongs to it (RFC 2046 §5.1.1)
	lfs, bare int64 // scanner counts at lineStart
}

// matchBoundary checks the line at pos (which must be a line start) against
// the stack, innermost first, as a prefix like Dovecot does.
func (s *scanner) matchBoundary(stack []string) (int, bool, bool) {
	if len(stack) == 0 {
		return 0, false, false
	}
	s.fill(2 + maxBoundary + 2)
	b := s.buf[s.pos:s.end]
	if len(b) < 2 || b[0] != '-' || b[1] != '-' {
		return 0, false, false
	}
	b = b[2:]
	for i := len(stack) - 1; i >= 0; i-- {
		if bytes.HasPrefix(b, []byte(stack[i])) {
			rest := b[len(stack[i]):]
			return i, len(rest) >= 2 && rest[0] == '-' && rest[1] == '-', true
		}
	}
	return 0, false, false
}

// hit records a boundary (or EOF) at the current position.
func (s *scanner) hit(idx int, closing, eof bool) boundaryHit {
	h := boundaryHit{eof: eof, idx: idx, closing: closing, lineStart: s.off(), lfs: s.lfs, bare: s.bare}
	if !eof && s.off() > 0 {
		h.eol = 1
		if s.prev2 == '\r' {
			h.eol = 2
		}
	}
	return h
}

// toBoundary consumes body bytes up to the next line that matches a
// boundary of the stack, then consumes that line too. It returns where the
// boundary line started, or EOF.
func (s *scanner) toBoundary(stack []string) boundaryHit {
	for {
		if s.atLineStart() {
			if idx, closing, ok := s.matchBoundary(stack); ok {
				h := s.hit(idx, closing, false)
				s.skipLine()
				return h
			}
		}
		if !s.fill(3) {
			return s.hit(0, false, true)
		}
		if len(stack) == 0 {
			s.consume(s.end - s.pos)
			continue
		}
		b := s.buf[s.pos:s.end]
		// Scan to a line starting with "--"; keep the last two bytes:
		// "\n-" may continue in the next read.
		limit := len(b) - 2
		if s.base+int64(s.end) >= s.size {
			limit = len(b)
		}
		if limit <= 0 {
			limit = 1
		}
		n, lf, bare, _ := scanLines(b, limit, s.prev, true)
		s.advance(n, lf, bare)
	}
}

// SWAR constants: a byte value repeated in each of 8 bytes.
const (
	low7    = 0x7f7f7f7f7f7f7f7f
	lfBytes = 0x0a0a0a0a0a0a0a0a
	crBytes = 0x0d0d0d0d0d0d0d0d
)

// zeroBytes sets the high bit of each byte of x that is zero, exactly (no
// borrow crosses bytes).
func zeroBytes(x uint64) uint64 { return ^(((x & low7) + low7) | x | low7) }

// scanLines counts the LFs in b[:limit] and those of them without a CR
// before them (prev is the byte before b), eight bytes at a time; the
// index pass and the two counting passes this replaces cost twice as much.
// With dashes it stops after the first LF that starts a line beginning with
// "--" (a possible boundary, RFC 2046 §5.1.1) and reports it. It returns
// the bytes scanned.
func scanLines(b []byte, limit int, prev byte, dashes bool) (n int, lf, bare int64, found bool) {
	p := uint64(prev)
	i := 0
	for ; i+8 <= limit; i += 8 {
		w := binary.LittleEndian.Uint64(b[i:])
		lfm := zeroBytes(w ^ lfBytes)
		if lfm != 0 {
			crm := zeroBytes((w<<8 | p) ^ crBytes) // CR in the byte before
			lf += int64(bits.OnesCount64(lfm))
			bare += int64(bits.OnesCount64(lfm &^ crm))
			if dashes {
				for m := lfm; m != 0; m &= m - 1 {
					j := i + bits.TrailingZeros64(m)>>3
					if j+2 < len(b) && b[j+1] == '-' && b[j+2] == '-' {
						// Uncount the LFs after j in this word.
						after := m &^ (m - 1) // this LF's bit
						rest := lfm &^ (after | (after - 1))
						lf -= int64(bits.OnesCount64(rest))
						bare -= int64(bits.OnesCount64(rest &^ crm))
						return j + 1, lf, bare, true
					}
				}
			}
		}
		p = w >> 56
	}
	last := byte(p)
	for ; i < limit; i++ {
		c := b[i]
		if c == '\n' {
			lf++
			if last != '\r' {
				bare++
			}
			if dashes && i+2 < len(b) && b[i+1] == '-' && b[i+2] == '-' {
				return i + 1, lf, bare, true
			}
		}
		last = c
	}
	return limit, lf, bare, false
}
