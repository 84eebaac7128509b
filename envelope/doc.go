// Package envelope holds the SMTP envelope: mailboxes and paths, ESMTP
// parameters, replies with enhanced status codes, and the Received trace
// field. It knows nothing of message content (that is package message) and
// does no I/O of its own beyond reading replies from, and writing to, the
// reader or writer it is given.
//
// The shortest use parses the argument of "MAIL FROM:" and its parameters:
//
//	path, rest, err := envelope.CutReversePath(arg, envelope.ParseOptions{})
//	if err != nil {
//		// reply 501 5.1.7; err is a *envelope.SyntaxError
//	}
//	params, err := envelope.ParseMailParams(strings.TrimPrefix(rest, " "))
//
// Addresses (Address, Path, ParseAddress, ParseReversePath,
// ParseForwardPath, CheckHost) follow RFC 5321 strictly by default: angle
// brackets are required, ASCII only, lengths of RFC 5321 §4.5.3.1 enforced.
// ParseOptions relaxes what the session allows: UTF-8 once SMTPUTF8 is in
// effect, bare addresses for old clients. Source routes are accepted and
// dropped. Address literals hold IPv4 or IPv6 addresses; General address
// literals of RFC 5321 §4.1.3 are refused, as no other tag is registered.
// Every parser returns errors that errors.Is and errors.As can inspect.
//
// # Standards
//
//	RFC 5321  SMTP: mailboxes, paths, address literals, length limits
//	          (§4.1.2, §4.1.3, §4.5.3.1), reply codes (§4.2), trace
//	          fields (§4.4)
//	RFC 6531  SMTPUTF8: UTF-8 local parts and U-label domains (§3.3),
//	          the SMTPUTF8 MAIL parameter
//	RFC 5890, RFC 5891  IDNA2008: U-label and A-label conversion
//	          (golang.org/x/net/idna, lookup profile, non-transitional)
//	RFC 1035  domain label length (§2.3.4)
//	RFC 1870  SIZE parameter
//	RFC 6152  8BITMIME: BODY=8BITMIME
//	RFC 3030  CHUNKING and BINARYMIME: BODY=BINARYMIME
//	RFC 3461  DSN: RET, ENVID, NOTIFY, ORCPT, and xtext
//	RFC 6533  internationalized DSN: utf-8-addr-xtext and
//	          utf-8-addr-unitext in ORCPT
//	RFC 4954  AUTH: the AUTH= MAIL parameter
//	RFC 8689  REQUIRETLS parameter and code X.7.30
//	RFC 2034  ENHANCEDSTATUSCODES in replies
//	RFC 3463  enhanced mail system status codes
//	RFC 5248  the IANA registry of enhanced status codes, with codes from
//	          RFC 3886, RFC 4468, RFC 6710, RFC 7293, RFC 7372, RFC 7505
//	          (null MX, X.1.10 and X.7.27) and RFC 8617
//	RFC 3848  ESMTP and LMTP transmission types in Received ("with")
//	RFC 2033  LMTP, as a Received protocol
//	RFC 5322  header field syntax of the Received field
package envelope
