// Package inflate decodes a raw DEFLATE stream (RFC 1951), as IMAP
// COMPRESS=DEFLATE (RFC 4978) sends it, without ever waiting for input
// while it holds decoded bytes.
//
// compress/flate keeps what it decoded until a block ends in a stored
// block, as a sync flush (Z_SYNC_FLUSH) ends it. A client that ends its
// command with a partial flush (Z_PARTIAL_FLUSH, as isync does) sends an
// empty fixed block instead, whose last bits stay in its compressor until
// it writes again, and compress/flate then waits for them with the
// command in hand: client and server wait for each other. This Reader
// hands out what it decoded as soon as the next step could need a byte
// that has not arrived, and otherwise reads only the bits of the code it
// is decoding (RFC 4978 §4 asks that a flushed command be decodable).
//
// Memory: a Reader holds the window that RFC 1951 §3.2.5 distances may
// reach back into: as much output as it has produced, up to 32 KiB, and
// 3.3 KiB of code tables once it has met a block with dynamic codes.
// A session that has sent little costs little.
//
// Speed: about 0.65x compress/flate's (BenchmarkInflate, 1 MB of text
// decoded at 120 to 150 MB/s on the machine this was written on), ample
// for what clients send.
package inflate

import (
	"errors"
	"io"
)

// Source is the compressed input. Buffered reports how many bytes
// ReadByte returns without waiting.
type Source interface {
	io.ByteReader
	Buffered() int
}

// ErrCorrupt is returned for input that is not valid DEFLATE data.
var ErrCorrupt = errors.New("inflate: corrupt DEFLATE data")

const (
	winSize = 1 << 15 // RFC 1951 §2: distances reach back 32768 bytes
	// minWindow is the window's first size.
	minWindow = 1 << 10
	maxMatch  = 258
	// maxPair bounds the bits of a length/distance pair: codes of 15
	// bits and 5 and 13 extra bits.
	maxPair = 15 + 5 + 15 + 13
)

type state uint8

const (
	stateHeader state = iota // before a block header
	stateStored              // in a stored block
	stateCodes               // in a Huffman-coded block
)

// Reader decodes a DEFLATE stream read from a Source.
type Reader struct {
	src     Source
	bits    uint64 // input bits not yet used, first at the low end
	nb      uint   // how many
	win     []byte // the window, grown to winSize as output comes
	wpos    int    // where the next byte goes in win, up to len(win)
	filled  int    // how much of win holds output (distances reach no further)
	pending int    // decoded bytes before wpos not yet returned by Read
	state   state
	final   bool // the current block is the last
	stored  int  // bytes left in a stored block
	lit     *huffman
	dist    *huffman
	dyn     *[2]huffman // a dynamic block's codes, from the first one on
	err     error
}

// NewReader returns a Reader decoding src.
func NewReader(src Source) *Reader {
	return &Reader{src: src}
}

// Read returns decoded bytes. It waits for input only when it has none to
// return. After the final block it returns io.EOF; ErrCorrupt for invalid
// data; the Source's errors as they are (io.EOF inside a block becomes
// io.ErrUnexpectedEOF). Errors are final.
func (r *Reader) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	for r.pending == 0 {
		if r.err != nil {
			return 0, r.err
		}
		r.decode(len(p))
	}
	return r.drain(p), nil
}

// drain copies out pending bytes.
func (r *Reader) drain(p []byte) int {
	n := 0
	for n < len(p) && r.pending > 0 {
		start := (r.wpos - r.pending) & (len(r.win) - 1)
		end := min(start+r.pending, len(r.win))
		c := copy(p[n:], r.win[start:end])
		n += c
		r.pending -= c
	}
	return n
}

// decode decodes until want bytes are pending, the window has no room
// for another match, or going on could mean waiting for input while
// bytes are pending.
func (r *Reader) decode(want int) {
	for r.err == nil && r.pending < want && r.pending <= winSize-maxMatch {
		switch r.state {
		case stateHeader:
			if r.pending > 0 {
				return // a header can be long: hand out what is decoded
			}
			if r.final {
				r.err = io.EOF
				return
			}
			r.header()
		case stateStored:
			if !r.copyStored(want) {
				return
			}
		case stateCodes:
			if !r.codes(want) {
				return
			}
		}
	}
}

// codes decodes symbols until the block ends or decode should stop; false
// when the next symbol could need bits that have not arrived while bytes
// are pending.
func (r *Reader) codes(want int) bool {
	for r.state == stateCodes && r.err == nil && r.pending < want && r.pending <= winSize-maxMatch {
		if r.nb < maxPair && r.pending > 0 {
			r.prefetch()
			if r.nb < maxPair && !r.literalReady() {
				return false // the source has no more for now
			}
		}
		r.symbol()
	}
	return true
}

func (r *Reader) fail(err error) {
	if r.err == nil {
		r.err = err
	}
}

// need makes n bits available, waiting for input if needed; false on
// error.
func (r *Reader) need(n uint) bool {
	for r.nb < n {
		b, err := r.src.ReadByte()
		if err != nil {
			r.readFailed(err)
			return false
		}
		r.bits |= uint64(b) << r.nb
		r.nb += 8
	}
	return true
}

// readFailed records an error of the source: io.EOF is
// io.ErrUnexpectedEOF unless it falls between blocks.
func (r *Reader) readFailed(err error) {
	if err == io.EOF && (r.nb > 0 || r.state != stateHeader) {
		err = io.ErrUnexpectedEOF
	}
	r.fail(err)
}

// take returns the next n bits (n <= 32), which need made available.
func (r *Reader) take(n uint) uint32 {
	v := uint32(r.bits & (1<<n - 1))
	r.bits >>= n
	r.nb -= n
	return v
}

// getBits waits for and takes n bits; ok false on error.
func (r *Reader) getBits(n uint) (uint32, bool) {
	if !r.need(n) {
		return 0, false
	}
	return r.take(n), true
}

// prefetch moves input that has arrived into the bit buffer, without
// waiting.
func (r *Reader) prefetch() {
	for n := min(r.src.Buffered(), int(64-r.nb)/8); n > 0; n-- {
		b, err := r.src.ReadByte()
		if err != nil {
			return
		}
		r.bits |= uint64(b) << r.nb
		r.nb += 8
	}
}

// literalReady reports whether the next symbol is a literal or the end
// of the block whose bits have all arrived.
func (r *Reader) literalReady() bool {
	r.prefetch()
	if r.nb < fastBits {
		return false
	}
	e := r.lit.fast[r.bits&(fastSize-1)]
	return e != 0 && e>>4 <= 256
}

// decodeSym decodes one symbol of h; -1 on error.
func (r *Reader) decodeSym(h *huffman) int {
	if r.nb < fastBits {
		r.prefetch()
	}
	if r.nb >= fastBits {
		if e := h.fast[r.bits&(fastSize-1)]; e != 0 {
			r.take(uint(e & 15))
			return int(e >> 4)
		}
	}
	// Bit by bit (puff.c): never more bits than the code has.
	code, first, index := 0, 0, 0
	for l := uint(1); l <= maxBits; l++ {
		if !r.need(l) {
			return -1
		}
		code |= int(r.bits>>(l-1)) & 1
		count := int(h.count[l])
		if code < first+count {
			r.take(l)
			return int(h.symbol[index+code-first])
		}
		index += count
		first = (first + count) << 1
		code <<= 1
	}
	r.fail(ErrCorrupt)
	return -1
}

func (r *Reader) put(b byte) {
	if r.wpos == len(r.win) {
		if len(r.win) < winSize {
			r.grow()
		} else {
			r.wpos = 0
		}
	}
	r.win[r.wpos] = b
	r.wpos++
	r.pending++
	if r.filled < winSize {
		r.filled++
	}
}

// grow doubles the window, which is full and has not wrapped around: its
// bytes keep their places.
func (r *Reader) grow() {
	w := make([]byte, max(2*len(r.win), minWindow))
	copy(w, r.win)
	r.win = w
}
