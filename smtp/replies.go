package smtp

import (
	"context"
	"errors"
	"log/slog"
	"strings"

	"github.com/mailstack/mailstack/envelope"
	"github.com/mailstack/mailstack/internal/wire"
)

// Replies the server sends besides envelope's standard ones. They are
// shared and never modified.
var (
	replyTooManyConns   = envelope.NewReply(421, enh(4, 7, 0), "Too many connections, try again later")
	replyTooManyErrors  = envelope.NewReply(421, enh(4, 7, 0), "Too many errors, closing connection")
	replyShuttingDown   = envelope.NewReply(421, enh(4, 3, 2), "Server shutting down, try again later")
	replyNonSMTP        = envelope.NewReply(421, enh(4, 7, 0), "Non-SMTP command, closing connection")
	replyTooManyUnauth  = envelope.NewReply(421, enh(4, 7, 0), "Too many commands before authentication")
	replyInjection      = envelope.NewReply(421, enh(4, 7, 0), "Commands pipelined after STARTTLS, closing connection")
	replyBareCommand    = envelope.NewReply(500, enh(5, 5, 2), "Bare CR or LF in command line: lines end with CRLF")
	replyNULCommand     = envelope.NewReply(500, enh(5, 5, 2), "NUL octet in command line")
	replyNeedHelo       = envelope.NewReply(503, enh(5, 5, 1), "Send HELO or EHLO first")
	replyNeedLhlo       = envelope.NewReply(503, enh(5, 5, 1), "Send LHLO first")
	replyNeedEhlo       = envelope.NewReply(503, enh(5, 5, 1), "Send EHLO first")
	replyNestedMail     = envelope.NewReply(503, enh(5, 5, 1), "Nested MAIL command")
	replyNeedMail       = envelope.NewReply(503, enh(5, 5, 1), "Need MAIL command")
	replyNeedRcpt       = envelope.NewReply(503, enh(5, 5, 1), "Need RCPT command")
	replyNoRecipients   = envelope.NewReply(554, enh(5, 5, 1), "No valid recipients")
	replyOnlyQuit       = envelope.NewReply(503, enh(5, 5, 1), "Service refused, only QUIT is accepted")
	replyUseLHLO        = envelope.NewReply(500, enh(5, 5, 1), "This is an LMTP server: use LHLO")
	replyUseEHLO        = envelope.NewReply(500, enh(5, 5, 1), "LHLO is for LMTP: use EHLO or HELO")
	replyBadHelo        = envelope.NewReply(501, enh(5, 5, 4), "Syntax: HELO/EHLO domain")
	replyMailSyntax     = envelope.NewReply(501, enh(5, 5, 4), "Syntax: MAIL FROM:<address> [parameters]")
	replyRcptSyntax     = envelope.NewReply(501, enh(5, 5, 4), "Syntax: RCPT TO:<address> [parameters]")
	replyBadSender      = envelope.NewReply(501, enh(5, 1, 7), "Bad sender address syntax")
	replyBadRecipient   = envelope.NewReply(501, enh(5, 1, 3), "Bad recipient address syntax")
	replyNoArguments    = envelope.NewReply(501, enh(5, 5, 4), "This command takes no arguments")
	replyNeedArgument   = envelope.NewReply(501, enh(5, 5, 4), "This command needs an argument")
	replyNeedsUTF8      = envelope.NewReply(553, enh(5, 6, 7), "Non-ASCII address needs the SMTPUTF8 parameter")
	replyParamsNeedEHLO = envelope.NewReply(555, enh(5, 5, 4), "Parameters need EHLO")
	replyAuthRequired   = envelope.NewReply(530, enh(5, 7, 0), "Authentication required")
	replySenderOK       = envelope.NewReply(250, enh(2, 1, 0), "Sender OK")
	replyRecipientOK    = envelope.NewReply(250, enh(2, 1, 5), "Recipient OK")
	replyVrfy           = envelope.NewReply(252, enh(2, 5, 0), "Cannot VRFY user, but will accept message and attempt delivery")
	replyHelp           = envelope.NewReply(214, enh(2, 0, 0), "See RFC 5321")
	replyBinaryWithData = envelope.NewReply(503, enh(5, 5, 1), "BODY=BINARYMIME needs BDAT, not DATA")
	replyDataAfterBDAT  = envelope.NewReply(503, enh(5, 5, 1), "DATA after BDAT in one transaction")

	// Replies to messages that break a rule. The stream is in step again
	// when they are sent.
	replyBareData  = envelope.NewReply(554, enh(5, 5, 2), "Bare CR or LF in message: lines end with CRLF (RFC 5321 section 2.3.8)")
	replyLongData  = envelope.NewReply(554, enh(5, 6, 0), "Message has a line that is too long")
	replyNULData   = envelope.NewReply(554, enh(5, 6, 0), "Message contains NUL octets")
	replyTLSActive = envelope.NewReply(503, enh(5, 5, 1), "TLS already active")
	replyStartTLS  = envelope.NewReply(220, enh(2, 0, 0), "Ready to start TLS")
)

// cannedWire holds the wire form of the replies the server sends most,
// so that sending them allocates nothing. It is built once and only read.
var cannedWire = func() map[*envelope.Reply]string {
	m := make(map[*envelope.Reply]string)
	for _, r := range []*envelope.Reply{
		envelope.ReplyOK, envelope.ReplyClosing, envelope.ReplyStartMailInput,
		envelope.ReplySyntaxError, envelope.ReplyTooManyRecipients, envelope.ReplyMailboxNotFound,
		envelope.ReplyRelayDenied, envelope.ReplyLocalError, envelope.ReplyAuthFailed,
		envelope.ReplyMessageTooBig, envelope.ReplyNotImplemented, envelope.ReplyLineTooLong,
		replySenderOK, replyRecipientOK, replyChunkOK, replyAuthOK, replyNeedMail, replyNeedRcpt,
		replyNoRecipients, replyTooManyErrors, replyShuttingDown,
	} {
		m[r] = wireOf(r)
	}
	return m
}()

// wireOf returns a reply's wire form; r must have a valid code.
func wireOf(r *envelope.Reply) string {
	var b strings.Builder
	r.WriteTo(&b)
	return b.String()
}

// errNUL reports a NUL octet in message data that is not BINARYMIME.
var errNUL = errors.New("smtp: NUL octet in message")

// backendReply turns a hook's error into the reply to send: the
// *envelope.Reply it carries, or 451 4.3.0 for anything else, logged but
// never shown to the client. Replies with codes no SMTP reply may have,
// or 3xx replies a hook has no business sending, count as anything else.
func backendReply(log *slog.Logger, hook string, err error) *envelope.Reply {
	var r *envelope.Reply
	if errors.As(err, &r) && r != nil && (r.Positive() || r.Temporary() || r.Permanent()) {
		return r
	}
	if errors.Is(err, context.Canceled) {
		log.Debug("smtp: hook cancelled", "hook", hook, "err", err)
	} else {
		log.Error("smtp: backend error", "hook", hook, "err", err)
	}
	return envelope.ReplyLocalError
}

// policyReply answers a message that broke a limit or a rule.
func policyReply(err error) *envelope.Reply {
	switch {
	case errors.Is(err, wire.ErrDataTooLarge):
		return envelope.ReplyMessageTooBig // RFC 1870 §6.3
	case errors.Is(err, wire.ErrBareLineEnding):
		return replyBareData // RFC 5321 §2.3.8
	case errors.Is(err, wire.ErrLineTooLong):
		return replyLongData // RFC 5321 §4.5.3.1.6
	case errors.Is(err, errNUL):
		return replyNULData
	}
	return envelope.ReplyLocalError
}

// enh is an enhanced status code (RFC 3463), for short.
func enh(class, subject, detail int) envelope.EnhancedCode {
	return envelope.EnhancedCode{Class: class, Subject: subject, Detail: detail}
}
