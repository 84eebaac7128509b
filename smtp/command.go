package smtp

import (
	"bytes"

	"github.com/mailstack/mailstack/envelope"
)

// verb is a command the server knows.
type verb uint8

const (
	vUnknown verb = iota
	vHELO
	vEHLO
	vLHLO
	vMAIL
	vRCPT
	vDATA
	vBDAT
	vRSET
	vNOOP
	vQUIT
	vVRFY
	vEXPN
	vHELP
	vSTARTTLS
	vAUTH
	vHTTP // an HTTP request line: a cross-protocol attack or a lost client
)

// parseVerb splits a command line into its verb, matched without regard
// to case (RFC 5321 §2.4), and the argument after the first space.
func parseVerb(line []byte) (verb, []byte) {
	word, arg := line, []byte(nil)
	if i := bytes.IndexByte(line, ' '); i >= 0 {
		word, arg = line[:i], line[i+1:]
	}
	if len(word) < 3 || len(word) > 8 {
		return vUnknown, arg
	}
	var buf [8]byte
	for i, ch := range word {
		if 'a' <= ch && ch <= 'z' {
			ch -= 'a' - 'A'
		}
		buf[i] = ch
	}
	switch string(buf[:len(word)]) {
	case "HELO":
		return vHELO, arg
	case "EHLO":
		return vEHLO, arg
	case "LHLO":
		return vLHLO, arg
	case "MAIL":
		return vMAIL, arg
	case "RCPT":
		return vRCPT, arg
	case "DATA":
		return vDATA, arg
	case "BDAT":
		return vBDAT, arg
	case "RSET":
		return vRSET, arg
	case "NOOP":
		return vNOOP, arg
	case "QUIT":
		return vQUIT, arg
	case "VRFY":
		return vVRFY, arg
	case "EXPN":
		return vEXPN, arg
	case "HELP":
		return vHELP, arg
	case "STARTTLS":
		return vSTARTTLS, arg
	case "AUTH":
		return vAUTH, arg
	case "GET", "POST", "HEAD", "PUT", "CONNECT", "OPTIONS", "DELETE":
		// Postfix's smtpd_forbidden_commands: a browser or proxy made to
		// talk to the port, as in cross-protocol attacks.
		return vHTTP, arg
	}
	return vUnknown, arg
}

// dispatch runs one command line.
func (c *conn) dispatch(line []byte) {
	v, arg := parseVerb(line)
	c.traceCommand(v, line, arg)
	if c.rejected {
		// RFC 5321 §3.1: after a 554 greeting, wait for QUIT.
		if v == vQUIT {
			c.reply(envelope.ReplyClosing)
			c.quit = true
			return
		}
		c.fail(replyOnlyQuit)
		return
	}
	if v != vAUTH && len(line)+2 > c.lim.maxLine {
		c.fail(envelope.ReplyLineTooLong) // RFC 5321 §4.5.3.1.4
		return
	}
	if c.srv.RequireAuth && !c.info.Authenticated() && c.lim.maxBeforeAuth >= 0 {
		c.unauthCmds++
		if c.unauthCmds > c.lim.maxBeforeAuth {
			c.reply(replyTooManyUnauth)
			return
		}
	}
	switch v {
	case vHELO, vEHLO, vLHLO:
		c.cmdHello(v, arg)
	case vMAIL:
		c.cmdMail(arg)
	case vRCPT:
		c.cmdRcpt(arg)
	case vDATA:
		c.cmdData(arg)
	case vBDAT:
		c.cmdBdat(arg)
	case vRSET:
		c.cmdRset(arg)
	case vNOOP:
		c.reply(envelope.ReplyOK) // RFC 5321 §4.1.1.9: arguments ignored
		c.flush()                 // RFC 2920 §3.1: never buffered
	case vQUIT:
		c.reply(envelope.ReplyClosing)
		c.quit = true
	case vVRFY:
		c.cmdVrfy(arg)
	case vEXPN:
		c.reply(envelope.ReplyNotImplemented) // RFC 5321 §3.5.2 allows it
		c.flush()
	case vHELP:
		c.reply(replyHelp)
		c.flush()
	case vSTARTTLS:
		c.cmdStartTLS(arg)
	case vAUTH:
		c.cmdAuth(arg)
	case vHTTP:
		c.log.Info("smtp: non-SMTP command, closing")
		c.reply(replyNonSMTP)
	default:
		c.fail(envelope.ReplySyntaxError)
		c.flush() // RFC 2920 §3.1: never buffered
	}
}

// cmdRset aborts the transaction (RFC 5321 §4.1.1.5).
func (c *conn) cmdRset(arg []byte) {
	if len(arg) > 0 {
		c.fail(replyNoArguments)
		return
	}
	c.tx = nil
	if c.sess != nil {
		c.sess.Reset(c.ctx)
	}
	c.reply(envelope.ReplyOK)
}

// cmdVrfy never confirms an address, so that VRFY cannot harvest them;
// RFC 5321 §3.5.3 allows 252.
func (c *conn) cmdVrfy(arg []byte) {
	if len(bytes.TrimSpace(arg)) == 0 {
		c.fail(replyNeedArgument)
		return
	}
	c.reply(replyVrfy)
	c.flush()
}

// endTx ends the transaction and tells the session.
func (c *conn) endTx() {
	if c.tx != nil {
		c.tx = nil
		c.sess.Reset(c.ctx)
	}
}
