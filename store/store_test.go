package store

import (
	"errors"
	"slices"
	"testing"
)

func TestCanonicalFlag(t *testing.T) {
	cases := []struct {
		in, want string
		err      bool
	}{
		{`\seen`, FlagSeen, false}, // RFC 9051 §2.3.2: flags are case-insensitive
		{`\ANSWERED`, FlagAnswered, false},
		{`\Draft`, FlagDraft, false},
		{`\Recent`, "", true}, // RFC 9051 §2.3.2: \Recent cannot be stored
		{`\Bogus`, "", true},
		{"$Forwarded", "$Forwarded", false}, // RFC 9051 §2.3.2 keyword
		{"", "", true},
		{"a b", "", true}, // RFC 9051 §9: atom-specials
		{"a(b", "", true},
		{"a]b", "", true},
		{"a*", "", true},
		{"é", "", true},
	}
	for _, c := range cases {
		got, err := CanonicalFlag(c.in)
		if (err != nil) != c.err || got != c.want {
			t.Errorf("CanonicalFlag(%q) = %q, %v", c.in, got, err)
		}
		if err != nil && !errors.Is(err, ErrInvalidFlag) {
			t.Errorf("CanonicalFlag(%q) error %v is not ErrInvalidFlag", c.in, err)
		}
	}
}

func TestApplyFlags(t *testing.T) {
	cur := []string{FlagSeen, "Work"}
	cases := []struct {
		op    FlagOp
		flags []string
		want  []string
	}{
		{FlagsAdd, []string{FlagDeleted, "work"}, []string{FlagSeen, FlagDeleted, "Work"}},
		{FlagsRemove, []string{"WORK"}, []string{FlagSeen}},
		{FlagsReplace, []string{FlagDraft}, []string{FlagDraft}},
	}
	for _, c := range cases {
		if got := ApplyFlags(cur, c.op, c.flags); !slices.Equal(got, c.want) {
			t.Errorf("ApplyFlags(%v, %d, %v) = %v, want %v", cur, c.op, c.flags, got, c.want)
		}
	}
}

func TestUIDSet(t *testing.T) {
	s := UIDSet{{5, 7}, {10, 10}, {20, 15}}
	for u, want := range map[UID]bool{4: false, 5: true, 7: true, 8: false, 10: true, 15: true, 20: true, 21: false} {
		if s.Contains(u) != want {
			t.Errorf("Contains(%d) = %v", u, !want)
		}
	}
	if lo, hi, ok := s.Bounds(); lo != 5 || hi != 20 || !ok {
		t.Errorf("Bounds = %d %d %v", lo, hi, ok)
	}
	if _, _, ok := (UIDSet{}).Bounds(); ok {
		t.Error("empty set has bounds")
	}
	if got := s.String(); got != "5:7,10,20:15" {
		t.Errorf("String = %q", got)
	}
	list := []UID{1, 3, 5, 9}
	if i := SearchIndex(len(list), func(i int) UID { return list[i] }, 4); i != 2 {
		t.Errorf("SearchIndex = %d", i)
	}
}

func TestValidateName(t *testing.T) {
	cases := []struct {
		name  string
		delim rune
		ok    bool
	}{
		{"INBOX", '/', true},
		{"Work/Projects", '/', true},
		{"Lists.Go", '.', true},
		{"Ünï €", '/', true},
		{"", '/', false},
		{"a/../b", '/', false},
		{"..", '.', false},
		{"a/b", '.', false}, // '/' would become a path separator on disk
		{`a\b`, '/', true},
		{"/abs", '/', false},
		{"trail/", '/', false},
		{"x\x00y", '/', false},
		{"x\u0085y", '/', false}, // C1 control
		{"bad\xff", '/', false},
	}
	for _, c := range cases {
		err := ValidateName(c.name, c.delim)
		if (err == nil) != c.ok {
			t.Errorf("ValidateName(%q, %q) = %v", c.name, c.delim, err)
		}
		if err != nil && !errors.Is(err, ErrInvalidName) {
			t.Errorf("error %v is not ErrInvalidName", err)
		}
	}
	if got := NormalizeInbox("inbox/Sub", '/'); got != "INBOX/Sub" {
		t.Errorf("NormalizeInbox = %q", got)
	}
	if got := NormalizeInbox("inboxes", '/'); got != "inboxes" {
		t.Errorf("NormalizeInbox(inboxes) = %q", got)
	}
}
