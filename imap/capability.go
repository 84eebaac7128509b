package imap

import "strconv"

// writeCaps writes the capability list for the session's state (RFC 9051
// §7.2.2): STARTTLS and LOGINDISABLED only before TLS, AUTH= only before
// authentication.
func (c *conn) writeCaps() {
	c.enc.Raw("IMAP4rev2 IMAP4rev1")
	if c.state == stateNotAuth {
		if c.srv.TLSConfig != nil && !c.isTLS {
			c.enc.Raw(" STARTTLS")
		}
		if c.authAllowed() {
			c.enc.Raw(" AUTH=PLAIN")
		} else {
			c.enc.Raw(" LOGINDISABLED") // RFC 9051 §6.2.3
		}
	}
	c.enc.Raw(" SASL-IR LITERAL+ ENABLE ID IDLE NAMESPACE UIDPLUS MOVE UNSELECT" +
		" SPECIAL-USE CHILDREN LIST-EXTENDED LIST-STATUS ESEARCH STATUS=SIZE BINARY UTF8=ACCEPT")
	c.enc.Raw(" NOTIFY")
	c.enc.Raw(" CONDSTORE QRESYNC") // RFC 7162
	c.enc.Raw(" SEARCHRES MULTIAPPEND")
	c.enc.Raw(" SORT SORT=DISPLAY ESORT THREAD=ORDEREDSUBJECT THREAD=REFERENCES")
	c.writeQuotaCaps()
	c.enc.Raw(" APPENDLIMIT=" + strconv.FormatInt(c.srv.appendLimit(), 10))
	c.enc.Raw(" SAVEDATE") // RFC 8514
	if c.objectIDs() {
		c.enc.Raw(" OBJECTID") // RFC 8474: only for a store with ids
	}
	if c.state != stateNotAuth && c.compressed == nil && !c.srv.DisableCompress {
		// Not once active, as Cyrus does (Dovecot goes on listing it):
		// a second COMPRESS would fail (RFC 4978 §3).
		c.enc.Raw(" COMPRESS=DEFLATE")
	}
}

// authAllowed reports whether credentials may be sent on this connection.
func (c *conn) authAllowed() bool { return c.isTLS || c.srv.AllowInsecureAuth }

// CAPABILITY, RFC 9051 §6.1.1.
func cmdCapability(c *conn, cmd *command) error {
	if !c.endArgs() {
		return nil
	}
	c.enc.Raw("* CAPABILITY ")
	c.writeCaps()
	c.enc.CRLF()
	return nil
}

// NOOP and CHECK, RFC 9051 §6.1.2 and RFC 3501 §6.4.1: the updates are sent
// by run after every command.
func cmdNoop(c *conn, cmd *command) error {
	c.endArgs()
	return nil
}

// LOGOUT, RFC 9051 §6.1.3.
func cmdLogout(c *conn, cmd *command) error {
	if !c.endArgs() {
		return nil
	}
	c.enc.Raw("* BYE Logging out\r\n")
	c.reply(cmd.tag, &Error{Type: "OK", Text: "LOGOUT completed"})
	c.state = stateLogout
	return nil
}

// ID, RFC 2971 §3.1: the client's parameters are read and ignored.
func cmdID(c *conn, cmd *command) error {
	var isNil bool
	var s string
	if !c.dec.ExpectSP() {
		return nil
	}
	if !c.dec.List(func() bool {
		return c.dec.ExpectString(&s) && c.dec.ExpectSP() && c.dec.ExpectNString(&s, &isNil)
	}) && c.dec.Err() == nil {
		c.dec.ExpectNString(&s, &isNil)
	}
	if !c.endArgs() {
		return nil
	}
	c.enc.Raw(`* ID ("name" "mailstack")` + "\r\n")
	return nil
}

// ENABLE, RFC 5161 §3.1: IMAP4rev2 (RFC 9051 §6.3.1), UTF8=ACCEPT
// (RFC 6855 §3), CONDSTORE and QRESYNC (RFC 7162 §3.1, §3.2.3); other
// names are ignored.
func cmdEnable(c *conn, cmd *command) error {
	var names []string
	for c.dec.SP() {
		var a string
		if !c.dec.ExpectAtom(&a) {
			return nil
		}
		names = append(names, a)
	}
	if len(names) == 0 {
		c.dec.ExpectSP()
		return nil
	}
	if !c.endArgs() {
		return nil
	}
	// RFC 7162 §3.1, §3.2.3: both enable CONDSTORE; as Dovecot, the
	// untagged OK [HIGHESTMODSEQ] of a selected mailbox comes first.
	wasCond, listed := c.condstore, false
	for _, n := range names {
		if equalFold(n, "CONDSTORE") || equalFold(n, "QRESYNC") {
			c.enableCondstore()
		}
	}
	c.enc.Raw("* ENABLED")
	for _, n := range names {
		switch {
		case equalFold(n, "IMAP4rev2") && !c.rev2:
			c.rev2 = true
			c.enc.Raw(" IMAP4rev2")
		case equalFold(n, "UTF8=ACCEPT") && !c.utf8:
			c.utf8 = true
			c.dec.UTF8, c.enc.UTF8 = true, true
			c.enc.Raw(" UTF8=ACCEPT")
		case equalFold(n, "CONDSTORE") && !wasCond && !listed:
			listed = true
			c.enc.Raw(" CONDSTORE")
		case equalFold(n, "QRESYNC") && !c.qresync:
			c.qresync = true
			c.enc.Raw(" QRESYNC")
		}
	}
	c.enc.CRLF()
	return nil
}

// NAMESPACE, RFC 2342 §5 / RFC 9051 §6.3.10: one personal namespace.
func cmdNamespace(c *conn, cmd *command) error {
	if !c.endArgs() {
		return nil
	}
	c.enc.Raw(`* NAMESPACE (("" `)
	c.enc.String(string(c.st.Delimiter()))
	c.enc.Raw(")) NIL NIL\r\n")
	return nil
}

func equalFold(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		x, y := a[i], b[i]
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}
