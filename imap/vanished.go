package imap

// announceExpunges sends the pending expunges: EXPUNGE responses, or once
// QRESYNC is enabled one VANISHED response of their UIDs (RFC 7162
// §3.2.10), which replaces EXPUNGE everywhere (after EXPUNGE, UID
// EXPUNGE, MOVE, during IDLE and in any other update).
func (v *view) announceExpunges(c *conn) {
	if !c.qresync || len(v.expunged) == 0 {
		for _, s := range v.applyExpunges() {
			c.enc.Raw("* ").Number(uint64(s)).Raw(" EXPUNGE\r\n")
		}
		return
	}
	gone := runsOf(v.expunged)
	v.applyExpunges()
	writeVanished(c, "* VANISHED ", gone)
}
