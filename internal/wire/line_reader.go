package wire

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
)

// DefaultMaxLine is the line limit a LineReader applies when its Max is zero
// or negative: 1000 octets including CRLF. RFC 5321 §4.5.3.1.4 sets 512 for
// a command line but lets extensions raise it, and ESMTP parameters often
// do; 1000 is the text line limit of §4.5.3.1.6. Callers with their own
// rule set Max (for example 12288 while reading an AUTH response, RFC 4954
// §4).
const DefaultMaxLine = 1000

// LineReader reads CRLF-terminated protocol lines (SMTP and LMTP commands
// and replies, POP3 commands and responses, IMAP lines) with a hard length
// limit. It never holds more than Max octets of a line, plus what the
// underlying bufio.Reader buffers.
//
// By default a line may also end with a bare LF, which is what most clients
// of real servers need; a CR elsewhere in the line is returned as content.
// Servers set Strict, because RFC 5321 §2.3.8 lets only CRLF end a line.
//
// NUL octets are returned as content unless RejectNUL is set; protocols that
// forbid them (IMAP's CHAR8, RFC 9051 §9) can set it or check themselves.
type LineReader struct {
	// Max is the longest line accepted, in octets including its line
	// ending, counted as RFC 5321 §4.5.3.1 counts. Zero or negative means
	// DefaultMaxLine. It may be changed between calls to ReadLine.
	Max int

	// Strict makes ReadLine reject a line that ends with a bare LF, or
	// that holds a CR not followed by LF, with a *BareLineEndingError.
	// Default false: LF alone also ends a line, and stray CRs are content.
	Strict bool

	// RejectNUL makes ReadLine reject a line holding a NUL octet with an
	// error matching ErrNUL. Default false: NULs are content.
	RejectNUL bool

	br  *bufio.Reader
	buf []byte // assembles lines longer than br's buffer; reused
}

// NewLineReader returns a LineReader reading from r with the limit max
// (zero means DefaultMaxLine). If r is a *bufio.Reader it is used as is, so
// that octets it has buffered are not lost; otherwise it is wrapped in a new
// bufio.Reader of the default size.
func NewLineReader(r io.Reader, max int) *LineReader {
	br, ok := r.(*bufio.Reader)
	if !ok {
		br = bufio.NewReader(r)
	}
	return &LineReader{Max: max, br: br}
}

// Reader returns the underlying bufio.Reader, for reading what is not a line
// (an IMAP literal, SMTP DATA with a DataReader, BDAT chunks) or for taking
// over the connection after STARTTLS. Octets read through it are not seen by
// the LineReader, which keeps no state between lines.
func (lr *LineReader) Reader() *bufio.Reader { return lr.br }

// Buffered returns how many octets have been received but not yet read.
// A server checks it right after reading STARTTLS (or STLS): anything
// buffered then was sent in plaintext before the TLS handshake and must be
// discarded, not treated as protected (RFC 3207 §4.2, CVE-2011-0411).
func (lr *LineReader) Buffered() int { return lr.br.Buffered() }

// ReadLine reads the next line and returns it without its line ending.
//
// The returned slice is valid only until the next call to ReadLine or the
// next read from the underlying bufio.Reader; copy it to keep it.
//
// A line longer than Max is consumed up to and including its LF without
// being buffered, and reported as a *LineTooLongError; the next call returns
// the following line, so a server can answer 500 5.5.2 and carry on. Lines
// rejected by Strict or RejectNUL are consumed the same way.
//
// At end of input ReadLine returns io.EOF if no octet of a new line was
// read, and io.ErrUnexpectedEOF if a line was cut off before its LF; the
// partial line is then discarded, since a command that did not arrive whole
// must not be acted on. Other read errors are returned as they are; after
// one the reader may be out of step with the peer, and the connection
// should be closed.
func (lr *LineReader) ReadLine() ([]byte, error) {
	max := lr.Max
	if max <= 0 {
		max = DefaultMaxLine
	}
	line, err := lr.br.ReadSlice('\n')
	if err == nil && len(line) <= max {
		// Fast path: the whole line is in the bufio buffer; no copy.
		return lr.check(line)
	}
	return lr.readSlow(line, err, max)
}

// readSlow handles lines that are too long, longer than the bufio buffer,
// or cut off by an error. frag and err are the first ReadSlice's results.
func (lr *LineReader) readSlow(frag []byte, err error, max int) ([]byte, error) {
	lr.buf = lr.buf[:0]
	for {
		total := len(lr.buf) + len(frag)
		switch {
		case err == nil: // frag ends the line
			if total > max {
				return nil, &LineTooLongError{Limit: max}
			}
			if len(lr.buf) == 0 {
				return lr.check(frag)
			}
			lr.buf = append(lr.buf, frag...)
			return lr.check(lr.buf)
		case err == bufio.ErrBufferFull:
			// No LF yet, so the line will be at least total+1 long.
			if total >= max {
				if err := lr.skipLine(); err != nil {
					return nil, err
				}
				return nil, &LineTooLongError{Limit: max}
			}
			lr.buf = append(lr.buf, frag...)
			frag, err = lr.br.ReadSlice('\n')
		case err == io.EOF:
			if total == 0 {
				return nil, io.EOF
			}
			return nil, io.ErrUnexpectedEOF
		default:
			return nil, err
		}
	}
}

// skipLine discards input up to and including the next LF.
func (lr *LineReader) skipLine() error {
	for {
		_, err := lr.br.ReadSlice('\n')
		switch err {
		case nil:
			return nil
		case bufio.ErrBufferFull:
			continue
		case io.EOF:
			return io.ErrUnexpectedEOF
		default:
			return err
		}
	}
}

// check strips the line ending from line (which ends with LF) and applies
// Strict and RejectNUL.
func (lr *LineReader) check(line []byte) ([]byte, error) {
	content := line[:len(line)-1]
	crlf := len(content) > 0 && content[len(content)-1] == '\r'
	if crlf {
		content = content[:len(content)-1]
	}
	if lr.Strict {
		// RFC 5321 §2.3.8: only CRLF ends a line, and CR and LF must not
		// appear elsewhere.
		if i := bytes.IndexByte(content, '\r'); i >= 0 {
			return nil, &BareLineEndingError{Char: '\r', Offset: int64(i)}
		}
		if !crlf {
			return nil, &BareLineEndingError{Char: '\n', Offset: int64(len(content))}
		}
	}
	if lr.RejectNUL {
		if i := bytes.IndexByte(content, 0); i >= 0 {
			return nil, fmt.Errorf("wire: offset %d: %w", i, ErrNUL)
		}
	}
	return content, nil
}
