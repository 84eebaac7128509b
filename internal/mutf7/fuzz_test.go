package mutf7

import (
	"testing"
	"unicode/utf8"
)

// FuzzRoundTrip: what Decode accepts encodes back to the same bytes (the
// encoding is unique, RFC 3501 §5.1.3), and any valid UTF-8 survives
// Encode then Decode.
func FuzzRoundTrip(f *testing.F) {
	for _, s := range []string{
		"INBOX", "~peter/mail/&U,BTFw-/&ZeVnLIqe-", "&-", "&AGE-", "Entw&APw-rfe",
		"&2D3eAA-", "&", "&Jjo-&Jjo-", "&,,0-", "A&-B", "&AOk-&-&AOk-", "&AOk--x",
		"~peter.mail.台北.日本語", "€uro", "\U0001F600", "a\xffb", "&2D0AYQ-", "&3gA-",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if dec, err := Decode(s); err == nil {
			if !utf8.ValidString(dec) {
				t.Fatalf("Decode(%q) = %q, not UTF-8", s, dec)
			}
			if enc := Encode(dec); enc != s {
				t.Fatalf("Decode(%q) = %q, encodes back as %q", s, dec, enc)
			}
		}
		if utf8.ValidString(s) {
			enc := Encode(s)
			dec, err := Decode(enc)
			if err != nil || dec != s {
				t.Fatalf("Encode(%q) = %q, decodes as %q, %v", s, enc, dec, err)
			}
		}
	})
}
