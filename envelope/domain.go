package envelope

import (
	"fmt"
	"net/netip"
	"strings"
	"unicode/utf8"

	"golang.org/x/net/idna"
)

// idnaProfile converts and validates single labels. It follows RFC 5891 §5
// (lookup): a U-label a client sends is mapped (case, width, NFC) before it
// is validated, which accepts "Bücher" as well as "bücher". Non-transitional,
// so "ß" stays "ß" (IDNA2008). It is applied label by label, never to a
// whole domain, so that ASCII labels such as "r3---sn-x" that DNS accepts
// are not held to the IDNA hyphen rules.
var idnaProfile = idna.New(idna.MapForLookup(), idna.Transitional(false), idna.BidiRule())

// CheckDomain reports whether s is a Domain of RFC 5321 §4.1.2: dot-separated
// labels of 1-63 letters, digits and hyphens, neither starting nor ending
// with a hyphen, at most 255 octets, no trailing dot. With opts.UTF8, labels
// may also be U-labels (RFC 6531 §3.3). Address literals are not Domains;
// see CheckHost. The error is a *SyntaxError of Kind "domain".
func CheckDomain(s string, opts ParseOptions) error {
	p := addrParser{s: s, utf8: opts.UTF8, kind: "domain"}
	if len(s) > MaxDomainLength {
		return p.fail(MaxDomainLength, ErrDomainTooLong, "")
	}
	return p.checkDomain(s, 0)
}

// CheckHost reports whether s is a Domain or an address literal, the
// argument EHLO and HELO take (RFC 5321 §4.1.1.1) and the part of a mailbox
// after the "@". The error is a *SyntaxError of Kind "domain".
func CheckHost(s string, opts ParseOptions) error {
	p := addrParser{s: s, utf8: opts.UTF8, kind: "domain"}
	if _, err := p.host(); err != nil {
		return err
	}
	if p.pos != len(s) {
		return p.unexpected("domain")
	}
	return nil
}

// ParseAddressLiteral parses an address literal such as "[192.0.2.1]" or
// "[IPv6:2001:db8::1]" (RFC 5321 §4.1.3) and returns its IP address.
// General address literals ("[tag:content]") are rejected: the only tag
// registered with IANA is "IPv6", and an MTA cannot deliver to an address
// of a kind it does not know.
func ParseAddressLiteral(s string) (netip.Addr, error) {
	p := addrParser{s: s, kind: "domain"}
	if p.pos >= len(s) || s[0] != '[' {
		return netip.Addr{}, p.fail(0, ErrAddressLiteral, "address literal must start with '['")
	}
	ip, err := p.literal()
	if err != nil {
		return netip.Addr{}, err
	}
	if p.pos != len(s) {
		return netip.Addr{}, p.unexpected("address literal")
	}
	return ip, nil
}

// EqualDomain reports whether a and b name the same domain: ASCII letters
// compare case-insensitively (RFC 5321 §2.4), a U-label equals its A-label
// ("bücher.example" and "xn--bcher-kva.example"), and address literals are
// equal when their IP addresses are ("[IPv6:2001:DB8::1]" and
// "[IPv6:2001:db8:0::1]"). Strings that are not valid domains are compared
// case-insensitively as they are.
func EqualDomain(a, b string) bool {
	if strings.EqualFold(a, b) {
		return true
	}
	aLit, bLit := strings.HasPrefix(a, "["), strings.HasPrefix(b, "[")
	if aLit || bLit {
		if !aLit || !bLit {
			return false
		}
		ipa, erra := ParseAddressLiteral(a)
		ipb, errb := ParseAddressLiteral(b)
		return erra == nil && errb == nil && ipa == ipb
	}
	asciiA, erra := DomainToASCII(a)
	asciiB, errb := DomainToASCII(b)
	return erra == nil && errb == nil && strings.EqualFold(asciiA, asciiB)
}

// DomainToASCII returns s with every U-label replaced by its A-label
// (RFC 5890 §2.3.2.1), for use without SMTPUTF8 and in DNS queries. ASCII
// labels and address literals are returned as they are, case preserved.
// s is first checked as by CheckHost with UTF-8 permitted; a label that is
// not a valid IDNA2008 label gives a *SyntaxError wrapping ErrIDNA.
func DomainToASCII(s string) (string, error) {
	return convertDomain(s, false)
}

// DomainToUnicode returns s with every A-label ("xn--...") replaced by its
// U-label, for display or for use under SMTPUTF8. Other labels and address
// literals are returned as they are. An "xn--" label that is not a valid
// A-label gives a *SyntaxError wrapping ErrIDNA, and a result longer than
// MaxDomainLength octets of UTF-8 one wrapping ErrDomainTooLong.
func DomainToUnicode(s string) (string, error) {
	return convertDomain(s, true)
}

func convertDomain(s string, toUnicode bool) (string, error) {
	if err := CheckHost(s, ParseOptions{UTF8: true}); err != nil {
		return "", err
	}
	if strings.HasPrefix(s, "[") {
		return s, nil
	}
	labels := strings.Split(s, ".")
	off := 0
	for i, label := range labels {
		var err error
		switch {
		case toUnicode && hasACEPrefix(label):
			labels[i], err = idnaProfile.ToUnicode(label)
		case !toUnicode && !asciiOnly(label):
			labels[i], err = idnaProfile.ToASCII(label)
		}
		if err != nil {
			return "", &SyntaxError{Kind: "domain", Offset: off, Reason: "not a valid IDNA2008 label",
				Err: fmt.Errorf("%w: %w", ErrIDNA, err)}
		}
		off += len(label) + 1
	}
	out := strings.Join(labels, ".")
	if len(out) > MaxDomainLength {
		return "", &SyntaxError{Kind: "domain", Offset: 0, Err: ErrDomainTooLong,
			Reason: "domain longer than 255 octets once converted"}
	}
	return out, nil
}

// hasACEPrefix reports whether label starts with the IDNA ACE prefix "xn--"
// in any case (RFC 5890 §2.3.1).
func hasACEPrefix(label string) bool {
	return len(label) >= 4 && strings.EqualFold(label[:4], "xn--")
}

func asciiOnly(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

func isLetDig(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
}

func isLDH(c byte) bool { return isLetDig(c) || c == '-' }

func notLDH(r rune) bool { return r >= utf8.RuneSelf || !isLDH(byte(r)) }

// host parses a Domain or an address literal at p.pos and returns it as
// written. It stops at the first octet that cannot be part of a domain.
func (p *addrParser) host() (string, error) {
	start := p.pos
	if p.pos < len(p.s) && p.s[p.pos] == '[' {
		if _, err := p.literal(); err != nil {
			return "", err
		}
		return p.s[start:p.pos], nil
	}
	for p.pos < len(p.s) {
		c := p.s[p.pos]
		if !isLDH(c) && c != '.' && c < utf8.RuneSelf {
			break
		}
		if p.pos-start == MaxDomainLength {
			return "", p.fail(p.pos, ErrDomainTooLong, "")
		}
		p.pos++
	}
	d := p.s[start:p.pos]
	if err := p.checkDomain(d, start); err != nil {
		return "", err
	}
	return d, nil
}

// checkDomain validates d, found at offset off of the input, as a Domain
// (RFC 5321 §4.1.2; RFC 6531 §3.3 when p.utf8). len(d) ≤ MaxDomainLength.
func (p *addrParser) checkDomain(d string, off int) error {
	if d == "" {
		return p.fail(off, nil, "missing domain")
	}
	asciiLen := -1 // the first label adds no dot
	start := 0
	for i := 0; i <= len(d); i++ {
		if i < len(d) && d[i] != '.' {
			continue
		}
		if i == start {
			reason := "empty domain label (two dots in a row)"
			switch {
			case start == 0:
				reason = "domain starts with a dot"
			case i == len(d):
				reason = "domain ends with a dot" // RFC 5321 §4.1.2 has no trailing dot
				i--
			}
			return p.fail(off+i, nil, reason)
		}
		n, err := p.checkLabel(d[start:i], off+start)
		if err != nil {
			return err
		}
		asciiLen += n + 1
		start = i + 1
	}
	if asciiLen > MaxDomainLength {
		return p.fail(off, ErrDomainTooLong, "domain longer than 255 octets in A-label form")
	}
	return nil
}

// checkLabel validates one non-empty label found at offset off and returns
// the length of its ASCII (A-label) form.
func (p *addrParser) checkLabel(label string, off int) (int, error) {
	if asciiOnly(label) {
		return len(label), p.checkLDHLabel(label, off)
	}
	for i := 0; i < len(label); {
		r, size := utf8.DecodeRuneInString(label[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			return 0, p.fail(off+i, nil, "invalid UTF-8")
		case r < utf8.RuneSelf && !isLDH(byte(r)):
			return 0, p.fail(off+i, nil, "invalid character "+describeByte(byte(r))+" in domain")
		}
		i += size
	}
	if !p.utf8 {
		i := strings.IndexFunc(label, func(r rune) bool { return r >= utf8.RuneSelf })
		return 0, p.fail(off+i, ErrNeedsSMTPUTF8, "")
	}
	alabel, err := idnaProfile.ToASCII(label)
	if err != nil {
		return 0, p.fail(off, fmt.Errorf("%w: %w", ErrIDNA, err), "not a valid IDNA2008 U-label")
	}
	if alabel == "" || strings.Contains(alabel, ".") {
		return 0, p.fail(off, ErrIDNA, "U-label maps to an empty label or holds a label separator")
	}
	if len(alabel) > MaxLabelLength {
		return 0, p.fail(off, ErrLabelTooLong, "domain label longer than 63 octets in A-label form")
	}
	return len(alabel), nil
}

// checkLDHLabel applies the sub-domain rule of RFC 5321 §4.1.2
// (Let-dig [Ldh-str]) and the label length of RFC 1035 §2.3.4.
func (p *addrParser) checkLDHLabel(label string, off int) error {
	if len(label) > MaxLabelLength {
		return p.fail(off+MaxLabelLength, ErrLabelTooLong, "")
	}
	for i := 0; i < len(label); i++ {
		if !isLDH(label[i]) {
			return p.fail(off+i, nil, "invalid character "+describeByte(label[i])+" in domain")
		}
	}
	if label[0] == '-' {
		return p.fail(off, nil, "domain label starts with a hyphen")
	}
	if label[len(label)-1] == '-' {
		return p.fail(off+len(label)-1, nil, "domain label ends with a hyphen")
	}
	return nil
}

// literal parses an address literal at p.pos (RFC 5321 §4.1.3):
// "[" IPv4-address-literal / IPv6-address-literal "]". A General-address-
// literal is recognised and rejected with ErrAddressLiteral.
func (p *addrParser) literal() (netip.Addr, error) {
	start := p.pos
	p.pos++ // '['
	// dcontent excludes ']', so the first one closes the literal. Look no
	// further than the longest literal can reach.
	window := p.s[p.pos:min(len(p.s), start+MaxDomainLength)]
	end := strings.IndexByte(window, ']')
	if end < 0 {
		if len(p.s) > start+MaxDomainLength {
			return netip.Addr{}, p.fail(start+MaxDomainLength, ErrDomainTooLong, "")
		}
		return netip.Addr{}, p.fail(len(p.s), ErrAddressLiteral, "address literal without closing ']'")
	}
	end += p.pos
	ip, err := p.literalContent(p.s[p.pos:end], p.pos)
	if err != nil {
		return netip.Addr{}, err
	}
	p.pos = end + 1
	return ip, nil
}

func (p *addrParser) literalContent(content string, off int) (netip.Addr, error) {
	if len(content) >= 5 && strings.EqualFold(content[:5], "IPv6:") {
		// netip also parses zones ("fe80::1%eth0"), which RFC 5321 does not
		// have, and IPv4 addresses, which need no tag.
		ip, err := netip.ParseAddr(content[5:])
		if err != nil || !ip.Is6() || ip.Zone() != "" || strings.Contains(content, "%") {
			return netip.Addr{}, p.fail(off+5, ErrAddressLiteral, "invalid IPv6 address in address literal")
		}
		return ip, nil
	}
	if colon := strings.IndexByte(content, ':'); colon >= 0 {
		return netip.Addr{}, p.checkGeneralLiteral(content, colon, off)
	}
	if content == "" {
		return netip.Addr{}, p.fail(off, ErrAddressLiteral, "empty address literal")
	}
	ip, ok := parseIPv4Literal(content)
	if !ok {
		return netip.Addr{}, p.fail(off, ErrAddressLiteral, "invalid IPv4 address in address literal")
	}
	return ip, nil
}

// checkGeneralLiteral reports why a General-address-literal (RFC 5321
// §4.1.3: Standardized-tag ":" 1*dcontent) is refused: it is malformed, or
// its tag is not one this package can deliver to.
func (p *addrParser) checkGeneralLiteral(content string, colon, off int) error {
	tag := content[:colon]
	if tag == "" || !isLetDig(tag[len(tag)-1]) || strings.IndexFunc(tag, notLDH) >= 0 {
		return p.fail(off, ErrAddressLiteral, "malformed address literal tag")
	}
	if colon+1 == len(content) {
		return p.fail(off+colon+1, ErrAddressLiteral, "empty address literal content")
	}
	for i := colon + 1; i < len(content); i++ {
		c := content[i]
		if c < 33 || c > 126 || c == '[' || c == '\\' { // dcontent: %d33-90 / %d94-126
			return p.fail(off+i, ErrAddressLiteral, "invalid character "+describeByte(c)+" in address literal")
		}
	}
	return p.fail(off, ErrAddressLiteral, "unsupported address literal tag (only IPv6 is registered)")
}

// parseIPv4Literal parses Snum 3("." Snum), Snum being 1-3 decimal digits
// up to 255 (RFC 5321 §4.1.3). Unlike netip it accepts leading zeros, which
// the RFC defines as decimal.
func parseIPv4Literal(s string) (netip.Addr, bool) {
	var b [4]byte
	for i := range b {
		if i > 0 {
			if s == "" || s[0] != '.' {
				return netip.Addr{}, false
			}
			s = s[1:]
		}
		n, digits := 0, 0
		for digits < len(s) && digits < 3 && '0' <= s[digits] && s[digits] <= '9' {
			n = n*10 + int(s[digits]-'0')
			digits++
		}
		if digits == 0 || n > 255 {
			return netip.Addr{}, false
		}
		b[i] = byte(n)
		s = s[digits:]
	}
	return netip.AddrFrom4(b), s == ""
}
