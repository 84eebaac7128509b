package imap

// GETQUOTA, RFC 9208 §4.2.
func cmdGetQuota(c *conn, cmd *command) error {
	c.dec.Discard()
	return bad("", "QUOTA is not implemented yet")
}

// GETQUOTAROOT, RFC 9208 §4.3.
func cmdGetQuotaRoot(c *conn, cmd *command) error {
	c.dec.Discard()
	return bad("", "QUOTA is not implemented yet")
}

// SETQUOTA, RFC 9208 §4.1.
func cmdSetQuota(c *conn, cmd *command) error {
	c.dec.Discard()
	return bad("", "QUOTA is not implemented yet")
}
