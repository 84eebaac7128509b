package message

import (
	"strconv"
	"strings"
)

// appendNString appends s as an IMAP nstring (RFC 9051 §9): NIL when
// empty, a quoted string when it has only 7-bit text characters, otherwise a
// literal (8-bit bytes, CR, LF and NUL cannot be quoted in IMAP4rev1).
func appendNString(b []byte, s string) []byte {
	if s == "" {
		return append(b, "NIL"...)
	}
	return appendString(b, s)
}

// appendString appends s as an IMAP string: quoted, or a literal when it
// holds 8-bit bytes, CR, LF or NUL, or (as Dovecot) more than 4 characters
// to escape.
func appendString(b []byte, s string) []byte {
	return appendStr(b, s, 4)
}

// appendStr is appendString with the most escapes a quoted string may have.
func appendStr(b []byte, s string, maxEscapes int) []byte {
	esc := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '"' || c == '\\' {
			esc++
		}
		if c >= 0x80 || c == '\r' || c == '\n' || c == 0 || esc > maxEscapes {
			b = append(b, '{')
			b = strconv.AppendInt(b, int64(len(s)), 10)
			b = append(b, "}\r\n"...)
			return append(b, s...)
		}
	}
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		if s[i] == '"' || s[i] == '\\' {
			b = append(b, '\\')
		}
		b = append(b, s[i])
	}
	return append(b, '"')
}

// AppendIMAP appends the envelope in IMAP syntax (RFC 3501 §7.4.2,
// RFC 9051 §7.5.2): "(date subject from sender reply-to to cc bcc
// in-reply-to message-id)".
func (e *Envelope) AppendIMAP(b []byte) []byte {
	b = append(b, '(')
	b = e.appendString(b, e.Date, EnvDate, false)
	b = append(b, ' ')
	b = e.appendString(b, e.Subject, EnvSubject, true)
	for _, l := range [][]Address{e.From, e.Sender, e.ReplyTo, e.To, e.Cc, e.Bcc} {
		b = append(b, ' ')
		b = appendAddrList(b, l)
	}
	b = append(b, ' ')
	b = e.appendString(b, e.InReplyTo, EnvInReplyTo, false)
	b = append(b, ' ')
	b = e.appendString(b, e.MessageID, EnvMessageID, false)
	return append(b, ')')
}

// appendString writes a string member: "" when marked Empty, else as
// appendEnvString does.
func (e *Envelope) appendString(b []byte, s string, which EnvelopeField, literal bool) []byte {
	if s == "" && e.Empty&which != 0 {
		return append(b, `""`...)
	}
	return appendEnvString(b, s, literal)
}

// appendEnvString writes a possibly folded header value for ENVELOPE. A
// folded one is unfolded (a TAB that starts a continuation line becomes a
// space; a space is added where a line break is not followed by white
// space); a folded subject is sent as a literal, as Dovecot does.
func appendEnvString(b []byte, s string, literal bool) []byte {
	if !strings.ContainsAny(s, "\r\n") {
		return appendNString(b, s)
	}
	var u []byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\r' && c != '\n' {
			u = append(u, c)
			continue
		}
		if i+1 < len(s) && s[i+1] == '\t' {
			u = append(u, ' ')
			i++
		} else if i+1 < len(s) && s[i+1] != ' ' && s[i+1] != '\r' && s[i+1] != '\n' {
			u = append(u, ' ')
		}
	}
	if !literal {
		return appendNString(b, string(u))
	}
	b = append(b, '{')
	b = strconv.AppendInt(b, int64(len(u)), 10)
	b = append(b, "}\r\n"...)
	return append(b, u...)
}

// appendAddrList writes addresses; a group is a start marker with the group
// name as mailbox and NIL host, its members, and an end marker of four NILs
// (RFC 3501 §7.4.2).
func appendAddrList(b []byte, as []Address) []byte {
	if len(as) == 0 {
		return append(b, "NIL"...)
	}
	b = append(b, '(')
	for _, a := range as {
		if a.IsGroup {
			b = append(b, "(NIL NIL "...)
			b = appendNString(b, a.RawName)
			b = append(b, " NIL)"...)
			for _, m := range a.Members {
				b = appendAddr(b, &m)
			}
			b = append(b, "(NIL NIL NIL NIL)"...)
			continue
		}
		b = appendAddr(b, &a)
	}
	return append(b, ')')
}

// appendAddr writes one address. Dovecot sends an address part holding
// '"' or '\\' as a literal; so do we. A missing mailbox or domain becomes
// MISSING_MAILBOX / MISSING_DOMAIN, Dovecot's placeholders for broken
// addresses.
func appendAddr(b []byte, a *Address) []byte {
	b = append(b, '(')
	b = appendAddrString(b, a.RawName)
	b = append(b, ' ')
	b = appendAddrString(b, a.Route)
	b = append(b, ' ')
	local, domain := a.Local, a.Domain
	if strings.HasPrefix(local, `"`) {
		local = unquote(local) // ENVELOPE carries the local part unquoted
	}
	// A NIL host marks a group (RFC 9051 §7.5.2): an address without a
	// domain or local part ("To: plain", "From: <>", "@x.test") gets
	// Dovecot's placeholders, so that a client does not read a group
	// start or end.
	if domain == "" {
		domain = "MISSING_DOMAIN"
	}
	if a.Local == "" {
		local = "MISSING_MAILBOX"
	}
	b = appendAddrString(b, local)
	b = append(b, ' ')
	b = appendAddrString(b, domain)
	return append(b, ')')
}

func appendAddrString(b []byte, s string) []byte {
	if s == "" {
		return append(b, "NIL"...)
	}
	return appendStr(b, s, 0)
}
