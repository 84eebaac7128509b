package imap

// notifyState is a session's NOTIFY SET (RFC 5465).
type notifyState struct{}

// NOTIFY, RFC 5465.
func cmdNotify(c *conn, cmd *command) error {
	c.dec.Discard()
	return bad("", "NOTIFY is not implemented yet")
}
