// Package lmtpmark lets package lmtp run package smtp's server in LMTP mode
// (RFC 2033) without an exported switch on smtp.Server.
//
// Package smtp recognises an LMTP backend and its sessions by methods that
// take a Token. Only packages of this module can name the type, so no
// backend outside it can turn LMTP mode on by accident, and two servers in
// one process share nothing: the mode travels with the backend value.
package lmtpmark

// Token is the parameter type of the marker methods that package lmtp's
// adapters implement and package smtp looks for.
type Token struct{}
