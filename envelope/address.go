package envelope

// Address is an SMTP mailbox (RFC 5321 §4.1.2 "Mailbox"): a local part and a
// domain. Local holds the local part's value with any quoting removed;
// Domain holds the domain as written, or an address literal with its
// brackets, such as "[192.0.2.1]" or "[IPv6:2001:db8::1]".
type Address struct {
	Local  string
	Domain string
}

// String formats the address as SMTP writes it, quoting the local part only
// where RFC 5321 §4.1.2 requires.
func (a Address) String() string {
	// Placeholder until the address parser lands; the quoting rules replace it.
	return a.Local + "@" + a.Domain
}
