package mbox

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
)

// maxHeader bounds the part of a message searched for metadata fields;
// a longer header's remainder is content as it stands.
const maxHeader = 1 << 20

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// contentInfo is what copyContent learns of one message.
type contentInfo struct {
	meta Meta
	date string // the Date field, for messages whose From_ line has none
	size int64  // content bytes: the message without metadata fields
	sum  uint32 // CRC-32C of the content
}

// copyContent reads one message (a Reader's Message.Body, through br),
// drops its metadata fields (IsMetaHeader), and writes the rest, the
// content a store serves, to w (nil: only measure it).
func copyContent(br *bufio.Reader, w io.Writer) (contentInfo, error) {
	var ci contentInfo
	var st metaState
	emit := func(b []byte) error {
		ci.sum = crc32.Update(ci.sum, castagnoli, b)
		ci.size += int64(len(b))
		if w != nil {
			_, err := w.Write(b)
			return err
		}
		return nil
	}
	inField := false
	for read := 0; read < maxHeader; {
		line, err := br.ReadSlice('\n')
		read += len(line)
		if err == bufio.ErrBufferFull {
			// A line longer than the buffer is no metadata field.
			inField = false
			if err := emitLongLine(br, line, emit); err != nil {
				return ci, err
			}
			continue
		}
		if len(line) == 0 && err != nil {
			ci.meta = st.done()
			return ci, ignoreEOF(err)
		}
		if isBlank(line) {
			if err := emit(line); err != nil {
				return ci, err
			}
			break
		}
		inField = st.line(line, inField)
		if !inField {
			if len(line) > 5 && (line[0] == 'D' || line[0] == 'd') && bytes.EqualFold(line[:5], []byte("date:")) && ci.date == "" {
				ci.date = string(bytes.TrimSpace(line[5:]))
			}
			if err := emit(line); err != nil {
				return ci, err
			}
		}
		if err != nil {
			ci.meta = st.done()
			return ci, ignoreEOF(err)
		}
	}
	ci.meta = st.done()
	_, err := br.WriteTo(writerFunc(emit))
	return ci, err
}

func emitLongLine(br *bufio.Reader, line []byte, emit func([]byte) error) error {
	for {
		if err := emit(line); err != nil {
			return err
		}
		var err error
		line, err = br.ReadSlice('\n')
		if err == bufio.ErrBufferFull {
			continue
		}
		if len(line) > 0 {
			if err := emit(line); err != nil {
				return err
			}
		}
		return ignoreEOF(err)
	}
}

func ignoreEOF(err error) error {
	if err == io.EOF {
		return nil
	}
	return err
}

type writerFunc func([]byte) error

func (f writerFunc) Write(p []byte) (int, error) {
	if err := f(p); err != nil {
		return 0, err
	}
	return len(p), nil
}

// spoolMem is the largest content held in memory by Open; larger content
// goes to an unlinked temporary file.
const spoolMem = 1 << 20

// spool collects a message's content, in memory while small.
type spool struct {
	dir  string
	mem  []byte
	file *os.File
	n    int64
}

func (s *spool) Write(p []byte) (int, error) {
	if s.file == nil && len(s.mem)+len(p) <= spoolMem {
		s.mem = append(s.mem, p...)
		s.n += int64(len(p))
		return len(p), nil
	}
	if s.file == nil {
		f, err := os.CreateTemp(s.dir, "mailstack-mbox-*")
		if err != nil {
			return 0, fmt.Errorf("mbox: spooling a message: %w", err)
		}
		os.Remove(f.Name()) // unlinked: gone when closed, even after a crash
		s.file = f
		if _, err := f.Write(s.mem); err != nil {
			return 0, fmt.Errorf("mbox: spooling a message: %w", err)
		}
		s.mem = nil
	}
	n, err := s.file.Write(p)
	s.n += int64(n)
	if err != nil {
		err = fmt.Errorf("mbox: spooling a message: %w", err)
	}
	return n, err
}

func (s *spool) discard() {
	if s.file != nil {
		s.file.Close()
	}
}

// content returns the collected bytes as a store.Content.
func (s *spool) content() *content {
	if s.file != nil {
		return &content{ReaderAt: s.file, closer: s.file, size: s.n}
	}
	return &content{ReaderAt: bytes.NewReader(s.mem), size: s.n}
}

// content implements store.Content over a copy of a message: an mbox may
// be rewritten in place by other programs, so a served message must not
// point into the file.
type content struct {
	io.ReaderAt
	closer io.Closer
	size   int64
}

func (c *content) Size() int64 { return c.size }

func (c *content) Close() error {
	if c.closer == nil {
		return nil
	}
	return c.closer.Close()
}

var errChanged = errors.New("mbox: file changed while read")
