package message

import (
	"encoding/base64"
	"io"
)

// Content transfer encodings the Builder writes (RFC 2045 §6.1).
const (
	enc7bit   = "7bit"
	encQP     = "quoted-printable"
	encBase64 = "base64"
	enc8bit   = "8bit"
	encBinary = "binary"
)

// bodyStats summarizes content to choose its transfer encoding.
type bodyStats struct {
	n        int
	eightBit bool // a byte ≥ 0x80
	nul      bool
	bareEOL  bool // a CR or LF that is not part of a CRLF pair
	longLine bool // a line over 998 octets (RFC 5322 §2.1.1, RFC 2045 §2.7)
	escapes  int  // bytes quoted-printable must escape (RFC 2045 §6.7)
}

// scanBody computes the statistics of b. When more may follow (!complete)
// a CR at the very end is not counted as bare: its LF may be next.
func scanBody(b []byte, complete bool) bodyStats {
	st := bodyStats{n: len(b)}
	line := 0
	for i := 0; i < len(b); i++ {
		c := b[i]
		switch {
		case c == '\r':
			if i+1 < len(b) && b[i+1] == '\n' {
				i++
				line = 0
				continue
			}
			if i+1 < len(b) || complete {
				st.bareEOL = true
			}
			st.escapes++
		case c == '\n':
			st.bareEOL = true
			st.escapes++
			line = 0
			continue
		case c == 0:
			st.nul = true
			st.escapes++
		case c >= 0x80:
			st.eightBit = true
			st.escapes++
		case c == '=' || (c < ' ' && c != '\t') || c == 0x7f:
			st.escapes++
		}
		line++
		if line > hardLineLimit {
			st.longLine = true
		}
	}
	return st
}

// sevenBit reports content that is valid 7bit data as it is (RFC 2045 §2.7):
// US-ASCII without NUL, CR and LF only as CRLF, lines of at most 998 octets.
func (st bodyStats) sevenBit() bool {
	return !st.eightBit && !st.nul && !st.bareEOL && !st.longLine
}

// chooseEncoding picks the transfer encoding of a body (RFC 2045 §6): 7bit
// when all of the content is known and is 7bit data; quoted-printable for
// text that is mostly ASCII, where it stays readable and is smaller than
// base64 (an escape costs 3 octets, base64 4/3 per octet: QP wins below one
// escape in six octets); base64 for everything else.
func chooseEncoding(st bodyStats, complete, text bool) string {
	switch {
	case complete && st.sevenBit():
		return enc7bit
	case text && !st.nul && !st.bareEOL && st.escapes*6 <= st.n:
		return encQP
	}
	return encBase64
}

// qpMaxLine is the longest encoded line, soft line break included
// (RFC 2045 §6.7 rule 5).
const qpMaxLine = 76

// qpWriter encodes quoted-printable (RFC 2045 §6.7) as a stream. CRLF in
// the input becomes a hard line break; a bare CR or LF is escaped, so that
// decoding gives back the input byte for byte. White space before a line
// break or at the end is escaped (rule 3). Close must be called at the end.
type qpWriter struct {
	w      io.Writer
	buf    []byte
	col    int  // octets on the current output line
	pendCR bool // a CR whose LF may come next
	pendWS byte // a SP or HTAB not yet written: it must be escaped at a line end
}

func newQPWriter(w io.Writer) *qpWriter {
	return &qpWriter{w: w, buf: make([]byte, 0, 4096)}
}

const hexUpper = "0123456789ABCDEF"

func (q *qpWriter) Write(p []byte) (int, error) {
	for _, c := range p {
		q.encodeByte(c)
		if len(q.buf) >= 4000 {
			if err := q.flush(); err != nil {
				return 0, err
			}
		}
	}
	return len(p), nil
}

func (q *qpWriter) encodeByte(c byte) {
	if q.pendCR {
		q.pendCR = false
		if c == '\n' {
			q.buf = append(q.buf, '\r', '\n') // hard line break
			q.col = 0
			return
		}
		q.escape('\r')
	}
	if q.pendWS != 0 && c != '\r' {
		q.literal(q.pendWS)
		q.pendWS = 0
	}
	switch {
	case c == '\r':
		if q.pendWS != 0 {
			q.escape(q.pendWS) // white space before a (likely) line break
			q.pendWS = 0
		}
		q.pendCR = true
	case c == ' ' || c == '\t':
		q.pendWS = c
	case c > ' ' && c < 0x7f && c != '=':
		q.literal(c)
	default:
		q.escape(c)
	}
}

// room starts a new line with a soft line break when n more octets would
// not fit (rule 5).
func (q *qpWriter) room(n int) {
	if q.col+n > qpMaxLine-1 {
		q.buf = append(q.buf, '=', '\r', '\n')
		q.col = 0
	}
}

func (q *qpWriter) literal(c byte) {
	q.room(1)
	q.buf = append(q.buf, c)
	q.col++
}

func (q *qpWriter) escape(c byte) {
	q.room(3)
	q.buf = append(q.buf, '=', hexUpper[c>>4], hexUpper[c&15])
	q.col += 3
}

func (q *qpWriter) flush() error {
	_, err := q.w.Write(q.buf)
	q.buf = q.buf[:0]
	return err
}

// Close writes what is pending: a final CR or white space, escaped.
func (q *qpWriter) Close() error {
	if q.pendCR {
		q.escape('\r')
		q.pendCR = false
	}
	if q.pendWS != 0 {
		q.escape(q.pendWS)
		q.pendWS = 0
	}
	return q.flush()
}

var crlf = []byte("\r\n")

// lineBreaker inserts CRLF every n octets, between lines only, for base64
// bodies (RFC 2045 §6.8: lines of at most 76 characters).
type lineBreaker struct {
	w   io.Writer
	n   int
	col int
}

func (lb *lineBreaker) Write(p []byte) (int, error) {
	written := 0
	for len(p) > 0 {
		if lb.col == lb.n {
			if _, err := lb.w.Write(crlf); err != nil {
				return written, err
			}
			lb.col = 0
		}
		k := min(lb.n-lb.col, len(p))
		m, err := lb.w.Write(p[:k])
		written += m
		lb.col += m
		if err != nil {
			return written, err
		}
		p = p[k:]
	}
	return written, nil
}

// encoder returns a writer that applies enc to what is written to it, and
// the function that ends the encoding.
func encoder(w io.Writer, enc string) (io.Writer, func() error) {
	switch enc {
	case encQP:
		q := newQPWriter(w)
		return q, q.Close
	case encBase64:
		b := base64.NewEncoder(base64.StdEncoding, &lineBreaker{w: w, n: 76})
		return b, b.Close
	}
	return w, func() error { return nil }
}

// canonicalText converts every line ending (CRLF, a bare LF or a bare CR)
// to CRLF, the canonical form of text (RFC 2046 §4.1.1).
func canonicalText(s string) []byte {
	out := make([]byte, 0, len(s)+len(s)/32)
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '\r':
			out = append(out, '\r', '\n')
			if i+1 < len(s) && s[i+1] == '\n' {
				i++
			}
		case '\n':
			out = append(out, '\r', '\n')
		default:
			out = append(out, c)
		}
	}
	return out
}
