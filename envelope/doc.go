// Package envelope holds the SMTP envelope: addresses, paths, ESMTP
// parameters, replies with enhanced status codes, and the Received trace
// field. It knows nothing of message content (that is package message).
package envelope
