// Package wire is the line and data layer shared by mailstack's SMTP, LMTP
// and POP3 servers and clients, and by IMAP for its lines. It reads lines
// with a hard length limit, reads dot-stuffed DATA (ending only at
// CRLF.CRLF, so SMTP smuggling does not get through) and writes it. It knows
// nothing of commands or replies.
//
// A server reads commands with a LineReader and, after DATA, the message
// with a DataReader on the same bufio.Reader:
//
//	lr := wire.NewLineReader(conn, 0)
//	lr.Strict = true
//	line, err := lr.ReadLine() // "DATA"
//	...
//	dr := wire.NewDataReader(lr.Reader(), wire.DataOptions{MaxSize: 10 << 20})
//	_, err = io.Copy(spool, dr)
//	// errors.Is(err, wire.ErrDataTooLarge) → 552 5.3.4, and the next
//	// ReadLine still returns the next command.
//
// A client writes the message with a DataWriter:
//
//	dw := wire.NewDataWriter(conn, wire.DataWriterOptions{})
//	io.Copy(dw, msg)
//	err := dw.Close() // writes ".\r\n" and flushes
//
// Every reader here reads ahead through a bufio.Reader but consumes only
// what it returns, so protocol code can switch between lines, data and
// literals, and can tell (LineReader.Buffered) whether a peer sent more
// than it should have before a TLS handshake. None of them holds memory in
// proportion to its input beyond the limits it is given.
//
// Limits:
//   - The DataReader removes dot-stuffing and polices line endings; it does
//     not look at the message (no header parsing, no 8-bit or NUL checks).
//   - BDAT (RFC 3030) chunks are not dot-stuffed and need no reader here:
//     read them with io.LimitReader on LineReader.Reader.
//   - After a read error other than the typed ones below, a reader may be
//     out of step with its peer; close the connection.
//
// Errors are typed: *LineTooLongError, *BareLineEndingError and
// *TooLargeError, matching ErrLineTooLong, ErrBareLineEnding and
// ErrDataTooLarge with errors.Is. They leave the stream in sync.
//
// RFCs implemented:
//
//	RFC 5321 §2.3.8      lines end with CRLF only (bare CR/LF policy)
//	RFC 5321 §4.1.1.4    DATA ends at CRLF.CRLF
//	RFC 5321 §4.5.2      transparency (dot-stuffing)
//	RFC 5321 §4.5.3.1    line and size limits (DefaultMaxLine, MaxTextLine)
//	RFC 2033 §4.2        LMTP DATA, read and written as SMTP's
//	RFC 1939 §3          POP3 multi-line responses (byte-stuffing)
//	RFC 3207 §4.2        STARTTLS: discard pre-handshake data (Buffered)
//
// SMTP smuggling (CVE-2023-51764 Postfix, CVE-2023-51765 Sendmail,
// CVE-2023-51766 Exim) relies on one server ending data at "\n.\n" or
// "\r.\r" while another does not; here only "\r\n.\r\n" ends it, in every
// mode, and by default bare line endings are rejected outright.
package wire
