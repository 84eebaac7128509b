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
	if c.dec.List(func() bool { return c.listSelectOpt(&o) }) && !c.dec.ExpectSP() {
		return nil
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
	if !c.dec.List(readPat) && (c.dec.Err() != nil || !readPat()) {
		return nil
	}
	if c.dec.SP() && !c.listReturnOpts(&o) {
		return nil
	}
	if !c.endArgs() {
		return nil
	}
	if o.recursive && !o.subscribedOnly {
		return bad("", "RECURSIVEMATCH needs another selection option") // RFC 5258 §3.1
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
				if !c.dec.ExpectAtom(&item) {
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
	boxes, err := c.st.Mailboxes(c.ctx)
	if err != nil {
		return err
	}
	for i := range pats {
		pats[i] = store.NormalizeInbox(joinRef(ref, pats[i], delim), delim)
	}
	for _, mb := range boxes {
		if !matchAny(pats, mb.Name, delim) {
			continue
		}
		attrs, subChild := listAttrs(boxes, mb, delim)
		if o.subscribedOnly && !mb.Subscribed && !(o.recursive && subChild) {
			continue
		}
		if o.specialUseOnly && !hasSpecialUse(attrs) {
			continue
		}
		if o.retSubscribed && mb.Subscribed {
			attrs = append(attrs, `\Subscribed`)
		}
		c.enc.Raw("* LIST (").Raw(strings.Join(attrs, " ")).Raw(") ").String(string(delim)).SP().Mailbox(mb.Name)
		if o.recursive && subChild && !mb.Subscribed {
			c.enc.Raw(` ("CHILDINFO" ("SUBSCRIBED"))`)
		}
		c.enc.CRLF()
		if len(o.status) > 0 && !containsFold(attrs, store.AttrNoSelect) {
			// RFC 5819 §2: a failure to get the status is not an error.
			if st, err := c.mailboxStatus(mb.Name, o.status); err == nil {
				c.writeStatus(mb.Name, st, o.status)
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

// listAttrs returns the attributes of mb: the store's, with \HasChildren
// or \HasNoChildren computed here (RFC 3348), and whether a child is
// subscribed (RFC 5258 CHILDINFO).
func listAttrs(boxes []store.MailboxInfo, mb store.MailboxInfo, delim rune) ([]string, bool) {
	var attrs []string
	for _, a := range mb.Attrs {
		if !equalFold(a, store.AttrHasChildren) && !equalFold(a, store.AttrHasNoChild) {
			attrs = append(attrs, a)
		}
	}
	prefix := mb.Name + string(delim)
	children, subChild := false, false
	for _, b := range boxes {
		if strings.HasPrefix(b.Name, prefix) {
			children = true
			subChild = subChild || b.Subscribed
		}
	}
	if children {
		attrs = append(attrs, store.AttrHasChildren)
	} else {
		attrs = append(attrs, store.AttrHasNoChild)
	}
	return attrs, subChild
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
	boxes, err := c.st.Mailboxes(c.ctx)
	if err != nil {
		return err
	}
	pat = store.NormalizeInbox(joinRef(ref, pat, delim), delim)
	for _, mb := range boxes {
		if mb.Subscribed && matchPattern(pat, mb.Name, delim) {
			c.enc.Raw("* LSUB () ").String(string(delim)).SP().Mailbox(mb.Name).CRLF()
		}
	}
	return nil
}
