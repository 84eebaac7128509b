package mx

import (
	"fmt"
	"net/netip"
	"strings"
	"unicode/utf8"

	"golang.org/x/net/idna"
)

// idnaProfile converts U-labels to A-labels for lookup (RFC 5891 §5):
// UTS #46 mapping (case folding, width), IDNA2008 rules (non-transitional,
// so "ß" stays itself), Bidi rule, letters-digits-hyphen only and DNS
// length limits. Hyphens in the third and fourth positions are allowed:
// names like "r3--x" exist in the DNS and are valid LDH labels.
var idnaProfile = idna.New(
	idna.MapForLookup(),
	idna.BidiRule(),
	idna.Transitional(false),
	idna.VerifyDNSLength(true),
	idna.CheckHyphens(false),
)

// normalizeDomain turns a mail domain into the form that is looked up:
// lower-case A-labels without a trailing dot. A domain literal
// ("[192.0.2.1]", "[IPv6:2001:db8::1]", RFC 5321 §4.1.3) is returned as
// its address instead.
func normalizeDomain(domain string) (string, netip.Addr, error) {
	if strings.HasPrefix(domain, "[") {
		addr, err := parseLiteral(domain)
		return "", addr, err
	}
	name := strings.TrimSuffix(domain, ".")
	if name == "" {
		return "", netip.Addr{}, fmt.Errorf("%w: empty", ErrInvalidDomain)
	}
	if !utf8.ValidString(name) {
		// idna would map bad bytes to U+FFFD and encode that.
		return "", netip.Addr{}, fmt.Errorf("%w: not UTF-8", ErrInvalidDomain)
	}
	ascii, err := idnaProfile.ToASCII(name)
	if err != nil {
		return "", netip.Addr{}, fmt.Errorf("%w: %w", ErrInvalidDomain, err)
	}
	ascii = strings.ToLower(ascii)
	// The A-labels made must themselves be valid A-labels (RFC 5891
	// §5.4): checking them again catches what the mapping let through.
	if again, err := idnaProfile.ToASCII(ascii); err != nil || again != ascii {
		return "", netip.Addr{}, fmt.Errorf("%w: %q does not convert to valid A-labels", ErrInvalidDomain, name)
	}
	for label := range strings.SplitSeq(ascii, ".") {
		// RFC 5321 §4.1.2: sub-domain = Let-dig [Ldh-str].
		if label == "" || label[0] == '-' || label[len(label)-1] == '-' {
			return "", netip.Addr{}, fmt.Errorf("%w: bad label %q", ErrInvalidDomain, label)
		}
	}
	return ascii, netip.Addr{}, nil
}

// parseLiteral parses an address literal, RFC 5321 §4.1.3.
func parseLiteral(lit string) (netip.Addr, error) {
	inner, ok := strings.CutSuffix(lit[1:], "]")
	if !ok {
		return netip.Addr{}, fmt.Errorf("%w: unclosed address literal %q", ErrInvalidDomain, lit)
	}
	if v6, ok := cutPrefixFold(inner, "IPv6:"); ok {
		a, err := netip.ParseAddr(v6)
		if err != nil || !a.Is6() || a.Zone() != "" {
			return netip.Addr{}, fmt.Errorf("%w: bad IPv6 literal %q", ErrInvalidDomain, lit)
		}
		return a, nil
	}
	a, err := netip.ParseAddr(inner)
	if err != nil || !a.Is4() {
		return netip.Addr{}, fmt.Errorf("%w: bad address literal %q", ErrInvalidDomain, lit)
	}
	return a, nil
}

func cutPrefixFold(s, prefix string) (string, bool) {
	if len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix) {
		return s[len(prefix):], true
	}
	return s, false
}

// targetAddr returns the address an MX target names when the target is an
// IP address rather than a host name ("192.0.2.1." or "[192.0.2.1]."). RFC
// 5321 §5.1 says MX targets are names, but such records exist and other
// MTAs (Postfix, Exim) use the address, so this one does too.
func targetAddr(target string) (netip.Addr, bool) {
	t := strings.TrimSuffix(target, ".")
	if strings.HasPrefix(t, "[") {
		a, err := parseLiteral(t)
		return a, err == nil
	}
	a, err := netip.ParseAddr(t)
	if err != nil || a.Zone() != "" {
		return netip.Addr{}, false
	}
	return a, true
}
