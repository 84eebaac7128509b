package wire

import (
	"bufio"
	"bytes"
	"io"
)

// DataWriterOptions configures a DataWriter. The zero value rejects bare
// line endings.
type DataWriterOptions struct {
	// BareLineEndings is the policy for a bare CR or bare LF in what is
	// written. Default RejectBareLineEndings: Write fails. Set
	// NormalizeBareLineEndings to send text with Unix line endings (as
	// net/textproto's DotWriter does for LF); bare CRs then become CRLF
	// too.
	BareLineEndings BareLineEndings
}

// writeState is where a DataWriter is in its input.
type writeState uint8

const (
	wBOL  writeState = iota // at a line start: after CRLF or at the start
	wText                   // inside a line
	wCR                     // after a CR, not yet written
)

// DataWriter writes dot-stuffed data for SMTP's and LMTP's DATA command
// (RFC 5321 §4.5.2) or a POP3 multi-line response (RFC 1939 §3): it doubles
// a dot that begins a line, and Close ends the data with CRLF.CRLF. It never
// sends a bare CR or LF. Output is buffered until Close.
//
// After an error the data cannot be completed: part of it may have been
// sent, and Close sends no terminator. The caller should close the
// connection, since SMTP has no way to abandon DATA half way through.
type DataWriter struct {
	bw        *bufio.Writer
	normalize bool
	state     writeState
	off       int64 // input octets consumed
	crOff     int64 // input offset of the CR behind wCR
	err       error // sticky
	closed    bool
}

// NewDataWriter returns a DataWriter writing to w. If w is a *bufio.Writer
// it is used as is; otherwise it is wrapped in a new one of the default size.
func NewDataWriter(w io.Writer, opts DataWriterOptions) *DataWriter {
	bw, ok := w.(*bufio.Writer)
	if !ok {
		bw = bufio.NewWriter(w)
	}
	return &DataWriter{bw: bw, normalize: opts.BareLineEndings == NormalizeBareLineEndings}
}

// Write writes b, dot-stuffed. A CRLF may be split between calls. Under
// RejectBareLineEndings a bare LF fails the call at once with a
// *BareLineEndingError; a bare CR fails it when the next octet is seen,
// which may be in the next call or in Close. The count returned is of
// octets of b consumed.
func (w *DataWriter) Write(b []byte) (int, error) {
	if w.closed {
		return 0, ErrClosed
	}
	if w.err != nil {
		return 0, w.err
	}
	i := 0
	for i < len(b) && w.err == nil {
		switch w.state {
		case wBOL:
			if b[i] == '.' {
				w.writeString(".") // RFC 5321 §4.5.2: double it
			}
			w.state = wText
		case wText:
			if k := w.run(b[i:]); k > 0 {
				i += k
				continue
			}
			i += w.text(b[i:], w.off+int64(i))
		case wCR:
			if b[i] == '\n' {
				w.writeString("\r\n")
				w.state = wBOL
				i++
			} else {
				w.bare('\r', w.crOff) // b[i] is then handled at wBOL
			}
		}
	}
	w.off += int64(i)
	return i, w.err
}

// run is the fast path: it writes in one call the longest run of whole
// lines at the start of b that need no change (each ends with CRLF, holds
// no other CR or LF, and all but the first begin with something other than
// a dot), and returns its length, 0 if there is none.
func (w *DataWriter) run(b []byte) int {
	end := 0
	for end < len(b) {
		rest := b[end:]
		lf := bytes.IndexByte(rest, '\n')
		if lf < 1 || rest[lf-1] != '\r' || bytes.IndexByte(rest[:lf-1], '\r') >= 0 {
			break
		}
		end += lf + 1
		if end < len(b) && b[end] == '.' {
			break
		}
	}
	if end > 0 {
		w.write(b[:end])
		w.state = wBOL
	}
	return end
}

// text writes the inside of a line up to its CRLF or bare line ending, and
// returns how much of b it consumed; at is the input offset of b[0].
func (w *DataWriter) text(b []byte, at int64) int {
	seg := b
	cr := bytes.IndexByte(b, '\r')
	if cr >= 0 {
		seg = b[:cr]
	}
	if lf := bytes.IndexByte(seg, '\n'); lf >= 0 {
		w.write(b[:lf])
		w.bare('\n', at+int64(lf))
		if w.err != nil {
			return lf
		}
		return lf + 1
	}
	if cr < 0 {
		w.write(b)
		return len(b)
	}
	if cr+1 < len(b) && b[cr+1] == '\n' {
		// The common case: a whole line with its CRLF in one write.
		w.write(b[:cr+2])
		w.state = wBOL
		return cr + 2
	}
	w.write(b[:cr])
	w.state, w.crOff = wCR, at+int64(cr)
	return cr + 1
}

// bare applies the policy to a bare CR or LF at input offset off: it
// records an error or writes CRLF and moves to the start of a line.
func (w *DataWriter) bare(c byte, off int64) {
	if !w.normalize {
		w.setErr(&BareLineEndingError{Char: c, Offset: off})
		return
	}
	w.writeString("\r\n")
	w.state = wBOL
}

// Close ends the line if the data did not end with CRLF, writes the
// terminating ".\r\n" and flushes. It returns the first error met, if any,
// and then writes nothing. Closing twice returns nil the second time.
func (w *DataWriter) Close() error {
	if w.closed {
		return nil
	}
	w.closed = true
	if w.err != nil {
		return w.err
	}
	switch w.state {
	case wCR:
		w.bare('\r', w.crOff) // input ended with a CR
		if w.err != nil {
			return w.err
		}
	case wText:
		w.writeString("\r\n")
	}
	w.writeString(".\r\n")
	if w.err == nil {
		w.setErr(w.bw.Flush())
	}
	return w.err
}

// write writes p unless an error has been recorded.
func (w *DataWriter) write(p []byte) {
	if w.err != nil {
		return
	}
	_, err := w.bw.Write(p)
	w.setErr(err)
}

// writeString writes s unless an error has been recorded.
func (w *DataWriter) writeString(s string) {
	if w.err != nil {
		return
	}
	_, err := w.bw.WriteString(s)
	w.setErr(err)
}

// setErr records err if it is the first error.
func (w *DataWriter) setErr(err error) {
	if w.err == nil && err != nil {
		w.err = err
	}
}
