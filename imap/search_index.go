package imap

import (
	"strings"

	"github.com/mailstack/mailstack/store"
)

// searchIndex asks a mailbox that implements store.HeaderIndex, in one
// call, for the header fields a search program reads, so that SEARCH (and
// the search keys of SORT and THREAD) need not open each message for
// them. It returns nil, and the messages are read, when the mailbox has no
// index, when the program reads no header, when it reads a field beyond
// those SORT asks an index for (sortFields: BCC, most HEADER names), or
// when it also reads message text, which opens the message anyway.
func (c *conn) searchIndex(root *searchKey) map[store.UID][]byte {
	hi, ok := c.sel.mb.(store.HeaderIndex)
	if !ok {
		return nil
	}
	names := map[string]bool{}
	if !indexedKeys(root, names) || len(names) == 0 {
		return nil
	}
	var list []string
	for _, n := range sortFields {
		if names[strings.ToLower(n)] {
			list = append(list, n)
		}
	}
	hdrs, err := hi.HeaderFields(c.ctx, store.All, list)
	if err != nil {
		return nil // read the messages instead
	}
	out := make(map[store.UID][]byte, len(hdrs))
	for _, h := range hdrs {
		out[h.UID] = h.Header
	}
	return out
}

// indexedKeys adds to names (lower case) the fields the keys under k read
// and reports whether an index can answer them all.
func indexedKeys(k *searchKey, names map[string]bool) bool {
	field := ""
	switch k.op {
	case "AND", "OR", "NOT":
		for _, kid := range k.kids {
			if !indexedKeys(kid, names) {
				return false
			}
		}
		return true
	case "FROM", "TO", "CC", "SUBJECT":
		field = k.op
	case "SENTBEFORE", "SENTON", "SENTSINCE":
		field = "Date"
	case "HEADER":
		field = k.str
	case "BCC", "BODY", "TEXT":
		return false
	default:
		return true // flags, sizes, dates, sets: no header
	}
	for _, n := range sortFields {
		if strings.EqualFold(n, field) {
			names[strings.ToLower(n)] = true
			return true
		}
	}
	return false
}
