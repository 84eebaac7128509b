package smtp

import (
	"context"
	"fmt"
	"strconv"

	"github.com/mailstack/mailstack/envelope"
)

// Mail starts a transaction with MAIL FROM (RFC 5321 §4.1.1.2). p may be
// nil. The parameters are adapted to what the server offers:
//
//   - SIZE is sent when the server offers SIZE, and a size over the
//     server's limit fails locally with 552 5.3.4 (RFC 1870 §6.1).
//   - BODY=8BITMIME needs 8BITMIME (RFC 6152 §3), BODY=BINARYMIME needs
//     BINARYMIME and CHUNKING (RFC 3030 §3); otherwise a local 554 5.6.3.
//   - SMTPUTF8 is sent only when needed: when p.SMTPUTF8 is set (the
//     message needs it) or the reverse-path is not ASCII. A server without
//     it gets A-labels for a non-ASCII domain; a non-ASCII local part fails
//     locally with 553 5.6.7 (RFC 6531 §3.2).
//   - RET and ENVID are sent only to servers offering DSN (RFC 3461 §4).
//   - AUTH= is sent only to servers offering AUTH (RFC 4954 §5).
//   - REQUIRETLS needs TLS in effect and the server's REQUIRETLS; otherwise
//     a local 550 5.7.30 (RFC 8689 §4.1).
//
// When recipients will need SMTPUTF8, set p.SMTPUTF8 (Send does it).
func (c *Client) Mail(ctx context.Context, from envelope.Path, p *envelope.MailParams) error {
	if err := c.Handshake(ctx); err != nil {
		return err
	}
	if c.state != clientReady {
		return fmt.Errorf("%w: MAIL during a transaction", ErrClientBadSequence)
	}
	line, utf8, lerr := c.mailLine(from, p)
	if lerr != nil {
		return lerr
	}
	_, err := c.simple(ctx, "MAIL", line, c.cfg.Timeouts.Mail)
	if err != nil {
		return err
	}
	c.state, c.smtputf8, c.accepted = clientMailed, utf8, 0
	c.bodyBinary = p != nil && p.Body == envelope.BodyBinaryMIME
	return nil
}

// mailLine builds the MAIL command for this server, or the local error
// that keeps it from being sent.
func (c *Client) mailLine(from envelope.Path, p *envelope.MailParams) (string, bool, *CommandError) {
	var in envelope.MailParams
	if p != nil {
		in = *p
	}
	caps := &c.caps
	var out envelope.MailParams
	if in.HasSize && caps.HasSize {
		// RFC 1870 §6.1: do not send what the server said it refuses.
		if caps.Size > 0 && in.Size > caps.Size {
			return "", false, clientLocalError("MAIL", clientReplyTooBig)
		}
		out.Size, out.HasSize = in.Size, true
	}
	switch in.Body {
	case "", envelope.Body7Bit:
		if in.Body != "" && caps.EightBitMIME {
			out.Body = in.Body
		}
	case envelope.Body8BitMIME:
		if !caps.EightBitMIME {
			return "", false, clientLocalError("MAIL", clientReplyNo8Bit)
		}
		out.Body = in.Body
	case envelope.BodyBinaryMIME:
		if !caps.BinaryMIME || !caps.Chunking || c.cfg.DisableChunking {
			return "", false, clientLocalError("MAIL", clientReplyNoBinary)
		}
		out.Body = in.Body
	default:
		return "", false, clientLocalError("MAIL", envelope.ReplyParamSyntax)
	}
	utf8 := in.SMTPUTF8 || !from.Mailbox.IsASCII()
	if utf8 && !caps.SMTPUTF8 {
		if in.SMTPUTF8 {
			return "", false, clientLocalError("MAIL", clientReplyNoUTF8)
		}
		// Only the domain may have an ASCII form (RFC 6531 §3.2).
		a, err := from.Mailbox.ToASCII()
		if err != nil {
			return "", false, clientLocalError("MAIL", clientReplyNoUTF8)
		}
		from.Mailbox, utf8 = a, false
	}
	out.SMTPUTF8 = utf8
	if caps.DSN {
		out.Ret, out.EnvID = in.Ret, in.EnvID
	}
	if len(caps.Auth) > 0 {
		out.Auth = in.Auth
	}
	if in.RequireTLS {
		if !c.tlsOn || !caps.RequireTLS {
			return "", false, clientLocalError("MAIL", clientReplyNoRequireTLS)
		}
		out.RequireTLS = true
	}
	out.Other = in.Other
	if err := out.Validate(); err != nil {
		return "", false, clientLocalError("MAIL", envelope.ReplyParamSyntax)
	}
	line := "MAIL FROM:" + from.String()
	if s := out.String(); s != "" {
		line += " " + s
	}
	return line, utf8, nil
}

// Rcpt adds a recipient with RCPT TO (RFC 5321 §4.1.1.3). p may be nil.
// NOTIFY and ORCPT are sent only to servers offering DSN (RFC 3461 §4).
// Without SMTPUTF8 in the transaction a non-ASCII domain is sent as
// A-labels and a non-ASCII local part fails locally with 553 5.6.7.
func (c *Client) Rcpt(ctx context.Context, to envelope.Path, p *envelope.RcptParams) error {
	if c.err != nil {
		return c.err
	}
	if c.state != clientMailed && c.state != clientRcpted {
		return fmt.Errorf("%w: RCPT without MAIL", ErrClientBadSequence)
	}
	line, lerr := c.rcptLine(to, p)
	if lerr != nil {
		return lerr
	}
	if _, err := c.simple(ctx, "RCPT", line, c.cfg.Timeouts.Rcpt); err != nil {
		return err
	}
	c.state = clientRcpted
	c.accepted++
	return nil
}

func (c *Client) rcptLine(to envelope.Path, p *envelope.RcptParams) (string, *CommandError) {
	if !c.smtputf8 && !to.Mailbox.IsASCII() {
		a, err := to.Mailbox.ToASCII()
		if err != nil {
			return "", clientLocalError("RCPT", clientReplyNoUTF8)
		}
		to.Mailbox = a
	}
	line := "RCPT TO:" + to.String()
	if p == nil {
		return line, nil
	}
	out := envelope.RcptParams{Other: p.Other}
	if c.caps.DSN {
		out.Notify, out.ORCPT = p.Notify, p.ORCPT
	}
	if err := out.Validate(c.smtputf8); err != nil {
		return "", clientLocalError("RCPT", envelope.ReplyParamSyntax)
	}
	if s := out.Format(c.smtputf8); s != "" {
		line += " " + s
	}
	return line, nil
}

// clientBDATLine formats a BDAT command (RFC 3030 §2).
func clientBDATLine(n int, last bool) string {
	s := "BDAT " + strconv.Itoa(n)
	if last {
		s += " LAST"
	}
	return s
}
