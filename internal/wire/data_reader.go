package wire

import (
	"bufio"
	"bytes"
	"io"
)

// BareLineEndings is the policy for a CR not followed by LF, or an LF not
// preceded by CR, in dot-stuffed data.
type BareLineEndings int

const (
	// RejectBareLineEndings makes a DataReader read on to the terminator
	// and then fail with a *BareLineEndingError, and a DataWriter fail at
	// once. It is the zero value and the default, as in chasquid and in
	// Postfix with smtpd_forbid_bare_newline: RFC 5321 §2.3.8 allows only
	// CRLF, and servers that guess otherwise enable SMTP smuggling.
	RejectBareLineEndings BareLineEndings = iota

	// NormalizeBareLineEndings converts each bare LF and each bare CR to
	// CRLF. A DataReader still ends the data only at CRLF.CRLF, and treats
	// a line begun by a bare line ending as the middle of a line: a dot
	// there is content, neither a terminator nor stuffing. A DataWriter
	// given text with Unix line endings needs this policy.
	NormalizeBareLineEndings
)

// DefaultMaxDataSize is the size limit a DataReader applies when
// DataOptions.MaxSize is zero: 64 MiB.
const DefaultMaxDataSize int64 = 64 << 20

// MaxTextLine is the longest text line RFC 5321 §4.5.3.1.6 allows: 1000
// octets including CRLF, not counting a dot added for transparency. Set
// DataOptions.MaxLineLength to it to enforce the rule.
const MaxTextLine = 1000

// DataOptions configures a DataReader. The zero value rejects bare line
// endings, caps the data at DefaultMaxDataSize and does not limit lines.
type DataOptions struct {
	// BareLineEndings is the policy for bare CR and bare LF. Default
	// RejectBareLineEndings.
	BareLineEndings BareLineEndings

	// MaxSize is the most octets of data (after removing dot-stuffing,
	// counting the CRLF of the last line) the reader delivers; beyond it
	// the reader fails with a *TooLargeError. Zero means
	// DefaultMaxDataSize; negative means no limit. The reader holds no
	// memory in proportion to the data, so the limit protects only what
	// the caller does with it.
	MaxSize int64

	// MaxLineLength is the longest line accepted, in octets including
	// CRLF and not counting a stuffing dot; beyond it the reader fails
	// with a *LineTooLongError. Zero or negative means no limit, because
	// real mail often breaks the 1000 octets of RFC 5321 §4.5.3.1.6 (set
	// MaxTextLine to enforce it) and the reader never buffers a line.
	MaxLineLength int
}

// dataState is where a DataReader is in the RFC 5321 §4.5.2 grammar.
type dataState uint8

const (
	stBOL   dataState = iota // at a line start: after CRLF or at the start
	stText                   // inside a line
	stCR                     // after a CR whose successor is not yet read
	stDot                    // after a '.' at a line start
	stDotCR                  // after ".\r" at a line start
	stDone                   // the terminator, or the end of input, was read
)

// DataReader reads the dot-stuffed data that follows SMTP's DATA command
// (RFC 5321 §4.1.1.4, §4.5.2), LMTP's (RFC 2033) and a POP3 multi-line
// response (RFC 1939 §3). It removes the dot-stuffing and reports io.EOF at
// the terminating CRLF.CRLF, and only there.
//
// It reads from the bufio.Reader's buffer in whole chunks and never consumes
// an octet after the terminator, so the next command can be read from the
// same bufio.Reader.
//
// When the data breaks a limit or the bare line ending policy, the reader
// stops delivering octets but reads on to the terminator, then returns the
// first such error instead of io.EOF: the stream stays in sync and the
// server can answer (552 5.3.4, 550 5.6.0…) and carry on. Read errors from
// the bufio.Reader are returned as they are; if the input ends before the
// terminator, the error is io.ErrUnexpectedEOF.
//
// NUL octets and 8-bit octets are delivered as content; checking them is the
// caller's business.
type DataReader struct {
	br        *bufio.Reader
	normalize bool
	maxSize   int64 // < 0: no limit
	maxLine   int   // 0: no limit

	state   dataState
	off     int64 // input octets consumed
	crOff   int64 // input offset of the CR behind stCR and stDotCR
	size    int64 // octets delivered
	lineLen int   // octets delivered since the last CRLF
	err     error // first policy error; once set, output stops
	discard bool  // Drain was called: output stops
	final   error // returned by Read once stDone: io.EOF or an error

	// Output in progress during scan, and what did not fit in it.
	out     []byte
	n       int
	pend    []byte
	pendBuf [4]byte
}

// NewDataReader returns a DataReader reading the data that starts at the
// next octet of r, just after the CRLF that ended the DATA command.
func NewDataReader(r *bufio.Reader, opts DataOptions) *DataReader {
	d := new(DataReader)
	d.Reset(r, opts)
	return d
}

// Reset makes d read new data from r with opts, discarding its state, so
// that a connection can reuse one DataReader for every message.
func (d *DataReader) Reset(r *bufio.Reader, opts DataOptions) {
	*d = DataReader{
		br:        r,
		normalize: opts.BareLineEndings == NormalizeBareLineEndings,
		maxSize:   opts.MaxSize,
		maxLine:   opts.MaxLineLength,
	}
	if d.maxSize == 0 {
		d.maxSize = DefaultMaxDataSize
	}
	if d.maxLine < 0 {
		d.maxLine = 0
	}
	d.pend = d.pendBuf[:0]
}

// Read reads data with the dot-stuffing removed. It returns io.EOF after
// the terminating CRLF.CRLF has been consumed, or the first limit or
// policy error met in the data (see DataReader).
func (d *DataReader) Read(p []byte) (int, error) {
	n := copy(p, d.pend)
	d.pend = d.pend[n:]
	for n < len(p) && d.state != stDone {
		if n > 0 && d.br.Buffered() == 0 {
			break // return what we have rather than block
		}
		in, err := d.fill()
		if len(in) == 0 {
			if n > 0 {
				return n, nil
			}
			return 0, d.readError(err)
		}
		used, m := d.scan(in, p[n:])
		d.consume(used)
		n += m
		if len(d.pend) > 0 {
			break
		}
	}
	if n == 0 && len(p) > 0 && d.state == stDone {
		return 0, d.final
	}
	return n, nil
}

// Drain discards the rest of the data, up to and including the terminator,
// without copying it. It returns nil once the terminator has been consumed,
// even if the data broke a limit or the policy (the stream is in sync and
// the caller has already decided to reject it); otherwise it returns the
// read error, io.ErrUnexpectedEOF at end of input. Limits are not checked
// on what Drain discards. After Drain, Read returns the error it would
// have returned at the end, or io.EOF.
func (d *DataReader) Drain() error {
	d.discard = true
	d.pend = d.pend[:0]
	for d.state != stDone {
		in, err := d.fill()
		if len(in) == 0 {
			return d.readError(err)
		}
		used, _ := d.scan(in, nil)
		d.consume(used)
	}
	if d.final == io.ErrUnexpectedEOF {
		return d.final
	}
	return nil
}

// fill returns the buffered input, reading more if none is buffered.
func (d *DataReader) fill() ([]byte, error) {
	if d.br.Buffered() == 0 {
		if _, err := d.br.Peek(1); err != nil {
			return nil, err
		}
	}
	in, _ := d.br.Peek(d.br.Buffered()) // cannot fail: n <= Buffered
	return in, nil
}

// consume discards n octets that scan has processed.
func (d *DataReader) consume(n int) {
	d.br.Discard(n) // cannot fail: n <= Buffered
	d.off += int64(n)
}

// readError turns a read error into Read's result. End of input before the
// terminator is final; other errors (a timeout, say) are not, as the
// reader's state is intact and a later Read may succeed.
func (d *DataReader) readError(err error) error {
	if err == io.EOF {
		d.state = stDone
		d.final = io.ErrUnexpectedEOF
		return d.final
	}
	return err
}

// dropping reports whether output has stopped.
func (d *DataReader) dropping() bool { return d.err != nil || d.discard }

// fail records the first policy or limit error; output stops.
func (d *DataReader) fail(err error) {
	if d.err == nil {
		d.err = err
	}
}

// scan runs the RFC 5321 §4.5.2 state machine over in, writing content to
// out. It stops when in is used up, out is full, or the data ends, and
// returns how much of in it consumed and how much of out it filled.
func (d *DataReader) scan(in, out []byte) (used, n int) {
	d.out, d.n = out, 0
	i := 0
	for i < len(in) && d.state != stDone && len(d.pend) == 0 {
		if d.n == len(d.out) && !d.dropping() {
			break
		}
		c := in[i]
		switch d.state {
		case stBOL:
			switch c {
			case '.':
				d.state = stDot
				i++
			case '\r':
				d.state, d.crOff = stCR, d.off+int64(i)
				i++
			default:
				d.state = stText // text handles c, a bare LF included
			}
		case stText:
			if k := d.run(in[i:]); k > 0 {
				i += k
				d.state = stBOL
				continue
			}
			i += d.text(in[i:], d.off+int64(i))
		case stCR:
			if c == '\n' {
				d.lineEnd()
				d.state = stBOL
				i++
			} else {
				d.bare('\r', d.crOff, false)
				d.state = stText // c is handled there
			}
		case stDot:
			switch c {
			case '\r':
				d.state, d.crOff = stDotCR, d.off+int64(i)
				i++
			case '\n':
				d.bare('\n', d.off+int64(i), true)
				d.state = stText
				i++
			default:
				// RFC 5321 §4.5.2: a leading dot with more on the line
				// is deleted.
				d.state = stText
			}
		case stDotCR:
			if c == '\n' {
				i++
				d.finish()
			} else {
				d.bare('\r', d.crOff, true)
				d.state = stText // c is handled there
			}
		}
	}
	n = d.n
	d.out, d.n = nil, 0
	return i, n
}

// run is the fast path for the common case: it delivers in one copy the
// longest run of whole lines at the start of in that need no change (each
// ends with CRLF, holds no other CR or LF, and all but the first begin with
// something other than a dot) and fit in out and the limits. It returns
// the octets consumed, ending at the start of a line, or 0 if there is no
// such line.
func (d *DataReader) run(in []byte) int {
	if d.dropping() {
		return 0
	}
	room := len(d.out) - d.n
	if d.maxSize >= 0 {
		room = int(min(int64(room), d.maxSize-d.size))
	}
	end, lineLen := 0, d.lineLen
	for end < len(in) {
		rest := in[end:]
		lf := bytes.IndexByte(rest, '\n')
		if lf < 1 || rest[lf-1] != '\r' || bytes.IndexByte(rest[:lf-1], '\r') >= 0 {
			break
		}
		if end+lf+1 > room || (d.maxLine > 0 && lineLen+lf+1 > d.maxLine) {
			break
		}
		end += lf + 1
		lineLen = 0
		if end < len(in) && in[end] == '.' {
			break
		}
	}
	if end > 0 {
		copy(d.out[d.n:], in[:end])
		d.n += end
		d.size += int64(end)
		d.lineLen = 0
	}
	return end
}

// text passes on the inside of a line, up to the next CR or LF, and handles
// that CR or LF. in is not empty and at is the input offset of in[0]. It
// returns how much of in it consumed.
func (d *DataReader) text(in []byte, at int64) int {
	seg := in
	cr := bytes.IndexByte(in, '\r')
	if cr >= 0 {
		seg = in[:cr]
	}
	lf := -1
	if !d.dropping() {
		// While dropping a bare LF changes nothing, so skip the search.
		if lf = bytes.IndexByte(seg, '\n'); lf >= 0 {
			seg = seg[:lf]
		}
	}
	k := d.pass(seg)
	switch {
	case k < len(seg): // out is full
		return k
	case lf >= 0:
		d.bare('\n', at+int64(k), false)
		return k + 1
	case cr >= 0:
		d.state, d.crOff = stCR, at+int64(k)
		return k + 1
	}
	return k
}

// pass delivers as much of seg, which holds no CR or LF, as fits in out,
// and returns how much of seg it consumed.
func (d *DataReader) pass(seg []byte) int {
	if d.dropping() {
		return len(seg)
	}
	k := min(len(seg), len(d.out)-d.n)
	if !d.account(k, true) {
		return len(seg)
	}
	copy(d.out[d.n:], seg[:k])
	d.n += k
	return k
}

// lineEnd delivers a CRLF.
func (d *DataReader) lineEnd() {
	if d.dropping() {
		return
	}
	if d.maxLine > 0 && d.lineLen+2 > d.maxLine { // only if maxLine < 2
		d.fail(&LineTooLongError{Limit: d.maxLine})
		return
	}
	if !d.account(2, false) {
		return
	}
	d.lineLen = 0
	d.put("\r\n")
}

// bare applies the policy to a bare CR or LF at input offset off. dot says
// the line so far is a lone dot, which is content here, not stuffing.
func (d *DataReader) bare(c byte, off int64, dot bool) {
	if d.dropping() {
		return
	}
	if !d.normalize {
		d.fail(&BareLineEndingError{Char: c, Offset: off})
		return
	}
	if dot {
		if !d.account(1, true) {
			return
		}
		d.put(".")
	}
	d.lineEnd()
}

// account checks k more octets of output against the limits; text says
// they are inside a line. It reports false, having recorded the error,
// if a limit is broken.
func (d *DataReader) account(k int, text bool) bool {
	if d.maxSize >= 0 && d.size+int64(k) > d.maxSize {
		d.fail(&TooLargeError{Limit: d.maxSize})
		return false
	}
	if text && d.maxLine > 0 {
		// The line's CRLF is still to come.
		if d.lineLen+k+2 > d.maxLine {
			d.fail(&LineTooLongError{Limit: d.maxLine})
			return false
		}
		d.lineLen += k
	}
	d.size += int64(k)
	return true
}

// put writes s to out, keeping in pend what does not fit.
func (d *DataReader) put(s string) {
	if len(d.pend) == 0 {
		k := copy(d.out[d.n:], s)
		d.n += k
		s = s[k:]
		d.pend = d.pendBuf[:0] // reuse the array, whatever Read sliced off
	}
	d.pend = append(d.pend, s...)
}

// finish records that the terminator has been consumed.
func (d *DataReader) finish() {
	d.state = stDone
	d.final = io.EOF
	if d.err != nil {
		d.final = d.err
	}
}
