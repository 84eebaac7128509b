package imap

import (
	"cmp"
	"errors"
	"slices"
	"strings"

	"github.com/mailstack/mailstack/imap/internal/imapwire"
	"github.com/mailstack/mailstack/message"
	"github.com/mailstack/mailstack/store"
)

// fetchKind is one FETCH data item (RFC 9051 §6.4.5).
type fetchKind int

const (
	fUID fetchKind = iota
	fFlags
	fInternalDate
	fModSeq   // MODSEQ (RFC 7162 §3.1.4.1)
	fEmailID  // RFC 8474 §5.3
	fThreadID // RFC 8474 §5.3
	fSaveDate // RFC 8514 §4.2
	fSize
	fEnvelope
	fBody          // BODY: the non-extensible structure
	fBodyStructure // BODYSTRUCTURE
	fSection       // BODY[…], BINARY[…], RFC822, RFC822.HEADER, RFC822.TEXT
	fBinarySize    // BINARY.SIZE[…]
)

type fetchItem struct {
	kind fetchKind
	sec  message.Section
	name string // response name for sections: "BODY[1.MIME]<0>", "RFC822"
	seen bool   // sets \Seen (not PEEK, RFC 9051 §6.4.5)
}

// needsContent reports whether the item reads the message itself.
func (it *fetchItem) needsContent() bool { return it.kind >= fSize }

// needsParse reports whether the item needs the part index.
func (it *fetchItem) needsParse() bool {
	switch it.kind {
	case fUID, fFlags, fInternalDate, fModSeq, fSize, fEmailID, fThreadID, fSaveDate:
		return false
	case fSection:
		return len(it.sec.Part) > 0 || it.sec.Specifier != message.SpecNone || it.sec.Binary
	}
	return true
}

// FETCH, RFC 9051 §6.4.5.
func cmdFetch(c *conn, cmd *command) error {
	var set imapwire.SeqSet
	var items []fetchItem
	var mods fetchMods
	if !c.dec.ExpectSP() || !c.dec.ExpectSeqSet(&set) || !c.dec.ExpectSP() {
		return nil
	}
	if !c.dec.List(func() bool { return c.fetchAtt(&items) }) {
		if c.dec.Err() != nil || !c.fetchAtt(&items) {
			return nil
		}
	}
	if c.dec.SP() && !c.fetchModifiers(&mods) || !c.endArgs() {
		return nil
	}
	if cmd.uid && !hasKind(items, fUID) {
		items = append([]fetchItem{{kind: fUID}}, items...) // RFC 9051 §6.4.9
	}
	idx := c.resolveSet(set, cmd.uid)
	if mods.changedSince || mods.vanished {
		var err error
		if idx, err = c.changedSince(idx, set, cmd.uid, &mods); err != nil {
			return err
		}
		if !hasKind(items, fModSeq) {
			items = append(items, fetchItem{kind: fModSeq}) // RFC 7162 §3.1.4.1
		}
	}
	return c.fetch(idx, items, cmd.uid)
}

func hasKind(items []fetchItem, k fetchKind) bool {
	for _, it := range items {
		if it.kind == k {
			return true
		}
	}
	return false
}

// fetchAtt reads one fetch-att or macro.
func (c *conn) fetchAtt(items *[]fetchItem) bool {
	var name string
	if !c.dec.ExpectWord(&name) {
		return false
	}
	name = strings.ToUpper(name)
	add := func(k ...fetchKind) bool {
		for _, x := range k {
			*items = append(*items, fetchItem{kind: x})
		}
		return true
	}
	switch name {
	case "ALL": // RFC 9051 §6.4.5 macros
		return add(fFlags, fInternalDate, fSize, fEnvelope)
	case "FAST":
		return add(fFlags, fInternalDate, fSize)
	case "FULL":
		return add(fFlags, fInternalDate, fSize, fEnvelope, fBody)
	case "UID":
		return add(fUID)
	case "MODSEQ":
		c.enableCondstore()
		return add(fModSeq)
	case "FLAGS":
		return add(fFlags)
	case "INTERNALDATE":
		return add(fInternalDate)
	case "RFC822.SIZE":
		return add(fSize)
	case "ENVELOPE":
		return add(fEnvelope)
	case "SAVEDATE":
		return add(fSaveDate)
	case "EMAILID", "THREADID":
		if c.objectIDs() { // RFC 8474 §5.3: unknown without OBJECTID
			if name == "EMAILID" {
				return add(fEmailID)
			}
			return add(fThreadID)
		}
	case "BODYSTRUCTURE":
		return add(fBodyStructure)
	case "RFC822":
		*items = append(*items, fetchItem{kind: fSection, name: "RFC822", seen: true})
		return true
	case "RFC822.HEADER":
		*items = append(*items, fetchItem{kind: fSection, name: "RFC822.HEADER",
			sec: message.Section{Specifier: message.SpecHeader}})
		return true
	case "RFC822.TEXT":
		*items = append(*items, fetchItem{kind: fSection, name: "RFC822.TEXT", seen: true,
			sec: message.Section{Specifier: message.SpecText}})
		return true
	case "BODY", "BODY.PEEK", "BINARY", "BINARY.PEEK", "BINARY.SIZE":
		if b, _ := c.dec.Peek(); b != '[' {
			if name == "BODY" {
				return add(fBody)
			}
			return c.dec.ExpectSpecial('[')
		}
		return c.fetchSection(name, items)
	}
	return c.dec.ExpectSpecial('x') // an unknown item: syntax error
}

// fetchSection reads "[" section "]" [partial] after BODY, BODY.PEEK,
// BINARY, BINARY.PEEK or BINARY.SIZE.
func (c *conn) fetchSection(name string, items *[]fetchItem) bool {
	var spec string
	var fields []string
	c.dec.ExpectSpecial('[')
	if b, _ := c.dec.Peek(); b != ']' && !c.dec.ExpectWord(&spec) {
		return false
	}
	spec = strings.ToUpper(spec)
	if c.dec.SP() {
		if !c.dec.ExpectList(func() bool {
			var f string
			if !c.dec.ExpectAString(&f) {
				return false
			}
			fields = append(fields, f)
			return true
		}) {
			return false
		}
	}
	if !c.dec.ExpectSpecial(']') {
		return false
	}
	partial := ""
	if name != "BINARY.SIZE" && c.dec.Special('<') {
		var off, n uint32
		if !c.dec.ExpectNumber(&off) || !c.dec.ExpectSpecial('.') || !c.dec.ExpectNumber(&n) ||
			!c.dec.ExpectSpecial('>') {
			return false
		}
		if n == 0 {
			return c.dec.ExpectSpecial('x') // nz-number
		}
		partial = "<" + itoa(uint64(off)) + "." + itoa(uint64(n)) + ">"
	}
	full := spec
	if len(fields) > 0 {
		full += " (" + strings.Join(fields, " ") + ")"
	}
	sec, err := message.ParseSection(full, partial)
	binary := strings.HasPrefix(name, "BINARY")
	if err != nil || (binary && sec.Specifier != message.SpecNone) || (len(fields) > 0) !=
		(sec.Specifier == message.SpecHeaderFields || sec.Specifier == message.SpecHeaderFieldsNot) {
		return c.dec.ExpectSpecial('x') // report a syntax error
	}
	sec.Binary = binary
	it := fetchItem{kind: fSection, sec: sec, seen: name == "BODY" || name == "BINARY"}
	resp := "BODY["
	if binary {
		resp = "BINARY["
	}
	if name == "BINARY.SIZE" {
		it.kind, resp = fBinarySize, "BINARY.SIZE["
	}
	it.name = resp + full + "]"
	if sec.Partial {
		it.name += "<" + itoa(uint64(sec.Offset)) + ">"
	}
	*items = append(*items, it)
	return true
}

// fetch answers FETCH for the view entries idx.
// Messages expunged by another session but still in the view are
// reported with NO [EXPUNGEISSUED] (RFC 5530) when named by sequence
// number, and skipped when named by UID (RFC 9051 §6.4.9: a UID set may
// name absent messages).
func (c *conn) fetch(idx []int, items []fetchItem, byUID bool) error {
	v := c.sel
	if len(idx) == 0 {
		return nil
	}
	infos, err := v.mb.List(c.ctx, v.uidSet(idx))
	if err != nil {
		return err
	}
	changed, err := c.markSeen(infos, items)
	if err != nil {
		return err
	}
	var firstErr error
	for i := range infos {
		m := &infos[i]
		seq := v.seq(m.UID)
		if seq == 0 {
			continue
		}
		if err := c.fetchOne(seq, m, items, changed[m.UID]); err != nil {
			if byUID && errors.Is(err, store.ErrNoSuchMessage) {
				continue
			}
			if c.enc.Err() != nil {
				return c.enc.Err()
			}
			if firstErr == nil {
				firstErr = err
			}
		}
	}
	if len(infos) < len(idx) && firstErr == nil && !byUID {
		firstErr = store.ErrNoSuchMessage // RFC 5530 EXPUNGEISSUED
	}
	return firstErr
}

// markSeen sets \Seen on the messages when an item asks for it and the
// mailbox is read-write (RFC 9051 §6.4.5), updating infos; it returns the
// UIDs whose flags changed, which get a FLAGS item.
func (c *conn) markSeen(infos []store.MessageInfo, items []fetchItem) (map[store.UID]bool, error) {
	seen := false
	for _, it := range items {
		seen = seen || it.seen
	}
	if !seen || c.sel.readOnly {
		return nil, nil
	}
	var unseen []store.UID
	for i := range infos {
		if !infos[i].HasFlag(store.FlagSeen) {
			unseen = append(unseen, infos[i].UID)
		}
	}
	if len(unseen) == 0 {
		return nil, nil
	}
	upd, err := c.sel.mb.SetFlags(c.ctx, store.UIDSetOf(unseen...), store.FlagsAdd, []string{store.FlagSeen}, nil)
	if err != nil {
		return nil, err
	}
	changed := map[store.UID]bool{}
	for _, u := range upd {
		changed[u.UID] = true
		c.sel.reported[u.UID] = u.ModSeq
		i, ok := slices.BinarySearchFunc(infos, u.UID, func(m store.MessageInfo, uid store.UID) int {
			return cmp.Compare(m.UID, uid)
		})
		if ok {
			infos[i].Flags, infos[i].ModSeq = u.Flags, u.ModSeq
		}
	}
	return changed, nil
}
