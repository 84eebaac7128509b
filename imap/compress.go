package imap

// COMPRESS DEFLATE, RFC 4978.
func cmdCompress(c *conn, cmd *command) error {
	c.dec.Discard()
	return bad("", "COMPRESS is not implemented yet")
}
