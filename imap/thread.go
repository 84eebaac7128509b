package imap

// THREAD, RFC 5256 §3: ORDEREDSUBJECT and REFERENCES.
func cmdThread(c *conn, cmd *command) error {
	c.dec.Discard()
	return bad("", "THREAD is not implemented yet")
}
