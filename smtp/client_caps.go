package smtp

import (
	"slices"
	"strconv"
	"strings"

	"github.com/mailstack/mailstack/envelope"
)

// MaxCapabilities is the most EHLO keywords ParseCapabilities keeps; more
// are ignored. Real servers announce about twenty.
const MaxCapabilities = 64

// Capabilities are the service extensions a server announced in its reply
// to EHLO or LHLO (RFC 5321 §4.1.1.1), typed for the ones a client acts on
// and kept raw for the others. The zero value is a server that answered
// HELO: no extensions.
type Capabilities struct {
	// Domain is the server's name, the first word of the first line.
	Domain string
	// Size is the SIZE limit in octets (RFC 1870 §4); 0 when the server
	// announced SIZE without a limit, or did not announce it (HasSize).
	Size    uint64
	HasSize bool
	// Pipelining: RFC 2920.
	Pipelining bool
	// EightBitMIME: RFC 6152.
	EightBitMIME bool
	// SMTPUTF8: RFC 6531.
	SMTPUTF8 bool
	// Chunking: BDAT, RFC 3030.
	Chunking bool
	// BinaryMIME: BODY=BINARYMIME, RFC 3030 (only usable with Chunking).
	BinaryMIME bool
	// DSN: RFC 3461.
	DSN bool
	// StartTLS: RFC 3207.
	StartTLS bool
	// RequireTLS: RFC 8689.
	RequireTLS bool
	// EnhancedStatusCodes: RFC 2034.
	EnhancedStatusCodes bool
	// Auth lists the SASL mechanisms of AUTH (RFC 4954 §3), upper case,
	// in the server's order, without duplicates. Also filled from the
	// pre-standard "AUTH=" form some old servers send.
	Auth []string
	// Keywords maps every announced keyword, upper case, to its
	// parameters as sent (space-separated, possibly empty), typed ones
	// included.
	Keywords map[string]string
}

// Has reports whether the server announced keyword (any case).
func (c *Capabilities) Has(keyword string) bool {
	_, ok := c.Keywords[strings.ToUpper(keyword)]
	return ok
}

// HasAuth reports whether the server offers the SASL mechanism mech.
func (c *Capabilities) HasAuth(mech string) bool {
	return slices.Contains(c.Auth, strings.ToUpper(mech))
}

// ParseCapabilities reads the reply to EHLO or LHLO: the first line is the
// server's domain and greeting, every other line an ehlo-line, keyword and
// optional parameters (RFC 5321 §4.1.1.1). It never fails: lines that are
// not ehlo-lines are ignored, as is a malformed SIZE value (the server then
// counts as having announced SIZE without a limit), since a client gains
// nothing by refusing a server whose other extensions are fine. At most
// MaxCapabilities keywords are kept.
func ParseCapabilities(r *envelope.Reply) Capabilities {
	var c Capabilities
	if r == nil || len(r.Lines) == 0 {
		return c
	}
	c.Domain, _, _ = strings.Cut(r.Lines[0], " ")
	c.Domain = clientSanitizeWord(c.Domain)
	c.Keywords = make(map[string]string)
	for _, line := range r.Lines[1:] {
		if len(c.Keywords) >= MaxCapabilities {
			break
		}
		kw, params, _ := strings.Cut(strings.TrimSpace(line), " ")
		// "AUTH=LOGIN PLAIN": the pre-RFC 2554 form, still sent by some
		// servers next to the standard one.
		if k, v, ok := strings.Cut(kw, "="); ok && strings.EqualFold(k, "AUTH") {
			c.addAuth(strings.TrimSpace(v + " " + params))
			continue
		}
		if !clientIsKeyword(kw) {
			continue
		}
		kw = strings.ToUpper(kw)
		params = strings.Join(strings.Fields(params), " ")
		if kw == "AUTH" {
			c.addAuth(params) // every AUTH line counts
			continue
		}
		if _, dup := c.Keywords[kw]; dup {
			continue // the first announcement wins
		}
		c.Keywords[kw] = params
		c.setTyped(kw, params)
	}
	if len(c.Auth) > 0 {
		// Keywords holds the mechanisms as understood, so that Lines
		// parses back to the same Capabilities.
		c.Keywords["AUTH"] = strings.Join(c.Auth, " ")
	}
	return c
}

func (c *Capabilities) setTyped(kw, params string) {
	switch kw {
	case "SIZE":
		c.HasSize = true
		// RFC 1870 §4: "SIZE" [SP number]; 0 means no fixed limit.
		if n, err := strconv.ParseUint(params, 10, 64); err == nil {
			c.Size = n
		}
	case "PIPELINING":
		c.Pipelining = true
	case "8BITMIME":
		c.EightBitMIME = true
	case "SMTPUTF8":
		c.SMTPUTF8 = true
	case "CHUNKING":
		c.Chunking = true
	case "BINARYMIME":
		c.BinaryMIME = true
	case "DSN":
		c.DSN = true
	case "STARTTLS":
		c.StartTLS = true
	case "REQUIRETLS":
		c.RequireTLS = true
	case "ENHANCEDSTATUSCODES":
		c.EnhancedStatusCodes = true
	}
}

func (c *Capabilities) addAuth(mechs string) {
	for _, m := range strings.Fields(mechs) {
		m = strings.ToUpper(m)
		if !clientIsMechanism(m) || slices.Contains(c.Auth, m) || len(c.Auth) >= MaxCapabilities {
			continue
		}
		c.Auth = append(c.Auth, m)
	}
}

// Lines formats c as the lines of an EHLO reply, for tests and logs:
// the domain, then each keyword with its parameters, sorted. Parsing them
// back with ParseCapabilities gives c again.
func (c *Capabilities) Lines() []string {
	lines := []string{c.Domain}
	keys := make([]string, 0, len(c.Keywords))
	for k := range c.Keywords {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		if p := c.Keywords[k]; p != "" {
			lines = append(lines, k+" "+p)
		} else {
			lines = append(lines, k)
		}
	}
	return lines
}

// clientIsKeyword reports whether s is an ehlo-keyword: ALPHA / DIGIT
// followed by ALPHA / DIGIT / "-" (RFC 5321 §4.1.1.1).
func clientIsKeyword(s string) bool {
	if s == "" || s[0] == '-' || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		b := s[i]
		if !(b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9' || b == '-') {
			return false
		}
	}
	return true
}

// clientIsMechanism reports whether s is a SASL mechanism name: 1 to 20
// upper-case letters, digits, "-" and "_" (RFC 4422 §3.1).
func clientIsMechanism(s string) bool {
	if s == "" || len(s) > 20 {
		return false
	}
	for i := 0; i < len(s); i++ {
		b := s[i]
		if !(b >= 'A' && b <= 'Z' || b >= '0' && b <= '9' || b == '-' || b == '_') {
			return false
		}
	}
	return true
}

// clientSanitizeWord keeps a server-given word printable ASCII, so that it
// is safe in logs and in Received fields.
func clientSanitizeWord(s string) string {
	if len(s) > envelope.MaxDomainLength {
		s = s[:envelope.MaxDomainLength]
	}
	return strings.Map(func(r rune) rune {
		if r <= ' ' || r >= 0x7f {
			return '?'
		}
		return r
	}, s)
}
