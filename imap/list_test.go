package imap

import (
	"context"
	"strings"
	"testing"

	"github.com/mailstack/mailstack/store"
	"github.com/mailstack/mailstack/store/memstore"
)

// fixedBoxes answers Mailboxes with a fixed list, so that a hierarchy can
// have levels that do not exist (as in Maildir++, where "a.b" may exist
// without "a"); with subs it is also a subscriptionLister.
type fixedBoxes struct {
	store.Store
	boxes []store.MailboxInfo
}

func (f fixedBoxes) Mailboxes(ctx context.Context) ([]store.MailboxInfo, error) { return f.boxes, nil }

type fixedBoxesSubs struct {
	fixedBoxes
	subs []string
}

func (f fixedBoxesSubs) Subscriptions(ctx context.Context) ([]string, error) { return f.subs, nil }

// The hierarchy of RFC 5258 §5's examples: "Fruit" and "Nuts" do not
// exist; "Fruit/Peach" and "Nuts/Almond" are subscribed but missing.
func rfc5258Store(withSubs bool) func() (store.Store, error) {
	return func() (store.Store, error) {
		st := memstore.New()
		for _, n := range []string{"Fruit/Apple", "Fruit/Banana", "Vegetable/Broccoli"} {
			st.CreateMailbox(context.Background(), n, nil)
		}
		fb := fixedBoxes{Store: st, boxes: []store.MailboxInfo{
			{Name: "INBOX"},
			{Name: "Fruit/Apple"},
			{Name: "Fruit/Banana", Subscribed: true},
			{Name: "Vegetable", Subscribed: true},
			{Name: "Vegetable/Broccoli"},
		}}
		if !withSubs {
			return fb, nil
		}
		return fixedBoxesSubs{fb, []string{"Fruit/Banana", "Fruit/Peach", "Vegetable", "Nuts/Almond"}}, nil
	}
}

func TestListNonExistent(t *testing.T) {
	addr := serveStore(t, rfc5258Store(true))
	rev1 := login(t, addr, "u")
	rev2 := login(t, addr, "u")
	rev2.ok("ENABLE IMAP4rev2")
	for _, c := range []struct {
		rfc  string
		cl   *client
		cmd  string
		want []string
	}{
		{"RFC 3501 §6.3.8: a level without a mailbox is \\Noselect", rev1, `LIST "" "%"`, []string{
			`* LIST (\HasNoChildren) "/" "INBOX"`,
			`* LIST (\Noselect \HasChildren) "/" "Fruit"`,
			`* LIST (\HasChildren) "/" "Vegetable"`}},
		{"RFC 9051 §7.3.1: IMAP4rev2 says \\NonExistent", rev2, `LIST "" "Fruit"`, []string{
			`* LIST (\NonExistent \HasChildren) "/" "Fruit"`}},
		{"RFC 5258 §3: extended syntax says \\NonExistent", rev1, `LIST "" "%" RETURN (CHILDREN)`, []string{
			`* LIST (\HasNoChildren) "/" "INBOX"`,
			`* LIST (\NonExistent \HasChildren) "/" "Fruit"`,
			`* LIST (\HasChildren) "/" "Vegetable"`}},
		{"RFC 5258 §5 example 3: subscribed but missing", rev1, `LIST (SUBSCRIBED) "" "*"`, []string{
			`* LIST (\HasNoChildren \Subscribed) "/" "Fruit/Banana"`,
			`* LIST (\NonExistent \HasNoChildren \Subscribed) "/" "Fruit/Peach"`,
			`* LIST (\NonExistent \HasNoChildren \Subscribed) "/" "Nuts/Almond"`,
			`* LIST (\HasChildren \Subscribed) "/" "Vegetable"`}},
		{"RFC 5258 §5 example 6: RECURSIVEMATCH", rev1, `LIST (SUBSCRIBED RECURSIVEMATCH) "" "%"`, []string{
			`* LIST (\NonExistent \HasChildren) "/" "Fruit" ("CHILDINFO" ("SUBSCRIBED"))`,
			`* LIST (\NonExistent \HasNoChildren) "/" "Nuts" ("CHILDINFO" ("SUBSCRIBED"))`,
			`* LIST (\HasChildren \Subscribed) "/" "Vegetable"`}},
		{"RFC 5258 §3.5: no CHILDINFO when the pattern matches the child", rev1, `LIST (SUBSCRIBED RECURSIVEMATCH) "" "Fruit*"`, []string{
			`* LIST (\HasNoChildren \Subscribed) "/" "Fruit/Banana"`,
			`* LIST (\NonExistent \HasNoChildren \Subscribed) "/" "Fruit/Peach"`}},
		{"RFC 5258 §4: RETURN (SUBSCRIBED) on a missing level", rev1, `LIST "" "F%" RETURN (SUBSCRIBED)`, []string{
			`* LIST (\NonExistent \HasChildren) "/" "Fruit"`}},
		{"RFC 5819 §2: no STATUS for a missing mailbox", rev1, `LIST (SUBSCRIBED) "" "Fruit/%" RETURN (STATUS (MESSAGES))`, []string{
			`* LIST (\HasNoChildren \Subscribed) "/" "Fruit/Banana"`,
			`* STATUS "Fruit/Banana" (MESSAGES 0)`,
			`* LIST (\NonExistent \HasNoChildren \Subscribed) "/" "Fruit/Peach"`}},
		{"RFC 3501 §6.3.9: LSUB with a subscribed name below \"%\"", rev1, `LSUB "" "%"`, []string{
			`* LSUB (\Noselect) "/" "Fruit"`,
			`* LSUB (\Noselect) "/" "Nuts"`,
			`* LSUB () "/" "Vegetable"`}},
		{"RFC 3501 §6.3.9: LSUB lists missing subscribed names", rev1, `LSUB "" "Nuts/*"`, []string{
			`* LSUB () "/" "Nuts/Almond"`}},
	} {
		if got := c.cl.ok(c.cmd); strings.Join(got, "\n") != strings.Join(c.want, "\n") {
			t.Errorf("%s: %s\n got  %q\n want %q", c.rfc, c.cmd, got, c.want)
		}
	}
}

// A store without subscriptionLister: subscriptions of missing mailboxes
// are unknown, the rest works.
func TestListWithoutSubscriptionList(t *testing.T) {
	addr := serveStore(t, rfc5258Store(false))
	cl := login(t, addr, "u")
	want := []string{
		`* LIST (\HasNoChildren \Subscribed) "/" "Fruit/Banana"`,
		`* LIST (\HasChildren \Subscribed) "/" "Vegetable"`}
	if got := cl.ok(`LIST (SUBSCRIBED) "" "*"`); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got %q", got)
	}
	want = []string{`* LIST (\Noselect \HasChildren) "/" "Fruit"`, `* LIST (\HasNoChildren) "/" "Fruit/Apple"`}
	if got := cl.ok(`LIST "" "Fruit*"`); len(got) != 3 || got[0] != want[0] || got[1] != want[1] {
		t.Errorf("got %q", got)
	}
}
