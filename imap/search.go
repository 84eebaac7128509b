package imap

import (
	"strings"
	"time"

	"github.com/mailstack/mailstack/imap/internal/imapwire"
)

// searchKey is one search criterion (RFC 9051 §6.4.4); and/or/not combine
// others.
type searchKey struct {
	op     string // criterion name, upper case; "AND" for a list, "SEQ" for a sequence set
	str    string // string argument; header field name for HEADER
	str2   string // HEADER's string
	needle []byte // the string searched for, case-folded (foldString)
	date   time.Time
	num    int64
	set    imapwire.SeqSet
	kids   []*searchKey
	isUID  bool
}

// maxSearchDepth bounds NOT/OR/list nesting in a search program.
const maxSearchDepth = 64

type searchOpts struct {
	esearch             bool // answer with ESEARCH (RETURN given, or IMAP4rev2)
	min, max, all, cnt  bool
	save                bool // SAVE (RFC 5182 §2.1)
	returnGiven, anyOpt bool
	modseq              uint64 // RFC 7162 §3.1.5: highest MODSEQ of the results, with a MODSEQ key
}

// SEARCH, RFC 9051 §6.4.4, with ESEARCH return options (RFC 4731).
func cmdSearch(c *conn, cmd *command) error {
	var o searchOpts
	c.pendingKey, c.badCharset = "", false
	if !c.dec.ExpectSP() {
		return nil
	}
	if !c.searchPrefix(&o) {
		return nil
	}
	root, matches, err := c.runSearch(&o)
	if root == nil || err != nil {
		return err
	}
	o.esearch = o.returnGiven || c.rev2
	if !o.anyOpt {
		o.all = true
	}
	if hasModSeqKey(root) {
		ms, err := c.searchModSeq(&o, matches)
		if err != nil {
			c.failedSave(&o)
			return err
		}
		o.modseq = uint64(ms)
	}
	if o.save {
		c.saveResult(savedPart(&o, matches))
	}
	c.writeSearch(cmd, &o, matches)
	return nil
}

// runSearch reads the search keys that end SEARCH and SORT and finds the
// messages they match. A nil root with a nil error means the keys did not
// parse (the decoder holds the error). A failure empties the SAVE result
// (RFC 5182 §2.1).
func (c *conn) runSearch(o *searchOpts) (root *searchKey, matches []int, err error) {
	if root = c.searchKeys(); root == nil {
		return nil, nil, nil
	}
	if err = c.charsetErr(); err == nil {
		matches, err = c.search(root)
	}
	if err != nil {
		c.failedSave(o)
	}
	return root, matches, err
}

// failedSave empties the saved result after a SEARCH with SAVE failed
// with NO (RFC 5182 §2.1); a BAD one, or one without SAVE, leaves it.
func (c *conn) failedSave(o *searchOpts) {
	if o.save {
		c.saved = nil
	}
}

// searchPrefix reads the optional "RETURN (…)" SP and "CHARSET" SP
// astring SP before the keys. An atom that is neither is the first key's
// name, kept in pendingKey.
func (c *conn) searchPrefix(o *searchOpts) bool {
	next := func() string {
		var a string
		if b, _ := c.dec.Peek(); b >= 'A' && b <= 'Z' || b >= 'a' && b <= 'z' {
			c.dec.ExpectAtom(&a)
		}
		return a
	}
	a := next()
	if equalFold(a, "RETURN") {
		if !c.dec.ExpectSP() || !c.searchReturn(o) || !c.dec.ExpectSP() {
			return false
		}
		a = next()
	}
	if equalFold(a, "CHARSET") {
		if !c.dec.ExpectSP() || !c.searchCharset() || !c.dec.ExpectSP() {
			return false
		}
		a = ""
	}
	c.pendingKey = a
	return c.dec.Err() == nil
}

// searchCharset reads a charset name: SEARCH's CHARSET argument, or the
// charset that SORT and THREAD require (RFC 5256 §3). One other than UTF-8
// and US-ASCII is noted for charsetErr, after the whole command is read.
func (c *conn) searchCharset() bool {
	var cs string
	if !c.dec.ExpectAString(&cs) {
		return false
	}
	if !equalFold(cs, "UTF-8") && !equalFold(cs, "US-ASCII") {
		c.badCharset = true
	}
	return true
}

// charsetErr is the answer to a command that named an unsupported charset.
func (c *conn) charsetErr() error {
	if !c.badCharset {
		return nil
	}
	c.badCharset = false
	return no("BADCHARSET (UTF-8 US-ASCII)", "Unsupported charset") // RFC 9051 §6.4.4
}

// searchKeys reads the search keys that end SEARCH, SORT and THREAD
// (1*(SP search-key) without the first SP) and the end of the line, as
// one AND; nil after a syntax error.
func (c *conn) searchKeys() *searchKey {
	root := &searchKey{op: "AND"}
	for {
		k := c.searchKey(0)
		if k == nil {
			return nil
		}
		root.kids = append(root.kids, k)
		if !c.dec.SP() {
			break
		}
	}
	if !c.endArgs() {
		return nil
	}
	return root
}

// searchReturn reads the list of RETURN options (RFC 4731 §3.1).
func (c *conn) searchReturn(o *searchOpts) bool {
	o.returnGiven = true
	return c.dec.ExpectList(func() bool {
		var opt string
		if !c.dec.ExpectAtom(&opt) {
			return false
		}
		o.anyOpt = true
		switch strings.ToUpper(opt) {
		case "MIN":
			o.min = true
		case "MAX":
			o.max = true
		case "ALL":
			o.all = true
		case "COUNT":
			o.cnt = true
		case "SAVE":
			o.save = true
		default:
			return false
		}
		return true
	})
}

// searchKey reads one search-key.
func (c *conn) searchKey(depth int) *searchKey {
	if depth > maxSearchDepth {
		c.dec.ExpectSpecial(')') // fails: nested too deep
		return nil
	}
	d := c.dec
	if b, _ := d.Peek(); b == '(' && c.pendingKey == "" {
		k := &searchKey{op: "AND"}
		if !d.ExpectList(func() bool {
			kid := c.searchKey(depth + 1)
			k.kids = append(k.kids, kid)
			return kid != nil
		}) {
			return nil
		}
		return k
	} else if b >= '0' && b <= '9' || b == '*' || b == '$' {
		k := &searchKey{op: "SEQ"}
		if !d.ExpectSeqSet(&k.set) {
			return nil
		}
		return k
	}
	name := c.pendingKey
	c.pendingKey = ""
	if name == "" && !d.ExpectAtom(&name) {
		return nil
	}
	k := &searchKey{op: strings.ToUpper(name)}
	if !c.searchArgs(k, depth) {
		if d.Err() == nil {
			d.ExpectSpecial('x') // unknown key: syntax error
		}
		return nil
	}
	return k
}

// searchArgs reads the arguments of criterion k.op.
func (c *conn) searchArgs(k *searchKey, depth int) bool {
	d := c.dec
	switch k.op {
	case "ALL", "ANSWERED", "DELETED", "DRAFT", "FLAGGED", "NEW", "OLD", "RECENT", "SEEN",
		"UNANSWERED", "UNDELETED", "UNDRAFT", "UNFLAGGED", "UNSEEN":
		return true
	case "BCC", "BODY", "CC", "FROM", "SUBJECT", "TEXT", "TO":
		ok := d.ExpectSP() && d.ExpectAString(&k.str)
		k.needle = foldString(k.str)
		return ok
	case "KEYWORD", "UNKEYWORD":
		return d.ExpectSP() && d.ExpectAtom(&k.str)
	case "HEADER":
		ok := d.ExpectSP() && d.ExpectAString(&k.str) && d.ExpectSP() && d.ExpectAString(&k.str2)
		k.needle = foldString(k.str2)
		return ok
	case "BEFORE", "ON", "SINCE", "SENTBEFORE", "SENTON", "SENTSINCE":
		return d.ExpectSP() && d.ExpectDate(&k.date)
	case "LARGER", "SMALLER":
		var n uint64
		ok := d.ExpectSP() && d.ExpectNumber64(&n)
		k.num = int64(n)
		return ok
	case "MODSEQ":
		return c.searchModSeqArgs(k)
	case "SAVEDBEFORE", "SAVEDON", "SAVEDSINCE", "SAVEDATESUPPORTED": // RFC 8514 §4.3
		return c.saveDateSearchArgs(k)
	case "EMAILID", "THREADID": // RFC 8474 §6
		return c.objectSearchArgs(k)
	case "UID":
		k.isUID = true
		return d.ExpectSP() && d.ExpectSeqSet(&k.set)
	case "NOT":
		if !d.ExpectSP() {
			return false
		}
		kid := c.searchKey(depth + 1)
		k.kids = []*searchKey{kid}
		return kid != nil
	case "OR":
		if !d.ExpectSP() {
			return false
		}
		a := c.searchKey(depth + 1)
		if a == nil || !d.ExpectSP() {
			return false
		}
		b := c.searchKey(depth + 1)
		k.kids = []*searchKey{a, b}
		return b != nil
	}
	return false
}

// writeSearch writes SEARCH or ESEARCH (RFC 4731 §3.1, RFC 9051 §7.3.4).
func (c *conn) writeSearch(cmd *command, o *searchOpts, idx []int) {
	num := func(i int) uint64 {
		if cmd.uid {
			return uint64(c.sel.uids.At(i))
		}
		return uint64(i + 1)
	}
	if o.save && !o.min && !o.max && !o.all && !o.cnt {
		return // RFC 5182 §2.1: SAVE alone returns no ESEARCH
	}
	if !o.esearch {
		c.enc.Raw("* SEARCH")
		for _, i := range idx {
			c.enc.SP().Number(num(i))
		}
		if o.modseq > 0 {
			c.enc.Raw(" (MODSEQ ").Number(o.modseq).Byte(')')
		}
		c.enc.CRLF()
		return
	}
	c.enc.Raw(`* ESEARCH (TAG `).String(cmd.tag).Byte(')')
	if cmd.uid {
		c.enc.Raw(" UID")
	}
	if len(idx) > 0 {
		if o.min {
			c.enc.Raw(" MIN ").Number(num(idx[0]))
		}
		if o.max {
			c.enc.Raw(" MAX ").Number(num(idx[len(idx)-1]))
		}
	}
	if o.all && len(idx) > 0 {
		// In the order given: ascending for SEARCH, sort order for SORT
		// (RFC 5267 §3.2).
		n := make([]uint32, len(idx))
		for j, i := range idx {
			n[j] = uint32(num(i))
		}
		c.enc.Raw(" ALL ").Raw(imapwire.FormatUIDs(n))
	}
	if o.cnt { // after ALL, as Dovecot
		c.enc.Raw(" COUNT ").Number(uint64(len(idx)))
	}
	if o.modseq > 0 {
		c.enc.Raw(" MODSEQ ").Number(o.modseq)
	}
	c.enc.CRLF()
}
