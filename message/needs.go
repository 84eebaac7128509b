package message

import "io"

// Requirements are the SMTP extensions a message needs to travel as it is.
type Requirements struct {
	// SMTPUTF8: the top-level header has 8-bit bytes, UTF-8 under RFC 6532
	// (RFC 6531 §3.1). Addresses of the SMTP envelope are not looked at.
	SMTPUTF8 bool

	// EightBit: the body (nested headers included) has 8-bit bytes, which
	// needs BODY=8BITMIME (RFC 6152 §3).
	EightBit bool

	// Binary: the message has a NUL, a CR or LF outside a CRLF pair, or a
	// line longer than 998 octets without its CRLF (RFC 5322 §2.1.1), which
	// only BODY=BINARYMIME carries unchanged (RFC 3030 §3). A file stored
	// with bare LF line endings has them: convert it to CRLF first.
	Binary bool
}

// Needs reads the message in r[0:size] once, streaming, and reports which
// SMTP extensions it needs. It fails only when r does.
func Needs(r io.ReaderAt, size int64) (Requirements, error) {
	var (
		req     Requirements
		nd      needsScan
		buf     = make([]byte, 32<<10)
		off     int64
		inHead  = true
		lineLen int
	)
	for off < size {
		n, err := r.ReadAt(buf[:min(int64(len(buf)), size-off)], off)
		off += int64(n)
		inHead, lineLen = nd.scan(&req, buf[:n], inHead, lineLen)
		if err == io.EOF && n > 0 {
			break
		}
		if err != nil && err != io.EOF {
			return req, err
		}
		if n == 0 {
			break
		}
	}
	if nd.pendCR {
		req.Binary = true // a final bare CR
	}
	return req, nil
}

// needsScan carries the one byte of look-behind a scan across buffers needs.
type needsScan struct {
	pendCR bool // the previous buffer ended with CR
}

// scan classifies the bytes of b. The header ends at its first empty line
// (RFC 5322 §2.1).
func (s *needsScan) scan(req *Requirements, b []byte, inHead bool, lineLen int) (bool, int) {
	for i := 0; i < len(b); i++ {
		c := b[i]
		if s.pendCR {
			s.pendCR = false
			if c == '\n' {
				inHead = s.endLine(inHead, lineLen)
				lineLen = 0
				continue
			}
			req.Binary = true // a bare CR is line content
			lineLen++
		}
		switch {
		case c == '\r':
			s.pendCR = true
			continue
		case c == '\n':
			req.Binary = true // a bare LF
			inHead = s.endLine(inHead, lineLen)
			lineLen = 0
			continue
		case c == 0:
			req.Binary = true
		case c >= 0x80:
			if inHead {
				req.SMTPUTF8 = true
			} else {
				req.EightBit = true
			}
		}
		lineLen++
		if lineLen > hardLineLimit {
			req.Binary = true
		}
	}
	return inHead, lineLen
}

func (s *needsScan) endLine(inHead bool, lineLen int) bool {
	return inHead && lineLen > 0
}
