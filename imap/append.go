package imap

import (
	"errors"
	"time"

	"github.com/mailstack/mailstack/store"
)

// APPEND, RFC 9051 §6.3.12, with APPENDUID (RFC 4315 §3), LITERAL+
// (RFC 7888), literal8 (RFC 3516 §4.4) and APPENDLIMIT (RFC 7889). The
// message streams from the connection into the store.
func cmdAppend(c *conn, cmd *command) error {
	var name string
	var flags []string
	var date time.Time
	if !c.dec.ExpectSP() || !c.dec.ExpectMailbox(&name) || !c.dec.ExpectSP() {
		return nil
	}
	if b, ok := peekByte(c); ok && b == '(' {
		if !c.dec.ExpectFlagList(&flags) || !c.dec.ExpectSP() {
			return nil
		}
	}
	if b, ok := peekByte(c); ok && b == '"' {
		if !c.dec.ExpectDateTime(&date) || !c.dec.ExpectSP() {
			return nil
		}
	}
	r, _, _, ok := c.dec.ExpectLiteralReader(c.srv.appendLimit())
	if !ok {
		return nil
	}
	flags, ferr := appendFlags(flags)
	var res store.AppendResult
	err := ferr
	if err == nil {
		res, err = c.appendTo(name, r, &store.AppendOptions{Flags: flags, InternalDate: date})
	}
	if !c.endArgs() {
		return nil
	}
	if err != nil {
		if errors.Is(err, store.ErrNoSuchMailbox) {
			return no("TRYCREATE", "No such mailbox") // RFC 9051 §6.3.12
		}
		return err
	}
	cmd.code = "APPENDUID " + itoa(uint64(res.UIDValidity)) + " " + itoa(uint64(res.UID))
	return nil
}

func (c *conn) appendTo(name string, r interface{ Read([]byte) (int, error) }, opts *store.AppendOptions) (store.AppendResult, error) {
	if c.sel != nil && c.sel.name == name {
		return c.sel.mb.Append(c.ctx, r, opts)
	}
	mb, err := c.st.OpenMailbox(c.ctx, name)
	if err != nil {
		return store.AppendResult{}, err
	}
	defer mb.Close()
	return mb.Append(c.ctx, r, opts)
}

// appendFlags canonicalises APPEND's flags; \Recent is dropped (RFC 9051
// §6.3.12 leaves it to the server; it cannot be stored).
func appendFlags(flags []string) ([]string, error) {
	var out []string
	for _, f := range flags {
		if !equalFold(f, `\Recent`) {
			out = append(out, f)
		}
	}
	if len(out) == 0 {
		return nil, nil
	}
	return store.CanonicalFlags(out)
}

func peekByte(c *conn) (byte, bool) {
	b, err := c.br.Peek(1)
	if err != nil {
		return 0, false
	}
	return b[0], true
}
