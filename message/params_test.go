package message

import "testing"

func TestParseMediaType(t *testing.T) {
	type kv = [3]string // name, wire value, decoded
	cases := []struct {
		name, in, typ, sub string
		params             []kv
	}{
		{"RFC 2045 §5.1", `text/plain; charset=us-ascii (Plain text)`, "text", "plain", []kv{{"charset", "us-ascii", "us-ascii"}}},
		{"RFC 2045 §5.1 quoted", `text/plain; charset="us-ascii"`, "text", "plain", []kv{{"charset", "us-ascii", "us-ascii"}}},
		{"RFC 2046 §5.1.1", `multipart/mixed; boundary="simple boundary"`, "multipart", "mixed", []kv{{"boundary", "simple boundary", "simple boundary"}}},
		{"RFC 2231 §3", "message/external-body; access-type=URL;\r\n URL*0=\"ftp://\";\r\n URL*1=\"cs.utk.edu/pub/moore/bulk-mailer/bulk-mailer.tar\"",
			"message", "external-body", []kv{{"access-type", "URL", "URL"}, {"URL", "ftp://cs.utk.edu/pub/moore/bulk-mailer/bulk-mailer.tar", "ftp://cs.utk.edu/pub/moore/bulk-mailer/bulk-mailer.tar"}}},
		{"RFC 2231 §4", `application/x-stuff; title*=us-ascii'en-us'This%20is%20%2A%2A%2Afun%2A%2A%2A`, "application", "x-stuff",
			[]kv{{"title*", "us-ascii'en-us'This%20is%20%2A%2A%2Afun%2A%2A%2A", "This is ***fun***"}}},
		{"RFC 2231 §4.1", "application/x-stuff;\r\n title*0*=us-ascii'en'This%20is%20even%20more%20;\r\n title*1*=%2A%2A%2Afun%2A%2A%2A%20;\r\n title*2=\"isn't it!\"",
			"application", "x-stuff", []kv{{"title*", "us-ascii'en'This%20is%20even%20more%20%2A%2A%2Afun%2A%2A%2A%20isn%27t%20it!", "This is even more ***fun*** isn't it!"}}},
		{"RFC 2231 out of order", `text/plain; a*1=b; a*0=a`, "text", "plain", []kv{{"a", "ab", "ab"}}},
		{"RFC 2231 latin1", `attachment; filename*=iso-8859-1''caf%E9.txt`, "attachment", "", []kv{{"filename*", "iso-8859-1''caf%E9.txt", "café.txt"}}},
		{"RFC 2047 in quoted name", `application/pdf; name="=?utf-8?q?r=C3=A9sum=C3=A9.pdf?="`, "application", "pdf", []kv{{"name", "=?utf-8?q?r=C3=A9sum=C3=A9.pdf?=", "résumé.pdf"}}},
		{"unquoted space", `application/pdf; name=my file.pdf; x=1`, "application", "pdf", []kv{{"name", "my file.pdf", "my file.pdf"}, {"x", "1", "1"}}},
		{"junk and dup", `text/plain;; =x; charset=a; charset=b; bad`, "text", "plain", []kv{{"charset", "a", "a"}}},
		{"case kept", `Text/HTML; CharSet=UTF-8`, "Text", "HTML", []kv{{"CharSet", "UTF-8", "UTF-8"}}},
	}
	for _, c := range cases {
		var mt MediaType
		var err error
		if c.sub == "" {
			mt, err = ParseDisposition(c.in)
		} else {
			mt, err = ParseMediaType(c.in)
		}
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if mt.Type != c.typ || mt.Subtype != c.sub || len(mt.Params) != len(c.params) {
			t.Errorf("%s: got %+v", c.name, mt)
			continue
		}
		for i, p := range mt.Params {
			if p.WireName() != c.params[i][0] || p.Value != c.params[i][1] || p.Text() != c.params[i][2] {
				t.Errorf("%s: param %d = %q %q %q, want %q", c.name, i, p.WireName(), p.Value, p.Text(), c.params[i])
			}
		}
	}
	for _, bad := range []string{"", "text", "text/", "/plain", ";charset=x"} {
		if _, err := ParseMediaType(bad); err == nil {
			t.Errorf("ParseMediaType(%q) accepted", bad)
		}
	}
}

func TestFormatMediaType(t *testing.T) {
	mt := MediaType{Type: "attachment", Params: Params{{Name: "filename", Value: "Grüße.txt"}, {Name: "size", Value: "12"}, {Name: "note", Value: "a b"}}}
	s := FormatMediaType(mt)
	if s != `attachment; filename*=utf-8''Gr%C3%BC%C3%9Fe.txt; size=12; note="a b"` {
		t.Errorf("got %s", s)
	}
	back, err := ParseDisposition(s)
	if err != nil || back.Params.Get("filename") != "Grüße.txt" || back.Params.Get("NOTE") != "a b" {
		t.Errorf("round trip: %+v %v", back, err)
	}
}
