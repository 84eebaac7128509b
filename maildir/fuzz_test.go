package maildir

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/mailstack/mailstack/store"
)

func FuzzInfo(f *testing.F) {
	for _, s := range []string{"1.M1P2.host", "1.M1P2.host,S=12:2,FS", "x:2,DFPRSTabz", "x:1,abc", "x:2,S,foo", ":", ":2,", "a:2,\xff"} {
		f.Add(s)
	}
	kw := make([]string, MaxKeywords)
	kw[0], kw[25] = "$Forwarded", "Last"
	f.Fuzz(func(t *testing.T, name string) {
		base, letters := SplitName(name)
		if strings.Contains(base, ":") || len(base)+len(letters) > len(name) {
			t.Fatalf("SplitName(%q) = %q, %q", name, base, letters)
		}
		flags := ParseFlags(letters, kw)
		// Formatting the parsed flags and parsing again is stable.
		l2 := FormatFlags(flags, letters, func(k string) byte { return letterOf(kw, k) })
		if again := ParseFlags(l2, kw); !store.SameFlags(again, flags) {
			t.Fatalf("flags %v → %q → %v", flags, l2, again)
		}
		for i := 1; i < len(l2); i++ {
			if l2[i] <= l2[i-1] {
				t.Fatalf("letters %q not in ASCII order", l2)
			}
		}
	})
}

func FuzzUIDList(f *testing.F) {
	f.Add([]byte("3 V1700000000 N5 G0123\n1 :a:2,S\n3 W12 :b\n"))
	f.Add([]byte("1 1234 3\n1 a\n2 b:2,S\n"))
	f.Add([]byte("3 V1\n4294967295 :x\n"))
	f.Add([]byte("3 V1 N0\n\n\n2 :torn"))
	f.Fuzz(func(t *testing.T, data []byte) {
		l, n, err := ParseUIDList(data)
		if err != nil {
			return
		}
		if n > len(data) {
			t.Fatalf("consumed %d of %d", n, len(data))
		}
		for i := 1; i < len(l.Records); i++ {
			if l.Records[i].UID <= l.Records[i-1].UID {
				t.Fatal("records not ascending")
			}
		}
		back, _, err := ParseUIDList(l.Bytes())
		if err != nil {
			t.Fatalf("re-parse of %q: %v", l.Bytes(), err)
		}
		if back.UIDValidity != l.UIDValidity || back.Next() != l.Next() || len(back.Records) != len(l.Records) {
			t.Fatalf("round trip changed %+v → %+v", l, back)
		}
		for i := range back.Records {
			if back.Records[i] != l.Records[i] {
				t.Fatalf("record %d: %+v → %+v", i, l.Records[i], back.Records[i])
			}
		}
	})
}

func FuzzFolderName(f *testing.F) {
	for _, s := range []string{"Sent", "Lists.Go", "~peter.mail.台北.日本語", "A&B", "&U,BTFw-", "&-", "a..b", "€uro", "\U0001F600"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if enc, err := EncodeFolderName(s); err == nil {
			if strings.ContainsAny(enc, "/\x00") || strings.HasPrefix(enc, ".") || strings.Contains(enc, "..") {
				t.Fatalf("EncodeFolderName(%q) = %q escapes", s, enc)
			}
			back, err := DecodeFolderName(enc)
			if err != nil || back != s {
				t.Fatalf("round trip %q → %q → %q, %v", s, enc, back, err)
			}
		}
		if dec, err := DecodeFolderName(s); err == nil {
			enc, err := EncodeFolderName(dec)
			if err != nil {
				t.Fatalf("decoded %q → %q does not encode: %v", s, dec, err)
			}
			if again, _ := DecodeFolderName(enc); again != dec {
				t.Fatalf("%q → %q → %q → %q", s, dec, enc, again)
			}
		}
	})
}

// FuzzCompareNames: the delivery order of file names (which decides UIDs)
// is a total order: antisymmetric, reflexive, and numeric in the
// <sec>.M<usec> and Q<n> parts, so M99 sorts before M100.
func FuzzCompareNames(f *testing.F) {
	for _, s := range [][2]string{
		{"1700000000.M99P7Q1.h,S=5", "1700000000.M100P7Q2.h,S=5"},
		{"1700000000.M5P1Q9.h", "1700000000.M5P2Q10.h"},
		{"99999999999999999999.M1P1Q1.h", "1.M99999999999999999999P1Q1.h"},
		{"1.M1P1Q1.h:2,S", "1.M1P1Q1.h:2,"},
		{"garbage", "1.M.PQ"},
		{"1700000000.V803I3a4M5.h", "1700000000.M5P1.h"},
	} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		ab, ba := compareNames(a, b), compareNames(b, a)
		if ab != -ba || (ab == 0) != (a == b) || compareNames(a, a) != 0 {
			t.Fatalf("compareNames(%q, %q) = %d, reversed %d", a, b, ab, ba)
		}
		// Numeric order: adding a digit's worth to the microseconds of a
		// well-formed name moves it later.
		x := fmt.Sprintf("1700000000.M%dP1Q1.h", len(a))
		y := fmt.Sprintf("1700000000.M%dP1Q1.h", len(a)*10+10)
		if compareNames(x, y) >= 0 {
			t.Fatalf("%s does not sort before %s", x, y)
		}
	})
}

// FuzzCacheFile reads any file as a cache file: what it serves is in the
// file (it passed its checks), and after one write the file is whole and
// serves that write.
func FuzzCacheFile(f *testing.F) {
	good := appendCacheHeader(nil, 7)
	good = appendRecord(good, 1, []byte("(envelope)"))
	good = appendRecord(good, 3, []byte("bodystructure"))
	f.Add(good)
	f.Add(good[:len(good)-4])                         // torn last record
	f.Add(append(append([]byte(nil), good...), 0xff)) // a stray byte
	f.Add(appendCacheHeader(nil, 9))                  // another UIDVALIDITY
	f.Add([]byte("mstkcach"))
	f.Add([]byte{})
	present := func() []store.UID { return []store.UID{1, 2, 3} }
	f.Fuzz(func(t *testing.T, data []byte) {
		path := filepath.Join(t.TempDir(), CacheName)
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		c := newMsgCache(path, 1<<20, present)
		defer stopCache(c)
		for u := store.UID(1); u <= 3; u++ {
			if b := c.get(7, u); b != nil && !bytes.Contains(data, b) {
				t.Fatalf("UID %d: %q is not in the file", u, b)
			}
		}
		if err := c.put(7, 2, []byte("new")); err != nil {
			t.Fatal(err)
		}
		c.mu.Lock()
		err := c.flush()
		c.mu.Unlock()
		if err != nil {
			t.Fatal(err)
		}
		d := newMsgCache(path, 1<<20, present)
		defer stopCache(d)
		if got := d.get(7, 2); string(got) != "new" || d.corrupt || d.off != d.size {
			t.Fatalf("after a write: %q, corrupt %v, %d of %d bytes read", got, d.corrupt, d.off, d.size)
		}
	})
}

// stopCache stops a cache's timer and closes its file.
func stopCache(c *msgCache) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.timer != nil {
		c.timer.Stop()
	}
	c.closeFile()
}

// FuzzJournal: any journal parses without panic, and what parses
// survives compaction: modseqs, flag letters and save dates.
func FuzzJournal(f *testing.F) {
	f.Add([]byte("mailstack-modseq 1 V1700000000 F0\n1 2 @1700000000 =S\n1 3 =FS\n2 4 -\n"))
	f.Add([]byte("mailstack-modseq 1 V1 F5\n7 9 @12 =\n7 10 =a b\n8 11 @x =S\n"))
	f.Add([]byte("mailstack-modseq 1 V1 F0\n3 4 @-1 =S\n3 5 @9 S\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		j := newJournal(0)
		if _, err := j.parse(data, true); err != nil {
			return
		}
		uids := make([]store.UID, 0, len(j.entries))
		for u := range j.entries {
			uids = append(uids, u)
		}
		slices.Sort(uids)
		k := newJournal(0)
		if _, err := k.parse(j.compacted(1<<20, uids), true); err != nil {
			t.Fatalf("compacted journal does not parse: %v", err)
		}
		for u, e := range j.entries {
			if k.entries[u] != e {
				t.Fatalf("UID %d: %+v after compaction, was %+v", u, k.entries[u], e)
			}
		}
	})
}
