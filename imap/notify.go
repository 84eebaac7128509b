package imap

import (
	"strings"

	"github.com/mailstack/mailstack/store"
)

// NOTIFY (RFC 5465) lets a client ask for untagged responses about
// mailbox events at any time, also between commands. The command is
// parsed here; notify_watch.go keeps the watched mailboxes, notify_wait.go
// waits for client input and events at once and writes the responses, and
// notify_hub.go carries mailbox-name and subscription events between the
// sessions of one Server.
//
// Compared with Dovecot 2.3 on the same scripts: Dovecot accepts
// MessageNew without MessageExpunge and SELECTED with mailbox events, and
// its BADEVENT lists the refused events; this server answers BAD and
// lists the supported events, as RFC 5465 §5, §6.1 and §3.1 require. Its
// STATUS notifications carry only the items that changed; ours carry
// the whole set (see writeNotifyStatus). The LIST responses have the
// same shape, with \HasChildren or \HasNoChildren added (§5.4).

// notifyEvents is a set of RFC 5465 §5 events.
type notifyEvents uint8

const (
	evMessageNew notifyEvents = 1 << iota
	evMessageExpunge
	evFlagChange
	evMailboxName
	evSubscriptionChange

	evMessage = evMessageNew | evMessageExpunge | evFlagChange
)

// supportedEvents is the BADEVENT list (RFC 5465 §3.1: it "MUST list
// names of all events supported by the server").
const supportedEvents = "(MessageNew MessageExpunge FlagChange MailboxName SubscriptionChange)"

// eventNames maps the supported event names (case-insensitive, RFC 5465
// §8) to their bits.
var eventNames = map[string]notifyEvents{
	"MESSAGENEW":         evMessageNew,
	"MESSAGEEXPUNGE":     evMessageExpunge,
	"FLAGCHANGE":         evFlagChange,
	"MAILBOXNAME":        evMailboxName,
	"SUBSCRIPTIONCHANGE": evSubscriptionChange,
}

// notifyFilter is a mailbox specifier (RFC 5465 §6).
type notifyFilter int

const (
	nfSelected notifyFilter = iota
	nfSelectedDelayed
	nfInboxes
	nfPersonal
	nfSubscribed
	nfSubtree
	nfMailboxes
)

var filterNames = map[string]notifyFilter{
	"SELECTED":         nfSelected,
	"SELECTED-DELAYED": nfSelectedDelayed,
	"INBOXES":          nfInboxes,
	"PERSONAL":         nfPersonal,
	"SUBSCRIBED":       nfSubscribed,
	"SUBTREE":          nfSubtree,
	"MAILBOXES":        nfMailboxes,
}

// notifyGroup is one event group of NOTIFY SET for mailboxes other than
// the selected one.
type notifyGroup struct {
	filter notifyFilter
	names  []string // SUBTREE and MAILBOXES, INBOX spelt "INBOX"
	events notifyEvents
}

// notifySpec is a parsed NOTIFY SET.
type notifySpec struct {
	status   bool         // SET STATUS (RFC 5465 §3.1)
	hasSel   bool         // a SELECTED or SELECTED-DELAYED group was given
	sel      notifyEvents // its events; none without one (RFC 5465 §3.1)
	delayed  bool         // SELECTED-DELAYED: EXPUNGE waits for a command that allows it
	fetch    []fetchItem  // MessageNew's fetch-atts for the selected mailbox (§5.2)
	groups   []notifyGroup
	badEvent bool   // an event named is not supported: NO [BADEVENT]
	invalid  string // the rule of §5 or §6.1 broken: BAD
}

// NOTIFY, RFC 5465 §3.1: NOTIFY NONE, or NOTIFY SET [STATUS] groups.
func cmdNotify(c *conn, cmd *command) error {
	var verb string
	if !c.dec.ExpectSP() || !c.dec.ExpectAtom(&verb) {
		return nil
	}
	p := notifyParser{c: c, spec: &notifySpec{}}
	switch strings.ToUpper(verb) {
	case "NONE":
		if !c.endArgs() {
			return nil
		}
		c.stopNotify()
		return nil
	case "SET":
		if !p.set() {
			if p.fail != "" && c.dec.Err() == nil {
				c.dec.Discard()
				return bad("", p.fail)
			}
			return nil
		}
		if !c.endArgs() {
			return nil
		}
	default:
		c.dec.Discard()
		return bad("", "Expected SET or NONE")
	}
	switch spec := p.spec; {
	case spec.invalid != "":
		return bad("", spec.invalid)
	case spec.badEvent:
		return no("BADEVENT "+supportedEvents, "Unsupported event")
	}
	return c.startNotify(p.spec)
}

// notifyParser reads NOTIFY SET. fail is set, and the decoder left
// without error, when a keyword is not one the grammar allows.
type notifyParser struct {
	c    *conn
	spec *notifySpec
	fail string
}

func (p *notifyParser) failed(msg string) bool {
	p.fail = msg
	return false
}

// set reads what follows NOTIFY SET (RFC 5465 §8 notify-set).
func (p *notifyParser) set() bool {
	d := p.c.dec
	if !d.ExpectSP() {
		return false
	}
	if b, _ := d.Peek(); b != '(' {
		var s string
		if !d.ExpectAtom(&s) {
			return false
		}
		if !strings.EqualFold(s, "STATUS") {
			return p.failed("Expected STATUS or an event group")
		}
		p.spec.status = true
		if !d.ExpectSP() {
			return false
		}
	}
	for {
		if !p.group() {
			return false
		}
		if !d.SP() {
			return d.Err() == nil
		}
	}
}

// group reads one event-group: "(" filter-mailboxes SP events ")".
func (p *notifyParser) group() bool {
	d, spec := p.c.dec, p.spec
	var fname string
	if !d.ExpectSpecial('(') || !d.ExpectAtom(&fname) {
		return false
	}
	f, ok := filterNames[strings.ToUpper(fname)]
	if !ok {
		return p.failed("Unknown mailbox filter")
	}
	g := notifyGroup{filter: f}
	if f == nfSubtree || f == nfMailboxes {
		if !d.ExpectSP() || !p.mailboxes(&g.names) {
			return false
		}
	}
	if !d.ExpectSP() {
		return false
	}
	selected := f == nfSelected || f == nfSelectedDelayed
	var fetch []fetchItem
	if !p.events(&g.events, &fetch) || !d.ExpectSpecial(')') {
		return false
	}
	spec.check(&g, selected, fetch)
	if selected {
		if spec.hasSel && spec.invalid == "" {
			// RFC 5465 §6.1: only one of them.
			spec.invalid = "Only one SELECTED or SELECTED-DELAYED group is allowed"
		}
		spec.hasSel, spec.sel, spec.delayed, spec.fetch = true, g.events, f == nfSelectedDelayed, fetch
		return true
	}
	if len(spec.groups) >= maxNotifyGroups {
		return p.failed("Too many event groups")
	}
	spec.groups = append(spec.groups, g)
	return true
}

// maxNotifyGroups bounds the event groups of one NOTIFY SET (and so the
// work of matching a mailbox against them); MaxCommandSize bounds the
// names they list.
const maxNotifyGroups = 100

// check applies the rules of RFC 5465 §5 and §6.1 to one group.
func (spec *notifySpec) check(g *notifyGroup, selected bool, fetch []fetchItem) {
	if spec.invalid != "" {
		return
	}
	ev := g.events
	switch both := evMessageNew | evMessageExpunge; {
	case ev&both != 0 && ev&both != both:
		spec.invalid = "MessageNew and MessageExpunge go together" // §5
	case ev&evFlagChange != 0 && ev&evMessageNew == 0:
		spec.invalid = "FlagChange needs MessageNew and MessageExpunge" // §5
	case selected && ev&^evMessage != 0:
		spec.invalid = "Only message events apply to the selected mailbox" // §6.1
	case !selected && len(fetch) > 0:
		spec.invalid = "Fetch attributes apply to the selected mailbox only" // §8
	}
}

// mailboxes reads one-or-more-mailbox (RFC 5465 §8): a mailbox or a
// parenthesised list; names are taken literally, without wildcards
// (§6.6).
func (p *notifyParser) mailboxes(names *[]string) bool {
	d := p.c.dec
	one := func() bool {
		var name string
		if !d.ExpectMailbox(&name) {
			return false
		}
		*names = append(*names, store.NormalizeInbox(name, p.c.st.Delimiter()))
		return true
	}
	if b, _ := d.Peek(); b == '(' {
		return d.ExpectList(one)
	}
	return one()
}

// events reads events: "NONE" or "(" event *(SP event) ")", where
// MessageNew may carry a list of fetch-atts.
func (p *notifyParser) events(events *notifyEvents, fetch *[]fetchItem) bool {
	d := p.c.dec
	if b, _ := d.Peek(); b != '(' {
		var s string
		if !d.ExpectAtom(&s) {
			return false
		}
		if !strings.EqualFold(s, "NONE") {
			return p.failed("Expected NONE or an event list")
		}
		return true
	}
	d.ExpectSpecial('(')
	for {
		var name string
		if !d.ExpectAtom(&name) {
			return false
		}
		bit, ok := eventNames[strings.ToUpper(name)]
		if !ok {
			// RFC 5465 §3.1: unknown or unsupported (AnnotationChange,
			// MailboxMetadataChange, ServerMetadataChange): NO, not BAD.
			p.spec.badEvent = true
		}
		*events |= bit
		if d.Special(')') {
			return true
		}
		if !d.ExpectSP() {
			return false
		}
		if b, _ := d.Peek(); b != '(' {
			continue
		}
		if bit != evMessageNew {
			return p.failed("Fetch attributes follow MessageNew only")
		}
		if !d.ExpectList(func() bool { return p.c.fetchAtt(fetch) }) {
			return false
		}
		if d.Special(')') {
			return true
		}
		if !d.ExpectSP() {
			return false
		}
	}
}

// matches reports whether a non-selected mailbox falls under the group
// (RFC 5465 §6.2–6.6). INBOXES is INBOX alone: it is where the MDAs of
// this module (lmtp, maildir.Deliver) deliver.
func (g *notifyGroup) matches(name string, subscribed bool, delim rune) bool {
	switch g.filter {
	case nfPersonal:
		return true
	case nfInboxes:
		return name == "INBOX"
	case nfSubscribed:
		return subscribed
	case nfMailboxes:
		for _, n := range g.names {
			if n == name {
				return true
			}
		}
	case nfSubtree:
		for _, n := range g.names {
			if n == name || strings.HasPrefix(name, n) && strings.HasPrefix(name[len(n):], string(delim)) {
				return true
			}
		}
	}
	return false
}

// eventsFor returns the events wanted for a mailbox that is not the
// selected one: those of the first group that matches it, so that an
// earlier "(MAILBOXES X NONE)" can exempt X from a later PERSONAL.
func (s *notifySpec) eventsFor(name string, subscribed bool, delim rune) notifyEvents {
	name = store.NormalizeInbox(name, delim)
	for i := range s.groups {
		if s.groups[i].matches(name, subscribed, delim) {
			return s.groups[i].events
		}
	}
	return 0
}

// needsSubscriptions reports whether a SUBSCRIBED group makes the
// subscription list matter.
func (s *notifySpec) needsSubscriptions() bool {
	for _, g := range s.groups {
		if g.filter == nfSubscribed {
			return true
		}
	}
	return false
}
