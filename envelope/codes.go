package envelope

import (
	"errors"
	"fmt"
	"strconv"
)

// ErrEnhancedCodeSyntax reports text that is not an enhanced status code.
var ErrEnhancedCodeSyntax = errors.New("envelope: malformed enhanced status code")

// EnhancedCode is an enhanced mail system status code (RFC 3463 §2, used in
// SMTP replies by RFC 2034): class.subject.detail, such as 5.1.1. The zero
// value means "no enhanced code".
type EnhancedCode struct {
	Class   int // 2 success, 4 persistent transient failure, 5 permanent failure
	Subject int // 0 to 999
	Detail  int // 0 to 999
}

// IsZero reports whether c is the zero value, meaning no enhanced code.
func (c EnhancedCode) IsZero() bool {
	return c == EnhancedCode{}
}

// Valid reports whether c fits the grammar of RFC 3463 §2: class 2, 4 or 5,
// subject and detail of one to three digits.
func (c EnhancedCode) Valid() bool {
	return (c.Class == 2 || c.Class == 4 || c.Class == 5) &&
		c.Subject >= 0 && c.Subject <= 999 && c.Detail >= 0 && c.Detail <= 999
}

// String formats c as "class.subject.detail", or "" for the zero value.
func (c EnhancedCode) String() string {
	if c.IsZero() {
		return ""
	}
	return strconv.Itoa(c.Class) + "." + strconv.Itoa(c.Subject) + "." + strconv.Itoa(c.Detail)
}

// ParseEnhancedCode parses "class.subject.detail" (RFC 3463 §2: class is
// "2", "4" or "5"; subject and detail are 1*3digit).
func ParseEnhancedCode(s string) (EnhancedCode, error) {
	c, n, ok := scanEnhancedCode(s)
	if !ok || n != len(s) {
		return EnhancedCode{}, fmt.Errorf("%w: %q", ErrEnhancedCodeSyntax, s)
	}
	return c, nil
}

// scanEnhancedCode reads an enhanced code at the start of s and returns it
// with the number of octets it occupies.
func scanEnhancedCode(s string) (EnhancedCode, int, bool) {
	if len(s) < 5 || (s[0] != '2' && s[0] != '4' && s[0] != '5') || s[1] != '.' {
		return EnhancedCode{}, 0, false
	}
	c := EnhancedCode{Class: int(s[0] - '0')}
	i := 2
	var ok bool
	if c.Subject, i, ok = scanDigits3(s, i); !ok || i >= len(s) || s[i] != '.' {
		return EnhancedCode{}, 0, false
	}
	if c.Detail, i, ok = scanDigits3(s, i+1); !ok {
		return EnhancedCode{}, 0, false
	}
	return c, i, true
}

// scanDigits3 reads 1*3DIGIT at s[i:], and fails if a fourth digit follows.
func scanDigits3(s string, i int) (int, int, bool) {
	v, start := 0, i
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		if i-start == 3 {
			return 0, i, false
		}
		v = v*10 + int(s[i]-'0')
		i++
	}
	return v, i, i > start
}

// Description returns the meaning of c's subject and detail from RFC 3463
// and the IANA "Enumerated Status Codes" registry (RFC 5248), such as
// "Bad destination mailbox address" for X.1.1, or "" when the pair is not
// registered. The class is not part of the lookup: it only says whether
// the condition is a success, transient or permanent.
func (c EnhancedCode) Description() string {
	return enhancedCodeNames[[2]int{c.Subject, c.Detail}]
}

// enhancedCodeNames maps subject.detail to the registered meaning. Sources:
// RFC 3463 unless noted.
var enhancedCodeNames = map[[2]int]string{
	{0, 0}: "Other undefined status",

	// X.1: addressing status (RFC 3463 §3.2).
	{1, 0}:  "Other address status",
	{1, 1}:  "Bad destination mailbox address",
	{1, 2}:  "Bad destination system address",
	{1, 3}:  "Bad destination mailbox address syntax",
	{1, 4}:  "Destination mailbox address ambiguous",
	{1, 5}:  "Destination address valid",
	{1, 6}:  "Destination mailbox has moved, no forwarding address",
	{1, 7}:  "Bad sender's mailbox address syntax",
	{1, 8}:  "Bad sender's system address",
	{1, 9}:  "Message relayed to non-compliant mailer", // RFC 3886
	{1, 10}: "Recipient address has null MX",           // RFC 7505

	// X.2: mailbox status (RFC 3463 §3.3).
	{2, 0}: "Other or undefined mailbox status",
	{2, 1}: "Mailbox disabled, not accepting messages",
	{2, 2}: "Mailbox full",
	{2, 3}: "Message length exceeds administrative limit",
	{2, 4}: "Mailing list expansion problem",

	// X.3: mail system status (RFC 3463 §3.4).
	{3, 0}: "Other or undefined mail system status",
	{3, 1}: "Mail system full",
	{3, 2}: "System not accepting network messages",
	{3, 3}: "System not capable of selected features",
	{3, 4}: "Message too big for system",
	{3, 5}: "System incorrectly configured",
	{3, 6}: "Requested priority was changed", // RFC 6710

	// X.4: network and routing status (RFC 3463 §3.5).
	{4, 0}: "Other or undefined network or routing status",
	{4, 1}: "No answer from host",
	{4, 2}: "Bad connection",
	{4, 3}: "Directory server failure",
	{4, 4}: "Unable to route",
	{4, 5}: "Mail system congestion",
	{4, 6}: "Routing loop detected",
	{4, 7}: "Delivery time expired",

	// X.5: mail delivery protocol status (RFC 3463 §3.6).
	{5, 0}: "Other or undefined protocol status",
	{5, 1}: "Invalid command",
	{5, 2}: "Syntax error",
	{5, 3}: "Too many recipients",
	{5, 4}: "Invalid command arguments",
	{5, 5}: "Wrong protocol version",
	{5, 6}: "Authentication exchange line is too long", // RFC 4954

	// X.6: message content or media status (RFC 3463 §3.7).
	{6, 0}:  "Other or undefined media error",
	{6, 1}:  "Media not supported",
	{6, 2}:  "Conversion required and prohibited",
	{6, 3}:  "Conversion required but not supported",
	{6, 4}:  "Conversion with loss performed",
	{6, 5}:  "Conversion failed",
	{6, 6}:  "Message content not available",                                        // RFC 4468
	{6, 7}:  "Non-ASCII addresses not permitted for that sender/recipient",          // RFC 6531
	{6, 8}:  "UTF-8 string reply is required, but not permitted by the SMTP client", // RFC 6531
	{6, 9}:  "UTF-8 header message cannot be transferred to one or more recipients", // RFC 6531
	{6, 10}: "UTF-8 string reply is required (deprecated duplicate of X.6.8)",       // RFC 6531

	// X.7: security or policy status (RFC 3463 §3.8).
	{7, 0}:  "Other or undefined security status",
	{7, 1}:  "Delivery not authorized, message refused",
	{7, 2}:  "Mailing list expansion prohibited",
	{7, 3}:  "Security conversion required but not possible",
	{7, 4}:  "Security features not supported",
	{7, 5}:  "Cryptographic failure",
	{7, 6}:  "Cryptographic algorithm not supported",
	{7, 7}:  "Message integrity failure",
	{7, 8}:  "Authentication credentials invalid",                         // RFC 4954
	{7, 9}:  "Authentication mechanism is too weak",                       // RFC 4954
	{7, 10}: "Encryption needed",                                          // RFC 5248
	{7, 11}: "Encryption required for requested authentication mechanism", // RFC 4954
	{7, 12}: "A password transition is needed",                            // RFC 4954
	{7, 13}: "User account disabled",                                      // RFC 5248
	{7, 14}: "Trust relationship required",                                // RFC 5248
	{7, 15}: "Priority level is too low",                                  // RFC 6710
	{7, 16}: "Message is too big for the specified priority",              // RFC 6710
	{7, 17}: "Mailbox owner has changed",                                  // RFC 7293
	{7, 18}: "Domain owner has changed",                                   // RFC 7293
	{7, 19}: "RRVS test cannot be completed",                              // RFC 7293
	{7, 20}: "No passing DKIM signature found",                            // RFC 7372
	{7, 21}: "No acceptable DKIM signature found",                         // RFC 7372
	{7, 22}: "No valid author-matched DKIM signature found",               // RFC 7372
	{7, 23}: "SPF validation failed",                                      // RFC 7372
	{7, 24}: "SPF validation error",                                       // RFC 7372
	{7, 25}: "Reverse DNS validation failed",                              // RFC 7372
	{7, 26}: "Multiple authentication checks failed",                      // RFC 7372
	{7, 27}: "Sender address has null MX",                                 // RFC 7505
	{7, 28}: "Mail flood detected",                                        // IANA registry
	{7, 29}: "ARC validation failure",                                     // RFC 8617
	{7, 30}: "REQUIRETLS support required",                                // RFC 8689
}
