package mbox

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
)

// Writer writes messages in mboxrd form (see the package documentation):
// a From_ line, the message with line ends normalised to LF and every
// line matching ^>*From  given one more '>', a final LF if missing, and a
// blank line.
type Writer struct {
	w *bufio.Writer
}

// NewWriter returns a Writer to w. Call Flush when done.
func NewWriter(w io.Writer) *Writer {
	return &Writer{w: bufio.NewWriterSize(w, bufSize)}
}

// FromLine formats a From_ line's content (RFC 4155 §2): the sender (or
// MAILER-DAEMON when empty; spaces replaced, as the line is
// space-separated) and the date in asctime form, UTC.
func FromLine(sender string, date time.Time) string {
	if sender == "" {
		sender = "MAILER-DAEMON"
	}
	sender = strings.Map(func(r rune) rune {
		if r <= ' ' || r == 0x7f {
			return '_'
		}
		return r
	}, sender)
	if date.IsZero() {
		date = time.Now()
	}
	return sender + " " + date.UTC().Format(time.ANSIC)
}

// WriteMessage writes one message read from r.
func (w *Writer) WriteMessage(sender string, date time.Time, r io.Reader) error {
	if _, err := w.w.WriteString("From " + FromLine(sender, date) + "\n"); err != nil {
		return err
	}
	br := bufio.NewReaderSize(r, bufSize)
	atStart, last := true, byte('\n')
	for {
		line, err := br.ReadSlice('\n')
		if len(line) > 0 {
			if atStart && isQuotedFromOrFrom(line) {
				w.w.WriteByte('>')
			}
			full := line[len(line)-1] == '\n'
			if full {
				line = line[:len(line)-1]
				if n := len(line); n > 0 && line[n-1] == '\r' {
					line = line[:n-1]
				}
			}
			w.w.Write(line)
			if full {
				w.w.WriteByte('\n')
				last = '\n'
			} else {
				last = line[len(line)-1]
				if last == '\r' && err == bufio.ErrBufferFull {
					// A CR split from its LF by the buffer: keep it;
					// rare, and only in lines over 64 KiB.
					last = 0
				}
			}
			atStart = full
		}
		if err == bufio.ErrBufferFull {
			continue
		}
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return fmt.Errorf("mbox: reading message: %w", err)
		}
	}
	if last != '\n' {
		w.w.WriteByte('\n')
	}
	_, err := w.w.WriteString("\n")
	return err
}

// isQuotedFromOrFrom matches ^>*From  (mboxrd quotes these).
func isQuotedFromOrFrom(line []byte) bool {
	i := 0
	for i < len(line) && line[i] == '>' {
		i++
	}
	return bytes.HasPrefix(line[i:], []byte("From "))
}

// Flush writes buffered data to the underlying writer.
func (w *Writer) Flush() error { return w.w.Flush() }
