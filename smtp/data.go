package smtp

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"net/netip"
	"strconv"
	"strings"

	"github.com/mailstack/mailstack/envelope"
	"github.com/mailstack/mailstack/internal/wire"
)

// errAborted ends a BDAT transaction that a command other than BDAT
// interrupted; that command is then served.
var errAborted = errors.New("smtp: transaction aborted by the client")

// messageSource is where a message's octets come from: DATA or BDAT.
type messageSource interface {
	io.Reader
	// finish reads and discards what is left of the message: all of it
	// for DATA; for BDAT the current chunk, and the following ones to LAST
	// when all is set. It returns the limit or rule the message broke, if
	// any, and the error that ends the session (or errAborted, which ends
	// the transaction only).
	finish(all bool) (policy, end error)
	// atEnd reports whether the whole message was received: always for
	// DATA, after the LAST chunk for BDAT.
	atEnd() bool
}

// cmdData handles DATA (RFC 5321 §4.1.1.4).
func (c *conn) cmdData(arg []byte) {
	switch {
	case len(arg) > 0:
		c.fail(replyNoArguments)
	case !c.greeted:
		c.fail(c.needHello())
	case c.tx == nil:
		c.fail(replyNeedMail)
	case c.tx.bdat:
		c.fail(replyDataAfterBDAT) // RFC 3030 §2
	case len(c.tx.rcpts) == 0:
		c.fail(c.noRecipients()) // RFC 5321 §3.3, RFC 2920 §3.1
	case c.tx.params.Body == envelope.BodyBinaryMIME:
		c.fail(replyBinaryWithData) // RFC 3030 §3
	default:
		c.reply(envelope.ReplyStartMailInput)
		c.flush() // RFC 2920 §3.1: never buffered
		opts := wire.DataOptions{MaxSize: c.lim.maxMessage, MaxLineLength: c.lim.maxDataLine}
		if c.srv.AcceptBareLineEndings {
			opts.BareLineEndings = wire.NormalizeBareLineEndings
		}
		c.dr.Reset(c.br, opts)
		c.deliver(&dataSource{dr: &c.dr}, checkNUL)
		return
	}
	c.flush()
}

// noRecipients answers DATA or BDAT without an accepted recipient: 554 in
// SMTP (RFC 5321 §3.3), 503 in LMTP (RFC 2033 §4.2).
func (c *conn) noRecipients() *envelope.Reply {
	if c.lmtp {
		return replyNeedRcpt
	}
	return replyNoRecipients
}

// dataSource reads DATA: package wire ends it only at CRLF.CRLF and
// enforces the size, line and line-ending rules.
type dataSource struct {
	dr    *wire.DataReader
	fatal error // a read error that is not a broken rule
}

func (s *dataSource) Read(p []byte) (int, error) {
	n, err := s.dr.Read(p)
	if err != nil && err != io.EOF && !isPolicy(err) {
		s.fatal = err
	}
	return n, err
}

func (s *dataSource) finish(bool) (policy, end error) {
	if s.fatal != nil {
		return nil, s.fatal
	}
	if err := s.dr.Drain(); err != nil {
		return nil, err
	}
	var one [1]byte
	if _, err := s.dr.Read(one[:]); err != io.EOF {
		return err, nil // the limit or rule broken, stream in step
	}
	return nil, nil
}

func (s *dataSource) atEnd() bool { return true }

// isPolicy reports an error for a message that broke a limit or a rule,
// after which the stream is in step.
func isPolicy(err error) bool {
	return errors.Is(err, wire.ErrDataTooLarge) || errors.Is(err, wire.ErrBareLineEnding) ||
		errors.Is(err, wire.ErrLineTooLong) || errors.Is(err, errNUL)
}

// deliver hands a message to the session and answers it. The positive
// reply is sent only after the session's Data returned nil and the whole
// message was read within the limits: nothing is acknowledged that the
// backend did not take.
func (c *conn) deliver(src messageSource, mode checkMode) {
	tx := c.tx
	c.msgs++
	id := c.info.ID + "-" + strconv.Itoa(c.msgs)
	if c.ext.traceID != nil {
		if own := c.ext.traceID.TraceID(c.ctx); own != "" {
			id = own
		}
	}
	mr := &messageReader{src: src, mode: mode}
	var r io.Reader = mr
	if !c.srv.OmitReceived {
		r = &prefixReader{prefix: c.receivedField(id), r: mr}
	}
	c.readTimeout = c.lim.data
	var err error
	var results []error
	if c.ext.lmtpData != nil {
		results = c.ext.lmtpData(c.ctx, r, tx.rcpts)
	} else {
		err = c.sess.Data(c.ctx, r)
	}
	failed := err != nil
	for _, e := range results {
		failed = failed || e != nil
	}
	if !failed {
		// The backend returned early: read the rest through the same
		// checks, so that it cannot be accepted unseen.
		io.Copy(io.Discard, mr)
	}
	policy, end := src.finish(!failed)
	if policy == nil {
		policy = mr.policy
	}
	c.traceData(mr.n)
	switch {
	case end == errAborted:
		c.endTx()
		return
	case end != nil:
		c.connLost(end)
		return
	}
	if policy != nil {
		c.log.Info("smtp: message refused", "id", id, "reason", policy)
	}
	switch {
	case c.lmtp && src.atEnd():
		c.answerLMTP(tx, policy, results)
	case c.lmtp:
		// A BDAT chunk before LAST failed: it gets one reply (RFC 3030
		// §2), the message none per recipient.
		c.answerData(id, policy, errors.Join(results...))
	default:
		c.answerData(id, policy, err)
	}
	c.endTx()
}

// answerData sends the one reply of an SMTP transaction.
func (c *conn) answerData(id string, policy, err error) {
	switch {
	case policy != nil:
		c.reply(policyReply(policy))
	case err != nil:
		c.reply(backendReply(c.log, "Data", err))
	default:
		// The ID is atext (idEncoding and digits): no need to sanitise.
		c.writeWire("250 2.0.0 OK: queued as " + id + "\r\n")
	}
}

// answerLMTP sends one reply per accepted recipient, in RCPT order (RFC
// 2033 §4.2).
func (c *conn) answerLMTP(tx *transaction, policy error, results []error) {
	for i, rc := range tx.rcpts {
		var err error
		if i < len(results) {
			err = results[i]
		}
		switch {
		case policy != nil:
			c.reply(policyReply(policy))
		case err != nil:
			c.reply(backendReply(c.log, "Data", err))
		default:
			c.reply(envelope.Replyf(250, enh(2, 1, 5), "%s OK", rc.Path))
		}
	}
}

// connLost ends a session whose connection failed during a message.
func (c *conn) connLost(err error) {
	var ne net.Error
	switch {
	case errors.Is(err, errShutdown):
		c.reply(replyShuttingDown)
	case errors.As(err, &ne) && ne.Timeout():
		c.reply(envelope.ReplyTimeout)
	case errors.Is(err, context.Canceled):
	default:
		c.log.Debug("smtp: connection lost during a message", "err", err)
	}
	c.quit = true
}

// receivedField builds the Received field (RFC 5321 §4.4) with the
// protocol named as RFC 3848 does.
func (c *conn) receivedField(id string) string {
	tx := c.tx
	rec := envelope.Received{
		FromHelo: c.info.Helo,
		FromIP:   remoteIP(c.info.RemoteAddr),
		By:       c.srv.hostname,
		With:     c.protocol(tx).Name(),
		ID:       id,
		UTF8:     tx.params.SMTPUTF8,
	}
	if len(tx.rcpts) == 1 {
		mb := tx.rcpts[0].Path.Mailbox
		rec.For = &mb
	}
	if t := c.info.TLS; t != nil {
		rec.TLS = "version=" + strings.ReplaceAll(tls.VersionName(t.Version), " ", "") +
			" cipher=" + tls.CipherSuiteName(t.CipherSuite)
	}
	return rec.String()
}

// protocol describes the session for the Received field.
func (c *conn) protocol(tx *transaction) envelope.WithProtocol {
	return envelope.WithProtocol{
		LMTP:  c.lmtp,
		ESMTP: c.info.ESMTP,
		TLS:   c.info.TLS != nil,
		Auth:  c.info.Authenticated(),
		UTF8:  tx.params.SMTPUTF8,
	}
}

// remoteIP returns the IP address of a TCP peer, or the zero Addr.
func remoteIP(a net.Addr) netip.Addr {
	if t, ok := a.(*net.TCPAddr); ok {
		if ip, ok := netip.AddrFromSlice(t.IP); ok {
			return ip.Unmap()
		}
	}
	return netip.Addr{}
}

// prefixReader reads prefix, then r. Unlike io.MultiReader it has no
// WriteTo, which would make io.Copy allocate a 32 KiB buffer per message
// instead of using the destination's ReadFrom (io.Discard's is pooled).
type prefixReader struct {
	prefix string
	r      io.Reader
}

func (p *prefixReader) Read(b []byte) (int, error) {
	if len(p.prefix) > 0 {
		n := copy(b, p.prefix)
		p.prefix = p.prefix[n:]
		return n, nil
	}
	return p.r.Read(b)
}

// checkMode is what a messageReader checks besides its source.
type checkMode uint8

const (
	checkNone checkMode = iota // BINARYMIME: anything goes (RFC 3030 §3)
	checkNUL                   // DATA: the DataReader checks line endings
	checkText                  // BDAT text: NULs and bare CR or LF
)

// messageReader is the reader a session's Data gets. It refuses NUL
// octets, which RFC 5322 §2.1 and RFC 6152 §3 keep out of text, and in
// BDAT chunks, which carry no dot-stuffing, bare CR and LF too (RFC 5321
// §2.3.8, RFC 3030 §2). After an error it returns that error only; the
// server then reads the rest of the message and refuses it.
type messageReader struct {
	src    io.Reader
	mode   checkMode
	prevCR bool  // checkText: the last octet was a CR
	n      int64 // octets read
	policy error // the rule broken
}

func (m *messageReader) Read(p []byte) (int, error) {
	if m.policy != nil {
		return 0, m.policy
	}
	n, err := m.src.Read(p)
	if n > 0 && m.mode != checkNone {
		if perr := m.check(p[:n]); perr != nil {
			m.n += int64(n)
			m.policy = perr
			return 0, perr
		}
	}
	m.n += int64(n)
	if err == io.EOF && m.prevCR {
		m.policy = &wire.BareLineEndingError{Char: '\r', Offset: m.n - 1}
		return 0, m.policy
	}
	return n, err
}

// check applies the mode's rules to b, which follows m.n octets.
func (m *messageReader) check(b []byte) error {
	if m.mode == checkNUL {
		if bytes.IndexByte(b, 0) >= 0 {
			return errNUL
		}
		return nil
	}
	for i, ch := range b {
		switch {
		case m.prevCR:
			m.prevCR = false
			if ch != '\n' {
				return &wire.BareLineEndingError{Char: '\r', Offset: m.n + int64(i) - 1}
			}
		case ch == '\r':
			m.prevCR = true
		case ch == '\n':
			return &wire.BareLineEndingError{Char: '\n', Offset: m.n + int64(i)}
		case ch == 0:
			return errNUL
		}
	}
	return nil
}
