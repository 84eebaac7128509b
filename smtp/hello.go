package smtp

import (
	"bytes"
	"strconv"
	"unicode/utf8"

	"github.com/mailstack/mailstack/envelope"
)

// maxHeloLength caps the HELO argument: a domain or address literal is at
// most 255 octets (RFC 5321 §4.5.3.1.2).
const maxHeloLength = 255

// cmdHello handles HELO, EHLO (RFC 5321 §4.1.1.1) and LHLO (RFC 2033
// §4.1). Each resets the session as RSET does and forgets an earlier
// greeting.
func (c *conn) cmdHello(v verb, arg []byte) {
	if c.lmtp != (v == vLHLO) {
		if c.lmtp {
			c.fail(replyUseLHLO) // RFC 2033 §4.1
		} else {
			c.fail(replyUseEHLO)
		}
		c.flush()
		return
	}
	name, ok := heloName(arg)
	if !ok {
		c.fail(replyBadHelo)
		c.flush()
		return
	}
	c.endTx()
	c.greeted = false
	c.info.Helo, c.info.ESMTP = name, v != vHELO
	if c.ext.helo != nil {
		if err := c.ext.helo.Helo(c.ctx, name); err != nil {
			if r := backendReply(c.log, "Helo", err); !r.Positive() {
				c.info.Helo, c.info.ESMTP = "", false
				c.reply(r)
				c.flush()
				return
			}
		}
	}
	c.greeted = true
	if v == vHELO {
		c.writeWire(c.srv.heloWire)
	} else {
		c.reply(envelope.NewReply(250, envelope.EnhancedCode{}, c.ehloLines()...))
	}
	c.flush() // RFC 2920 §3.1: never buffered
}

// heloName returns the client's name: the first word of the argument,
// which must be printable (UTF-8 allowed, for RFC 6531 §3.7.1 U-labels).
// Many clients send names that are not domains; like Postfix, the server
// takes them and leaves the judgement to HeloSession.
func heloName(arg []byte) (string, bool) {
	if i := bytes.IndexByte(arg, ' '); i >= 0 {
		arg = arg[:i]
	}
	if len(arg) == 0 || len(arg) > maxHeloLength || !utf8.Valid(arg) {
		return "", false
	}
	for _, ch := range arg {
		if ch < 0x21 || ch == 0x7f {
			return "", false
		}
	}
	return string(arg), true
}

// ehloLines is the EHLO (or LHLO) reply: the host name, then the
// extensions this session offers now.
func (c *conn) ehloLines() []string {
	lines := make([]string, 0, 14)
	lines = append(lines, c.srv.hostname,
		"PIPELINING",          // RFC 2920
		c.sizeKeyword(),       // RFC 1870
		"8BITMIME",            // RFC 6152
		"SMTPUTF8",            // RFC 6531
		"ENHANCEDSTATUSCODES", // RFC 2034
		"CHUNKING",            // RFC 3030
	)
	if c.ext.binary {
		lines = append(lines, "BINARYMIME") // RFC 3030
	}
	if c.ext.dsn {
		lines = append(lines, "DSN") // RFC 3461
	}
	if c.srv.TLSConfig != nil && c.info.TLS == nil && !c.info.Authenticated() {
		lines = append(lines, "STARTTLS") // RFC 3207
	}
	if c.authOffered() {
		lines = append(lines, "AUTH PLAIN LOGIN") // RFC 4954
	}
	if c.ext.requireTLS && c.info.TLS != nil {
		lines = append(lines, "REQUIRETLS") // RFC 8689 §3: only under TLS
	}
	return lines
}

// sizeKeyword advertises the size limit; "SIZE" alone means none (RFC
// 1870 §4).
func (c *conn) sizeKeyword() string {
	if c.lim.maxMessage < 0 {
		return "SIZE"
	}
	return "SIZE " + strconv.FormatInt(c.lim.maxMessage, 10)
}

// authOffered reports whether AUTH is advertised now (RFC 4954 §4: not
// before TLS unless allowed, not once authenticated).
func (c *conn) authOffered() bool {
	return c.ext.auth != nil && !c.info.Authenticated() &&
		(c.info.TLS != nil || c.srv.AllowInsecureAuth)
}
