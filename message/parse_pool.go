package message

import (
	"io"
	"sync"
)

// Parse runs once per message, often for thousands in a row (an IMAP FETCH
// of a mailbox), so the parser, its read buffer, its header buffer and its
// field slice are recycled rather than left to the garbage collector. Nothing
// in a returned *Message points into them: fillFields and
// envelopeFromHeader copy what they keep into new strings.

// maxPooledHeader bounds the header buffer kept for the next parse: the
// rare huge header (up to Limits.MaxHeaderBytes) is not held forever.
const maxPooledHeader = 64 << 10

var parserPool = sync.Pool{New: func() any {
	return &parser{s: &scanner{buf: make([]byte, scanBufSize)}}
}}

// getParser returns a parser ready to read r[0:size] under lim.
func getParser(r io.ReaderAt, size int64, lim *Limits) *parser {
	p := parserPool.Get().(*parser)
	p.s.reset(r, size)
	p.lim = lim
	p.maxParts, p.maxDepth = lim.parts(), lim.depth()
	p.maxHeader, p.maxLine = lim.headerBytes(), lim.lineLength()
	return p
}

// putParser drops the references p holds to the caller's data and pools it.
func putParser(p *parser) {
	s, hbuf, fields, stack := p.s, p.hbuf[:0], p.fields[:0], p.stack[:0]
	s.reset(nil, 0)
	if cap(hbuf) > maxPooledHeader {
		hbuf, fields = nil, nil
	}
	clear(fields[:cap(fields)]) // no pointers into a dropped hbuf
	clear(stack[:cap(stack)])
	*p = parser{s: s, hbuf: hbuf, fields: fields, stack: stack}
	parserPool.Put(p)
}
