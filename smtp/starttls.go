package smtp

import (
	"crypto/tls"

	"github.com/mailstack/mailstack/envelope"
)

var replyTLSAfterAuth = envelope.NewReply(503, enh(5, 5, 1), "STARTTLS not permitted after AUTH")

// cmdStartTLS handles STARTTLS (RFC 3207 §4).
func (c *conn) cmdStartTLS(arg []byte) {
	switch {
	case c.srv.TLSConfig == nil:
		c.fail(envelope.ReplyNotImplemented)
	case c.info.TLS != nil:
		c.fail(replyTLSActive)
	case len(arg) > 0:
		c.fail(replyNoArguments)
	case !c.greeted:
		c.fail(c.needHello())
	case c.info.Authenticated():
		c.fail(replyTLSAfterAuth)
	case c.lr.Buffered() > 0:
		// RFC 3207 §4.2, CVE-2011-0411: whatever follows STARTTLS in the
		// same read was sent in clear text and would be taken as sent
		// under TLS. A real client waits for the 220 first, so this is
		// an attack (or a broken client): answer nothing of it and close.
		c.log.Warn("smtp: commands pipelined after STARTTLS, closing", "octets", c.lr.Buffered())
		c.reply(replyInjection)
	default:
		c.startTLS()
		return
	}
	c.flush()
}

// startTLS answers 220, runs the handshake and resets the session to the
// state before EHLO (RFC 3207 §4.2).
func (c *conn) startTLS() {
	c.reply(replyStartTLS)
	c.flush()
	if c.writeErr != nil {
		return
	}
	tc := tls.Server(c.nc, c.srv.TLSConfig)
	if !c.handshake(tc) {
		c.quit = true
		return
	}
	// The bufio.Reader is empty (checked above) and reads through
	// connReader, which now uses tc; bytes the client sent after the
	// ClientHello were read by the handshake through tc, not around it.
	c.setConn(tc)
	c.endTx()
	c.greeted = false
	c.info.Helo, c.info.ESMTP = "", false
}
