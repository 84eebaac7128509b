package imap

import (
	"bytes"
	"errors"
	"io"
	"time"

	"github.com/mailstack/mailstack/store"
)

// appendStream reads the messages of an APPEND command (RFC 3502
// append-message: [flag-list SP] [date-time SP] literal, separated by
// SP) as the store asks for them, so that each streams from the
// connection into the store.
type appendStream struct {
	c        *conn
	max      int  // messages allowed (Server.MaxAppendMessages)
	n        int  // messages read
	sep      bool // the next message is preceded by SP
	ended    bool // the command's CRLF was read
	draining bool // the store is done: read what is left, no limit
}

var (
	errTooManyMessages = no("LIMIT", "Too many messages in one APPEND") // RFC 5530 LIMIT
	// errNUL: a message sent as a plain literal holds NUL, which only
	// literal8 may (RFC 9051 §4.3, RFC 3516 §4.4).
	errNUL     = bad("", "Message contains NUL: send it as literal8 (RFC 3516)")
	errAppSync = errors.New("imap: APPEND syntax error")
)

// next returns the next message, or io.EOF once the command line has no
// more. The previous message's literal, if the store did not read it all,
// is skipped by the decoder.
func (a *appendStream) next() (*store.AppendMessage, error) {
	if a.ended {
		return nil, io.EOF
	}
	d := a.c.dec
	if a.sep && !d.SP() {
		// The command must end here, before the store commits: an
		// APPEND answered BAD adds nothing.
		if !d.ExpectCRLF() {
			return nil, d.Err()
		}
		a.ended = true
		return nil, io.EOF
	}
	a.sep = false
	if a.n == a.max && !a.draining {
		return nil, errTooManyMessages // drain reads the message
	}
	return a.read()
}

// read reads one append-message.
func (a *appendStream) read() (*store.AppendMessage, error) {
	d := a.c.dec
	var flags []string
	var date time.Time
	if b, ok := d.Peek(); ok && b == '(' {
		if !d.ExpectFlagList(&flags) || !d.ExpectSP() {
			return nil, a.syntaxErr()
		}
	}
	if b, ok := d.Peek(); ok && b == '"' {
		if !d.ExpectDateTime(&date) || !d.ExpectSP() {
			return nil, a.syntaxErr()
		}
	}
	r, _, binary, ok := d.ExpectLiteralReader(a.c.srv.appendLimit())
	if !ok {
		return nil, a.syntaxErr()
	}
	a.n++
	a.sep = true
	flags, err := appendFlags(flags)
	if err != nil {
		return nil, err
	}
	body := r
	if !binary {
		body = &nulReader{r: r}
	}
	return &store.AppendMessage{Body: body, Options: &store.AppendOptions{Flags: flags, InternalDate: date}}, nil
}

func (a *appendStream) syntaxErr() error {
	if err := a.c.dec.Err(); err != nil {
		return err
	}
	return errAppSync
}

// drain reads the messages the store did not ask for, after it failed
// (or before it was asked, when the mailbox could not be opened), up to
// the command's end or a syntax error.
func (a *appendStream) drain() {
	a.draining = true
	for a.c.dec.Err() == nil {
		if _, err := a.next(); err == io.EOF || err == errAppSync {
			return
		}
	}
}

// nulReader fails on the first NUL of a message sent as a plain literal.
type nulReader struct{ r io.Reader }

func (n *nulReader) Read(p []byte) (int, error) {
	k, err := n.r.Read(p)
	if bytes.IndexByte(p[:k], 0) >= 0 {
		return 0, errNUL
	}
	return k, err
}
