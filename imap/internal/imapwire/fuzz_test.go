package imapwire

import (
	"bufio"
	"errors"
	"strings"
	"testing"
	"unicode/utf8"
)

func FuzzUTF7(f *testing.F) {
	for _, s := range []string{"INBOX", "~peter/mail/&U,BTFw-/&ZeVnLIqe-", "&-", "&AGE-", "Entw&APw-rfe", "&2D3eAA-", "&", "&Jjo-&Jjo-"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		// Decoding then encoding gives back the input: the encoding
		// is unique (RFC 3501 §5.1.3).
		if dec, err := DecodeUTF7(s); err == nil {
			if enc := EncodeUTF7(dec); enc != s {
				t.Fatalf("DecodeUTF7(%q) = %q, encodes back as %q", s, dec, enc)
			}
		}
		// Any valid UTF-8 round-trips.
		if utf8.ValidString(s) {
			enc := EncodeUTF7(s)
			dec, err := DecodeUTF7(enc)
			if err != nil || dec != s {
				t.Fatalf("EncodeUTF7(%q) = %q, decodes as %q, %v", s, enc, dec, err)
			}
		}
	})
}

func FuzzSeqSet(f *testing.F) {
	for _, s := range []string{"1", "1:*", "*:4,7", "2,4:7,9,12:*", "$", "0", "4294967295", "1,,2", "*"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		set, err := ParseSeqSet(s)
		if err != nil {
			return
		}
		again, err := ParseSeqSet(set.String())
		if err != nil || again.String() != set.String() {
			t.Fatalf("%q → %q → %q, %v", s, set.String(), again.String(), err)
		}
		for _, r := range set.Ranges {
			if lo, hi := r.Bounds(100); lo > hi {
				t.Fatalf("bounds %d > %d", lo, hi)
			}
		}
	})
}

// FuzzCommandParse drives the decoder the way a server does over
// arbitrary input: tag, command, then arguments of every kind, resyncing
// after each error. It must end (no hang) and respect its limits.
func FuzzCommandParse(f *testing.F) {
	for _, s := range []string{
		"a1 LOGIN alice secret\r\n",
		"a2 SELECT \"Entw&APw-rfe\"\r\n",
		"a3 FETCH 1:* (FLAGS BODY.PEEK[HEADER.FIELDS (From)]<0.100>)\r\n",
		"a4 APPEND INBOX (\\Seen) \" 7-Feb-1994 21:52:25 -0800\" {5+}\r\nhello\r\n",
		"a5 UID SEARCH CHARSET UTF-8 OR (FROM {3}\r\nbob) SINCE 1-Feb-1994\r\n",
		"a6 X {99999999999}\r\n",
		"((((((((((((((((((((((((((((((((((((((((\r\n",
		"a7 STORE $ +FLAGS.SILENT (\\Deleted)\r\n",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		d := NewDecoder(bufio.NewReaderSize(strings.NewReader(in), 16), Limits{MaxCommand: 512, MaxDepth: 8})
		// Every command consumes at least one octet, so len(in)+1 rounds
		// reach the end of any input that does not hang the decoder.
		for i := 0; i <= len(in)+1; i++ {
			d.Reset()
			parseAny(d)
			if err := d.Err(); err != nil && !IsSyntax(err) && !errors.Is(err, ErrLiteralTooBig) &&
				!errors.Is(err, ErrCommandTooLong) && !errors.Is(err, ErrTooDeep) {
				return // end of input
			}
			if d.Discard() != nil {
				return
			}
		}
		t.Fatal("decoder did not reach the end of the input")
	})
}

// parseAny reads a command of arbitrary shape: every argument kind.
func parseAny(d *Decoder) {
	var s string
	if !d.ExpectTag(&s) || !d.ExpectSP() || !d.ExpectAtom(&s) {
		return
	}
	for d.SP() {
		var set SeqSet
		var flags []string
		switch c, _ := d.peek(); {
		case c == '(':
			d.ExpectFlagList(&flags)
		case c >= '0' && c <= '9' || c == '$':
			d.ExpectSeqSet(&set)
		case c == '{' || c == '~':
			if r, n, _, ok := d.ExpectLiteralReader(64); ok && n > 64 {
				panic("literal over its limit")
			} else if ok {
				buf := make([]byte, 8)
				r.Read(buf)
			}
		default:
			d.ExpectMailbox(&s)
		}
		if d.Err() != nil {
			return
		}
	}
	d.ExpectCRLF()
}
