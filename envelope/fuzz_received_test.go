package envelope

import (
	"net/netip"
	"testing"
)

// FuzzReceived gives every client-controlled field of Received arbitrary
// text and checks that the result is always exactly one well-formed header
// field whose date can still be found after the last ";".
func FuzzReceived(f *testing.F) {
	f.Add("client.example", "rdns.example", "bob", "example.org", "q1", "version=TLS1.3", false)
	f.Add("evil\r\nX-Injected: yes", "(x", "a\"b", "ex;ample", "id)", "\\", false)
	f.Add("héllo", "\xff", "jörg", "例え.jp", "\x00", "(((", true)
	f.Fuzz(func(t *testing.T, helo, host, local, domain, id, tls string, utf8 bool) {
		r := Received{
			FromHelo: helo, FromHost: host, FromIP: netip.MustParseAddr("192.0.2.1"),
			By: host, With: id, ID: id, For: &Address{local, domain}, TLS: tls,
			Date: receivedDate, UTF8: utf8,
		}
		if !checkOneHeaderField(t, r.String(), utf8) {
			t.Fatalf("%+v:\n%q", r, r.String())
		}
	})
}
