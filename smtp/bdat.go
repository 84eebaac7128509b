package smtp

import (
	"bytes"
	"errors"
	"io"
	"strconv"

	"github.com/mailstack/mailstack/envelope"
	"github.com/mailstack/mailstack/internal/wire"
)

// errBadChunk ends a session whose BDAT command could not be parsed: the
// chunk's length is unknown, so the stream cannot be followed any more.
var errBadChunk = errors.New("smtp: malformed BDAT command")

var (
	replyBdatSyntax = envelope.NewReply(501, enh(5, 5, 4), "Syntax: BDAT size [LAST]")
	replyChunkOK    = envelope.NewReply(250, enh(2, 0, 0), "Chunk received")
)

// parseBdat parses the argument of BDAT: chunk-size [SP "LAST"] (RFC 3030
// §2). Sizes beyond int64 are refused.
func parseBdat(arg []byte) (size int64, last, ok bool) {
	num, rest, _ := bytes.Cut(arg, []byte(" "))
	if len(num) == 0 || len(num) > 18 {
		return 0, false, false
	}
	for _, ch := range num {
		if ch < '0' || ch > '9' {
			return 0, false, false
		}
	}
	size, err := strconv.ParseInt(string(num), 10, 64)
	if err != nil {
		return 0, false, false
	}
	switch {
	case len(rest) == 0 && !bytes.HasSuffix(arg, []byte(" ")):
		return size, false, true
	case bytes.EqualFold(rest, []byte("LAST")):
		return size, true, true
	}
	return 0, false, false
}

// cmdBdat handles the BDAT command that begins a message (RFC 3030 §2);
// the chunks that follow it are read by chunkSource. A refused chunk is
// still read and discarded, since the client sends it without waiting.
func (c *conn) cmdBdat(arg []byte) {
	size, last, ok := parseBdat(arg)
	if !ok {
		c.reply(replyBdatSyntax)
		c.quit = true
		return
	}
	var refusal *envelope.Reply
	switch {
	case !c.greeted:
		refusal = c.needHello()
	case c.tx == nil:
		refusal = replyNeedMail
	case len(c.tx.rcpts) == 0:
		refusal = c.noRecipients()
	}
	if refusal != nil {
		if err := c.discard(size); err != nil {
			c.connLost(err)
			return
		}
		// Not counted as an error: a client may have pipelined many
		// chunks after the one that failed (RFC 3030 §2).
		c.reply(refusal)
		return
	}
	if c.lim.maxMessage >= 0 && size > c.lim.maxMessage {
		// Too large from the first chunk: the backend need not see it.
		if err := c.discard(size); err != nil {
			c.connLost(err)
			return
		}
		n := 1
		if c.lmtp && last {
			n = len(c.tx.rcpts) // RFC 2033 §4.2: one per recipient
		}
		for range n {
			c.reply(envelope.ReplyMessageTooBig) // RFC 1870 §6.3
		}
		c.endTx()
		return
	}
	c.tx.bdat = true
	src := &chunkSource{c: c, remaining: size, last: last, total: size}
	mode := checkText
	if c.tx.params.Body == envelope.BodyBinaryMIME {
		mode = checkNone
	}
	c.deliver(src, mode)
}

// discard reads and drops n octets of chunk data.
func (c *conn) discard(n int64) error {
	c.readTimeout = c.lim.data
	if _, err := io.CopyN(io.Discard, c.br, n); err != nil {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return err
	}
	return nil
}

// chunkSource reads a message sent in BDAT chunks. Between chunks it
// answers the last one and reads the next command itself: BDAT goes on,
// NOOP is answered, and any other command aborts the transaction and is
// left in conn.pending for the main loop.
type chunkSource struct {
	c         *conn
	remaining int64 // octets left in the current chunk
	last      bool  // the current chunk is the last
	total     int64 // octets announced so far
	policy    error // a limit broken: stop delivering
	end       error // the session or the transaction is over
}

func (s *chunkSource) Read(p []byte) (int, error) {
	for s.remaining == 0 {
		switch {
		case s.end != nil:
			return 0, s.end
		case s.policy != nil:
			return 0, s.policy
		case s.last:
			return 0, io.EOF
		}
		s.next()
	}
	if s.policy != nil {
		return 0, s.policy
	}
	if int64(len(p)) > s.remaining {
		p = p[:s.remaining]
	}
	s.c.readTimeout = s.c.lim.data
	n, err := s.c.br.Read(p)
	s.remaining -= int64(n)
	if err != nil {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		s.end = err
		return n, err
	}
	return n, nil
}

// next answers the chunk just read and reads the command after it.
func (s *chunkSource) next() {
	c := s.c
	c.reply(replyChunkOK)
	for {
		line, err := c.nextCommand()
		if err != nil {
			if err == io.EOF {
				// Never io.EOF: the backend would take the message
				// for complete.
				err = io.ErrUnexpectedEOF
			}
			if isRecoverable(err) {
				c.pendingErr = err
				s.end = errAborted
			} else {
				s.end = err
			}
			return
		}
		v, arg := parseVerb(line)
		switch v {
		case vNOOP:
			c.traceCommand(v, line, arg)
			c.reply(envelope.ReplyOK)
			continue
		case vBDAT:
			c.traceCommand(v, line, arg)
			s.start(arg)
			return
		}
		c.pending = append([]byte(nil), line...)
		s.end = errAborted
		return
	}
}

// start begins the chunk announced by a BDAT argument.
func (s *chunkSource) start(arg []byte) {
	size, last, ok := parseBdat(arg)
	if !ok {
		s.c.reply(replyBdatSyntax)
		s.end = errBadChunk
		return
	}
	s.remaining, s.last = size, last
	s.total += size
	if max := s.c.lim.maxMessage; max >= 0 && (s.total > max || s.total < 0) {
		s.policy = &wire.TooLargeError{Limit: max}
	}
}

func (s *chunkSource) atEnd() bool { return s.last && s.remaining == 0 }

// finish discards the rest of the current chunk and, when all is set and
// no limit was broken, the chunks that follow up to LAST.
func (s *chunkSource) finish(all bool) (policy, end error) {
	for s.end == nil {
		if s.remaining > 0 {
			if err := s.c.discard(s.remaining); err != nil {
				return nil, err
			}
			s.remaining = 0
		}
		if s.last || s.policy != nil || !all {
			break
		}
		s.next()
	}
	if s.end != nil {
		return nil, s.end
	}
	return s.policy, nil
}
