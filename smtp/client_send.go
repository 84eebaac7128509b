package smtp

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/mailstack/mailstack/envelope"
)

// clientPipelineGroup is the most RCPT commands sent in one pipelined group
// before their replies are read. RFC 2920 §3.1 warns that a client writing
// without reading can deadlock once both directions' buffers fill; a
// hundred commands and replies fit in any socket buffer.
const clientPipelineGroup = 100

// SendOptions are the envelope parameters of Send.
type SendOptions struct {
	// Mail holds the MAIL parameters; see Client.Mail for how they are
	// adapted to the server. Set Mail.SMTPUTF8 when the message itself
	// needs SMTPUTF8 (UTF-8 header fields, RFC 6532); Send sets it when
	// an address needs it and the server offers it.
	Mail envelope.MailParams
	// Rcpt holds each recipient's RCPT parameters, Rcpt[i] for rcpts[i];
	// a shorter slice leaves the rest without parameters.
	Rcpt []envelope.RcptParams
}

// RcptResult is the outcome of one recipient of Send.
type RcptResult struct {
	// Rcpt is the recipient, as given.
	Rcpt envelope.Path
	// Reply is the reply that decided the recipient's fate: the reply to
	// its RCPT if refused, else the reply to the message (in LMTP, its
	// own). It is the client's own for a local refusal, and nil when the
	// connection failed before a reply.
	Reply *envelope.Reply
	// Err is nil when the server took responsibility for the message for
	// this recipient; otherwise a *CommandError (test Temporary or
	// Permanent), or the connection error that left the outcome unknown.
	Err error
}

// Accepted reports whether the server accepted the message for the
// recipient.
func (r RcptResult) Accepted() bool { return r.Err == nil }

// Send carries one whole transaction: MAIL, a RCPT per recipient, and the
// message (DATA or BDAT), pipelined when the server offers PIPELINING
// (RFC 2920). It returns one result per recipient, in order, duplicates
// included. The error is nil when at least one recipient was accepted;
// otherwise it is what stopped the transaction: the MAIL or DATA error,
// the first recipient's error when each was refused, or a connection
// error. msg must use CRLF line endings unless
// ClientConfig.NormalizeLineEndings is set. After Send the Client is ready
// for another transaction unless the connection failed.
//
// When the connection fails after the whole message was sent and before
// the server's reply, the recipients get that error although the server
// may have accepted the message: retrying then may deliver it twice, the
// duplicate RFC 5321 §6.1 accepts over a loss.
func (c *Client) Send(ctx context.Context, from envelope.Path, rcpts []envelope.Path, msg io.Reader, opts *SendOptions) ([]RcptResult, error) {
	res := make([]RcptResult, len(rcpts))
	for i := range rcpts {
		res[i].Rcpt = rcpts[i]
	}
	if len(rcpts) == 0 {
		return res, fmt.Errorf("%w: Send without recipients", ErrClientBadSequence)
	}
	if err := c.Handshake(ctx); err != nil {
		return clientFailAll(res, nil, err), err
	}
	if c.state != clientReady {
		return res, fmt.Errorf("%w: Send during a transaction", ErrClientBadSequence)
	}
	var o SendOptions
	if opts != nil {
		o = *opts
	}
	mp := o.Mail
	if c.caps.SMTPUTF8 && !mp.SMTPUTF8 {
		for _, r := range rcpts {
			if _, err := r.Mailbox.ToASCII(); err != nil && !r.Mailbox.IsASCII() {
				mp.SMTPUTF8 = true // a UTF-8 local part: RFC 6531 §3.2
				break
			}
		}
	}
	mailLine, utf8, lerr := c.mailLine(from, &mp)
	if lerr != nil {
		return clientFailAll(res, nil, lerr), lerr
	}
	c.smtputf8 = utf8
	c.bodyBinary = mp.Body == envelope.BodyBinaryMIME
	lines := make([]string, len(rcpts))
	for i, r := range rcpts {
		var p *envelope.RcptParams
		if i < len(o.Rcpt) {
			p = &o.Rcpt[i]
		}
		if l, e := c.rcptLine(r, p); e != nil {
			res[i].Reply, res[i].Err = e.Reply, e
		} else {
			lines[i] = l
		}
	}
	if !clientAnyLine(lines) {
		c.endTransaction()
		return res, clientFirstErr(res)
	}
	return c.sendTransaction(ctx, mailLine, lines, res, msg)
}

// sendTransaction runs MAIL, RCPT and the data once the command lines are
// built; lines[i] is "" for recipients already refused locally.
func (c *Client) sendTransaction(ctx context.Context, mailLine string, lines []string, res []RcptResult, msg io.Reader) ([]RcptResult, error) {
	pipelined := c.caps.Pipelining && !c.cfg.DisablePipelining
	dataPipelined := pipelined && !c.useBDAT()
	env, err := c.sendEnvelope(ctx, mailLine, lines, pipelined, dataPipelined)
	if err != nil {
		return clientFailAll(res, lines, err), err
	}
	if env.mail != nil && !env.mail.Positive() {
		me := &CommandError{Command: "MAIL", Reply: env.mail}
		c.discardData(ctx, env.data)
		c.endTransaction()
		return clientFailAll(res, lines, me), me
	}
	var acc []int
	for i, r := range env.rcpts {
		if r == nil {
			continue
		}
		if r.Positive() {
			acc = append(acc, i)
		} else {
			res[i].Reply, res[i].Err = r, &CommandError{Command: "RCPT", Reply: r}
		}
	}
	if len(acc) == 0 {
		c.discardData(ctx, env.data)
		c.resetAfterFailure(ctx)
		return res, clientFirstErr(res)
	}
	c.state, c.accepted = clientRcpted, len(acc)
	var w *MessageWriter
	if env.data != nil {
		if env.data.Code != 354 {
			de := &CommandError{Command: "DATA", Reply: env.data}
			c.resetAfterFailure(ctx)
			return clientFailIdx(res, acc, env.data, de), de
		}
		w = c.openData(ctx, false)
	} else if w, err = c.Data(ctx); err != nil {
		var ce *CommandError
		errors.As(err, &ce)
		return clientFailIdx(res, acc, clientReplyOf(ce), err), err
	}
	return c.sendMessage(ctx, w, msg, res, acc)
}

// sendMessage copies msg into w and spreads the verdict over the accepted
// recipients acc.
func (c *Client) sendMessage(ctx context.Context, w *MessageWriter, msg io.Reader, res []RcptResult, acc []int) ([]RcptResult, error) {
	src := &clientErrReader{r: msg}
	_, err := io.Copy(w, src)
	if src.err != nil {
		// The message could not be read: DATA cannot be abandoned half
		// way (RFC 5321 §4.1.1.4), so the connection goes.
		err = c.fail(ctx, "DATA", fmt.Errorf("reading the message: %w", src.err))
	}
	if err == nil {
		err = w.Close()
	} else {
		w.Close()
	}
	replies := w.Replies()
	if c.cfg.LMTP && err == nil {
		for k, i := range acc {
			r := replies[k]
			res[i].Reply = r
			if !r.Positive() {
				res[i].Err = &CommandError{Command: w.command(), Reply: r}
			}
		}
		if clientAllFailed(res) {
			return res, clientFirstErr(res)
		}
		return res, nil
	}
	if err != nil {
		var r *envelope.Reply
		if len(replies) > 0 {
			r = replies[len(replies)-1]
		}
		return clientFailIdx(res, acc, r, err), err
	}
	for _, i := range acc {
		res[i].Reply = replies[0]
	}
	return res, nil
}

func (w *MessageWriter) command() string {
	if w.bdat {
		return "BDAT"
	}
	return "DATA"
}

// clientEnvelope holds the replies to the envelope commands; nil for a
// command not sent.
type clientEnvelope struct {
	mail  *envelope.Reply
	rcpts []*envelope.Reply
	data  *envelope.Reply
}

// sendEnvelope sends MAIL, the RCPTs and, when withData, DATA, in pipelined
// groups or one at a time, and reads their replies.
func (c *Client) sendEnvelope(ctx context.Context, mailLine string, lines []string, pipelined, withData bool) (*clientEnvelope, error) {
	env := &clientEnvelope{rcpts: make([]*envelope.Reply, len(lines))}
	if !pipelined {
		return env, c.sendSequential(ctx, env, mailLine, lines)
	}
	return env, c.sendPipelined(ctx, env, mailLine, lines, withData)
}

// sendSequential sends each command after the previous reply. It stops
// after a refused MAIL; after a 421 the remaining recipients get it too.
func (c *Client) sendSequential(ctx context.Context, env *clientEnvelope, mailLine string, lines []string) error {
	t := c.cfg.Timeouts
	r, err := c.roundTrip(ctx, "MAIL", mailLine, t.Mail)
	env.mail = r
	if err != nil || !r.Positive() {
		return err
	}
	var closing *envelope.Reply
	for i, l := range lines {
		if l == "" {
			continue
		}
		if closing != nil {
			env.rcpts[i] = closing
			continue
		}
		if env.rcpts[i], err = c.roundTrip(ctx, "RCPT", l, t.Rcpt); err != nil {
			return err
		}
		if c.err != nil {
			closing = env.rcpts[i] // 421: the server is gone
		}
	}
	return nil
}

// clientPending is a pipelined command awaiting its reply.
type clientPending struct {
	cmd  string
	rcpt int // index into the recipients, for RCPT
}

// sendPipelined sends MAIL and the RCPTs in groups (RFC 2920 §3.1), DATA
// ending the last one when withData.
func (c *Client) sendPipelined(ctx context.Context, env *clientEnvelope, mailLine string, lines []string, withData bool) error {
	if err := c.writeLine("MAIL", mailLine); err != nil {
		return c.fail(ctx, "MAIL", err)
	}
	pending := []clientPending{{cmd: "MAIL"}}
	for i, l := range lines {
		if l == "" {
			continue
		}
		if len(pending) > clientPipelineGroup {
			if err := c.readGroup(ctx, env, pending); err != nil {
				return err
			}
			pending = pending[:0]
		}
		if err := c.writeLine("RCPT", l); err != nil {
			return c.fail(ctx, "RCPT", err)
		}
		pending = append(pending, clientPending{cmd: "RCPT", rcpt: i})
	}
	if withData {
		if err := c.writeLine("DATA", "DATA"); err != nil {
			return c.fail(ctx, "DATA", err)
		}
		pending = append(pending, clientPending{cmd: "DATA"})
	}
	return c.readGroup(ctx, env, pending)
}

// readGroup flushes a pipelined group and reads its replies in order.
// After a 421 the commands still pending get that reply too (RFC 5321
// §3.8: the server closed the session).
func (c *Client) readGroup(ctx context.Context, env *clientEnvelope, pending []clientPending) error {
	t := c.cfg.Timeouts
	end := c.begin(ctx, t.Mail)
	err := c.bw.Flush()
	end()
	if err != nil {
		return c.fail(ctx, pending[0].cmd, err)
	}
	var closing *envelope.Reply
	for _, p := range pending {
		r := closing
		if r == nil {
			timeout := t.Rcpt
			switch p.cmd {
			case "MAIL":
				timeout = t.Mail
			case "DATA":
				timeout = t.DataInit
			}
			end := c.begin(ctx, timeout)
			r, err = c.readReply(ctx, p.cmd)
			end()
			if err != nil {
				return err
			}
			if c.err != nil {
				closing = r
			}
		}
		switch p.cmd {
		case "MAIL":
			env.mail = r
		case "RCPT":
			env.rcpts[p.rcpt] = r
		case "DATA":
			env.data = r
		}
	}
	return nil
}

// discardData ends a DATA that the server accepted with 354 although the
// transaction had failed, as RFC 2920 §3.1 requires: an empty message is
// sent and its reply ignored.
func (c *Client) discardData(ctx context.Context, data *envelope.Reply) {
	if data == nil || data.Code != 354 || c.err != nil {
		return
	}
	end := c.begin(ctx, c.cfg.Timeouts.DataTerm)
	defer end()
	if err := c.writeLine("DATA", "."); err != nil {
		c.fail(ctx, "DATA", err)
		return
	}
	if err := c.bw.Flush(); err != nil {
		c.fail(ctx, "DATA", err)
		return
	}
	c.readReply(ctx, "DATA")
}

// clientErrReader remembers the error of the message reader, to tell it
// from a write error in io.Copy.
type clientErrReader struct {
	r   io.Reader
	err error
}

func (e *clientErrReader) Read(p []byte) (int, error) {
	n, err := e.r.Read(p)
	if err != nil && err != io.EOF {
		e.err = err
	}
	return n, err
}

// clientFailAll gives err to every recipient not already decided (and,
// when lines is given, not refused locally).
func clientFailAll(res []RcptResult, lines []string, err error) []RcptResult {
	var r *envelope.Reply
	var ce *CommandError
	if errors.As(err, &ce) {
		r = ce.Reply
	}
	for i := range res {
		if res[i].Err == nil && (lines == nil || lines[i] != "") {
			res[i].Reply, res[i].Err = r, err
		}
	}
	return res
}

func clientFailIdx(res []RcptResult, idx []int, r *envelope.Reply, err error) []RcptResult {
	for _, i := range idx {
		res[i].Reply, res[i].Err = r, err
	}
	return res
}

func clientReplyOf(ce *CommandError) *envelope.Reply {
	if ce == nil {
		return nil
	}
	return ce.Reply
}

func clientAnyLine(lines []string) bool {
	for _, l := range lines {
		if l != "" {
			return true
		}
	}
	return false
}

func clientAllFailed(res []RcptResult) bool {
	for _, r := range res {
		if r.Err == nil {
			return false
		}
	}
	return true
}

func clientFirstErr(res []RcptResult) error {
	for _, r := range res {
		if r.Err != nil {
			return r.Err
		}
	}
	return nil
}
