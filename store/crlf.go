package store

import "bytes"

// CRLFCounter computes [MessageInfo.CRLFSize] of the bytes written to it,
// for stores that learn a message's bytes as they store them:
//
//	var c store.CRLFCounter
//	io.Copy(io.MultiWriter(file, &c), r)
//	info.CRLFSize = c.Size()
//
// The zero value is ready to use.
type CRLFCounter struct {
	n      int64 // bytes written
	bare   int64 // LFs not preceded by CR
	prevCR bool  // the last byte written was CR
}

// Write counts p; it never fails.
func (c *CRLFCounter) Write(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	lfs := bytes.Count(p, []byte{'\n'})
	if lfs > 0 {
		crlfs := bytes.Count(p, []byte("\r\n"))
		if c.prevCR && p[0] == '\n' {
			crlfs++
		}
		c.bare += int64(lfs - crlfs)
	}
	c.n += int64(len(p))
	c.prevCR = p[len(p)-1] == '\r'
	return len(p), nil
}

// Size returns the CRLF size of what was written: its length plus one for
// each LF not preceded by CR.
func (c *CRLFCounter) Size() int64 { return c.n + c.bare }

// CRLFSizeOf returns the CRLF size of b (see [MessageInfo.CRLFSize]).
func CRLFSizeOf(b []byte) int64 {
	var c CRLFCounter
	c.Write(b)
	return c.Size()
}
