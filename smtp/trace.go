package smtp

import (
	"bytes"
	"strconv"
	"strings"
)

// traceLine writes one line of the protocol trace: "<id> C: MAIL ..." or
// "<id> S: 250 ...". Control characters are shown as '?' so that a client
// cannot forge trace lines.
func (c *conn) traceLine(dir, line string) {
	w := c.srv.Trace
	if w == nil {
		return
	}
	var b strings.Builder
	b.Grow(len(c.info.ID) + len(line) + 5)
	b.WriteString(c.info.ID)
	b.WriteByte(' ')
	b.WriteString(dir)
	b.WriteString(": ")
	for i := 0; i < len(line); i++ {
		ch := line[i]
		if ch < 0x20 || ch == 0x7f {
			ch = '?'
		}
		b.WriteByte(ch)
	}
	b.WriteByte('\n')
	c.srv.traceMu.Lock()
	w.Write([]byte(b.String()))
	c.srv.traceMu.Unlock()
}

// traceCommand traces a command line, with the secrets of AUTH (an
// initial response) replaced.
func (c *conn) traceCommand(v verb, line, arg []byte) {
	if c.srv.Trace == nil {
		return
	}
	if v == vAUTH {
		if mech, _, hasIR := bytes.Cut(arg, []byte(" ")); hasIR {
			c.traceLine("C", "AUTH "+string(mech)+" <redacted>")
			return
		}
	}
	c.traceLine("C", string(line))
}

// traceSecret traces an AUTH response line without its content.
func (c *conn) traceSecret() {
	c.traceLine("C", "<redacted>")
}

// traceData summarises message data.
func (c *conn) traceData(n int64) {
	if c.srv.Trace != nil {
		c.traceLine("C", "<message: "+strconv.FormatInt(n, 10)+" octets>")
	}
}

// traceWire traces each line of a reply in wire form.
func (c *conn) traceWire(w string) {
	for _, line := range strings.Split(strings.TrimSuffix(w, "\r\n"), "\r\n") {
		c.traceLine("S", line)
	}
}
