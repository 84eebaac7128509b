package imap

import (
	"strings"

	"github.com/mailstack/mailstack/store"
)

// listOpts are the options of an extended LIST (RFC 5258 §3).
type listOpts struct {
	subscribedOnly bool // selection SUBSCRIBED
	recursive      bool // RECURSIVEMATCH
	specialUseOnly bool // selection SPECIAL-USE (RFC 6154 §5.3)
	retSubscribed  bool // RETURN (SUBSCRIBED)
	retChildren    bool // RETURN (CHILDREN); always on, RFC 3348
	status         []string
	// extended is true when the command used the syntax of RFC 5258
	// (options or a pattern list): a missing parent is then
	// \NonExistent, as in IMAP4rev2, rather than \Noselect.
	extended bool
}

// LIST, RFC 9051 §6.3.9 with LIST-EXTENDED (RFC 5258), LIST-STATUS
// (RFC 5819) and SPECIAL-USE (RFC 6154).
func cmdList(c *conn, cmd *command) error {
	var o listOpts
	var ref string
	var pats []string
	if !c.dec.ExpectSP() {
		return nil
	}
	if c.dec.List(func() bool { return c.listSelectOpt(&o) }) {
		o.extended = true
		if !c.dec.ExpectSP() {
			return nil
		}
	}
	if c.dec.Err() != nil || !c.dec.ExpectMailbox(&ref) || !c.dec.ExpectSP() {
		return nil
	}
	readPat := func() bool {
		var p string
		if !c.dec.ExpectListMailbox(&p) {
			return false
		}
		pats = append(pats, p)
		return true
	}
	if c.dec.List(readPat) {
		o.extended = true
	} else if c.dec.Err() != nil || !readPat() {
		return nil
	}
	if c.dec.SP() {
		o.extended = true
		if !c.listReturnOpts(&o) {
			return nil
		}
	}
	if !c.endArgs() {
		return nil
	}
	if o.recursive && !o.subscribedOnly {
		return bad("", "RECURSIVEMATCH needs another selection option") // RFC 5258 §3.1
	}
	if containsFold(o.status, "HIGHESTMODSEQ") {
		c.enableCondstore() // RFC 7162 §3.1, as STATUS (HIGHESTMODSEQ)
	}
	return c.list(ref, pats, &o)
}

func (c *conn) listSelectOpt(o *listOpts) bool {
	var a string
	if !c.dec.ExpectAtom(&a) {
		return false
	}
	switch strings.ToUpper(a) {
	case "SUBSCRIBED":
		o.subscribedOnly, o.retSubscribed = true, true
	case "RECURSIVEMATCH":
		o.recursive = true
	case "SPECIAL-USE":
		o.specialUseOnly = true
	case "REMOTE":
	default:
		return false
	}
	return true
}

func (c *conn) listReturnOpts(o *listOpts) bool {
	var a string
	if !c.dec.ExpectAtom(&a) || !equalFold(a, "RETURN") || !c.dec.ExpectSP() {
		if c.dec.Err() == nil {
			c.dec.ExpectSpecial('R') // report a syntax error
		}
		return false
	}
	return c.dec.ExpectList(func() bool {
		var opt string
		if !c.dec.ExpectAtom(&opt) {
			return false
		}
		switch strings.ToUpper(opt) {
		case "SUBSCRIBED":
			o.retSubscribed = true
		case "CHILDREN", "SPECIAL-USE":
			o.retChildren = true
		case "STATUS":
			return c.dec.ExpectSP() && c.dec.ExpectList(func() bool {
				var item string
				if !c.dec.ExpectAtom(&item) || !c.statusItem(strings.ToUpper(item)) {
					return false
				}
				o.status = append(o.status, strings.ToUpper(item))
				return true
			})
		default:
			return false
		}
		return true
	})
}

func (c *conn) list(ref string, pats []string, o *listOpts) error {
	delim := c.st.Delimiter()
	if len(pats) == 1 && pats[0] == "" {
		// RFC 9051 §6.3.9: the hierarchy delimiter and root.
		c.enc.Raw(`* LIST (\Noselect) `).String(string(delim)).Raw(` ""` + "\r\n")
		return nil
	}
	for i := range pats {
		pats[i] = store.NormalizeInbox(joinRef(ref, pats[i], delim), delim)
	}
	tree, err := c.listTree(pats)
	if err != nil {
		return err
	}
	for _, e := range tree.sorted() {
		if !e.listed(o) || !matchAny(pats, e.name, delim) {
			continue
		}
		attrs := e.listAttrs(o, o.extended || c.rev2)
		c.enc.Raw("* LIST (").Raw(strings.Join(attrs, " ")).Raw(") ").String(string(delim)).SP().Mailbox(e.name)
		if o.recursive && e.subBelow {
			c.enc.Raw(` ("CHILDINFO" ("SUBSCRIBED"))`) // RFC 5258 §3.5
		}
		c.enc.CRLF()
		if len(o.status) > 0 && e.exists && !containsFold(attrs, store.AttrNoSelect) {
			// RFC 5819 §2: a failure to get the status is not an error.
			if st, err := c.mailboxStatus(e.name, o.status); err == nil {
				c.writeStatus(e.name, st, o.status)
			}
		}
	}
	return nil
}

// joinRef applies the LIST reference to a pattern (RFC 9051 §6.3.9): the
// two are joined, without doubling a delimiter.
func joinRef(ref, pat string, delim rune) string {
	d := string(delim)
	if ref == "" || strings.HasPrefix(pat, d) && strings.HasSuffix(ref, d) {
		return ref + strings.TrimPrefix(pat, d)
	}
	return ref + pat
}

func hasSpecialUse(attrs []string) bool {
	for _, a := range attrs {
		for _, s := range []string{store.AttrAll, store.AttrArchive, store.AttrDrafts, store.AttrFlagged, store.AttrJunk, store.AttrSent, store.AttrTrash} {
			if equalFold(a, s) {
				return true
			}
		}
	}
	return false
}

func matchAny(pats []string, name string, delim rune) bool {
	for _, p := range pats {
		if matchPattern(p, name, delim) {
			return true
		}
	}
	return false
}

// matchPattern matches a LIST pattern: "*" matches anything, "%" anything
// but the delimiter (RFC 9051 §6.3.9). Dynamic programming keeps hostile
// patterns such as "*%*%*%…" linear in len(pattern)×len(name).
func matchPattern(pat, name string, delim rune) bool {
	d := byte(delim)
	prev := make([]bool, len(name)+1)
	cur := make([]bool, len(name)+1)
	prev[0] = true
	for i := 0; i < len(pat); i++ {
		p := pat[i]
		cur[0] = prev[0] && (p == '*' || p == '%')
		for j := 1; j <= len(name); j++ {
			switch p {
			case '*':
				cur[j] = prev[j] || cur[j-1]
			case '%':
				cur[j] = prev[j] || (cur[j-1] && name[j-1] != d)
			default:
				cur[j] = prev[j-1] && name[j-1] == p
			}
		}
		prev, cur = cur, prev
	}
	return prev[len(name)]
}

// LSUB, RFC 3501 §6.3.9 (deprecated by RFC 9051 but still used).
func cmdLsub(c *conn, cmd *command) error {
	var ref, pat string
	if !c.dec.ExpectSP() || !c.dec.ExpectMailbox(&ref) || !c.dec.ExpectSP() ||
		!c.dec.ExpectListMailbox(&pat) || !c.endArgs() {
		return nil
	}
	delim := c.st.Delimiter()
	pat = store.NormalizeInbox(joinRef(ref, pat, delim), delim)
	tree, err := c.listTree([]string{pat})
	if err != nil {
		return err
	}
	for _, e := range tree.sorted() {
		if !(e.subscribed || e.subBelow) || !matchPattern(pat, e.name, delim) {
			continue
		}
		// RFC 3501 §6.3.9: a level above subscribed names that "%"
		// stops at is returned with \Noselect.
		attrs := "()"
		if !e.subscribed {
			attrs = `(\Noselect)`
		}
		c.enc.Raw("* LSUB ").Raw(attrs).SP().String(string(delim)).SP().Mailbox(e.name).CRLF()
	}
	return nil
}
