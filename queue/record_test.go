package queue

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/mailstack/mailstack/envelope"
)

func sampleRecord(t testing.TB) *Record {
	return &Record{
		ID:      "00000000000000AB-0123456789",
		Created: time.Unix(1700000000, 123456789),
		From:    mustPath(t, "<\"john doe\"@sender.test>"),
		Mail:    envelope.MailParams{Body: envelope.Body8BitMIME, Ret: envelope.ReturnHeaders, EnvID: "a b+c", SMTPUTF8: true},
		Size:    1234,
		Rcpts: []RcptRecord{
			{Path: mustPath(t, "<jöe@bücher.test>"), Params: envelope.RcptParams{Notify: envelope.NotifyFailure | envelope.NotifyDelay,
				ORCPT: &envelope.OriginalRecipient{AddrType: "utf-8", Addr: "jöe@bücher.test"}},
				State: StatePending, Attempts: 3, Next: time.Unix(1700000600, 0), LastReply: "451 4.3.0 \"quoted\"\tand tab", RemoteMTA: "mx.bücher.test", Warned: true},
			{Path: mustPath(t, "<Postmaster>"), State: StateDelivered, LastReply: "250 2.0.0 OK"},
			{Path: mustPath(t, "<x@y.test>"), State: StateFailed, Reported: true, LastReply: "connection refused\nsecond line"},
		},
	}
}

func TestRecordRoundTrip(t *testing.T) {
	r := sampleRecord(t)
	data := r.Marshal()
	back, err := ParseRecord(data)
	if err != nil {
		t.Fatalf("%v\n%s", err, data)
	}
	if string(back.Marshal()) != string(data) {
		t.Fatalf("round trip:\n%s\n%s", data, back.Marshal())
	}
	if !back.Created.Equal(r.Created) || back.Rcpts[0].Attempts != 3 || !back.Rcpts[0].Warned || back.Rcpts[2].LastReply != "connection refused\nsecond line" {
		t.Fatalf("%+v", back)
	}
}

func TestParseRecordErrors(t *testing.T) {
	good := string(sampleRecord(t).Marshal())
	cut := func(s string) string { return strings.TrimSuffix(s, "end\n") }
	tests := []struct {
		name, in string
	}{
		{"empty", ""},
		{"wrong magic", strings.Replace(good, "MAILSTACK-QUEUE 1", "MAILSTACK-QUEUE 2", 1)},
		{"truncated: no end line (a torn write)", cut(good)},
		{"truncated mid-line", good[:len(good)/2]},
		{"data after end", good + "id \"x\"\n"},
		{"duplicate key", strings.Replace(good, "size 1234\n", "size 1234\nsize 1\n", 1)},
		{"unknown key", strings.Replace(good, "size 1234\n", "color \"red\"\n", 1)},
		{"bad id: path traversal", strings.Replace(good, `id "00000000000000AB-0123456789"`, `id "../x"`, 1)},
		{"unquoted from", strings.Replace(good, `from "<\"john doe\"@sender.test>"`, `from <a@b>`, 1)},
		{"RFC 5321 bad reverse-path", strings.Replace(good, `from "<\"john doe\"@sender.test>"`, `from "<a@@b>"`, 1)},
		{"RFC 5321 §4.1.2 bad MAIL parameter", strings.Replace(good, `BODY=8BITMIME`, `BODY=9BIT`, 1)},
		{"negative size", strings.Replace(good, "size 1234", "size -1", 1)},
		{"bad state", strings.Replace(good, " delivered ", " lost ", 1)},
		{"bad flag", strings.Replace(good, " 0 0 false false ", " 0 0 maybe false ", 1)},
		{"missing recipient field", strings.Replace(good, ` "mx.bücher.test"`, ``, 1)},
		{"no recipients", "MAILSTACK-QUEUE 1\nid \"a\"\ncreated 1\nfrom \"<>\"\nmail \"\"\nsize 0\nend\n"},
		{"missing size", strings.Replace(good, "size 1234\n", "", 1)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseRecord([]byte(tc.in))
			var re *RecordError
			if !errors.Is(err, ErrRecordSyntax) || !errors.As(err, &re) {
				t.Fatalf("got %v", err)
			}
		})
	}
}

func TestParseRecordLimits(t *testing.T) {
	big := make([]byte, MaxRecordSize+1)
	if _, err := ParseRecord(big); !errors.Is(err, ErrRecordSyntax) {
		t.Fatalf("oversized: %v", err)
	}
	long := "MAILSTACK-QUEUE 1\nid \"" + strings.Repeat("a", MaxRecordLine) + "\"\nend\n"
	if _, err := ParseRecord([]byte(long)); !errors.Is(err, ErrRecordSyntax) {
		t.Fatalf("long line: %v", err)
	}
}

func TestBackoff(t *testing.T) {
	// Postfix-like: 5 min doubling, capped.
	p := RetryPolicy{MinBackoff: 5 * time.Minute, MaxBackoff: 4 * time.Hour}
	want := []time.Duration{5 * time.Minute, 10 * time.Minute, 20 * time.Minute, 40 * time.Minute, 80 * time.Minute, 160 * time.Minute, 4 * time.Hour, 4 * time.Hour}
	for i, w := range want {
		if got := p.Backoff(i + 1); got != w {
			t.Errorf("attempt %d: %v, want %v", i+1, got, w)
		}
	}
	if got := p.Backoff(1000); got != 4*time.Hour {
		t.Errorf("attempt 1000: %v", got)
	}
}
