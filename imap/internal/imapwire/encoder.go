package imapwire

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"sync"
)

// Encoder writes responses. Like the Decoder it keeps the first error; the
// caller checks it with Flush.
type Encoder struct {
	w      *bufio.Writer // nil while a pooled encoder is released
	dst    io.Writer     // what a pooled encoder's buffers write to
	pooled bool
	err    error
	// UTF8 writes mailbox names as UTF-8 instead of modified UTF-7 and
	// allows UTF-8 in quoted strings, after ENABLE UTF8=ACCEPT (RFC 6855
	// §3).
	UTF8 bool
}

// NewEncoder returns an Encoder writing to w.
func NewEncoder(w *bufio.Writer) *Encoder { return &Encoder{w: w} }

// PooledBufferSize is the write buffer of a pooled Encoder: large, so that
// FETCH responses go out in few system calls, and held only while a
// response is being written.
const PooledBufferSize = 32 << 10

var writerPool = sync.Pool{New: func() any { return bufio.NewWriterSize(nil, PooledBufferSize) }}

// NewPooledEncoder returns an Encoder writing to dst through a buffer taken
// from a pool at the first write and given back by Release, so that an
// idle connection holds none.
func NewPooledEncoder(dst io.Writer) *Encoder { return &Encoder{dst: dst, pooled: true} }

// buf returns the write buffer, taking one from the pool if needed.
func (e *Encoder) buf() *bufio.Writer {
	if e.w == nil {
		e.w = writerPool.Get().(*bufio.Writer)
		e.w.Reset(e.dst)
	}
	return e.w
}

// Release flushes and, for a pooled Encoder, gives the buffer back to the
// pool until the next write. It returns the first error, as Flush.
func (e *Encoder) Release() error {
	err := e.Flush()
	if e.pooled && e.w != nil {
		e.w.Reset(nil) // drops what a failed flush left
		writerPool.Put(e.w)
		e.w = nil
	}
	return err
}

// Err returns the first write error.
func (e *Encoder) Err() error { return e.err }

// Writer returns the underlying writer.
func (e *Encoder) Writer() *bufio.Writer { return e.buf() }

func (e *Encoder) set(err error) {
	if err != nil && e.err == nil {
		e.err = err
	}
}

// Raw writes s as it is.
func (e *Encoder) Raw(s string) *Encoder {
	if e.err == nil {
		_, err := e.buf().WriteString(s)
		e.set(err)
	}
	return e
}

// RawBytes writes b as it is.
func (e *Encoder) RawBytes(b []byte) *Encoder {
	if e.err == nil {
		_, err := e.buf().Write(b)
		e.set(err)
	}
	return e
}

// Atom writes an atom (the caller guarantees its characters).
func (e *Encoder) Atom(s string) *Encoder { return e.Raw(s) }

// SP writes a space.
func (e *Encoder) SP() *Encoder { return e.Byte(' ') }

// Byte writes one byte, such as "(" or ")".
func (e *Encoder) Byte(c byte) *Encoder {
	if e.err == nil {
		e.set(e.buf().WriteByte(c))
	}
	return e
}

// Number writes a number.
func (e *Encoder) Number(n uint64) *Encoder {
	if e.err == nil {
		var buf [20]byte
		_, err := e.buf().Write(strconv.AppendUint(buf[:0], n, 10))
		e.set(err)
	}
	return e
}

// CRLF ends a response line.
func (e *Encoder) CRLF() *Encoder { return e.Raw("\r\n") }

// quotable reports whether s can be sent as a quoted string (RFC 9051 §9
// quoted: no CR, LF or NUL; 8-bit only with UTF8=ACCEPT).
func (e *Encoder) quotable(s string) bool {
	if len(s) > 1024 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '\r' || c == '\n' || c == 0 || (c >= 0x80 && !e.UTF8) {
			return false
		}
	}
	return true
}

// String writes s as a quoted string when it can, else as a literal.
func (e *Encoder) String(s string) *Encoder {
	if !e.quotable(s) {
		e.Byte('{').Number(uint64(len(s))).Raw("}\r\n")
		return e.Raw(s)
	}
	e.Byte('"')
	for i := 0; i < len(s); i++ {
		if s[i] == '"' || s[i] == '\\' {
			e.Byte('\\')
		}
		e.Byte(s[i])
	}
	return e.Byte('"')
}

// NString writes NIL for the empty string, else s as a string.
func (e *Encoder) NString(s string) *Encoder {
	if s == "" {
		return e.Raw("NIL")
	}
	return e.String(s)
}

// AString writes s as an atom when every byte is an atom character, else
// as a string.
func (e *Encoder) AString(s string) *Encoder {
	if s != "" && len(s) < 256 {
		atom := true
		for i := 0; i < len(s); i++ {
			if !isAStringChar(s[i]) {
				atom = false
				break
			}
		}
		if atom && !equalFold(s, "NIL") {
			return e.Raw(s)
		}
	}
	return e.String(s)
}

// Mailbox writes a mailbox name: modified UTF-7, or UTF-8 with UTF8 set,
// always quoted or literal so that no name reads as NIL or an atom with
// wildcards.
func (e *Encoder) Mailbox(name string) *Encoder {
	if !e.UTF8 {
		name = EncodeUTF7(name)
	}
	return e.String(name)
}

// Literal writes a literal of n bytes read from r (a literal8 "~{n}" when
// binary); it fails if r holds fewer than n bytes.
func (e *Encoder) Literal(r io.Reader, n int64, binary bool) *Encoder {
	if binary {
		e.Byte('~')
	}
	e.Byte('{').Number(uint64(n)).Raw("}\r\n")
	if e.err != nil {
		return e
	}
	m, err := io.CopyN(e.buf(), r, n)
	if err == io.EOF {
		err = fmt.Errorf("imapwire: literal source ended after %d of %d bytes", m, n)
	}
	e.set(err)
	return e
}

// Flush sends what is buffered and returns the first error.
func (e *Encoder) Flush() error {
	if e.err == nil && e.w != nil {
		e.set(e.w.Flush())
	}
	return e.err
}
