package message

import "strings"

// parser builds the part tree in one pass over the scanner.
type parser struct {
	s                          *scanner
	lim                        *Limits
	stack                      []string // boundaries of the enclosing multiparts
	hbuf                       []byte   // the current header, reused
	fields                     []Field  // the fields of hbuf, reused
	nparts                     int
	maxParts, maxDepth         int
	maxHeader, maxLine         int
	headerCut                  bool  // the current header exceeded maxHeader
	minEnd                     int64 // set by parseMultipart: start of its epilogue
	blankAt, blankBare         int64 // offset (and bare LF count) of an empty line ending the header, -1 if none
	bodyStartLFs, bodyStartBLF int64
}

// parsePart parses the part at the scanner's position up to the boundary
// line (consumed) or EOF that ends it, which it returns.
// A part that starts an encapsulated message (isMsg) gets its Envelope.
func (p *parser) parsePart(part *Part, depth int, inDigest, isMsg bool) boundaryHit {
	part.Offset = p.s.off()
	hdrBare := p.s.bare
	h, hit, ended := p.readHeader()
	part.HeaderSize = p.s.off() - part.Offset
	part.HeaderBareLFs = p.s.bare - hdrBare
	if ended {
		// A boundary (or EOF) inside the header: no body. The last header
		// line keeps its line ending (as Dovecot); an empty line just
		// before the boundary is the boundary's (RFC 2046 §5.1.1).
		end, bare := hit.lineStart, hit.bare
		if p.blankAt >= 0 {
			end, bare = p.blankAt, p.blankBare
		}
		part.HeaderSize = end - part.Offset
		part.HeaderBareLFs = max(bare-hdrBare, 0)
		p.fillFields(part, &h, inDigest, isMsg)
		return hit
	}
	p.fillFields(part, &h, inDigest, isMsg)
	if hit, ok := p.emptyBeforeBoundary(part, hdrBare); ok {
		return hit
	}
	if p.headerCut || depth >= p.maxDepth {
		part.Degraded = true
	}
	bodyOff, lfs, bare := p.s.off(), p.s.lfs, p.s.bare
	p.minEnd = 0
	switch {
	case part.Degraded:
		hit = p.s.toBoundary(p.stack)
	case strings.EqualFold(part.Type, "multipart"):
		hit = p.parseMultipart(part, depth)
	case isMessageType(part):
		hit = p.parseEncapsulated(part, depth)
	default:
		hit = p.s.toBoundary(p.stack)
	}
	p.setBody(part, bodyOff, lfs, bare, hit, p.minEnd)
	return hit
}

func isMessageType(part *Part) bool {
	return strings.EqualFold(part.Type, "message") &&
		(strings.EqualFold(part.Subtype, "rfc822") || strings.EqualFold(part.Subtype, "global"))
}

// setBody records the body's extent: it ends where the boundary line's
// preceding line ending starts (RFC 2046 §5.1.1), or at EOF.
// minEnd is where the epilogue of a multipart started: the line ending of
// its close delimiter line is its own, not the next boundary's (as Dovecot).
func (p *parser) setBody(part *Part, bodyOff, lfs, bare int64, hit boundaryHit, minEnd int64) {
	end, endLFs, endBare := hit.lineStart, hit.lfs, hit.bare
	if !hit.eof && end > max(bodyOff, minEnd) {
		end -= int64(hit.eol)
		endLFs--
		if hit.eol == 1 {
			endBare--
		}
	}
	// An empty last child can start at the boundary line; never end before it.
	if n := len(part.Parts); n > 0 {
		end = max(end, part.Parts[n-1].Offset+part.Parts[n-1].Size())
	}
	if part.Message != nil {
		end = max(end, part.Message.Offset+part.Message.Size())
	}
	if end < bodyOff {
		end = bodyOff
	}
	part.BodySize = end - bodyOff
	part.BodyLines = endLFs - lfs
	part.BodyBareLFs = endBare - bare
	if part.BodyLines < 0 {
		part.BodyLines = 0
	}
	if part.BodyBareLFs < 0 {
		part.BodyBareLFs = 0
	}
}

// parseMultipart reads the preamble, the children and the epilogue of a
// multipart (RFC 2046 §5.1.1), tolerating a missing close delimiter.
func (p *parser) parseMultipart(part *Part, depth int) boundaryHit {
	b := part.Params.Get("boundary")
	if len(b) > maxBoundary {
		b = b[:maxBoundary]
	}
	if b == "" {
		// No boundary: the body is opaque, but the part stays a multipart
		// with one empty text/plain child, as Dovecot shows it, since
		// BODYSTRUCTURE cannot express a multipart without parts.
		hit := p.s.toBoundary(p.stack)
		p.emptyChild(part)
		return hit
	}
	p.stack = append(p.stack, b)
	my := len(p.stack) - 1
	digest := strings.EqualFold(part.Subtype, "digest")
	hit := p.s.toBoundary(p.stack) // the preamble
	for {
		if hit.eof || hit.idx != my {
			p.stack = p.stack[:my]
			p.emptyChild(part)
			return hit // missing close delimiter
		}
		if hit.closing {
			p.stack = p.stack[:my]
			epilogue := p.s.off()
			hit = p.s.toBoundary(p.stack)
			p.minEnd = epilogue
			p.emptyChild(part)
			return hit
		}
		if p.nparts >= p.maxParts {
			part.Degraded = true
			hit = p.s.toBoundary(p.stack)
			continue
		}
		child := &Part{}
		p.nparts++
		part.Parts = append(part.Parts, child)
		hit = p.parsePart(child, depth+1, digest, false)
	}
}

// emptyBeforeBoundary handles an empty line that ends the header right
// before an enclosing boundary: that line ending is the boundary's (RFC 2046
// §5.1.1), so the part is empty, as Dovecot sees it. A multipart's own first
// boundary there is not this case.
func (p *parser) emptyBeforeBoundary(part *Part, hdrBare int64) (boundaryHit, bool) {
	if p.blankAt < 0 || !p.s.atLineStart() {
		return boundaryHit{}, false
	}
	idx, closing, ok := p.s.matchBoundary(p.stack)
	if !ok {
		return boundaryHit{}, false
	}
	if own := part.Params.Get("boundary"); own != "" && strings.EqualFold(part.Type, "multipart") {
		if _, _, mine := p.s.matchBoundary([]string{own}); mine {
			return boundaryHit{}, false
		}
	}
	hit := p.s.hit(idx, closing, false)
	p.s.skipLine()
	part.HeaderSize = p.blankAt - part.Offset
	part.HeaderBareLFs = max(p.blankBare-hdrBare, 0)
	return hit, true
}

// emptyChild gives a multipart without parts one empty text/plain child.
func (p *parser) emptyChild(part *Part) {
	if len(part.Parts) > 0 {
		return
	}
	c := &Part{Offset: part.BodyOffset()}
	setType(c, Field{}, false, false)
	part.Parts = append(part.Parts, c)
}

// parseEncapsulated parses the message inside a message/rfc822 part
// (RFC 2046 §5.2.1).
func (p *parser) parseEncapsulated(part *Part, depth int) boundaryHit {
	if p.nparts >= p.maxParts {
		part.Degraded = true
		return p.s.toBoundary(p.stack)
	}
	child := &Part{}
	p.nparts++
	part.Message = child
	return p.parsePart(child, depth+1, false, true)
}

// readHeader reads header lines up to the empty line (consumed), keeping
// up to maxHeader bytes for parsing. If a boundary line or EOF comes first,
// ended is set and hit says where.
func (p *parser) readHeader() (h Header, hit boundaryHit, ended bool) {
	p.hbuf = p.hbuf[:0]
	p.headerCut = false
	p.blankAt = -1
	for {
		if p.s.atLineStart() {
			if idx, closing, ok := p.s.matchBoundary(p.stack); ok {
				hit = p.s.hit(idx, closing, false)
				p.s.skipLine()
				break
			}
		}
		l, complete := p.s.line()
		if len(l) == 0 {
			hit, ended = p.s.hit(0, false, true), true
			h = p.header()
			return h, hit, true
		}
		blank := complete && (len(l) == 1 || (len(l) == 2 && l[0] == '\r'))
		if blank {
			p.blankAt, p.blankBare = p.s.off(), p.s.bare
		}
		p.keep(l, complete)
		p.s.consume(len(l))
		if !complete {
			p.s.skipLine()
		}
		if blank {
			h = p.header()
			return h, hit, false
		}
	}
	h = p.header()
	return h, hit, true
}

// header parses hbuf into the reused field slice: the Header is only
// valid until the next readHeader.
func (p *parser) header() Header {
	h, _ := parseHeader(p.hbuf, p.fields[:0])
	p.fields = h.fields
	return h
}

// keep appends a header line to hbuf within the limits; an over-long line
// is cut (and given a line ending) so the rest of the header still parses.
func (p *parser) keep(l []byte, complete bool) {
	if len(l) > p.maxLine {
		l, complete = l[:p.maxLine], false
	}
	if len(p.hbuf)+len(l)+2 > p.maxHeader {
		p.headerCut = true
		return
	}
	p.hbuf = append(p.hbuf, l...)
	if !complete {
		p.hbuf = append(p.hbuf, '\r', '\n')
	}
}
