package queue

import (
	"testing"
)

// FuzzParseRecord: no input makes the parser panic or read past its
// limits, and whatever it accepts marshals to a record it reads back
// identically (parse → marshal → parse).
func FuzzParseRecord(f *testing.F) {
	f.Add(sampleRecord(f).Marshal())
	f.Add([]byte("MAILSTACK-QUEUE 1\nid \"a\"\ncreated 1\nfrom \"<>\"\nmail \"\"\nsize 0\nrcpt \"<a@b>\" \"\" pending 0 0 false false \"\" \"\"\nend\n"))
	f.Add([]byte("MAILSTACK-QUEUE 1\nid \"a\"\ncreated -1\nfrom \"<a@[IPv6:::1]>\"\nmail \"SIZE=1 SMTPUTF8 X-Y=z\"\nsize 5\nrcpt \"<Postmaster>\" \"ORCPT=rfc822;a+40b NOTIFY=NEVER\" failed 9 -5 true true \"\\x00\" \"h\"\nend\n"))
	f.Add([]byte("MAILSTACK-QUEUE 1\nid \"a\"\n"))
	f.Add([]byte("MAILSTACK-QUEUE 1\r\nend\r\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := ParseRecord(data)
		if err != nil {
			return
		}
		m := r.Marshal()
		r2, err := ParseRecord(m)
		if err != nil {
			t.Fatalf("marshalled record does not parse: %v\n%s", err, m)
		}
		if m2 := r2.Marshal(); string(m2) != string(m) {
			t.Fatalf("not stable:\n%s\n%s", m, m2)
		}
	})
}
