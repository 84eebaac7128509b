package imap

import (
	"cmp"
	"slices"
	"strings"
)

// THREAD, RFC 5256 §3:
//
//	thread = ["UID" SP] "THREAD" SP thread-alg SP charset 1*(SP search-key)
//
// with the ORDEREDSUBJECT and REFERENCES algorithms (thread_refs.go). The
// search keys are SEARCH's; only the messages found are threaded.
func cmdThread(c *conn, cmd *command) error {
	var alg string
	c.pendingKey, c.badCharset = "", false
	if !c.dec.ExpectSP() || !c.dec.ExpectAtom(&alg) || !c.dec.ExpectSP() || !c.searchCharset() || !c.dec.ExpectSP() {
		return nil
	}
	root := c.searchKeys()
	if root == nil {
		return nil
	}
	alg = strings.ToUpper(alg)
	if alg != "ORDEREDSUBJECT" && alg != "REFERENCES" {
		return bad("", "Unknown thread algorithm")
	}
	if err := c.charsetErr(); err != nil {
		return err
	}
	matches, err := c.search(root)
	if err != nil {
		return err
	}
	var threads []*threadNode
	if alg == "ORDEREDSUBJECT" {
		threads, err = c.threadOrderedSubject(matches)
	} else {
		threads, err = c.threadReferences(matches)
	}
	if err != nil {
		return err
	}
	c.enc.Raw("* THREAD")
	if len(threads) > 0 { // thread-data = "THREAD" [SP 1*thread-list] (RFC 5256 §4)
		c.enc.SP()
		c.writeThreads(cmd, threads, true)
	}
	c.enc.CRLF()
	return nil
}

// threadNode is a message in a thread, or a dummy (msg nil) that only
// groups its children.
type threadNode struct {
	msg  *sortMsg
	kids []*threadNode
}

// writeThreads writes thread-lists (RFC 5256 §4): at the top a
// parenthesised thread per root; below, a lone child follows its parent
// in the same list, several children are one parenthesised list each.
// "(1 2 (3)(4 5))" is 1 with child 2, which has children 3 and 4; 4 has 5.
func (c *conn) writeThreads(cmd *command, nodes []*threadNode, top bool) {
	if len(nodes) == 1 && !top {
		n := nodes[0]
		c.enc.Number(c.msgNum(cmd, n.msg.idx))
		if len(n.kids) > 0 {
			c.enc.SP()
			c.writeThreads(cmd, n.kids, false)
		}
		return
	}
	for _, n := range nodes {
		c.enc.Byte('(')
		if n.msg != nil {
			c.enc.Number(c.msgNum(cmd, n.msg.idx))
			if len(n.kids) > 0 {
				c.enc.SP()
			}
		}
		if len(n.kids) > 0 {
			c.writeThreads(cmd, n.kids, false)
		}
		c.enc.Byte(')')
	}
}

// threadOrderedSubject is ORDEREDSUBJECT (RFC 5256 §3): the messages
// sorted by base subject and sent date make one thread per base subject,
// the first message the parent of the others; threads are ordered by the
// sent date of their first message.
func (c *conn) threadOrderedSubject(idx []int) ([]*threadNode, error) {
	msgs, err := c.sortMsgs(idx, sortNeed{env: true})
	if err != nil {
		return nil, err
	}
	sorted := make([]*sortMsg, len(msgs))
	for i := range msgs {
		sorted[i] = &msgs[i]
		sorted[i].baseSubject()
		sorted[i].sentDate()
	}
	slices.SortFunc(sorted, func(a, b *sortMsg) int {
		sa, _ := a.baseSubject()
		sb, _ := b.baseSubject()
		return cmp.Or(strings.Compare(sa, sb), cmp.Compare(a.sentDate(), b.sentDate()), cmp.Compare(a.idx, b.idx))
	})
	var threads []*threadNode
	for i, m := range sorted {
		s, _ := m.baseSubject()
		if i > 0 {
			if prev, _ := sorted[i-1].baseSubject(); prev == s {
				t := threads[len(threads)-1]
				t.kids = append(t.kids, &threadNode{msg: m})
				continue
			}
		}
		threads = append(threads, &threadNode{msg: m})
	}
	slices.SortFunc(threads, func(a, b *threadNode) int {
		return cmp.Or(cmp.Compare(a.msg.sentDate(), b.msg.sentDate()), cmp.Compare(a.msg.idx, b.msg.idx))
	})
	return threads, nil
}
