package envelope

import (
	"io"
	"net/netip"
	"strings"
	"time"
	"unicode/utf8"
)

// receivedLineWidth is where Received folds: RFC 5322 §2.1.1 asks for
// lines of at most 78 characters.
const receivedLineWidth = 78

// Caps on the octets of each Received input, applied before escaping, so
// no single unbreakable word can push a line past RFC 5322 §2.1.1's hard
// limit of 998 characters even when every octet is escaped.
const (
	maxReceivedName    = 255 // HELO, host names: RFC 5321 §4.5.3.1.2
	maxReceivedID      = 255
	maxReceivedMailbox = 320 // RFC 5321 §4.5.3.1.1 and .2 plus "@"
	maxReceivedComment = 400
)

// WithProtocol describes how a message arrived, to name the WITH protocol
// of a Received field (RFC 3848 §2, RFC 6531 §3.7.3).
type WithProtocol struct {
	LMTP  bool // LMTP (RFC 2033) rather than SMTP
	ESMTP bool // the client greeted with EHLO (LMTP always does, with LHLO)
	TLS   bool // the session ran over TLS (STARTTLS or implicit)
	Auth  bool // the client authenticated with AUTH
	UTF8  bool // the transaction used SMTPUTF8 (implies ESMTP)
}

// Name returns the registered protocol name: SMTP, ESMTP, ESMTPA, ESMTPS,
// ESMTPSA, LMTP, LMTPA, LMTPS, LMTPSA (RFC 3848) or their UTF8 forms
// UTF8SMTP ... UTF8LMTPSA (RFC 6531 §3.7.3). A HELO session is plain SMTP
// whatever else happened, since RFC 3848 names no SMTP variants.
func (p WithProtocol) Name() string {
	var name string
	switch {
	case p.LMTP:
		name = "LMTP"
	case p.ESMTP || p.UTF8:
		name = "ESMTP"
	default:
		return "SMTP"
	}
	if p.UTF8 {
		// UTF8SMTP, not UTF8ESMTP: RFC 6531 §3.7.3.
		name = "UTF8" + strings.TrimPrefix(name, "E")
	}
	if p.TLS {
		name += "S"
	}
	if p.Auth {
		name += "A"
	}
	return name
}

// Received builds a Received trace header field (RFC 5321 §4.4, RFC 5322
// §3.6.7), such as
//
//	Received: from client.example (rdns.example [192.0.2.1])
//		by mx.example.org with ESMTPS id 4Ab3;
//		Mon, 2 Jan 2006 15:04:05 +0000
//
// Every field may hold hostile client input (the HELO name above all):
// String escapes or replaces whatever could end the field early, open a
// comment or quoted string that swallows the rest, or smuggle 8-bit text,
// so the output is always exactly one well-formed header field.
type Received struct {
	// FromHelo is the HELO/EHLO/LHLO argument as the client sent it. When
	// it is not a plain domain or address literal it goes into the comment
	// as helo=... and the FROM domain becomes FromHost or the IP literal.
	FromHelo string
	// FromHost is the client's verified reverse DNS name; empty if none.
	FromHost string
	// FromIP is the client's address; the zero Addr omits it.
	FromIP netip.Addr
	// By is the receiving host's name (RFC 5321 §4.4 By-domain).
	By string
	// With is the protocol, usually WithProtocol.Name(); empty omits it.
	With string
	// ID is the queue or message identifier; empty omits it. Characters
	// outside atext are replaced with "?".
	ID string
	// For is the recipient written as FOR <address>; nil omits it. RFC
	// 5321 §4.4 allows exactly one path here; set it only when the
	// transaction had one recipient, so others stay undisclosed.
	For *Address
	// TLS is an optional comment about the TLS session, such as
	// "version=TLS1.3 cipher=TLS_AES_128_GCM_SHA256"; empty omits it.
	TLS string
	// Date is the time the message was received; the zero Time means
	// time.Now().
	Date time.Time
	// UTF8 allows UTF-8 in comments and in the FOR address, as RFC 6532
	// permits for messages that travel with SMTPUTF8. When false, every
	// octet outside ASCII is replaced with "?".
	UTF8 bool
}

// String returns the header field, folded at 78 characters where possible
// and ending in CRLF.
func (r Received) String() string {
	var f folder
	f.word("Received:")
	r.fromClause(&f)
	if r.TLS != "" {
		f.comment(truncate(r.TLS, maxReceivedComment), r.UTF8)
	}
	if r.By != "" {
		f.word("by " + sanitizeDomain(truncate(r.By, maxReceivedName)))
	}
	if r.With != "" {
		f.word("with " + sanitizeAtom(truncate(r.With, maxReceivedName)))
	}
	if r.ID != "" {
		f.word("id " + sanitizeAtom(truncate(r.ID, maxReceivedID)))
	}
	if r.For != nil {
		f.word("for <" + sanitizeMailbox(truncate(r.For.String(), maxReceivedMailbox), r.UTF8) + ">")
	}
	date := r.Date
	if date.IsZero() {
		date = time.Now()
	}
	f.appendToLast(";")
	// RFC 5322 §3.3 date-time; the day is not zero-padded, like Postfix.
	f.word(date.Format("Mon, 2 Jan 2006 15:04:05 -0700"))
	return f.String()
}

// WriteTo writes String() to w, implementing io.WriterTo.
func (r Received) WriteTo(w io.Writer) (int64, error) {
	n, err := io.WriteString(w, r.String())
	return int64(n), err
}

// fromClause writes RFC 5321 §4.4 From-domain: "FROM" Extended-Domain,
// where the comment carries TCP-info: [reverse name] address-literal.
func (r Received) fromClause(f *folder) {
	helo := truncate(strings.TrimSpace(r.FromHelo), maxReceivedName)
	lit := ""
	if r.FromIP.IsValid() {
		lit = addressLiteral(r.FromIP)
	}
	host := sanitizeDomain(truncate(r.FromHost, maxReceivedName))
	var info []string
	from := helo
	if !isPlainDomain(helo) {
		from = host
		if from == "" {
			from = lit
		}
		if helo != "" {
			info = append(info, "helo="+helo)
			if from == "" {
				from = "unknown"
			}
		}
	}
	if from == "" {
		return
	}
	if host != "" && host != from {
		info = append(info, host)
	}
	if lit != "" && lit != from {
		info = append(info, lit)
	}
	f.word("from " + from)
	if len(info) > 0 {
		f.comment(strings.Join(info, " "), r.UTF8)
	}
}

// truncate cuts s to at most n octets at a UTF-8 character boundary.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// addressLiteral formats ip as an RFC 5321 §4.1.3 address literal.
func addressLiteral(ip netip.Addr) string {
	ip = ip.Unmap().WithZone("")
	if ip.Is4() {
		return "[" + ip.String() + "]"
	}
	return "[IPv6:" + ip.String() + "]"
}

// isPlainDomain reports whether s can stand as the FROM domain: letters,
// digits, "-", "_" (common in real HELO names) and dots, or an address
// literal of hex digits, dots and colons.
func isPlainDomain(s string) bool {
	if s == "" || len(s) > 255 {
		return false
	}
	if s[0] == '[' {
		return isAddressLiteralText(s)
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !isAlnum(c) && c != '-' && c != '_' && c != '.' {
			return false
		}
	}
	return true
}

func isAddressLiteralText(s string) bool {
	if len(s) < 3 || s[len(s)-1] != ']' {
		return false
	}
	inner := strings.TrimPrefix(s[1:len(s)-1], "IPv6:")
	if inner == "" {
		return false
	}
	for i := 0; i < len(inner); i++ {
		c := inner[i]
		if !isDigit(c) && !(c >= 'a' && c <= 'f') && !(c >= 'A' && c <= 'F') && c != '.' && c != ':' {
			return false
		}
	}
	return true
}

// sanitizeDomain replaces characters that cannot appear in a domain or
// address literal with "?".
func sanitizeDomain(s string) string {
	return replaceBytes(s, func(c byte) bool {
		return isAlnum(c) || strings.IndexByte("-_.[]:", c) >= 0
	})
}

// sanitizeAtom keeps RFC 5322 atext and replaces the rest with "?".
func sanitizeAtom(s string) string {
	return replaceBytes(s, isAtext)
}

// sanitizeMailbox keeps what is safe inside <...> in a header: atext, ".",
// "@", and the brackets and colon of address literals, plus UTF-8 when
// allowed. Quotes, backslashes, spaces, parentheses, angle brackets and
// ";" are replaced with "?": an unbalanced quote or parenthesis would
// swallow the rest of the field, date included.
func sanitizeMailbox(s string, allowUTF8 bool) string {
	if allowUTF8 {
		var b strings.Builder
		for i := 0; i < len(s); {
			r, size := utf8.DecodeRuneInString(s[i:])
			switch {
			case r < utf8.RuneSelf && isMailboxByte(byte(r)),
				r >= utf8.RuneSelf && printableNonASCII(r, size):
				b.WriteString(s[i : i+size])
			default:
				b.WriteByte('?')
			}
			i += size
		}
		return b.String()
	}
	return replaceBytes(s, isMailboxByte)
}

func isMailboxByte(c byte) bool {
	return isAtext(c) || strings.IndexByte(".@[]:", c) >= 0
}

// replaceBytes replaces every byte that keep rejects with "?"; bytes of
// multi-byte UTF-8 characters are each replaced.
func replaceBytes(s string, keep func(byte) bool) string {
	b := []byte(s)
	for i, c := range b {
		if c >= utf8.RuneSelf || !keep(c) {
			b[i] = '?'
		}
	}
	return string(b)
}

// commentText escapes s for use inside an RFC 5322 §3.2.2 comment:
// "(", ")" and "\" become quoted-pairs; control characters (C0, DEL, C1),
// invalid UTF-8, and any non-ASCII unless allowUTF8, become "?". Runs of
// white space become one space, so folding points are only where this
// package puts them.
func commentText(s string, allowUTF8 bool) string {
	var b strings.Builder
	space := false
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == ' ' || r == '\t' || r == '\r' || r == '\n' {
			space = true
			i += size
			continue
		}
		if space && b.Len() > 0 {
			b.WriteByte(' ')
		}
		space = false
		switch {
		case r == '(' || r == ')' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r < 32 || r == 127:
			b.WriteByte('?')
		case r >= utf8.RuneSelf:
			if allowUTF8 && printableNonASCII(r, size) {
				b.WriteString(s[i : i+size])
			} else {
				b.WriteByte('?')
			}
		default:
			b.WriteRune(r)
		}
		i += size
	}
	return b.String()
}

// printableNonASCII reports whether a decoded non-ASCII rune is valid
// UTF-8 and not a C1 control character.
func printableNonASCII(r rune, size int) bool {
	return !(r == utf8.RuneError && size == 1) && r > 0x9f
}

// folder joins words with spaces, starting a continuation line (CRLF TAB)
// before a word that would pass receivedLineWidth. A word is a whole
// clause such as "by mx.example.org", so clauses are never split, and
// the first word after the field name stays on its line.
type folder struct {
	b       strings.Builder
	lineLen int
	words   int
}

func (f *folder) word(w string) {
	f.words++
	switch {
	case f.words == 1:
	case f.words > 2 && f.lineLen+1+utf8.RuneCountInString(w) > receivedLineWidth:
		f.b.WriteString("\r\n\t")
		f.lineLen = 1
	default:
		f.b.WriteByte(' ')
		f.lineLen++
	}
	f.b.WriteString(w)
	f.lineLen += utf8.RuneCountInString(w)
}

// appendToLast appends s to the last word without a space.
func (f *folder) appendToLast(s string) {
	f.b.WriteString(s)
	f.lineLen += len(s)
}

// comment writes "(text)" as one word when it fits on a line, else split
// at its spaces so it can fold (RFC 5322 §3.2.2 allows FWS in comments).
func (f *folder) comment(text string, allowUTF8 bool) {
	c := "(" + commentText(text, allowUTF8) + ")"
	if utf8.RuneCountInString(c) < receivedLineWidth {
		f.word(c)
		return
	}
	words := strings.Split(c[1:len(c)-1], " ")
	words[0] = "(" + words[0]
	words[len(words)-1] += ")"
	for _, w := range words {
		f.word(w)
	}
}

func (f *folder) String() string {
	return f.b.String() + "\r\n"
}
