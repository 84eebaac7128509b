package imap

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"strings"
	"testing"
	"unicode"
)

// Simple case folding is an equivalence: every rune of an orbit folds to
// the same rune, and runes of different orbits do not.
func TestFoldRuneOrbits(t *testing.T) {
	for r := rune(0); r < 0x20000; r++ { // no case mappings above U+1E943
		f := foldRune(r)
		if g := foldRune(unicode.SimpleFold(r)); g != f {
			t.Fatalf("fold(%U) = %U but fold(SimpleFold) = %U", r, f, g)
		}
		if foldRune(f) != f {
			t.Fatalf("fold(%U) = %U is not canonical", r, f)
		}
	}
	for _, c := range []struct {
		a, b string
		same bool
	}{
		{"abc", "ABC", true},
		{"k", "\u212a", true}, // KELVIN SIGN
		{"s", "ſ", true},      // LATIN SMALL LETTER LONG S
		{"été", "ÉTÉ", true},
		{"σοφία", "ΣΟΦΊΑ", true},
		{"ς", "Σ", true}, // final sigma
		{"straße", "STRASSE", false},
		{"i", "İ", false}, // no Turkish rules in simple folding
	} {
		if got := bytes.Equal(foldString(c.a), foldString(c.b)); got != c.same {
			t.Errorf("fold(%q) == fold(%q): %v, want %v", c.a, c.b, got, c.same)
		}
	}
}

// A match is found whatever the write boundaries, a UTF-8 sequence split
// between writes included; the matcher keeps only len(needle)-1 bytes.
func TestTextMatcherSplits(t *testing.T) {
	hay := "Grüße aus Köln, ÉTÉ 2024 \u212aelvin"
	for _, needle := range []string{"köln", "GRÜSSE"[:0] + "grüße", "été", "kelvin", "aus k", "2024 k"} {
		want := bytes.Contains(foldString(hay), foldString(needle))
		if !want {
			t.Fatalf("test needle %q not in hay", needle)
		}
		for i := 0; i <= len(hay); i++ {
			for j := i; j <= len(hay); j++ {
				var m textMatcher
				m.reset(foldString(needle))
				m.Write([]byte(hay[:i]))
				m.Write([]byte(hay[i:j]))
				m.Write([]byte(hay[j:]))
				m.flush()
				if !m.found {
					t.Fatalf("%q not found with writes split at %d, %d", needle, i, j)
				}
				if len(m.win) > len(foldString(hay)) {
					t.Fatalf("window grew to %d", len(m.win))
				}
			}
		}
	}
	var m textMatcher
	m.reset(foldString("absent"))
	m.Write([]byte(hay))
	m.flush()
	if m.found {
		t.Fatal("found a needle that is not there")
	}
	// restart: no match across parts.
	m.reset(foldString("ab"))
	m.Write([]byte("xa"))
	m.restart()
	m.Write([]byte("by"))
	if m.found {
		t.Fatal("matched across a restart")
	}
}

// mimeMsg returns a single-part message with the given content headers and
// body.
func mimeMsg(subject, ctype, cte, body string) string {
	h := "From: Test <t@example.org>\r\nSubject: " + subject + "\r\nMIME-Version: 1.0\r\nContent-Type: " + ctype + "\r\n"
	if cte != "" {
		h += "Content-Transfer-Encoding: " + cte + "\r\n"
	}
	return h + "\r\n" + body
}

func b64Lines(s string) string {
	enc := base64.StdEncoding.EncodeToString([]byte(s))
	var b strings.Builder
	for len(enc) > 76 {
		b.WriteString(enc[:76] + "\r\n")
		enc = enc[76:]
	}
	return b.String() + enc + "\r\n"
}

// searchTextMessages are the messages of TestSearchDecodedText, UIDs 1…n.
var searchTextMessages = []string{
	// 1: base64 UTF-8 (RFC 2045 §6.8)
	mimeMsg("b64", "text/plain; charset=utf-8", "base64", b64Lines("Grüße aus Köln\r\nzweite Zeile\r\n")),
	// 2: quoted-printable ISO-8859-1 with a soft line break inside a word (RFC 2045 §6.7)
	mimeMsg("qp", "text/plain; charset=ISO-8859-1", "quoted-printable", "Caf=E9 cr=E8me br=FB=\r\nl=E9e, voil=E0\r\n"),
	// 3: 8bit ISO-8859-1
	mimeMsg("latin1", "text/plain; charset=iso-8859-1", "8bit", "Stra\xdfe in M\xfcnchen\r\n"),
	// 4: RFC 2047 subject, plain ASCII body
	mimeMsg("=?utf-8?q?=C3=9Cbung_macht_den_Meister?=", "text/plain", "", "nothing here\r\n"),
	// 5: multipart: a text part in QP and a base64 attachment whose
	// decoded bytes hold the word; attachments are not searched.
	"Subject: multi\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=XX\r\n\r\n" +
		"--XX\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n" +
		"S=C3=BC=C3=9Fes Obst\r\n" +
		"--XX\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\n" +
		b64Lines("secretword in an attachment") +
		"--XX--\r\n",
	// 6: windows-1252 (via go-message/charset)
	mimeMsg("cp1252", "text/plain; charset=windows-1252", "8bit", "\x93quoted\x94 \x80 price\r\n"),
	// 7: raw base64 text that is not decoded would match "R3L"
	mimeMsg("undecoded", "text/plain", "base64", b64Lines("plain words only")),
}

// SEARCH BODY and TEXT match the decoded text (RFC 9051 §6.4.4); header
// keys match RFC 2047 decoded values (RFC 2047 §6.3).
func TestSearchDecodedText(t *testing.T) {
	ts := newTestServer(t, nil)
	for _, m := range searchTextMessages {
		ts.deliver(t, "u", "INBOX", m)
	}
	cl := login(t, ts.addr, "u")
	cl.ok("SELECT INBOX")
	lit := func(s string) string { return fmt.Sprintf("{%d+}\r\n%s", len(s), s) }
	for _, c := range []struct {
		rfc, key, want string
	}{
		{"RFC 2045 §6.8 base64, UTF-8", "BODY " + lit("grüsse"), ""}, // ß is not "ss" in simple folding
		{"RFC 2045 §6.8 base64, UTF-8", "BODY " + lit("GRÜSSE"[:0]+"GRÜßE"), "1"},
		{"RFC 2045 §6.8 base64, line break kept", "BODY " + lit("köln\r\nzweite"), "1"},
		{"RFC 2045 §6.7 QP ISO-8859-1", "BODY " + lit("CRÈME BRÛLÉE"), "2"},
		{"RFC 2045 §6.7 QP soft break inside a word", "BODY " + lit("brûlée"), "2"},
		{"RFC 2046 §4.1.2 8bit charset", "BODY " + lit("straße in münchen"), "3"},
		{"RFC 2046 §4.1.2 windows-1252", "BODY " + lit("“quoted” €"), "6"},
		{"RFC 2047 §6.3 subject", "SUBJECT " + lit("übung"), "4"},
		{"RFC 2047 §6.3 TEXT sees decoded header", "TEXT " + lit("ÜBUNG MACHT"), "4"},
		{"RFC 9051 §6.4.4 TEXT field name", "TEXT " + lit("subject: qp"), "2"},
		{"RFC 9051 §6.4.4 BODY skips the header", "BODY " + lit("übung"), ""},
		{"RFC 2046 §5.1 multipart text part", "BODY " + lit("süßes"), "5"},
		{"attachments are not text", "TEXT secretword", ""},
		{"encoded form does not match", "BODY cGxhaW4", ""},
		{"decoded form matches", "BODY \"WORDS ONLY\"", "7"},
		{"RFC 9051 §6.4.4 FROM", "FROM \"test <t@\"", "1 2 3 4 6 7"},
		{"RFC 9051 §6.4.4 HEADER empty string", "HEADER Content-Transfer-Encoding \"\"", "1 2 3 6 7"},
	} {
		lines := cl.ok("SEARCH CHARSET UTF-8 " + c.key)
		want := strings.TrimSpace("* SEARCH " + c.want)
		if len(lines) != 1 || lines[0] != want {
			t.Errorf("%s: SEARCH %q = %q, want %q", c.rfc, c.key, lines, want)
		}
	}
}

// A word across the boundary of two decoded chunks is found: the search
// slides a window instead of holding the part.
func TestSearchAcrossChunks(t *testing.T) {
	ts := newTestServer(t, nil)
	for _, off := range []int{textChunk - 3, textChunk - 1, textChunk, 3*textChunk - 5} {
		body := strings.Repeat("x", off) + "NeedleWord" + strings.Repeat("y", 100)
		ts.deliver(t, "u", "INBOX", mimeMsg("big", "text/plain; charset=utf-8", "base64", b64Lines(body)))
	}
	cl := login(t, ts.addr, "u")
	cl.ok("SELECT INBOX")
	if lines := cl.ok("SEARCH BODY needleword"); len(lines) != 1 || lines[0] != "* SEARCH 1 2 3 4" {
		t.Fatalf("got %q", lines)
	}
	if lines := cl.ok("SEARCH BODY needlewordy"); len(lines) != 1 || lines[0] != "* SEARCH 1 2 3 4" {
		t.Fatalf("got %q", lines)
	}
}

// SEARCH decomposes as Dovecot does: a base letter finds its accented
// forms, precomposed or not, and compatibility forms their plain spelling.
func TestFoldDecomposes(t *testing.T) {
	for _, x := range []struct {
		hay, needle string
		want        bool
	}{
		{"caf\u00e9", "cafe", true},
		{"cafe\u0301", "CAFÉ", true},
		{"caf\u00e9", "café", true},
		{"\ufb01le", "FILE", true},
		{"\u212aelvin", "kelvin", true},
		{"grüße", "GRÜSSE", false},
		{"cafe", "café", false},
	} {
		if got := containsFolded(x.hay, foldString(x.needle)); got != x.want {
			t.Errorf("%q in %q: %v, want %v", x.needle, x.hay, got, x.want)
		}
	}
}
