package imap

import (
	"errors"
	"io"

	"github.com/mailstack/mailstack/store"
)

// APPEND, RFC 9051 §6.3.12, with MULTIAPPEND (RFC 3502), APPENDUID (RFC
// 4315 §3), LITERAL+ (RFC 7888), literal8 (RFC 3516 §4.4) and APPENDLIMIT
// (RFC 7889). The messages stream from the connection into the store one
// after another (appendStream), and are added all or none: through
// store.MultiAppender when the mailbox has it, else one by one, expunging
// those added when a later one fails (appendEach). Whatever happens, every
// literal of the command is read, so that the next command starts where
// it should.
func cmdAppend(c *conn, cmd *command) error {
	var name string
	if !c.dec.ExpectSP() || !c.dec.ExpectMailbox(&name) || !c.dec.ExpectSP() {
		return nil
	}
	a := &appendStream{c: c, max: orInt(c.srv.MaxAppendMessages, 1000)}
	mb, done, err := c.appendMailbox(name)
	var res []store.AppendResult
	if err == nil {
		if ma, ok := mb.(store.MultiAppender); ok {
			res, err = ma.AppendMulti(c.ctx, a.next)
		} else {
			res, err = c.appendEach(mb, a.next)
		}
		done()
	}
	a.drain()
	if c.dec.Err() == nil && !a.ended && c.endArgs() {
		return bad("", "Syntax error") // not expected: drain ends at the CRLF or an error
	}
	if c.dec.Err() != nil {
		return nil // run reports the syntax error or the refused literal
	}
	if err != nil {
		return appendError(err)
	}
	uids := make([]store.UID, len(res))
	for i, r := range res {
		uids[i] = r.UID
	}
	cmd.code = "APPENDUID " + itoa(uint64(res[0].UIDValidity)) + " " + formatUIDs(uids)
	return nil
}

// appendError is the reply to a failed APPEND.
func appendError(err error) error {
	switch {
	case errors.Is(err, store.ErrNoSuchMailbox):
		return no("TRYCREATE", "No such mailbox") // RFC 9051 §6.3.12
	case errors.Is(err, store.ErrOverQuota):
		return no("OVERQUOTA", "Quota exceeded") // RFC 9208 §5
	}
	return err
}

// appendMailbox returns the mailbox to append to and what to call when
// done: the selected one if it is the same, so that the session sees the
// new messages through its own handle.
func (c *conn) appendMailbox(name string) (store.Mailbox, func(), error) {
	if c.sel != nil && c.sel.name == name {
		return c.sel.mb, func() {}, nil
	}
	mb, err := c.st.OpenMailbox(c.ctx, name)
	if err != nil {
		return nil, nil, err
	}
	return mb, func() { mb.Close() }, nil
}

// appendEach appends the messages of a MULTIAPPEND to a mailbox without
// store.MultiAppender one by one. This cannot be atomic: when one fails,
// those already added are flagged \Deleted and expunged, so other sessions
// may see them come and go, and a crash (or a failing expunge) in
// between leaves them in the mailbox.
func (c *conn) appendEach(mb store.Mailbox, next func() (*store.AppendMessage, error)) ([]store.AppendResult, error) {
	var res []store.AppendResult
	for {
		m, err := next()
		if err == io.EOF {
			return res, nil
		}
		if err == nil {
			var r store.AppendResult
			if r, err = mb.Append(c.ctx, m.Body, m.Options); err == nil {
				res = append(res, r)
				continue
			}
		}
		if len(res) > 0 {
			var uids []store.UID
			for _, r := range res {
				uids = append(uids, r.UID)
			}
			set := store.UIDSetOf(uids...)
			if _, ferr := mb.SetFlags(c.ctx, set, store.FlagsAdd, []string{store.FlagDeleted}, nil); ferr == nil {
				mb.Expunge(c.ctx, set)
			}
		}
		return nil, err
	}
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
