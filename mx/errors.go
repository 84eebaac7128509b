package mx

import (
	"errors"
	"fmt"
	"github.com/mailstack/mailstack/envelope"
)

// Sentinel causes, matched with errors.Is against an *Error (or a
// Host.Err). Each *Error wraps one of them.
var (
	// ErrInvalidDomain: the domain is not a valid mail domain or IDN
	// (RFC 5321 §4.1.2, RFC 5891 §5). Permanent, 550 5.1.2.
	ErrInvalidDomain = errors.New("invalid domain name")
	// ErrNoSuchDomain: the name does not exist (NXDOMAIN, RFC 1035
	// §4.1.1). Permanent, 550 5.1.2.
	ErrNoSuchDomain = errors.New("no such domain")
	// ErrNullMX: the domain says it accepts no mail (RFC 7505).
	// Permanent, 556 5.1.10.
	ErrNullMX = errors.New("domain accepts no mail (null MX)")
	// ErrNoMailHost: the domain exists but has neither MX nor address
	// records (RFC 5321 §5.1). Permanent, 550 5.4.4.
	ErrNoMailHost = errors.New("domain has no MX and no address records")
	// ErrNoAddress: a host name has no A or AAAA records. Permanent.
	ErrNoAddress = errors.New("host has no address records")
	// ErrNoUsableHost: the domain has MX records but none of their
	// hosts has an address. Permanent (550 5.4.4) when every host failed
	// permanently, temporary (451 4.4.3) otherwise.
	ErrNoUsableHost = errors.New("no MX host has an address")
	// ErrServerFailure: every DNS server answered SERVFAIL, REFUSED or
	// another error code, or an answer that did not match the question.
	// Temporary, 451 4.4.3.
	ErrServerFailure = errors.New("DNS server failure")
	// ErrTimeout: no DNS server answered in time, or the context ended.
	// Temporary, 451 4.4.3.
	ErrTimeout = errors.New("DNS timeout")
	// ErrCNAMELoop: a CNAME chain leads back to a name already in it.
	// Temporary, 451 4.4.4: the zone is broken, which its owner may fix.
	ErrCNAMELoop = errors.New("CNAME loop")
	// ErrCNAMEChain: a CNAME chain is longer than Resolver.MaxCNAMEHops.
	// Temporary, 451 4.4.4.
	ErrCNAMEChain = errors.New("CNAME chain too long")
)

// Error is a failed lookup. It carries the SMTP reply that a mail system
// should use for the recipients of the domain — in a bounce (RFC 3464
// Diagnostic-Code and Status) or in a reply to RCPT — and whether the
// failure is permanent. Use errors.As to get it, or the *envelope.Reply it wraps.
type Error struct {
	// Name is the name that was looked up (A-label, no trailing dot).
	Name string
	// Type is the DNS type that failed: "MX", "A", "AAAA", "TLSA", or ""
	// when no query was made (ErrInvalidDomain).
	Type string
	// Err is the cause: one of the sentinels above, possibly wrapping a
	// lower-level error (a network error, context.DeadlineExceeded).
	Err error
	// Reply is the SMTP reply for the affected recipients. Its code
	// says whether the failure is temporary (4xx) or permanent (5xx).
	Reply *envelope.Reply
}

// Error formats the failure with the name, the cause and the reply code.
func (e *Error) Error() string {
	what := e.Name
	if e.Type != "" {
		what += " " + e.Type
	}
	return fmt.Sprintf("mx: %s: %v (%d %v)", what, e.Err, e.Reply.Code, e.Reply.Enhanced)
}

// Unwrap returns the cause and the reply, so that errors.Is finds the
// sentinel and errors.As finds the *envelope.Reply.
func (e *Error) Unwrap() []error { return []error{e.Err, e.Reply} }

// Temporary reports whether a later retry may succeed (a 4xx reply).
func (e *Error) Temporary() bool { return e.Reply.Temporary() }

// Permanent reports whether the failure is final (a 5xx reply).
func (e *Error) Permanent() bool { return e.Reply.Permanent() }

// newError builds the *Error for cause, choosing the reply from the
// sentinel it wraps. The enhanced codes are RFC 3463's.
func newError(name, qtype string, cause error) *Error {
	e := &Error{Name: name, Type: qtype, Err: cause}
	switch {
	case errors.Is(cause, ErrNullMX):
		// RFC 7505 §4.2.
		e.Reply = reply(556, 5, 1, 10, "Recipient address has null MX")
	case errors.Is(cause, ErrInvalidDomain), errors.Is(cause, ErrNoSuchDomain):
		// RFC 3463 X.1.2 Bad destination system address: "the address
		// portion to the right of the @ is invalid for mail".
		e.Reply = reply(550, 5, 1, 2, "Domain "+name+" does not exist")
	case errors.Is(cause, ErrNoMailHost), errors.Is(cause, ErrNoAddress):
		// RFC 3463 X.4.4 Unable to route: "a DNS lookup returning
		// only an SOA record for a domain name".
		e.Reply = reply(550, 5, 4, 4, "No mail host for "+name)
	case errors.Is(cause, ErrCNAMELoop), errors.Is(cause, ErrCNAMEChain):
		// RFC 3463 X.4.4 is for both permanent and transient failures;
		// a broken zone is often repaired, so retry.
		e.Reply = reply(451, 4, 4, 4, "Broken CNAME chain for "+name)
	default:
		// ErrServerFailure, ErrTimeout, and ErrNoUsableHost with a
		// temporary host failure: RFC 3463 X.4.3 Directory server
		// failure, "useful only as a persistent transient error".
		e.Reply = reply(451, 4, 4, 3, "DNS lookup of "+name+" failed, try again later")
	}
	return e
}

func reply(code, class, subject, detail int, text string) *envelope.Reply {
	return envelope.NewReply(code, envelope.EnhancedCode{Class: class, Subject: subject, Detail: detail}, text)
}

// isTemporary reports whether err (an *Error or not) may go away on retry.
// Errors that are not *Error are treated as temporary.
func isTemporary(err error) bool {
	var e *Error
	if errors.As(err, &e) {
		return e.Temporary()
	}
	return true
}
