package envelope

// Standard replies servers send. They are shared values: return them as
// errors or write them, but never modify them; build a new Reply (or copy
// one) to change the text. errors.Is matches them by code and enhanced
// code (see Reply.Is). Texts follow RFC 5321 §4.2.2 and Postfix.
var (
	// ReplyClosing answers QUIT (RFC 5321 §4.1.1.10).
	ReplyClosing = NewReply(221, EnhancedCode{2, 0, 0}, "Bye")
	// ReplyOK is the generic positive completion.
	ReplyOK = NewReply(250, EnhancedCode{2, 0, 0}, "OK")
	// ReplyStartMailInput answers DATA (RFC 5321 §4.1.1.4); 3xx replies
	// carry no enhanced code (RFC 2034 §4).
	ReplyStartMailInput = NewReply(354, EnhancedCode{}, "End data with <CR><LF>.<CR><LF>")
	// ReplyServiceNotAvailable closes the session when the server cannot
	// serve it (RFC 5321 §3.8).
	ReplyServiceNotAvailable = NewReply(421, EnhancedCode{4, 3, 2}, "Service not available, closing transmission channel")
	// ReplyTimeout closes a session that stayed idle too long (RFC 5321
	// §4.5.3.2).
	ReplyTimeout = NewReply(421, EnhancedCode{4, 4, 2}, "Timeout exceeded, closing transmission channel")
	// ReplyLocalError reports a transient local failure; it is also what a
	// server should send for an unexpected backend error, without leaking
	// its text.
	ReplyLocalError = NewReply(451, EnhancedCode{4, 3, 0}, "Requested action aborted: local error in processing")
	// ReplyInsufficientStorage reports a full disk or queue (RFC 5321
	// §4.2.2, 452).
	ReplyInsufficientStorage = NewReply(452, EnhancedCode{4, 3, 1}, "Insufficient system storage")
	// ReplyTooManyRecipients rejects a RCPT over the limit (RFC 5321
	// §4.5.3.1.10: 452 tells the client to retry the rest later).
	ReplyTooManyRecipients = NewReply(452, EnhancedCode{4, 5, 3}, "Too many recipients")
	// ReplyTLSNotAvailable answers STARTTLS when TLS cannot start now
	// (RFC 3207 §4).
	ReplyTLSNotAvailable = NewReply(454, EnhancedCode{4, 7, 0}, "TLS not available due to temporary reason")
	// ReplyTemporaryAuthFailure reports an authentication backend failure
	// (RFC 4954 §6).
	ReplyTemporaryAuthFailure = NewReply(454, EnhancedCode{4, 7, 0}, "Temporary authentication failure")
	// ReplySyntaxError rejects an unrecognised command (RFC 5321 §4.2.2).
	ReplySyntaxError = NewReply(500, EnhancedCode{5, 5, 2}, "Syntax error, command unrecognized")
	// ReplyLineTooLong rejects a command line over the limit (RFC 5321
	// §4.5.3.1.4).
	ReplyLineTooLong = NewReply(500, EnhancedCode{5, 5, 2}, "Line too long")
	// ReplyParamSyntax rejects malformed arguments, such as a ParamError
	// or a bad path (RFC 5321 §4.2.2, 501).
	ReplyParamSyntax = NewReply(501, EnhancedCode{5, 5, 4}, "Syntax error in parameters or arguments")
	// ReplyNotImplemented rejects a known but unsupported command.
	ReplyNotImplemented = NewReply(502, EnhancedCode{5, 5, 1}, "Command not implemented")
	// ReplyBadSequence rejects a command out of order (RFC 5321 §4.1.4).
	ReplyBadSequence = NewReply(503, EnhancedCode{5, 5, 1}, "Bad sequence of commands")
	// ReplyParamNotImplemented rejects an unsupported command argument.
	ReplyParamNotImplemented = NewReply(504, EnhancedCode{5, 5, 4}, "Command parameter not implemented")
	// ReplyAuthRequired rejects mail before authentication (RFC 4954 §6).
	ReplyAuthRequired = NewReply(530, EnhancedCode{5, 7, 0}, "Authentication required")
	// ReplyTLSRequired rejects commands before STARTTLS (RFC 3207 §4).
	ReplyTLSRequired = NewReply(530, EnhancedCode{5, 7, 0}, "Must issue a STARTTLS command first")
	// ReplyAuthFailed rejects bad credentials (RFC 4954 §6).
	ReplyAuthFailed = NewReply(535, EnhancedCode{5, 7, 8}, "Authentication credentials invalid")
	// ReplyMailboxNotFound rejects an unknown recipient.
	ReplyMailboxNotFound = NewReply(550, EnhancedCode{5, 1, 1}, "Mailbox unavailable: no such user")
	// ReplyMessageTooBig rejects a message over the size limit (RFC 1870
	// §6.2 and RFC 3463 X.3.4).
	ReplyMessageTooBig = NewReply(552, EnhancedCode{5, 3, 4}, "Message size exceeds fixed maximum message size")
	// ReplyRelayDenied rejects a recipient the server does not relay for.
	ReplyRelayDenied = NewReply(554, EnhancedCode{5, 7, 1}, "Relay access denied")
	// ReplyParamNotRecognized rejects an unknown MAIL or RCPT parameter
	// (RFC 5321 §4.2.2, 555).
	ReplyParamNotRecognized = NewReply(555, EnhancedCode{5, 5, 4}, "MAIL FROM/RCPT TO parameters not recognized or not implemented")
	// ReplyNullMX rejects a recipient domain that publishes a null MX
	// (RFC 7505 §4.2).
	ReplyNullMX = NewReply(556, EnhancedCode{5, 1, 10}, "Recipient address has null MX")
)
