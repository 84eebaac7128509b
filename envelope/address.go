package envelope

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Address is an SMTP mailbox (RFC 5321 §4.1.2 "Mailbox"): a local part and a
// domain. Local holds the local part's value with any quoting removed;
// Domain holds the domain as written, or an address literal with its
// brackets, such as "[192.0.2.1]" or "[IPv6:2001:db8::1]".
//
// The zero Address is the empty mailbox of the null reverse-path. An
// Address with an empty Domain appears only as the special forward-path
// <Postmaster> (RFC 5321 §4.1.1.3).
type Address struct {
	Local  string
	Domain string
}

// ParseOptions say what the parsers accept. The zero value is strict
// RFC 5321 in ASCII.
type ParseOptions struct {
	// UTF8 permits UTF-8 in local parts and U-labels in domains, as
	// RFC 6531 §3.3 allows once SMTPUTF8 is in effect for the transaction.
	// Default false: non-ASCII input is refused with ErrNeedsSMTPUTF8.
	// A-labels ("xn--...") are ASCII and need no option.
	UTF8 bool
	// AllowBareAddress makes the path parsers accept a mailbox without its
	// angle brackets ("MAIL FROM:user@example.com"), which RFC 5321 §4.1.2
	// forbids but some old clients send. Default false: brackets required.
	// The null path must always be written "<>". Tolerating a space after
	// the colon of MAIL FROM: is the command addrParser's business, not this one's.
	AllowBareAddress bool
}

// ParseAddress parses a mailbox as it appears in an SMTP path, without the
// angle brackets: "user@example.com", "\"john doe\"@example.com",
// "user@[192.0.2.1]", "user@[IPv6:2001:db8::1]" (RFC 5321 §4.1.2, §4.1.3).
//
// Local parts are dot-strings or quoted-strings; Address.Local receives the
// value with quotes and backslashes removed. Domains must be valid host
// names (see CheckDomain); address literals hold an IPv4 address or an
// "IPv6:"-tagged IPv6 address, and General-address-literals are refused
// (see ParseAddressLiteral). The local part may hold at most 64 octets and
// the domain 255, as written (RFC 5321 §4.5.3.1). With opts.UTF8, the local
// part may hold UTF-8 and the domain U-labels (RFC 6531 §3.3).
//
// The error is a *SyntaxError of Kind "address".
func ParseAddress(s string, opts ParseOptions) (Address, error) {
	p := addrParser{s: s, utf8: opts.UTF8, kind: "address"}
	a, err := p.mailbox()
	if err != nil {
		return Address{}, err
	}
	if p.pos != len(s) {
		return Address{}, p.unexpected("domain")
	}
	return a, nil
}

// String formats the address as SMTP writes it: the local part bare when it
// is a dot-string, otherwise as a quoted-string with '"' and '\' escaped
// (RFC 5321 §4.1.2), then "@" and the domain. The zero Address formats as
// "", and an Address without a Domain as its local part alone.
//
// For an address ParseAddress returned, String is never longer than the
// input and parses back to the same Address. For a hand-built one, String
// never emits characters that could end or split a command line or header
// field: control characters and invalid UTF-8 become '?', as does anything
// in Domain that no domain or address literal holds; use Validate to check.
func (a Address) String() string {
	if a.Local == "" && a.Domain == "" {
		return ""
	}
	local := formatLocal(a.Local)
	if a.Domain == "" {
		return local
	}
	return local + "@" + safeDomain(a.Domain)
}

// Validate reports whether a, written as String writes it, is a mailbox
// that ParseAddress accepts under opts and that parses back to a. The error
// is a *SyntaxError.
func (a Address) Validate(opts ParseOptions) error {
	b, err := ParseAddress(a.String(), opts)
	if err != nil {
		return err
	}
	if b != a {
		return &SyntaxError{Kind: "address", Reason: "address holds characters SMTP cannot carry"}
	}
	return nil
}

// Equal reports whether a and b are the same mailbox. Domains compare as
// EqualDomain does (case-insensitively, U-label equal to A-label). Local
// parts compare exactly, since RFC 5321 §2.4 leaves their case to the
// receiving host, except "postmaster", which is case-insensitive
// (RFC 5321 §4.5.1).
func (a Address) Equal(b Address) bool {
	if a.Domain != b.Domain && !EqualDomain(a.Domain, b.Domain) {
		return false
	}
	return a.Local == b.Local || a.IsPostmaster() && b.IsPostmaster()
}

// IsPostmaster reports whether the local part is "postmaster" in any case
// (RFC 5321 §4.5.1), whatever the domain.
func (a Address) IsPostmaster() bool {
	return strings.EqualFold(a.Local, "postmaster")
}

// IsASCII reports whether the address is entirely ASCII. An address that
// is not needs SMTPUTF8 (RFC 6531) to be transmitted, unless only its
// domain is non-ASCII, in which case ToASCII gives a form that does not.
func (a Address) IsASCII() bool {
	return asciiOnly(a.Local) && asciiOnly(a.Domain)
}

// ToASCII returns a with its domain's U-labels converted to A-labels
// (RFC 5890), for a next hop that lacks SMTPUTF8. A UTF-8 local part has no
// ASCII equivalent: the error then wraps ErrUTF8LocalPart. An invalid
// domain gives a *SyntaxError.
func (a Address) ToASCII() (Address, error) {
	if !asciiOnly(a.Local) {
		return Address{}, fmt.Errorf("envelope: cannot convert address to ASCII: %w", ErrUTF8LocalPart)
	}
	if a.Domain == "" {
		return a, nil
	}
	d, err := DomainToASCII(a.Domain)
	if err != nil {
		return Address{}, err
	}
	return Address{Local: a.Local, Domain: d}, nil
}

// ToUnicode returns a with its domain's A-labels converted to U-labels,
// for display or for a transaction with SMTPUTF8. An "xn--" label that is
// not a valid A-label gives a *SyntaxError wrapping ErrIDNA.
func (a Address) ToUnicode() (Address, error) {
	if a.Domain == "" {
		return a, nil
	}
	d, err := DomainToUnicode(a.Domain)
	if err != nil {
		return Address{}, err
	}
	return Address{Local: a.Local, Domain: d}, nil
}

// addrParser holds the state shared by the address, domain and path parsers.
type addrParser struct {
	s    string
	pos  int
	utf8 bool   // SMTPUTF8 in effect
	kind string // for SyntaxError.Kind
}

func (p *addrParser) fail(off int, err error, reason string) *SyntaxError {
	return &SyntaxError{Kind: p.kind, Offset: off, Reason: reason, Err: err}
}

// unexpected reports the octet at p.pos, or the end of input, as out of
// place in what.
func (p *addrParser) unexpected(what string) *SyntaxError {
	if p.pos >= len(p.s) {
		return p.fail(p.pos, nil, "unexpected end of input in "+what)
	}
	return p.fail(p.pos, nil, "invalid character "+describeByte(p.s[p.pos])+" in "+what)
}

// describeByte names c for an error message without copying control or
// non-ASCII octets into it.
func describeByte(c byte) string {
	if c > ' ' && c < 0x7f {
		return strconv.QuoteRune(rune(c))
	}
	if c == ' ' {
		return "space"
	}
	return fmt.Sprintf("0x%02X", c)
}

// mailbox parses Local-part "@" ( Domain / address-literal ) at p.pos.
func (p *addrParser) mailbox() (Address, error) {
	local, err := p.localPart()
	if err != nil {
		return Address{}, err
	}
	if p.pos >= len(p.s) || p.s[p.pos] == '>' {
		return Address{}, p.fail(p.pos, nil, "missing '@' and domain")
	}
	if p.s[p.pos] != '@' {
		return Address{}, p.unexpected("local part")
	}
	p.pos++
	domain, err := p.host()
	if err != nil {
		return Address{}, err
	}
	return Address{Local: local, Domain: domain}, nil
}

// localPart parses a Local-part (RFC 5321 §4.1.2) and returns its value.
func (p *addrParser) localPart() (string, error) {
	if p.pos < len(p.s) && p.s[p.pos] == '"' {
		return p.quotedString()
	}
	return p.dotString()
}

// isAtextByte reports whether c is ASCII atext (RFC 5322 §3.2.3, used by
// RFC 5321 §4.1.2).
func isAtextByte(c byte) bool {
	return isLetDig(c) || strings.IndexByte("!#$%&'*+-/=?^_`{|}~", c) >= 0
}

// utf8Char checks the non-ASCII character at offset i, which RFC 6531 §3.3
// adds to atext and qtextSMTP as UTF8-non-ascii, and returns its length.
// C1 controls (U+0080-U+009F) are refused: no mailbox needs them and some
// software treats U+0085 as a line break.
func (p *addrParser) utf8Char(i int) (int, error) {
	r, size := utf8.DecodeRuneInString(p.s[i:])
	switch {
	case r == utf8.RuneError && size <= 1:
		return 0, p.fail(i, nil, "invalid UTF-8")
	case !p.utf8:
		return 0, p.fail(i, ErrNeedsSMTPUTF8, "")
	case r <= 0x9f:
		return 0, p.fail(i, nil, "C1 control character in local part")
	}
	return size, nil
}

// dotString parses Dot-string = Atom *("." Atom).
func (p *addrParser) dotString() (string, error) {
	start := p.pos
	for {
		atomStart := p.pos
		for p.pos < len(p.s) {
			c := p.s[p.pos]
			switch {
			case c >= utf8.RuneSelf:
				n, err := p.utf8Char(p.pos)
				if err != nil {
					return "", err
				}
				p.pos += n
			case isAtextByte(c):
				p.pos++
			default:
				goto atomEnd
			}
			if p.pos-start > MaxLocalPartLength {
				return "", p.fail(start+MaxLocalPartLength, ErrLocalPartTooLong, "")
			}
		}
	atomEnd:
		if p.pos == atomStart {
			return "", p.emptyAtom(start)
		}
		if p.pos >= len(p.s) || p.s[p.pos] != '.' {
			return p.s[start:p.pos], nil
		}
		p.pos++
	}
}

// emptyAtom explains why no atom was found at p.pos in a dot-string that
// began at start.
func (p *addrParser) emptyAtom(start int) error {
	atEnd := p.pos >= len(p.s) || p.s[p.pos] == '@'
	switch {
	case p.pos == start && atEnd:
		return p.fail(p.pos, nil, "empty local part")
	case p.pos == start && p.s[p.pos] == '.':
		return p.fail(p.pos, nil, "local part starts with a dot")
	case p.pos == start:
		return p.unexpected("local part")
	case atEnd:
		return p.fail(p.pos-1, nil, "local part ends with a dot")
	case p.s[p.pos] == '.':
		return p.fail(p.pos, nil, "two dots in a row in local part")
	}
	return p.unexpected("local part")
}

// quotedString parses Quoted-string = DQUOTE *QcontentSMTP DQUOTE
// (RFC 5321 §4.1.2; RFC 6531 §3.3 adds UTF-8 to qtextSMTP but not to
// quoted-pairSMTP).
func (p *addrParser) quotedString() (string, error) {
	start := p.pos
	p.pos++
	var value []byte
	for {
		if p.pos >= len(p.s) {
			return "", p.fail(p.pos, nil, "unterminated quoted string")
		}
		c := p.s[p.pos]
		switch {
		case c == '"':
			p.pos++
			if p.pos-start > MaxLocalPartLength {
				return "", p.fail(start+MaxLocalPartLength, ErrLocalPartTooLong, "")
			}
			return string(value), nil
		case c == '\\':
			if p.pos+1 >= len(p.s) {
				return "", p.fail(p.pos, nil, "backslash at end of input")
			}
			if d := p.s[p.pos+1]; d < ' ' || d > '~' { // quoted-pairSMTP: %d92 %d32-126
				return "", p.fail(p.pos+1, nil, "invalid character "+describeByte(d)+" after backslash")
			}
			value = append(value, p.s[p.pos+1])
			p.pos += 2
		case c >= utf8.RuneSelf:
			n, err := p.utf8Char(p.pos)
			if err != nil {
				return "", err
			}
			value = append(value, p.s[p.pos:p.pos+n]...)
			p.pos += n
		case c < ' ' || c == 0x7f: // qtextSMTP has no controls, not even HTAB
			return "", p.fail(p.pos, nil, "invalid character "+describeByte(c)+" in quoted string")
		default:
			value = append(value, c)
			p.pos++
		}
		if p.pos-start > MaxLocalPartLength {
			return "", p.fail(start+MaxLocalPartLength, ErrLocalPartTooLong, "")
		}
	}
}

// isDotString reports whether local can be written bare: RFC 5321 §4.1.2
// Dot-string, with RFC 6531 UTF-8 atext.
func isDotString(local string) bool {
	if local == "" || local[0] == '.' || local[len(local)-1] == '.' || strings.Contains(local, "..") {
		return false
	}
	for i := 0; i < len(local); {
		c := local[i]
		if c < utf8.RuneSelf {
			if c != '.' && !isAtextByte(c) {
				return false
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(local[i:])
		if !printableUTF8(r, size) {
			return false
		}
		i += size
	}
	return true
}

// printableUTF8 reports whether a decoded non-ASCII rune may appear in an
// address: valid UTF-8 and not a C1 control.
func printableUTF8(r rune, size int) bool {
	return !(r == utf8.RuneError && size <= 1) && r > 0x9f
}

// formatLocal writes a local part bare when it is a dot-string and as a
// quoted-string otherwise, escaping only '"' and '\'.
func formatLocal(local string) string {
	if isDotString(local) {
		return local
	}
	var b strings.Builder
	b.Grow(len(local) + 2)
	b.WriteByte('"')
	for i := 0; i < len(local); {
		c := local[i]
		if c >= utf8.RuneSelf {
			r, size := utf8.DecodeRuneInString(local[i:])
			if printableUTF8(r, size) {
				b.WriteString(local[i : i+size])
			} else {
				b.WriteByte('?')
			}
			i += size
			continue
		}
		switch {
		case c == '"' || c == '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c < ' ' || c == 0x7f:
			b.WriteByte('?')
		default:
			b.WriteByte(c)
		}
		i++
	}
	b.WriteByte('"')
	return b.String()
}

// safeDomain returns d with every octet that no domain or address literal
// holds replaced by '?', so that a hand-built Address cannot inject text.
func safeDomain(d string) string {
	ok := func(c byte) bool { return isLDH(c) || c == '.' || c == '[' || c == ']' || c == ':' }
	clean := true
	for i := 0; i < len(d) && clean; i++ {
		clean = ok(d[i]) || d[i] >= utf8.RuneSelf
	}
	if clean && utf8.ValidString(d) && !strings.ContainsFunc(d, isC1) {
		return d
	}
	var b strings.Builder
	for i := 0; i < len(d); {
		c := d[i]
		if c < utf8.RuneSelf {
			if !ok(c) {
				c = '?'
			}
			b.WriteByte(c)
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(d[i:])
		if printableUTF8(r, size) {
			b.WriteString(d[i : i+size])
		} else {
			b.WriteByte('?')
		}
		i += size
	}
	return b.String()
}

func isC1(r rune) bool { return r >= 0x80 && r <= 0x9f }
