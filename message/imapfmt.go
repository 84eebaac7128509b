package message

import "strconv"

// appendNString appends s as an IMAP nstring (RFC 9051 §9): NIL when
// empty, a quoted string when it has only 7-bit text characters, otherwise a
// literal (8-bit bytes, CR, LF and NUL cannot be quoted in IMAP4rev1).
func appendNString(b []byte, s string) []byte {
	if s == "" {
		return append(b, "NIL"...)
	}
	return appendString(b, s)
}

// appendString appends s as an IMAP string (quoted or literal).
func appendString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 0x80 || c == '\r' || c == '\n' || c == 0 {
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
	b = appendNString(b, e.Date)
	b = append(b, ' ')
	b = appendNString(b, e.Subject)
	for _, l := range [][]Address{e.From, e.Sender, e.ReplyTo, e.To, e.Cc, e.Bcc} {
		b = append(b, ' ')
		b = appendAddrList(b, l)
	}
	b = append(b, ' ')
	b = appendNString(b, e.InReplyTo)
	b = append(b, ' ')
	b = appendNString(b, e.MessageID)
	return append(b, ')')
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

func appendAddr(b []byte, a *Address) []byte {
	b = append(b, '(')
	b = appendNString(b, a.RawName)
	b = append(b, ' ')
	b = appendNString(b, a.Route)
	b = append(b, ' ')
	b = appendNString(b, a.Local)
	b = append(b, ' ')
	b = appendNString(b, a.Domain)
	return append(b, ')')
}
