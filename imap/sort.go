package imap

// SORT, RFC 5256 §3, with ESORT (RFC 5267) and SORT=DISPLAY (RFC 5957).
func cmdSort(c *conn, cmd *command) error {
	c.dec.Discard()
	return bad("", "SORT is not implemented yet")
}
