package imap

import "strconv"

func itoa(n uint64) string { return strconv.FormatUint(n, 10) }

// command is the command being run.
type command struct {
	tag, name string
	uid       bool // UID prefix (RFC 9051 §6.4.9)
	// code and text of the tagged OK; text defaults to "<name> completed".
	code, text string
	replied    bool // the handler wrote the tagged response itself
}

// stateSet is a set of states a command is valid in.
type stateSet uint8

const (
	inNotAuth stateSet = 1 << stateNotAuth
	inAuth    stateSet = 1 << stateAuth
	inSel     stateSet = 1 << stateSelected
	inAny              = inNotAuth | inAuth | inSel
	inAuthSel          = inAuth | inSel
)

type handler struct {
	fn     func(c *conn, cmd *command) error
	states stateSet
	uid    bool // has a UID form
	// seq marks commands during which no EXPUNGE may be sent when given
	// sequence numbers (RFC 9051 §7.5.1: FETCH, STORE, SEARCH).
	seq bool
}

// handlers maps command names to their handlers: one command (or family)
// per file.
var handlers map[string]handler

func init() {
	handlers = map[string]handler{
		"CAPABILITY":   {fn: cmdCapability, states: inAny},
		"NOOP":         {fn: cmdNoop, states: inAny},
		"LOGOUT":       {fn: cmdLogout, states: inAny},
		"ID":           {fn: cmdID, states: inAny},
		"STARTTLS":     {fn: cmdStartTLS, states: inNotAuth},
		"LOGIN":        {fn: cmdLogin, states: inNotAuth},
		"AUTHENTICATE": {fn: cmdAuthenticate, states: inNotAuth},
		"ENABLE":       {fn: cmdEnable, states: inAuthSel},
		"SELECT":       {fn: cmdSelect, states: inAuthSel},
		"EXAMINE":      {fn: cmdSelect, states: inAuthSel},
		"CREATE":       {fn: cmdCreate, states: inAuthSel},
		"DELETE":       {fn: cmdDelete, states: inAuthSel},
		"RENAME":       {fn: cmdRename, states: inAuthSel},
		"SUBSCRIBE":    {fn: cmdSubscribe, states: inAuthSel},
		"UNSUBSCRIBE":  {fn: cmdSubscribe, states: inAuthSel},
		"LIST":         {fn: cmdList, states: inAuthSel},
		"LSUB":         {fn: cmdLsub, states: inAuthSel},
		"NAMESPACE":    {fn: cmdNamespace, states: inAuthSel},
		"STATUS":       {fn: cmdStatus, states: inAuthSel},
		"APPEND":       {fn: cmdAppend, states: inAuthSel},
		"IDLE":         {fn: cmdIdle, states: inAuthSel},
		"CHECK":        {fn: cmdNoop, states: inSel},
		"CLOSE":        {fn: cmdClose, states: inSel},
		"UNSELECT":     {fn: cmdClose, states: inSel},
		"EXPUNGE":      {fn: cmdExpunge, states: inSel, uid: true},
		"SEARCH":       {fn: cmdSearch, states: inSel, uid: true, seq: true},
		"FETCH":        {fn: cmdFetch, states: inSel, uid: true, seq: true},
		"STORE":        {fn: cmdStore, states: inSel, uid: true, seq: true},
		"COPY":         {fn: cmdCopy, states: inSel, uid: true},
		"MOVE":         {fn: cmdCopy, states: inSel, uid: true},
		"SORT":         {fn: cmdSort, states: inSel, uid: true, seq: true},
		"THREAD":       {fn: cmdThread, states: inSel, uid: true, seq: true},
		"COMPRESS":     {fn: cmdCompress, states: inAuthSel},
		"NOTIFY":       {fn: cmdNotify, states: inAuthSel},
		"GETQUOTA":     {fn: cmdGetQuota, states: inAuthSel},
		"GETQUOTAROOT": {fn: cmdGetQuotaRoot, states: inAuthSel},
		"SETQUOTA":     {fn: cmdSetQuota, states: inAuthSel},
	}
}

// run runs one command whose tag and name were read.
func (c *conn) run(cmd *command) bool {
	h, ok := handlers[cmd.name]
	if !ok || (cmd.uid && !h.uid) {
		c.dec.Discard()
		c.reply(cmd.tag, bad("", "Unknown command"))
		return c.countBad()
	}
	if h.states&(1<<c.state) == 0 {
		c.dec.Discard()
		c.reply(cmd.tag, bad("", "Command not valid in this state"))
		return c.countBad()
	}
	if c.state == stateNotAuth {
		c.preAuth++
		if c.preAuth > orInt(c.srv.MaxPreAuthCommands, 50) {
			c.bye("Too many commands before authentication")
			return false
		}
	}
	err := h.fn(c, cmd)
	if c.dec.Err() != nil {
		return c.decodeFailed(cmd.tag)
	}
	if c.state == stateLogout || cmd.replied {
		return c.enc.Flush() == nil
	}
	if c.sel != nil {
		// RFC 9051 §7.5.1: no EXPUNGE while answering FETCH, STORE or
		// SEARCH by sequence number; UID forms allow it.
		if perr := c.pollAfter(cmd, !h.seq || cmd.uid); perr != nil && err == nil {
			err = perr
		}
	}
	if err != nil {
		e := errReply(err)
		c.reply(cmd.tag, e)
		if e.Type == "BAD" {
			return c.countBad()
		}
		return c.enc.Flush() == nil
	}
	text := cmd.text
	if text == "" {
		text = cmd.name + " completed"
	}
	c.reply(cmd.tag, &Error{Type: "OK", Code: cmd.code, Text: text})
	return c.enc.Flush() == nil
}

// endArgs expects the end of the command line; handlers call it after
// their arguments, before acting.
func (c *conn) endArgs() bool { return c.dec.ExpectCRLF() }
