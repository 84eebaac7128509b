package imap

import (
	"fmt"
	"testing"
	"time"
)

// benchSortServer holds n messages in conversations of ten, each reply
// referencing the ones before it.
func benchSortServer(b *testing.B, n int, index bool) *client {
	ts, _ := sortTestServer(b, index)
	base := time.Date(2021, 3, 1, 0, 0, 0, 0, time.UTC)
	for i := 0; i < n; i++ {
		conv, refs := i/10, ""
		for j := conv * 10; j < i; j++ {
			refs += fmt.Sprintf(" <m%d@x.test>", j)
		}
		msg := fmt.Sprintf("Message-ID: <m%d@x.test>\r\nDate: %s\r\nSubject: %sTopic %d\r\nFrom: User %d <u%d@x.test>\r\n"+
			"To: list@x.test\r\nReferences:%s\r\n\r\nbody %d\r\n",
			i, base.Add(time.Duration(i)*time.Minute).Format(time.RFC1123Z), map[bool]string{true: "Re: "}[i%10 > 0],
			conv*7919%1000, i%97, i%97, refs, i)
		ts.deliverAt(b, "u", "INBOX", msg, base.Add(time.Duration(n-i)*time.Second))
	}
	c := login(b, ts.addr, "u")
	c.ok("SELECT INBOX")
	return c
}

// BenchmarkSort measures SORT and THREAD over 2000 messages: the first
// command reads every header (and fills the Server's cache with ENVELOPE
// and References), the measured ones are answered from the cache; with a
// store.HeaderIndex, THREAD=REFERENCES asks the index every time.
func BenchmarkSort(b *testing.B) {
	const n = 2000
	for _, bc := range []struct {
		name, cmd string
		index     bool
	}{
		{"SubjectDate/cached", "SORT (SUBJECT DATE) UTF-8 ALL", false},
		{"DisplayFrom/cached", "SORT (DISPLAYFROM) UTF-8 ALL", false},
		{"OrderedSubject/cached", "THREAD ORDEREDSUBJECT UTF-8 ALL", false},
		{"References/cached", "THREAD REFERENCES UTF-8 ALL", false},
		{"References/index", "THREAD REFERENCES UTF-8 ALL", true},
	} {
		b.Run(bc.name, func(b *testing.B) {
			c := benchSortServer(b, n, bc.index)
			c.ok(bc.cmd) // fills the cache
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				c.ok(bc.cmd)
			}
		})
	}
}
