// Package imapwire is the IMAP wire codec of package imap: a streaming
// command Decoder that reads like the grammar of RFC 9051 §9 (Expect…
// methods with a sticky error), a response Encoder, the modified UTF-7
// mailbox-name codec and sequence sets.
//
// The Decoder reads from a bufio.Reader and never holds more than its
// limits: a command's bytes outside the message literal of APPEND are
// bounded by Limits.MaxCommand, list nesting by Limits.MaxDepth, and a
// literal announced beyond its limit is refused before a single byte of it
// is read (RFC 7888 §4, RFC 9051 §7.1 TOOBIG).
//
// Standards:
//
//	RFC 9051  IMAP4rev2 §4 data formats, §9 formal syntax
//	RFC 3501  IMAP4rev1 §5.1.3 modified UTF-7 mailbox names
//	RFC 7888  LITERAL+ / LITERAL- non-synchronising literals
//	RFC 3516  BINARY literal8 (~{n})
//	RFC 6855  UTF8=ACCEPT mailbox names
//	RFC 5182  SEARCHRES "$" in sequence sets
package imapwire
