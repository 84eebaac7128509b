package smtp

import (
	"errors"
	"fmt"

	"github.com/mailstack/mailstack/envelope"
)

// CommandError is a failed SMTP command: the reply the server gave to it,
// or, when Local is set, the reply the client made up because it could not
// send the command as asked (a message over the server's SIZE, an
// extension the transaction needs and the server lacks, TLS required but
// not offered). Every reply error a Client returns is a *CommandError;
// errors.As also finds the *envelope.Reply inside it.
type CommandError struct {
	// Command names what failed: "greeting", "EHLO", "HELO", "LHLO",
	// "STARTTLS", "AUTH", "MAIL", "RCPT", "DATA", "BDAT", "RSET", "QUIT"
	// or "NOOP".
	Command string
	// Reply is the server's reply, or the client's own when Local is set.
	// Its class tells temporary (4xx) from permanent (5xx) failures.
	Reply *envelope.Reply
	// Local reports that the server never saw the command: the client
	// refused to send it and Reply is the client's own.
	Local bool
}

// Error formats the command and the reply on one line.
func (e *CommandError) Error() string {
	if e.Local {
		return fmt.Sprintf("smtp: %s not sent: %v", e.Command, e.Reply)
	}
	return fmt.Sprintf("smtp: %s: server replied %v", e.Command, e.Reply)
}

// Unwrap returns the reply, so that errors.As(err, &reply) and
// errors.Is(err, envelope.ReplyMailboxNotFound) work.
func (e *CommandError) Unwrap() error { return e.Reply }

// Temporary reports a transient failure (4xx): the same command may succeed
// later.
func (e *CommandError) Temporary() bool { return e.Reply.Temporary() }

// Permanent reports a permanent failure (5xx).
func (e *CommandError) Permanent() bool { return e.Reply.Permanent() }

// Errors a Client returns for states rather than replies. A failure that
// ends the connection (a network error, a timeout, a malformed reply) is
// returned wrapped with the command it happened in; after one the Client
// is closed.
var (
	// ErrClientClosed is returned by every method after Close, Quit or a
	// connection failure.
	ErrClientClosed = errors.New("smtp: client closed")
	// ErrInjectedPlaintext reports octets the server sent after its 220
	// reply to STARTTLS and before the TLS handshake. They were sent
	// unprotected and may have been injected by an attacker
	// (CVE-2011-1575 class, RFC 3207 §4.2); the connection is closed.
	ErrInjectedPlaintext = errors.New("smtp: server sent data after its STARTTLS reply, before the TLS handshake")
	// ErrClientBadSequence reports a method called out of order, such as
	// Rcpt before Mail or Data with no accepted recipient.
	ErrClientBadSequence = errors.New("smtp: command out of sequence")
	// ErrTLSHandshake wraps a failed TLS handshake (implicit or after
	// STARTTLS). With TLSOpportunistic a caller may retry without TLS.
	ErrTLSHandshake = errors.New("smtp: TLS handshake failed")
	// ErrMessageBareLineEnding reports a CR not followed by LF, or an LF
	// not preceded by CR, in a message given to a Client that does not
	// normalise line endings (ClientConfig.NormalizeLineEndings). RFC
	// 5321 §2.3.8 allows only CRLF. With DATA part of the message may
	// have been sent, so the connection is closed.
	ErrMessageBareLineEnding = errors.New("smtp: bare CR or LF in message")
)

// Local replies: what a Client returns inside a *CommandError with Local set
// when it refuses to send a command. Their codes follow what Postfix's SMTP
// client reports in the same situations.
var (
	// RFC 1870 §6.1: a client must not send a message the server said
	// is too big.
	clientReplyTooBig = envelope.NewReply(552, envelope.EnhancedCode{Class: 5, Subject: 3, Detail: 4}, "Message size exceeds the server's fixed maximum message size")
	// RFC 6152 §3: 8-bit data only to servers that offer 8BITMIME; RFC
	// 3463 X.6.3 "Conversion required but not supported".
	clientReplyNo8Bit = envelope.NewReply(554, envelope.EnhancedCode{Class: 5, Subject: 6, Detail: 3}, "Message needs 8BITMIME, which the server does not offer")
	// RFC 3030 §3: BINARYMIME only with CHUNKING and BINARYMIME.
	clientReplyNoBinary = envelope.NewReply(554, envelope.EnhancedCode{Class: 5, Subject: 6, Detail: 3}, "Message needs BINARYMIME and CHUNKING, which the server does not offer")
	// RFC 6531 §3.2 and §3.7.4.2: no SMTPUTF8, no UTF-8 mailbox.
	clientReplyNoUTF8 = envelope.NewReply(553, envelope.EnhancedCode{Class: 5, Subject: 6, Detail: 7}, "Message needs SMTPUTF8, which the server does not offer")
	// RFC 8689 §4.1: REQUIRETLS needs TLS and a server that offers it.
	clientReplyNoRequireTLS = envelope.NewReply(550, envelope.EnhancedCode{Class: 5, Subject: 7, Detail: 30}, "REQUIRETLS needed, but the server does not support it or TLS is not in effect")
	// RFC 3207: TLS required by policy but not available; temporary, as
	// Postfix treats it, since the server may offer it later.
	clientReplyNoTLS = envelope.NewReply(454, envelope.EnhancedCode{Class: 4, Subject: 7, Detail: 10}, "TLS is required, but was not offered by the server")
	// RFC 4954: AUTH configured but the server offers no usable mechanism.
	clientReplyNoAuth = envelope.NewReply(454, envelope.EnhancedCode{Class: 4, Subject: 7, Detail: 0}, "Authentication is required, but the server offers no usable mechanism")
	// AUTH over a connection without TLS to a host not on loopback.
	clientReplyInsecureAuth = envelope.NewReply(454, envelope.EnhancedCode{Class: 4, Subject: 7, Detail: 10}, "Authentication refused over an unencrypted connection")
)

// clientLocalError returns a copy of a local reply inside a CommandError,
// so callers may modify what they get.
func clientLocalError(cmd string, r *envelope.Reply) *CommandError {
	cp := *r
	cp.Lines = append([]string(nil), r.Lines...)
	return &CommandError{Command: cmd, Reply: &cp, Local: true}
}
