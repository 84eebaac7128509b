package message

import (
	"testing"
	"time"
)

func TestParseDate(t *testing.T) {
	cases := []struct{ name, in, want string }{
		{"RFC 5322 A.1.1", "Fri, 21 Nov 1997 09:55:06 -0600", "1997-11-21T09:55:06-06:00"},
		{"RFC 5322 A.3", "Thu,\r\n      13\r\n        Feb\r\n          1969\r\n      23:32\r\n               -0330 (Newfoundland Time)", "1969-02-13T23:32:00-03:30"},
		{"RFC 5322 A.6.2 obs year", "21 Nov 97 09:55:06 GMT", "1997-11-21T09:55:06Z"},
		{"RFC 5322 §4.3 year 49", "1 Jan 49 00:00 +0000", "2049-01-01T00:00:00Z"},
		{"RFC 5322 §4.3 3-digit year", "1 Jan 103 00:00 +0000", "2003-01-01T00:00:00Z"},
		{"RFC 5322 §4.3 EST", "Mon, 1 Jan 2001 10:00:00 EST", "2001-01-01T10:00:00-05:00"},
		{"RFC 5322 §4.3 PDT", "1 Jul 2001 10:00:00 PDT", "2001-07-01T10:00:00-07:00"},
		{"RFC 5322 §4.3 military", "1 Jul 2001 10:00:00 A", "2001-07-01T10:00:00Z"},
		{"missing zone", "1 Jul 2001 10:00:00", "2001-07-01T10:00:00Z"},
		{"named CEST", "Tue, 3 Jun 2008 11:05:30 CEST", "2008-06-03T11:05:30+02:00"},
		{"zone with comment", "Tue, 3 Jun 2008 11:05:30 +0200 (CEST)", "2008-06-03T11:05:30+02:00"},
		{"full names", "Tuesday, 3 June 2008 11:05:30 +0200", "2008-06-03T11:05:30+02:00"},
		{"asctime", "Tue Jun  3 11:05:30 2008", "2008-06-03T11:05:30Z"},
		{"no comma", "Tue 3 Jun 2008 11:05 +0200", "2008-06-03T11:05:00+02:00"},
		{"leap second §3.3", "31 Dec 2016 23:59:60 +0000", "2017-01-01T00:00:00Z"},
		{"dots in time", "3 Jun 2008 11.05.30 +0200", "2008-06-03T11:05:30+02:00"},
		{"RFC 5322 A.6.3 obs-ws", "Fri, 21\r\n Nov 1997 09(comment):   55  :  06 -0600", "1997-11-21T09:55:06-06:00"},
	}
	for _, c := range cases {
		got, err := ParseDate(c.in)
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if s := got.Format(time.RFC3339); s != c.want {
			t.Errorf("%s: got %s, want %s", c.name, s, c.want)
		}
	}
	for _, bad := range []string{"", "yesterday", "32 Jan 2001 10:00 +0000", "30 Feb 2001 10:00 +0000", "1 Foo 2001 10:00", "1 Jan 2001 25:00 +0000", "1 Jan 2001"} {
		if _, err := ParseDate(bad); err == nil {
			t.Errorf("ParseDate(%q) accepted", bad)
		}
	}
	d := time.Date(2024, 2, 29, 8, 7, 6, 0, time.FixedZone("", -3*3600-1800))
	if s := FormatDate(d); s != "Thu, 29 Feb 2024 08:07:06 -0330" {
		t.Errorf("FormatDate = %s", s)
	}
	if back, err := ParseDate(FormatDate(d)); err != nil || !back.Equal(d) {
		t.Errorf("FormatDate round trip: %v %v", back, err)
	}
}

func TestParseMessageID(t *testing.T) {
	cases := []struct {
		name, in string
		want     []string
	}{
		{"RFC 5322 A.1.1", "<1234@local.machine.example>", []string{"1234@local.machine.example"}},
		{"RFC 5322 A.2 refs", "<1234@local.machine.example> <3456@example.net>", []string{"1234@local.machine.example", "3456@example.net"}},
		{"RFC 5322 §4.5.4 obs phrase", `"Mary" <a@b> (comment) Mary's message of Monday <c@d>`, []string{"a@b", "c@d"}},
		{"RFC 5322 A.6.3 obs CFWS", "<testabcd.1234 @silly.test>", []string{"testabcd.1234@silly.test"}},
		{"folded", "<a@b>\r\n\t<c@d>", []string{"a@b", "c@d"}},
		{"broken first", "<a@b <c@d>", []string{"c@d"}},
	}
	for _, c := range cases {
		got := ParseMessageIDList(c.in)
		if len(got) != len(c.want) {
			t.Errorf("%s: got %q want %q", c.name, got, c.want)
			continue
		}
		for i := range got {
			if got[i] != c.want[i] {
				t.Errorf("%s: got %q want %q", c.name, got, c.want)
			}
		}
	}
	if id, err := ParseMessageID(" bare@id.test "); err != nil || id != "bare@id.test" {
		t.Errorf("bare id: %q %v", id, err)
	}
	if _, err := ParseMessageID("two words"); err == nil {
		t.Error("accepted two words")
	}
}
