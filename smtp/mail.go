package smtp

import (
	"errors"
	"strings"

	"github.com/mailstack/mailstack/envelope"
)

// cmdMail handles MAIL FROM (RFC 5321 §4.1.1.2).
func (c *conn) cmdMail(arg []byte) {
	switch {
	case !c.greeted:
		c.fail(c.needHello())
		return
	case c.tx != nil:
		c.fail(replyNestedMail)
		return
	case c.srv.RequireAuth && !c.info.Authenticated():
		c.fail(replyAuthRequired) // RFC 4954 §6
		return
	}
	s, ok := cutKeyword(arg, "FROM:")
	if !ok {
		c.fail(replyMailSyntax)
		return
	}
	from, rest, err := envelope.CutReversePath(s, envelope.ParseOptions{UTF8: true})
	if err != nil {
		c.fail(replyBadSender)
		return
	}
	params, err := envelope.ParseMailParams(strings.TrimLeft(rest, " "))
	if err != nil {
		c.fail(paramReply(err))
		return
	}
	if r := c.checkMailParams(&params, rest != ""); r != nil {
		c.reply(r)
		return
	}
	if !from.Mailbox.IsASCII() && !params.SMTPUTF8 {
		c.reply(replyNeedsUTF8) // RFC 6531 §3.4
		return
	}
	r := replySenderOK
	if err := c.sess.Mail(c.ctx, from, &params); err != nil {
		if r = backendReply(c.log, "Mail", err); !r.Positive() {
			c.reply(r)
			return
		}
	}
	c.tx = &transaction{from: from, params: params}
	c.reply(r)
}

// needHello is the reply to a command that needs a greeting first.
func (c *conn) needHello() *envelope.Reply {
	if c.lmtp {
		return replyNeedLhlo
	}
	return replyNeedHelo
}

// cutKeyword removes "FROM:" or "TO:" from the start of arg, in any case,
// and one space after it, which RFC 5321 §4.1.1.2 forbids but many
// clients send.
func cutKeyword(arg []byte, kw string) (string, bool) {
	if len(arg) < len(kw) || !strings.EqualFold(string(arg[:len(kw)]), kw) {
		return "", false
	}
	s := string(arg[len(kw):])
	return strings.TrimPrefix(s, " "), true
}

// paramReply answers a malformed parameter: 501 5.5.4 (RFC 5321 §4.2.4).
func paramReply(err error) *envelope.Reply {
	var pe *envelope.ParamError
	if errors.As(err, &pe) && pe.Keyword != "" {
		return envelope.Replyf(501, enh(5, 5, 4), "Invalid parameter %s", sanitizeKeyword(pe.Keyword))
	}
	return envelope.ReplyParamSyntax
}

// sanitizeKeyword keeps a client's keyword printable and short before it
// goes into a reply.
func sanitizeKeyword(kw string) string {
	if len(kw) > 32 {
		kw = kw[:32]
	}
	return strings.Map(func(r rune) rune {
		if r < 0x21 || r > 0x7e {
			return '?'
		}
		return r
	}, kw)
}

// checkMailParams refuses parameters of extensions not offered in this
// session, and messages declared too large (RFC 1870 §6.2).
func (c *conn) checkMailParams(p *envelope.MailParams, hasParams bool) *envelope.Reply {
	unsupported := func(kw string) *envelope.Reply {
		return envelope.Replyf(555, enh(5, 5, 4), "Parameter %s not supported", kw)
	}
	switch {
	case hasParams && !c.info.ESMTP:
		return replyParamsNeedEHLO // RFC 5321 §4.1.1.2: parameters come with EHLO
	case len(p.Other) > 0:
		return unsupported(sanitizeKeyword(p.Other[0].Keyword))
	case p.HasSize && c.lim.maxMessage >= 0 && p.Size > uint64(c.lim.maxMessage):
		return envelope.ReplyMessageTooBig
	case p.Body == envelope.BodyBinaryMIME && !c.ext.binary:
		return unsupported("BODY=BINARYMIME")
	case (p.Ret != "" || p.EnvID != "") && !c.ext.dsn:
		return unsupported("RET/ENVID")
	case p.Auth != "" && c.ext.auth == nil:
		return unsupported("AUTH")
	case p.RequireTLS && !(c.ext.requireTLS && c.info.TLS != nil):
		return unsupported("REQUIRETLS")
	}
	return nil
}

// cmdRcpt handles RCPT TO (RFC 5321 §4.1.1.3).
func (c *conn) cmdRcpt(arg []byte) {
	if c.tx == nil {
		c.fail(replyNeedMail)
		return
	}
	if c.lim.maxRcpts >= 0 && len(c.tx.rcpts) >= c.lim.maxRcpts {
		c.reply(envelope.ReplyTooManyRecipients) // RFC 5321 §4.5.3.1.10
		return
	}
	s, ok := cutKeyword(arg, "TO:")
	if !ok {
		c.fail(replyRcptSyntax)
		return
	}
	utf8 := c.tx.params.SMTPUTF8
	to, rest, err := envelope.CutForwardPath(s, envelope.ParseOptions{UTF8: utf8})
	if err != nil {
		if errors.Is(err, envelope.ErrNeedsSMTPUTF8) {
			c.reply(replyNeedsUTF8) // RFC 6531 §3.4
			return
		}
		c.fail(replyBadRecipient)
		return
	}
	params, err := envelope.ParseRcptParams(strings.TrimLeft(rest, " "), utf8)
	if err != nil {
		c.fail(paramReply(err))
		return
	}
	if r := c.checkRcptParams(&params, rest != ""); r != nil {
		c.reply(r)
		return
	}
	r := replyRecipientOK
	if err := c.sess.Rcpt(c.ctx, to, &params); err != nil {
		if r = backendReply(c.log, "Rcpt", err); !r.Positive() {
			c.reply(r)
			return
		}
	}
	c.tx.rcpts = append(c.tx.rcpts, Rcpt{Path: to, Params: params})
	c.reply(r)
}

// checkRcptParams refuses parameters of extensions not offered.
func (c *conn) checkRcptParams(p *envelope.RcptParams, hasParams bool) *envelope.Reply {
	switch {
	case hasParams && !c.info.ESMTP:
		return replyParamsNeedEHLO
	case len(p.Other) > 0:
		return envelope.Replyf(555, enh(5, 5, 4), "Parameter %s not supported", sanitizeKeyword(p.Other[0].Keyword))
	case (p.Notify != 0 || p.ORCPT != nil) && !c.ext.dsn:
		return envelope.Replyf(555, enh(5, 5, 4), "Parameter %s not supported", "NOTIFY/ORCPT")
	}
	return nil
}
