package imap

import "strings"

// IDLE, RFC 2177 / RFC 9051 §6.3.13: updates are sent as the store reports
// changes, until the client sends DONE. EXPUNGE is allowed while idling.
func cmdIdle(c *conn, cmd *command) error {
	if !c.endArgs() {
		return nil
	}
	c.enc.Raw("+ idling\r\n")
	if c.sel != nil {
		if err := c.sel.poll(c, true); err != nil {
			return err
		}
	}
	if err := c.enc.Release(); err != nil {
		c.state = stateLogout
		return nil
	}
	type result struct {
		line string
		err  error
	}
	done := make(chan result, 1)
	go func() {
		// The only reader while idling; the deadline set before the
		// command (IdleTimeout) or by Shutdown ends it.
		c.awaitInput()
		c.dec.Reset()
		var line string
		c.dec.ExpectLine(&line)
		done <- result{line, c.dec.Err()}
	}()
	for {
		// RFC 5465 §4: with NOTIFY, IDLE sends what NOTIFY asked for.
		watch, wake := c.eventChans()
		select {
		case <-watch:
			if err := c.selectedChanged(true); err != nil {
				c.log.Warn("poll during IDLE failed", "err", err)
			}
		case <-wake:
			c.notifyPending()
		case r := <-done:
			return c.idleDone(cmd, r.line, r.err)
		}
		if c.state == stateLogout || c.enc.Release() != nil {
			// Closing unblocks the reader, which may wait for
			// input that will never come.
			c.state = stateLogout
			c.nc.Close()
			<-done
			cmd.replied = true
			return nil
		}
	}
}

func (c *conn) idleDone(cmd *command, line string, err error) error {
	c.dec.Reset() // the decoder error, if any, is handled here
	if err != nil {
		if c.srv.group.Closing() {
			c.bye("Server shutting down")
		} else {
			c.bye("Autologout; idle for too long")
		}
		cmd.replied = true
		return nil
	}
	if !strings.EqualFold(strings.TrimSpace(line), "DONE") {
		return bad("", "Expected DONE")
	}
	return nil
}
