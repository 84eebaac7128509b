package inflate

// Canonical Huffman codes (RFC 1951 §3.2.2), decoded with a table for
// codes up to fastBits long and, for longer ones or when fewer bits have
// arrived, bit by bit in the manner of zlib's puff.c, which reads no
// more bits than the code has.

const (
	maxBits  = 15 // longest code, RFC 1951 §3.2.2
	fastBits = 9  // the fixed literal/length code's longest
	fastSize = 1 << fastBits
)

type huffman struct {
	count  [maxBits + 1]uint16 // codes of each length
	symbol [288]uint16         // symbols in code order
	// fast maps the next fastBits input bits (first bit lowest) to
	// symbol<<4 | length; 0 where the code is longer or absent.
	fast [fastSize]uint16
}

// build makes the code whose symbol i has length lens[i] (0: unused). An
// over-subscribed set of lengths is refused; an incomplete one is
// accepted (zlib allows a lone distance code), and its missing codes
// fail when met.
func (h *huffman) build(lens []uint8) bool {
	h.count = [maxBits + 1]uint16{}
	for _, l := range lens {
		h.count[l]++
	}
	h.count[0] = 0
	left := 1
	for l := 1; l <= maxBits; l++ {
		left = left<<1 - int(h.count[l])
		if left < 0 {
			return false
		}
	}
	var offs, next [maxBits + 1]int
	code := 0
	for l := 1; l <= maxBits; l++ {
		if l < maxBits {
			offs[l+1] = offs[l] + int(h.count[l])
		}
		code = (code + int(h.count[l-1])) << 1
		next[l] = code
	}
	clear(h.fast[:])
	for sym, l := range lens {
		if l == 0 {
			continue
		}
		h.symbol[offs[l]] = uint16(sym)
		offs[l]++
		c := next[l]
		next[l]++
		if l > fastBits {
			continue
		}
		rev := reverse(c, int(l))
		for i := rev; i < fastSize; i += 1 << l {
			h.fast[i] = uint16(sym)<<4 | uint16(l)
		}
	}
	return true
}

// reverse returns the n low bits of c in reverse order: codes are sent
// first bit first, and the input is consumed from the low bit.
func reverse(c, n int) int {
	r := 0
	for range n {
		r = r<<1 | c&1
		c >>= 1
	}
	return r
}

var fixedLit, fixedDist huffman

// RFC 1951 §3.2.6.
func init() {
	var lens [288]uint8
	for i := range lens {
		switch {
		case i < 144:
			lens[i] = 8
		case i < 256:
			lens[i] = 9
		case i < 280:
			lens[i] = 7
		default:
			lens[i] = 8
		}
	}
	fixedLit.build(lens[:])
	var d [32]uint8
	for i := range d {
		d[i] = 5
	}
	fixedDist.build(d[:])
}
