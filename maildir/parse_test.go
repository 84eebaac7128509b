package maildir

import (
	"errors"
	"slices"
	"testing"

	"github.com/mailstack/mailstack/store"
)

func TestSplitName(t *testing.T) {
	cases := []struct{ in, base, flags string }{
		{"1.M1P2.host", "1.M1P2.host", ""},                  // new/: no info yet (Maildir spec)
		{"1.M1P2.host,S=12:2,FS", "1.M1P2.host,S=12", "FS"}, // Maildir spec: ":2," then flags
		{"1.M1P2.host:2,", "1.M1P2.host", ""},
		{"1.M1P2.host:1,xyz", "1.M1P2.host", ""}, // experimental info version 1: no flags
		{"1.M1P2.host:2,S,extra", "1.M1P2.host", "S"},
	}
	for _, c := range cases {
		b, f := SplitName(c.in)
		if b != c.base || f != c.flags {
			t.Errorf("SplitName(%q) = %q, %q; want %q, %q", c.in, b, f, c.base, c.flags)
		}
	}
}

func TestFlags(t *testing.T) {
	kw := make([]string, MaxKeywords)
	kw[0], kw[2] = "$Forwarded", "Work"
	cases := []struct {
		letters string
		flags   []string
	}{
		// Maildir spec letters; Dovecot maildir-filename-flags.c mapping.
		{"DFRST", []string{store.FlagSeen, store.FlagAnswered, store.FlagFlagged, store.FlagDeleted, store.FlagDraft}},
		{"S", []string{store.FlagSeen}},
		{"Sac", []string{store.FlagSeen, "$Forwarded", "Work"}},
		{"Pb", nil}, // P is not an IMAP flag (Dovecot); b is undefined
	}
	for _, c := range cases {
		got := ParseFlags(c.letters, kw)
		if !store.SameFlags(got, c.flags) {
			t.Errorf("ParseFlags(%q) = %v, want %v", c.letters, got, c.flags)
		}
	}
	letter := func(k string) byte { return letterOf(kw, k) }
	if got := FormatFlags([]string{store.FlagSeen, "work", store.FlagDraft}, "PS", letter); got != "DPSc" {
		t.Errorf("FormatFlags kept/sorted = %q, want DPSc (ASCII order, P kept)", got)
	}
	if got := FormatFlags(nil, "Sa", letter); got != "" {
		t.Errorf("FormatFlags(nil) = %q", got)
	}
}

func TestParseUIDList(t *testing.T) {
	data := "3 V1700000000 N5 G0123456789abcdef0123456789abcdef\n" +
		"1 :1700000000.M1P1.host,S=10:2,S\n" +
		"3 W12 :1700000001.M2P1.host,S=10\n" +
		"4 :1700000002.M3P1.host,S=10:2,\n" +
		"7 :torn"
	l, n, err := ParseUIDList([]byte(data))
	if err != nil {
		t.Fatal(err)
	}
	if n != len(data)-len("7 :torn") || l.UIDValidity != 1700000000 || l.Next() != 5 || len(l.Records) != 3 {
		t.Fatalf("parsed %d bytes: %+v", n, l)
	}
	if l.Records[1].Ext != "W12" || l.Records[1].Name != "1700000001.M2P1.host,S=10" {
		t.Errorf("record 2 = %+v", l.Records[1])
	}
	// Appended records beyond N raise Next (Dovecot appends without
	// rewriting the header).
	if _, err := l.ParseRecords([]byte("9 :x\n"), 5); err != nil || l.Next() != 10 {
		t.Errorf("after append Next = %d, %v", l.Next(), err)
	}
	back, _, err := ParseUIDList(l.Bytes())
	if err != nil || len(back.Records) != 4 || back.Next() != 10 || back.HeaderExt[0] != l.HeaderExt[0] {
		t.Errorf("round trip: %+v, %v", back, err)
	}
	v1, _, err := ParseUIDList([]byte("1 1234 3\n1 a\n2 b:2,S\n"))
	if err != nil || v1.Version != 1 || len(v1.Records) != 2 || v1.Records[1].Name != "b:2,S" {
		t.Errorf("version 1: %+v, %v", v1, err)
	}
	for _, bad := range []string{"", "2 V1\n", "3 N4\n", "3 V1\n2 :a\n1 :b\n", "3 V1\n0 :a\n", "3 V1\nx :a\n",
		"3 V1\n1 :a/b\n", "3 V1\n1 noname\n"} {
		_, _, err := ParseUIDList([]byte(bad))
		var ue *UIDListError
		if !errors.As(err, &ue) {
			t.Errorf("ParseUIDList(%q) error = %v, want *UIDListError", bad, err)
		}
	}
}

func TestFolderNames(t *testing.T) {
	cases := []struct{ name, dir string }{
		// RFC 3501 §5.1.3 examples and Dovecot's on-disk form.
		{"Sent", "Sent"},
		{"Lists.Go", "Lists.Go"},
		{"~peter.mail.台北.日本語", "~peter.mail.&U,BTFw-.&ZeVnLIqe-"},
		{"A&B", "A&-B"},
		{"Entwürfe", "Entw&APw-rfe"},
	}
	for _, c := range cases {
		got, err := EncodeFolderName(c.name)
		if err != nil || got != c.dir {
			t.Errorf("EncodeFolderName(%q) = %q, %v; want %q", c.name, got, err, c.dir)
		}
		back, err := DecodeFolderName(c.dir)
		if err != nil || back != c.name {
			t.Errorf("DecodeFolderName(%q) = %q, %v", c.dir, back, err)
		}
	}
	for _, bad := range []string{"..", "a..b", ".x", "a/b", "INBOX", "x\ty"} {
		if _, err := EncodeFolderName(bad); !errors.Is(err, store.ErrInvalidName) {
			t.Errorf("EncodeFolderName(%q) = %v, want ErrInvalidName", bad, err)
		}
	}
	for _, bad := range []string{"&", "&AGE-", "&Jjo", "&Jjo!-", "&2D3-", "&AGEAYQ-"} {
		if _, err := DecodeFolderName(bad); err == nil {
			t.Errorf("DecodeFolderName(%q) succeeded", bad)
		}
	}
}

func TestKeywordsFile(t *testing.T) {
	kw := ParseKeywords([]byte("0 $Forwarded\n2 Work\nbad line\n30 Toolarge\n1 \\Seen\n"))
	if kw[0] != "$Forwarded" || kw[2] != "Work" || kw[1] != "" || len(kw) != MaxKeywords {
		t.Errorf("ParseKeywords = %q", kw)
	}
	if got := string(formatKeywords(kw)); got != "0 $Forwarded\n2 Work\n" {
		t.Errorf("formatKeywords = %q", got)
	}
	if !slices.Equal(ParseKeywords(formatKeywords(kw)), kw) {
		t.Error("keywords round trip")
	}
}

func TestHostname(t *testing.T) {
	// Maildir spec: '/' → \057 and ':' → \072.
	if got := hostname("a/b:c,d"); got != `a\057b\072c\054d` {
		t.Errorf("hostname = %q", got)
	}
}
