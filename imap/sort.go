package imap

import (
	"cmp"
	"slices"
	"strings"
)

// sortCrit is one sort criterion (RFC 5256 §3, RFC 5957 §3).
type sortCrit struct {
	key     string // ARRIVAL, CC, DATE, FROM, SIZE, SUBJECT, TO, DISPLAYFROM, DISPLAYTO
	reverse bool
}

// SORT, RFC 5256 §3, with ESORT (RFC 5267 §3.2) and SORT=DISPLAY
// (RFC 5957):
//
//	sort = ["UID" SP] "SORT" [SP "RETURN" SP sort-return-opts]
//	       SP sort-criteria SP charset 1*(SP search-key)
//
// The search keys are SEARCH's (search.go); the matches are ordered by the
// criteria, ties by sequence number, and answered with SORT or, after
// RETURN, with ESEARCH (MIN and MAX being the first and last in sort order,
// ALL a sequence set in sort order). RETURN (SAVE) keeps the result for
// "$" (SEARCHRES, RFC 5182 §2.4).
func cmdSort(c *conn, cmd *command) error {
	var o searchOpts
	c.pendingKey, c.badCharset = "", false
	if !c.dec.ExpectSP() {
		return nil
	}
	if b, _ := c.dec.Peek(); b != '(' {
		var a string
		if !c.dec.ExpectAtom(&a) || !equalFold(a, "RETURN") {
			return c.syntaxErr()
		}
		if !c.dec.ExpectSP() || !c.searchReturn(&o) || !c.dec.ExpectSP() {
			return nil
		}
	}
	crit := c.sortCriteria()
	if crit == nil || !c.dec.ExpectSP() || !c.searchCharset() || !c.dec.ExpectSP() {
		return nil
	}
	root, matches, err := c.runSearch(&o)
	if root == nil || err != nil {
		return err
	}
	sorted, err := c.sortIdx(matches, crit)
	if err != nil {
		c.failedSave(&o)
		return err
	}
	o.esearch = o.returnGiven
	if err := c.sortModSeq(root, &o, sorted); err != nil {
		c.failedSave(&o)
		return err
	}
	if o.save {
		// RFC 5182 §2.4: the set is saved, not the order; with only MIN
		// or MAX, the first or last message in sort order.
		c.saveResult(savedPart(&o, sorted))
	}
	if o.returnGiven {
		o.esearch = true
		if !o.anyOpt {
			o.all = true
		}
		c.writeSearch(cmd, &o, sorted)
		return nil
	}
	c.enc.Raw("* SORT")
	for _, i := range sorted {
		c.enc.SP().Number(c.msgNum(cmd, i))
	}
	if o.modseq > 0 {
		c.enc.Raw(" (MODSEQ ").Number(o.modseq).Byte(')') // RFC 7162 §3.1.9
	}
	c.enc.CRLF()
	return nil
}

// syntaxErr makes the decoder report a syntax error, which run turns into
// BAD.
func (c *conn) syntaxErr() error {
	c.dec.ExpectSpecial('x')
	return nil
}

// msgNum is the number a response gives for view index i: its UID for a
// UID command, else its sequence number.
func (c *conn) msgNum(cmd *command, i int) uint64 {
	if cmd.uid {
		return uint64(c.sel.uids.At(i))
	}
	return uint64(i + 1)
}

// sortCriteria reads "(" sort-criterion *(SP sort-criterion) ")", where
// sort-criterion = ["REVERSE" SP] sort-key. A key given twice is used
// once, where it first appears, as Dovecot does: the second could only
// order what the first left tied, which it cannot.
func (c *conn) sortCriteria() []sortCrit {
	var crit []sortCrit
	reverse := false
	ok := c.dec.ExpectList(func() bool {
		var a string
		if !c.dec.ExpectAtom(&a) {
			return false
		}
		a = strings.ToUpper(a)
		switch a {
		case "REVERSE":
			if reverse {
				return false
			}
			reverse = true
			return true
		case "ARRIVAL", "CC", "DATE", "FROM", "SIZE", "SUBJECT", "TO", "DISPLAYFROM", "DISPLAYTO":
		default:
			return false
		}
		if !slices.ContainsFunc(crit, func(s sortCrit) bool { return s.key == a }) {
			crit = append(crit, sortCrit{key: a, reverse: reverse})
		}
		reverse = false
		return true
	})
	if !ok {
		return nil
	}
	if reverse || len(crit) == 0 {
		c.syntaxErr() // REVERSE must be followed by a key; the list may not be empty
		return nil
	}
	return crit
}

// sortIdx orders the view indexes idx by crit, ties by sequence number.
func (c *conn) sortIdx(idx []int, crit []sortCrit) ([]int, error) {
	var need sortNeed
	for _, k := range crit {
		switch k.key {
		case "ARRIVAL":
		case "SIZE":
			need.size = true
		default:
			need.env = true
		}
	}
	msgs, err := c.sortMsgs(idx, need)
	if err != nil {
		return nil, err
	}
	for i := range msgs { // compute each key once, not at every comparison
		for _, k := range crit {
			compareBy(&msgs[i], &msgs[i], k.key)
		}
	}
	slices.SortFunc(msgs, func(a, b sortMsg) int {
		for _, k := range crit {
			if r := compareBy(&a, &b, k.key); r != 0 {
				if k.reverse {
					return -r
				}
				return r
			}
		}
		return cmp.Compare(a.idx, b.idx)
	})
	out := make([]int, len(msgs))
	for i := range msgs {
		out[i] = msgs[i].idx
	}
	return out, nil
}

// compareBy compares two messages by one sort key (RFC 5256 §3, RFC 5957
// §3): dates and sizes as numbers, strings in i;unicode-casemap form by
// octets. A missing field sorts as the empty string.
func compareBy(a, b *sortMsg, key string) int {
	switch key {
	case "ARRIVAL":
		return cmp.Compare(a.arrival, b.arrival)
	case "DATE":
		return cmp.Compare(a.sentDate(), b.sentDate())
	case "SIZE":
		return cmp.Compare(a.size, b.size)
	case "SUBJECT":
		sa, _ := a.baseSubject()
		sb, _ := b.baseSubject()
		return strings.Compare(sa, sb)
	}
	ka, kb := a.addrKeys(), b.addrKeys()
	switch key {
	case "FROM":
		return strings.Compare(ka.from, kb.from)
	case "TO":
		return strings.Compare(ka.to, kb.to)
	case "CC":
		return strings.Compare(ka.cc, kb.cc)
	case "DISPLAYFROM":
		return strings.Compare(ka.dispFrom, kb.dispFrom)
	}
	return strings.Compare(ka.dispTo, kb.dispTo)
}
