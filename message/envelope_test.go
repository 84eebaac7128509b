package message

import "testing"

// TestEnvelopeNString checks the nstring members of ENVELOPE: NIL for an
// absent field, "" for a present but empty one (RFC 9051 §7.5.2).
func TestEnvelopeNString(t *testing.T) {
	cases := []struct{ name, hdr, want string }{
		{"RFC 9051 §7.5.2 absent fields are NIL", "From: a@b\r\n\r\n",
			`(NIL NIL ((NIL NIL "a" "b")) ((NIL NIL "a" "b")) ((NIL NIL "a" "b")) NIL NIL NIL NIL NIL)`},
		{"RFC 5322 §3.6.5 empty fields are \"\"", "Date:\r\nSubject: \r\nIn-Reply-To:\r\nMessage-ID:\t\r\n\r\n",
			`("" "" NIL NIL NIL NIL NIL NIL "" "")`},
		{"RFC 5322 §3.6 the first of repeated fields", "Subject:\r\nSubject: second\r\nDate: d\r\n\r\n",
			`("d" "" NIL NIL NIL NIL NIL NIL NIL NIL)`},
		{"RFC 5322 §3.6.3 an empty address field yields to a later one", "To:\r\nTo: c@d\r\n\r\n",
			`(NIL NIL NIL NIL NIL ((NIL NIL "c" "d")) NIL NIL NIL NIL)`},
	}
	for _, c := range cases {
		h, _ := ParseHeader([]byte(c.hdr))
		if got := string(EnvelopeFromHeader(&h).AppendIMAP(nil)); got != c.want {
			t.Errorf("%s:\n got %s\nwant %s", c.name, got, c.want)
		}
	}
	if got := string((&Envelope{Subject: "x"}).AppendIMAP(nil)); got != `(NIL "x" NIL NIL NIL NIL NIL NIL NIL NIL)` {
		t.Errorf("zero Empty: %s", got)
	}
}

// TestEnvelopeMissingDomain checks that an address without a domain does
// not come out with a NIL host, which marks a group (RFC 9051 §7.5.2).
func TestEnvelopeMissingDomain(t *testing.T) {
	for _, c := range []struct{ field, want string }{
		{"To: plain", `((NIL NIL "plain" "MISSING_DOMAIN"))`},
		{"To: <>", `((NIL NIL "MISSING_MAILBOX" "MISSING_DOMAIN"))`},
		{"To: Name <x@y.test>", `(("Name" NIL "x" "y.test"))`},
		{"To: g: a@b.test;", `((NIL NIL "g" NIL)(NIL NIL "a" "b.test")(NIL NIL NIL NIL))`},
	} {
		h, _ := ParseHeader([]byte(c.field + "\r\n\r\n"))
		env := EnvelopeFromHeader(&h)
		got := string(appendAddrList(nil, env.To))
		if got != c.want {
			t.Errorf("%s: %s, want %s", c.field, got, c.want)
		}
	}
}
