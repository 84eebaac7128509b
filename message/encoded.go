package message

import (
	"bytes"
	"encoding/base64"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/emersion/go-message/charset"
)

// DecodeText decodes RFC 2047 encoded words in unstructured text (RFC 2047
// §5 (1)) and returns valid UTF-8. It is lenient as real mail requires:
// white space between adjacent encoded words is dropped (§6.2), adjacent
// words in one charset are joined before conversion so that a character split
// across words survives, encoded words touching other text are decoded too,
// and a word in an unknown charset is left as written. Raw 8-bit bytes that
// are not UTF-8 (RFC 6532) become U+FFFD.
func DecodeText(b []byte) string {
	if bytes.Index(b, []byte("=?")) < 0 {
		return validUTF8(b)
	}
	var out strings.Builder
	out.Grow(len(b))
	var pend pending
	i, lit := 0, 0 // lit: start of text not yet copied
	for i < len(b) {
		j := bytes.Index(b[i:], []byte("=?"))
		if j < 0 {
			break
		}
		j += i
		w, n, ok := parseEncodedWord(b[j:])
		if !ok {
			i = j + 2
			continue
		}
		between := b[lit:j]
		if !(pend.active && isAllWSP(between)) {
			pend.flush(&out)
			out.WriteString(validUTF8(between))
		}
		pend.add(&out, w)
		i = j + n
		lit = i
	}
	pend.flush(&out)
	out.WriteString(validUTF8(b[lit:]))
	return out.String()
}

// decodeTextString is DecodeText for a string; text without encoded words
// and valid UTF-8 is returned as it is, without a copy.
func decodeTextString(s string) string {
	if !strings.Contains(s, "=?") && utf8.ValidString(s) {
		return s
	}
	return DecodeText([]byte(s))
}

func validUTF8(b []byte) string {
	if utf8.Valid(b) {
		return string(b)
	}
	return strings.ToValidUTF8(string(b), "\uFFFD")
}

func isAllWSP(b []byte) bool {
	for _, c := range b {
		if c != ' ' && c != '\t' && c != '\r' && c != '\n' {
			return false
		}
	}
	return true
}

// encodedWord is one decoded-to-bytes RFC 2047 word.
type encodedWord struct {
	charset string // lower case, RFC 2231 language suffix removed
	data    []byte // decoded bytes in charset
	raw     []byte // the word as written, for unknown charsets
}

// pending joins adjacent words of one charset before conversion.
type pending struct {
	active  bool
	charset string
	data    []byte
	raws    [][]byte
}

func (p *pending) add(out *strings.Builder, w encodedWord) {
	if p.active && p.charset != w.charset {
		p.flush(out)
	}
	p.active = true
	p.charset = w.charset
	p.data = append(p.data, w.data...)
	p.raws = append(p.raws, w.raw)
}

func (p *pending) flush(out *strings.Builder) {
	if !p.active {
		return
	}
	if s, ok := decodeCharset(p.charset, p.data); ok {
		out.WriteString(s)
	} else {
		// Unknown charset: keep the words as written, which loses nothing.
		for i, r := range p.raws {
			if i > 0 {
				out.WriteByte(' ')
			}
			out.WriteString(validUTF8(r))
		}
	}
	p.active, p.data, p.raws = false, p.data[:0], p.raws[:0]
}

// parseEncodedWord parses "=?charset?E?text?=" at the start of b (RFC 2047
// §2) and returns the word and its length.
func parseEncodedWord(b []byte) (encodedWord, int, bool) {
	var w encodedWord
	q1 := bytes.IndexByte(b[2:], '?')
	if q1 <= 0 || q1 > 64 {
		return w, 0, false
	}
	q1 += 2
	cs := b[2:q1]
	if bytes.ContainsAny(cs, " \t\r\n()<>@,;:\"/[]=") {
		return w, 0, false
	}
	if len(b) < q1+3 || b[q1+2] != '?' {
		return w, 0, false
	}
	enc := b[q1+1] | 0x20
	text := b[q1+3:]
	end := bytes.Index(text, []byte("?="))
	if end < 0 || bytes.ContainsAny(text[:end], " \t\r\n") {
		return w, 0, false
	}
	text = text[:end]
	if star := bytes.IndexByte(cs, '*'); star >= 0 {
		cs = cs[:star] // RFC 2231 §5 language suffix
	}
	w.charset = strings.ToLower(string(cs))
	w.raw = b[:q1+3+end+2]
	switch enc {
	case 'q':
		w.data = decodeQ(text)
	case 'b':
		d, ok := decodeB(text)
		if !ok {
			return w, 0, false
		}
		w.data = d
	default:
		return w, 0, false
	}
	return w, len(w.raw), true
}

// decodeQ decodes the "Q" encoding (RFC 2047 §4.2); a malformed escape is
// kept literally.
func decodeQ(s []byte) []byte {
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '_':
			out = append(out, ' ')
		case c == '=' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]):
			out = append(out, unhex(s[i+1])<<4|unhex(s[i+2]))
			i += 2
		default:
			out = append(out, c)
		}
	}
	return out
}

// decodeB decodes the "B" encoding (RFC 2047 §4.1), tolerating missing padding.
func decodeB(s []byte) ([]byte, bool) {
	s = bytes.TrimRight(s, "=")
	out := make([]byte, base64.RawStdEncoding.DecodedLen(len(s)))
	n, err := base64.RawStdEncoding.Decode(out, s)
	if err != nil {
		return nil, false
	}
	return out[:n], true
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case c <= '9':
		return c - '0'
	case c >= 'a':
		return c - 'a' + 10
	default:
		return c - 'A' + 10
	}
}

// decodeCharset converts b from the named charset to UTF-8.
func decodeCharset(cs string, b []byte) (string, bool) {
	switch cs {
	case "utf-8", "utf8", "us-ascii", "ascii", "":
		return validUTF8(b), true
	case "iso-8859-1", "latin1":
		return latin1(b), true
	}
	r, err := charset.Reader(cs, bytes.NewReader(b))
	if err != nil {
		return "", false
	}
	d, err := io.ReadAll(io.LimitReader(r, int64(len(b))*4+16))
	if err != nil {
		return "", false
	}
	return validUTF8(d), true
}

func latin1(b []byte) string {
	var sb strings.Builder
	sb.Grow(len(b) * 2)
	for _, c := range b {
		sb.WriteRune(rune(c))
	}
	return sb.String()
}

// EncodeText returns s ready for an unstructured header field or a phrase
// (RFC 2047 §5 (1) and (3)): unchanged when it is printable ASCII, otherwise
// with each run of words that holds non-ASCII (or text that would look like an
// encoded word, or a word longer than a folded line can hold) replaced by
// UTF-8 encoded words of at most 75 characters (§2), in Q or B encoding,
// whichever is shorter.
func EncodeText(s string) string {
	if !needsEncoding(s) && !hasLongRun(s) {
		return s
	}
	return encodeRuns(splitWSP(s), wordNeedsEncoding)
}

// encodeRuns writes words back, each run of consecutive words for which
// encode is true replaced by encoded words. The white space between the
// words of a run goes inside the encoded words, since decoding drops white
// space between encoded words (RFC 2047 §6.2).
func encodeRuns(words []wspWord, encode func(word string) bool) string {
	var out strings.Builder
	for i := 0; i < len(words); {
		if !encode(words[i].text) {
			out.WriteString(words[i].ws)
			out.WriteString(words[i].text)
			i++
			continue
		}
		j := i + 1
		for j < len(words) && encode(words[j].text) {
			j++
		}
		var run strings.Builder
		for k := i; k < j; k++ {
			if k > i {
				run.WriteString(words[k].ws)
			}
			run.WriteString(words[k].text)
		}
		out.WriteString(words[i].ws)
		appendEncodedWords(&out, run.String())
		i = j
	}
	return out.String()
}

type wspWord struct{ ws, text string }

func splitWSP(s string) []wspWord {
	var ws []wspWord
	for len(s) > 0 {
		i := 0
		for i < len(s) && (s[i] == ' ' || s[i] == '\t') {
			i++
		}
		j := i
		for j < len(s) && s[j] != ' ' && s[j] != '\t' {
			j++
		}
		ws = append(ws, wspWord{s[:i], s[i:j]})
		s = s[j:]
	}
	return ws
}

// wordNeedsEncoding reports a word EncodeText must encode: one that is not
// printable ASCII, or too long to fit on a folded line (RFC 5322 §2.1.1).
func wordNeedsEncoding(w string) bool { return needsEncoding(w) || len(w) > maxRun }

func needsEncoding(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 0x7f || (c < ' ' && c != '\t') {
			return true
		}
	}
	return strings.Contains(s, "=?")
}

// qSafe are the characters a Q-encoded word may carry as themselves in any
// context, phrases included (RFC 2047 §5 (3)).
func qSafe(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
		c == '!' || c == '*' || c == '+' || c == '-' || c == '/'
}

const maxEncodedWord = 75 // RFC 2047 §2

// appendEncodedWords writes s as space-separated UTF-8 encoded words, never
// splitting a character (RFC 2047 §5).
func appendEncodedWords(out *strings.Builder, s string) {
	qLen := 0
	for i := 0; i < len(s); i++ {
		if qSafe(s[i]) || s[i] == ' ' {
			qLen++
		} else {
			qLen += 3
		}
	}
	useB := base64.StdEncoding.EncodedLen(len(s)) < qLen
	const prefix = "=?utf-8?q?"
	room := maxEncodedWord - len(prefix) - 2
	first := true
	for len(s) > 0 {
		n, size := 0, 0 // bytes of s taken, encoded size
		for n < len(s) {
			_, rl := utf8.DecodeRuneInString(s[n:])
			var add int
			if useB {
				add = base64.StdEncoding.EncodedLen(n+rl) - size
			} else {
				add = qRuneLen(s[n : n+rl])
			}
			if size+add > room && n > 0 {
				break
			}
			size += add
			n += rl
		}
		if !first {
			out.WriteByte(' ')
		}
		first = false
		if useB {
			out.WriteString("=?utf-8?b?")
			out.WriteString(base64.StdEncoding.EncodeToString([]byte(s[:n])))
		} else {
			out.WriteString(prefix)
			writeQ(out, s[:n])
		}
		out.WriteString("?=")
		s = s[n:]
	}
}

func qRuneLen(r string) int {
	if len(r) == 1 && (qSafe(r[0]) || r[0] == ' ') {
		return 1
	}
	return 3 * len(r)
}

func writeQ(out *strings.Builder, s string) {
	const hexdig = "0123456789ABCDEF"
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == ' ':
			out.WriteByte('_')
		case qSafe(c):
			out.WriteByte(c)
		default:
			out.WriteByte('=')
			out.WriteByte(hexdig[c>>4])
			out.WriteByte(hexdig[c&15])
		}
	}
}
