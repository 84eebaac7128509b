// Package smtp is an SMTP server and client (RFC 5321) for receiving and
// sending mail: the server is what an application embeds to accept mail,
// what a submission service (ports 587 and 465) or an MTA on port 25 is
// built on; the client relays and submits. Package lmtp runs the same
// server as LMTP (RFC 2033) for final delivery.
//
// The shortest server takes every message and hands it to a function:
//
//	srv := &smtp.Server{
//		Hostname: "mx.example.org",
//		Backend: smtp.DataFunc(func(ctx context.Context, tx *smtp.Transaction, r io.Reader) error {
//			return spool(ctx, tx, r) // nil only once the message is safe
//		}),
//	}
//	err := srv.ListenAndServe("127.0.0.1:2525")
//
// A real server implements Backend and Session: NewSession sees each
// connection before the greeting, Mail and Rcpt accept or refuse each
// address, Data stores the message. Optional interfaces add AUTH
// (AuthSession), a HELO check (HeloSession), DSN, BINARYMIME and
// REQUIRETLS; the server advertises an extension only when the session
// implements what it needs. Hooks get a context.Context that ends with the
// connection, and return *envelope.Reply values to choose the reply;
// other errors become 451 4.3.0 without their text.
//
// # Safety
//
// Message data ends only at CRLF.CRLF and bare CR or LF is refused, so the
// server cannot be used for SMTP smuggling (CVE-2023-51764 and kin);
// plaintext pipelined after STARTTLS closes the connection (CVE-2011-0411);
// over-long lines, over-size messages and refused BDAT chunks are read to
// their end and answered without losing step; NUL octets are refused; HTTP
// request lines close the connection; sessions making too many errors are
// closed; failed AUTH is delayed; and the 250 that accepts a message is
// sent only after Session.Data returned nil, so nothing acknowledged is
// lost if the backend stores before it returns.
//
// # Standards
//
//	RFC 5321  SMTP (server: commands, replies, limits of §4.5.3, timeouts
//	          of §4.5.3.2, Received of §4.4)
//	RFC 1870  SIZE, with early refusal at MAIL
//	RFC 2034  ENHANCEDSTATUSCODES
//	RFC 2920  PIPELINING: replies flushed when input runs out
//	RFC 3030  CHUNKING (BDAT) and BINARYMIME
//	RFC 3207  STARTTLS
//	RFC 3461  DSN parameters, handed to DSNSession backends
//	RFC 3848  ESMTPSA and kin in Received
//	RFC 4954  AUTH, with SASL-IR; PLAIN (RFC 4616) and LOGIN mechanisms
//	RFC 6152  8BITMIME
//	RFC 6409  message submission: RequireAuth
//	RFC 6531  SMTPUTF8
//	RFC 8314  implicit TLS for submission (ServeTLS)
//	RFC 8689  REQUIRETLS, advertised only under TLS
//	RFC 2033  LMTP (through package lmtp)
package smtp
