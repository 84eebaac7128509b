package inflate

// header reads a block header (RFC 1951 §3.2.3) and what follows it up to
// the block's data: a stored block's length (§3.2.4) or a dynamic block's
// codes (§3.2.7).
func (r *Reader) header() {
	h, ok := r.getBits(3)
	if !ok {
		return
	}
	r.final = h&1 == 1
	switch h >> 1 {
	case 0:
		r.take(r.nb & 7) // to a byte boundary
		v, ok := r.getBits(32)
		if !ok {
			return
		}
		if v&0xffff != ^v>>16 {
			r.fail(ErrCorrupt)
			return
		}
		r.stored = int(v & 0xffff)
		r.state = stateStored
	case 1:
		r.lit, r.dist = &fixedLit, &fixedDist
		r.state = stateCodes
	case 2:
		if r.dyn == nil {
			r.dyn = new([2]huffman)
		}
		if r.dynamic() {
			r.lit, r.dist = &r.dyn[0], &r.dyn[1]
			r.state = stateCodes
		}
	default:
		r.fail(ErrCorrupt)
	}
}

// The order of the code length code lengths, RFC 1951 §3.2.7.
var clenOrder = [19]uint8{16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15}

// dynamic reads a dynamic block's code lengths and builds its codes.
func (r *Reader) dynamic() bool {
	if !r.need(14) {
		return false
	}
	nlit := int(r.take(5)) + 257
	ndist := int(r.take(5)) + 1
	nclen := int(r.take(4)) + 4
	if nlit > 286 || ndist > 30 {
		r.fail(ErrCorrupt)
		return false
	}
	var clens [19]uint8
	for _, i := range clenOrder[:nclen] {
		v, ok := r.getBits(3)
		if !ok {
			return false
		}
		clens[i] = uint8(v)
	}
	// The code length code is built in the distance table's place,
	// which is built last.
	clen := &r.dyn[1]
	if !clen.build(clens[:]) {
		r.fail(ErrCorrupt)
		return false
	}
	var lens [286 + 30]uint8
	if !r.codeLengths(clen, lens[:nlit+ndist]) {
		return false
	}
	if lens[256] == 0 || !r.dyn[0].build(lens[:nlit]) || !r.dyn[1].build(lens[nlit:nlit+ndist]) {
		r.fail(ErrCorrupt) // no end-of-block code, or over-subscribed
		return false
	}
	return true
}

// codeLengths decodes the run-length coded lengths of a dynamic block's
// codes (RFC 1951 §3.2.7).
func (r *Reader) codeLengths(clen *huffman, lens []uint8) bool {
	for i := 0; i < len(lens); {
		sym := r.decodeSym(clen)
		if sym < 0 {
			return false
		}
		if sym < 16 {
			lens[i] = uint8(sym)
			i++
			continue
		}
		var val uint8
		var rep uint32
		var ok bool
		switch sym {
		case 16:
			if i == 0 {
				r.fail(ErrCorrupt)
				return false
			}
			val = lens[i-1]
			rep, ok = r.getBits(2)
			rep += 3
		case 17:
			rep, ok = r.getBits(3)
			rep += 3
		default:
			rep, ok = r.getBits(7)
			rep += 11
		}
		if !ok {
			return false
		}
		if i+int(rep) > len(lens) {
			r.fail(ErrCorrupt)
			return false
		}
		for range rep {
			lens[i] = val
			i++
		}
	}
	return true
}

// copyStored copies a stored block's bytes: those already in the bit
// buffer, then from the source, waiting only while nothing is pending.
// It reports whether decode may go on.
func (r *Reader) copyStored(want int) bool {
	for r.stored > 0 && r.nb >= 8 && r.pending < winSize {
		r.put(byte(r.take(8)))
		r.stored--
	}
	for r.stored > 0 && r.pending < want && r.pending < winSize {
		if r.pending > 0 && r.src.Buffered() == 0 {
			return false
		}
		b, err := r.src.ReadByte()
		if err != nil {
			r.readFailed(err)
			return false
		}
		r.put(b)
		r.stored--
	}
	if r.stored == 0 {
		r.state = stateHeader
	}
	return true
}

// Lengths and distances, RFC 1951 §3.2.5.
var (
	lenBase = [29]uint16{3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31,
		35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258}
	lenExtra = [29]uint8{0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2,
		3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0}
	distBase = [30]uint16{1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193,
		257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577}
	distExtra = [30]uint8{0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6,
		7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13}
)

// symbol decodes a literal, the end of the block, or a length/distance
// pair and copies the match (RFC 1951 §3.2.5).
func (r *Reader) symbol() {
	sym := r.decodeSym(r.lit)
	switch {
	case sym < 0:
		return
	case sym < 256:
		r.put(byte(sym))
		return
	case sym == 256:
		r.state = stateHeader
		return
	case sym > 285:
		r.fail(ErrCorrupt)
		return
	}
	sym -= 257
	extra, ok := r.getBits(uint(lenExtra[sym]))
	if !ok {
		return
	}
	length := int(lenBase[sym]) + int(extra)
	d := r.decodeSym(r.dist)
	if d < 0 {
		return
	}
	if d >= 30 {
		r.fail(ErrCorrupt)
		return
	}
	extra, ok = r.getBits(uint(distExtra[d]))
	if !ok {
		return
	}
	dist := int(distBase[d]) + int(extra)
	if dist > r.filled {
		r.fail(ErrCorrupt) // before the start of the stream
		return
	}
	r.copyMatch(dist, length)
}

// copyMatch appends length bytes from dist back, in runs that copy no
// byte they write (at most dist long), so that a match overlapping itself
// repeats as RFC 1951 §3.2.3 says.
func (r *Reader) copyMatch(dist, length int) {
	for length > 0 {
		if r.wpos == len(r.win) {
			if len(r.win) < winSize {
				r.grow()
			} else {
				r.wpos = 0
			}
		}
		src := r.wpos - dist
		if src < 0 {
			src += len(r.win) // only once the window is full
		}
		n := min(length, dist, len(r.win)-r.wpos, len(r.win)-src)
		copy(r.win[r.wpos:r.wpos+n], r.win[src:src+n])
		r.wpos += n
		r.pending += n
		r.filled = min(r.filled+n, winSize)
		length -= n
	}
}
