package mbox

import (
	"bytes"
	"io"
)

// The body scanner works on the Reader's buffer a window at a time rather
// than a line at a time: bytes.IndexByte finds the next 'F' in the window
// and only at a "From " does it look at the line around it. Everything
// before the first point that needs a decision is handed out in one piece,
// together with the '>' or the separator and next From_ line after it.
//
// A decision is needed at a line that starts with ">*From " (mboxrd drops
// one '>'), at a "From " line after a blank line (the separator, RFC 4155
// §2: the blank line and what follows are not this message's), and at the
// window's end, where a blank line or the start of a line is held back
// until the bytes after it are in.

// action is what follows the plain bytes a decision found.
type action int

const (
	actNone      action = iota // nothing decided: read more
	actQuote                   // one '>' to drop
	actSeparator               // a blank line of sepLen bytes, then a From_ line
	actPlain                   // all the window is plain (decided)
)

// decide looks at window w, whose first byte starts a line if atStart, and
// returns how many bytes from its start are plain body bytes, and what
// comes after them: for a separator, the length of its blank line and of
// the whole From_ line after it (0 at the end of the input). eof says no
// bytes follow w.
func (b *body) decide(w []byte, atStart, eof bool) (plain int, act action, sepLen, lineLen int) {
	for i := 0; ; {
		// IndexByte rather than bytes.Index: the same search without
		// the setup cost, which is paid several times a message.
		k := bytes.IndexByte(w[i:], 'F')
		if k < 0 {
			break
		}
		k += i
		i = k + 1
		if len(w)-k < len(fromPrefix) || w[k+1] != 'r' || w[k+2] != 'o' || w[k+3] != 'm' || w[k+4] != ' ' {
			continue // not "From "; compared inline, as bytes.HasPrefix costs a call
		}
		j := k // start of the line, before any '>'
		for j > 0 && w[j-1] == '>' {
			j--
		}
		if !(j == 0 && atStart || j > 0 && w[j-1] == '\n') {
			continue
		}
		if j < k {
			if b.r.format == MboxRD {
				return j, actQuote, 0, 0
			}
			continue
		}
		bl := blankBefore(w, j, atStart)
		if bl == 0 {
			continue
		}
		// RFC 4155 §2: a From_ line after a blank line starts the next
		// message, if the line is whole (a piece of a line longer than
		// the buffer never is).
		if n := bytes.IndexByte(w[k:], '\n'); n >= 0 {
			return j - bl, actSeparator, bl, n + 1
		}
		if eof || len(w) == bufSize {
			continue
		}
		return j - bl, actNone, 0, 0
	}
	if eof {
		// A blank line at the very end is the separator's.
		if n := len(w) - blankBefore(w, len(w), atStart); n < len(w) || len(w) == 0 {
			return n, actSeparator, len(w) - n, 0
		}
		return len(w), actPlain, 0, 0
	}
	// Hold back the last line if it is incomplete and could still turn
	// out to need a decision, and a blank line just before it.
	end := bytes.LastIndexByte(w, '\n') + 1
	if end == 0 && !atStart {
		return len(w), actPlain, 0, 0 // the rest of a line begun before
	}
	if !mayBecomeSpecial(w[end:]) {
		return len(w), actPlain, 0, 0
	}
	end -= blankBefore(w, end, atStart)
	if end == 0 && len(w) == bufSize {
		return len(w), actPlain, 0, 0 // cannot see further: take it as it is
	}
	return end, actNone, 0, 0
}

var fromPrefix = []byte("From ")

// blankBefore returns the length of the blank line ("\n" or "\r\n") that
// ends at w[j], j being a line start, or 0.
func blankBefore(w []byte, j int, atStart bool) int {
	lineStart := func(i int) bool { return i == 0 && atStart || i > 0 && w[i-1] == '\n' }
	if j >= 1 && w[j-1] == '\n' {
		if lineStart(j - 1) {
			return 1
		}
		if j >= 2 && w[j-2] == '\r' && lineStart(j-2) {
			return 2
		}
	}
	return 0
}

// mayBecomeSpecial reports whether an incomplete line could still turn
// out to be ">*From ..." or a blank line.
func mayBecomeSpecial(l []byte) bool {
	i := 0
	for i < len(l) && l[i] == '>' {
		i++
	}
	rest := l[i:]
	if len(rest) >= len(fromPrefix) {
		return bytes.HasPrefix(rest, fromPrefix)
	}
	return bytes.HasPrefix(fromPrefix, rest) || bytes.Equal(l, []byte("\r"))
}

// scan copies body bytes to p, deciding from the buffer. It is used once
// the header needs no more looking at (see body.Read).
func (b *body) scan(p []byte) (int, error) {
	chunk, err := b.chunk(len(p))
	if len(chunk) > 0 {
		// The end of the body, if reached, is for the next call: done
		// is set.
		return copy(p, chunk), nil
	}
	return 0, err
}

// chunk returns the next run of at most limit plain body bytes, consumed
// already: a slice of the Reader's buffer, valid until the next read.
// With the last run, or alone, it returns io.EOF at the end of the body.
func (b *body) chunk(limit int) ([]byte, error) {
	for {
		if b.plain == 0 && b.act == actNone {
			if err := b.decideNext(); err != nil {
				return nil, err
			}
			continue
		}
		// The run and what ends it are in the buffer (decide saw them
		// there): take both at once, so a message costs few rounds.
		r := b.r
		n := min(b.plain, limit)
		b.plain -= n
		extra, act := 0, actNone
		if b.plain == 0 {
			act, b.act = b.act, actNone
			switch act {
			case actQuote:
				extra = 1 // RFC 4155 mboxrd: one '>' less
			case actSeparator:
				extra = b.sepLen + b.lineLen
			}
		}
		buf := r.br.take(n + extra)
		at := r.off
		r.off += int64(len(buf))
		run := buf[:n]
		switch {
		case act == actSeparator:
			b.done = true
			if b.lineLen > 0 {
				r.setNext(buf[n+b.sepLen:], at+int64(n+b.sepLen))
			}
			return run, io.EOF
		case act == actQuote:
			b.atStart = false
		case n > 0:
			b.atStart = run[n-1] == '\n'
		}
		if n > 0 {
			return run, nil
		}
	}
}

// decideNext looks at the buffer (reading more if it must) and sets the
// run of plain bytes and what follows it.
func (b *body) decideNext() error {
	r := b.r
	w, err := r.br.unread(), error(nil)
	if len(w) == 0 {
		w, err = r.br.Peek(1)
	}
	eof := err == io.EOF
	if err != nil && !eof {
		return err
	}
	if len(w) == 0 {
		b.done = true
		return io.EOF
	}
	plain, act, sepLen, lineLen := b.decide(w, b.atStart, eof)
	if plain == 0 && act == actNone {
		// Undecided: the bytes after w are needed.
		more, err := r.br.Peek(len(w) + 1)
		if err == io.EOF && len(more) == len(w) {
			plain, act, sepLen, lineLen = b.decide(w, b.atStart, true)
		} else if err != nil && err != io.EOF {
			return err
		} else {
			return nil // decide again on the longer window
		}
	}
	if act == actPlain {
		plain, act = len(w), actNone
	}
	b.plain, b.act, b.sepLen, b.lineLen = plain, act, sepLen, lineLen
	return nil
}

// WriteTo writes the rest of the body to w straight from the Reader's
// buffer, sparing io.Copy a copy through a buffer of its own.
func (b *body) WriteTo(w io.Writer) (int64, error) {
	var total int64
	var scratch []byte
	for {
		if len(b.pending) > 0 || !b.done && (b.header || b.counted > 0 || b.blank != nil) {
			// Header or Content-Length states: through Read.
			if scratch == nil {
				scratch = make([]byte, 32<<10)
			}
			n, err := b.Read(scratch)
			if n > 0 {
				m, werr := w.Write(scratch[:n])
				total += int64(m)
				if werr != nil {
					return total, werr
				}
			}
			if err == io.EOF {
				return total, nil
			}
			if err != nil {
				return total, err
			}
			continue
		}
		if b.done {
			return total, nil
		}
		c, err := b.chunk(bufSize)
		if len(c) > 0 {
			m, werr := w.Write(c)
			total += int64(m)
			if werr != nil {
				return total, werr
			}
		}
		if err == io.EOF {
			return total, nil
		}
		if err != nil {
			return total, err
		}
	}
}
