package imap

import (
	"cmp"
	"slices"
	"strings"

	"github.com/mailstack/mailstack/message"
)

// THREAD=REFERENCES (RFC 5256 §3, after Jamie Zawinski's algorithm), in
// the shape Dovecot gives it, since clients are tested against Dovecot:
//
//   - Message IDs are the msg-ids (with an "@", RFC 5322 §3.6.4) of the
//     first Message-ID, References and In-Reply-To fields, compared as
//     octets. In-Reply-To counts only when References holds no msg-id.
//   - Messages are linked in UID order (step 1); a link that would make a
//     loop is not made; a message keeps the parent its first reference
//     gave it, except that its own last reference overrides.
//   - Children, and roots (a dummy root by its first child), are ordered
//     by sent date (RFC 5256 §2.2), ties by UID.
//   - Step 5 gathers roots by base subject in root order and merges them
//     as the RFC says; the roots are sorted again afterwards.

// refNode is a message-ID container (RFC 5256 step 1).
type refNode struct {
	msg    *sortMsg // nil: a dummy, an ID only referenced
	parent *refNode
	kids   []*refNode // after step 3: the non-dummy children
	// hadKid is set once the node was made a parent: one that never
	// was cannot be an ancestor, so linking it needs no loop check.
	hadKid bool
	// up is, for a dummy in step 3, its nearest ancestor that holds a
	// message, or its root.
	up *refNode
}

// maxRefWalk bounds the ancestors one loop check of step 1 visits: a link
// whose check would go further is not made, as if it made a loop. Only a
// thread root that already has children, linked below a message that many
// levels deep, is affected; without the bound a References field that
// names a long chain's ends over and over (a hostile message) costs a
// walk along the whole chain each time.
const maxRefWalk = 1000

// refRoot is a thread root during steps 3 to 5.
type refRoot struct {
	node       *refNode
	dummy      bool
	ignore     bool // merged into another root, or a dummy without children
	replyFwd   bool
	rootNum    int // position in the roots + 1
	parentRoot int // rootNum of the root in the subject table it yields to; 0 if none
	date       int64
	uid        uint32
}

func (c *conn) threadReferences(idx []int) ([]*threadNode, error) {
	msgs, err := c.sortMsgs(idx, sortNeed{env: true, refs: true})
	if err != nil {
		return nil, err
	}
	nodes := linkReferences(msgs)
	roots := refRoots(nodes)
	sortRoots(roots)
	gatherSubjects(roots)
	n := len(roots)
	changed := false
	for i := 0; i < n; i++ { // step 5 (C); roots appended meanwhile are new dummies
		if roots[i].parentRoot != 0 && !roots[i].ignore {
			roots = mergeRoot(roots, roots[i])
			changed = true
		}
	}
	if changed {
		sortRoots(roots)
	}
	var out []*threadNode
	for _, r := range roots {
		if r.ignore || r.dummy && len(r.node.kids) == 0 {
			continue
		}
		t := treeOf(r.node)
		if r.dummy {
			t.msg = nil
		}
		out = append(out, t)
	}
	return out, nil
}

// linkReferences is step 1: a container per message ID, linked to its
// parent; it returns the containers in order of creation.
func linkReferences(msgs []sortMsg) []*refNode {
	ids := map[string]*refNode{}
	var all []*refNode
	get := func(id string) *refNode {
		n := ids[id]
		if n == nil {
			n = &refNode{}
			ids[id] = n
			all = append(all, n)
		}
		return n
	}
	for i := range msgs { // ascending UIDs
		m := &msgs[i]
		var node *refNode
		if id := firstMsgID(m.env.messageID); id != "" {
			node = get(id)
		}
		if node == nil || node.msg != nil {
			// No ID, or one a lower UID has: a container of its own
			// (RFC 5256 step 1: duplicates are treated as unique).
			node = &refNode{}
			all = append(all, node)
		}
		node.msg = m
		refs := msgIDs(m.refs)
		if len(refs) == 0 {
			if id := firstMsgID(m.env.inReplyTo); id != "" {
				refs = []string{id}
			}
		}
		var parent *refNode
		for j, id := range refs {
			n := get(id)
			if j > 0 {
				linkRef(parent, n)
			}
			parent = n
		}
		if node.parent != parent && node.parent != nil {
			node.parent = nil // step 1 (B): the message's own references win
		}
		if parent != nil {
			linkRef(parent, node)
		}
	}
	return all
}

// linkRef makes parent the parent of child unless child has a parent
// already or that would make a loop (RFC 5256 step 1 (A)). The walk up
// from parent, which a long chain makes long, is taken only when a link
// may be made: at most once per container, loops aside.
func linkRef(parent, child *refNode) {
	if child.parent != nil || child == parent {
		return
	}
	if child.hadKid {
		steps := 0
		for n := parent; n != nil; n = n.parent {
			if n == child || steps == maxRefWalk {
				return
			}
			steps++
		}
	}
	child.parent = parent
	parent.hadKid = true
}

// refRoots is steps 2 and 3: the containers without parent are the roots;
// every message becomes the child of its nearest non-dummy ancestor, or of
// its root when all are dummies (dummies below the root are dropped).
func refRoots(all []*refNode) []*refRoot {
	var roots []*refRoot
	for _, n := range all {
		if n.parent == nil {
			roots = append(roots, &refRoot{node: n, dummy: n.msg == nil})
			continue
		}
		if n.msg == nil {
			continue
		}
		p := nearestHolder(n.parent)
		p.kids = append(p.kids, n)
	}
	return roots
}

// nearestHolder returns n if it holds a message or is a root, else its
// nearest ancestor that does or is; the answer is remembered for every
// dummy on the way, so that many messages below one long chain of
// dummies walk it once.
func nearestHolder(n *refNode) *refNode {
	var path []*refNode
	p := n
	for p.msg == nil && p.parent != nil && p.up == nil {
		path = append(path, p)
		p = p.parent
	}
	if p.up != nil {
		p = p.up
	}
	for _, d := range path {
		d.up = p
	}
	return p
}

// sortKids orders children by sent date, ties by UID.
func sortKids(kids []*refNode) {
	slices.SortFunc(kids, func(a, b *refNode) int {
		return cmp.Or(cmp.Compare(a.msg.sentDate(), b.msg.sentDate()), cmp.Compare(a.msg.uid, b.msg.uid))
	})
}

// sortRoots is step 4 and the end of step 3: a dummy root with one child
// gives way to it; roots are ordered by sent date, a dummy by its first
// child's.
func sortRoots(roots []*refRoot) {
	for _, r := range roots {
		if r.ignore {
			continue
		}
		if r.dummy {
			if len(r.node.kids) == 0 {
				r.ignore = true
				continue
			}
			sortKids(r.node.kids)
			first := r.node.kids[0]
			if len(r.node.kids) == 1 {
				r.node, r.dummy = first, false
			}
			r.date, r.uid = first.msg.sentDate(), uint32(first.msg.uid)
			continue
		}
		r.date, r.uid = r.node.msg.sentDate(), uint32(r.node.msg.uid)
	}
	slices.SortStableFunc(roots, func(a, b *refRoot) int {
		return cmp.Or(cmp.Compare(a.date, b.date), cmp.Compare(a.uid, b.uid))
	})
}

// gatherSubjects is step 5 (A) and (B): the subject table, each root
// pointing (parentRoot) to the one it will be merged with.
func gatherSubjects(roots []*refRoot) {
	table := map[string]*refRoot{}
	for i, r := range roots {
		r.rootNum = i + 1
		var m *sortMsg
		switch {
		case !r.dummy:
			m = r.node.msg
		case !r.ignore:
			sortKids(r.node.kids)
			m = r.node.kids[0].msg
		default:
			continue
		}
		subject, replyFwd := m.baseSubject()
		if subject == "" {
			continue // (ii)
		}
		if t := table[subject]; t == nil {
			table[subject] = r // (iv)
		} else if !t.dummy && (r.dummy || t.replyFwd && !replyFwd) {
			t.parentRoot = r.rootNum
			table[subject] = r
		} else {
			r.parentRoot = t.rootNum
		}
		r.replyFwd = replyFwd
	}
}

// mergeRoot is step 5 (C) for one root: it joins the root now in the
// subject table for its subject.
func mergeRoot(roots []*refRoot, cur *refRoot) []*refRoot {
	top := cur
	for top.parentRoot != 0 {
		top = roots[top.parentRoot-1]
	}
	switch {
	case cur.dummy: // both dummies: the children become siblings
		top.node.kids = append(top.node.kids, cur.node.kids...)
		cur.node.kids = nil
		cur.ignore = true
	case top.dummy || cur.replyFwd && !top.replyFwd:
		top.node.kids = append(top.node.kids, cur.node)
		cur.ignore = true
	default: // a new dummy holds both
		d := &refRoot{node: &refNode{kids: []*refNode{top.node, cur.node}}, dummy: true, rootNum: len(roots) + 1}
		top.parentRoot = d.rootNum
		top.ignore, cur.ignore = true, true
		roots = append(roots, d)
	}
	return roots
}

// treeOf turns a container and its descendants into a thread, children
// ordered by sent date.
func treeOf(n *refNode) *threadNode {
	t := &threadNode{msg: n.msg}
	if len(n.kids) > 1 {
		sortKids(n.kids)
	}
	for _, k := range n.kids {
		t.kids = append(t.kids, treeOf(k))
	}
	return t
}

// msgIDs returns the msg-ids of a field value, without angle brackets;
// ids without "@" are not msg-ids (RFC 5322 §3.6.4) and are skipped.
func msgIDs(v string) []string {
	ids := message.ParseMessageIDList(v)
	out := ids[:0]
	for _, id := range ids {
		if strings.Contains(id, "@") {
			out = append(out, id)
		}
	}
	return out
}

func firstMsgID(v string) string {
	if ids := msgIDs(v); len(ids) > 0 {
		return ids[0]
	}
	return ""
}
