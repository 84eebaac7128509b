// Package message reads and writes Internet messages (RFC 5322) and MIME
// (RFC 2045-2049), and builds the part index that an IMAP server answers
// FETCH from.
//
// Reading a header keeps every field's original bytes, so an unmodified
// message is written back byte-exact (DKIM needs this):
//
//	h, n := message.ParseHeader(raw)
//	subject := h.Text("Subject")           // unfolded, RFC 2047 decoded
//	from, _ := message.ParseAddressList(h.Get("From"))
//	h.WriteTo(w)                            // byte-exact
//	w.Write(raw[n:])
//
// Indexing a stored message reads it once, streaming, and records for every
// part the offsets of its header and body; sections are then served from the
// io.ReaderAt without reparsing:
//
//	m, _ := message.Parse(f, size, nil)
//	env, _ := m.Envelope()                  // IMAP ENVELOPE
//	bs := m.BodyStructure()                 // IMAP BODYSTRUCTURE
//	wire := bs.AppendIMAP(nil, true)        // its wire form
//	sec, _ := message.ParseSection("1.2.MIME", "")
//	r, n, _ := m.Section(sec)               // BODY[1.2.MIME], n bytes
//
// Building a message streams it to an io.Writer, attachments included,
// choosing 7bit, quoted-printable or base64 per part and encoding non-ASCII
// header text (RFC 2047) and file names (RFC 2231):
//
//	b := &message.Builder{From: from, To: to, Subject: "Grüße", Text: text,
//		Attachments: []message.Attachment{{Filename: "a.pdf", Body: f}}}
//	b.WriteTo(w)
//	req, _ := message.Needs(f, size)        // SMTPUTF8? 8BITMIME? BINARYMIME?
//
// Parsing is lenient where real mail is broken and bounded everywhere:
// Limits caps header bytes, line length, nesting depth and part count, and a
// part that exceeds a limit becomes an opaque leaf instead of an error.
//
// Standards:
//
//	RFC 5322  Internet Message Format (incl. obsolete syntax §4)
//	RFC 6532  Internationalized email headers (UTF-8)
//	RFC 2045  MIME part one: header fields, transfer encodings
//	RFC 2046  MIME part two: media types, multipart, message/rfc822
//	RFC 2047  MIME part three: encoded words in headers
//	RFC 2049  MIME conformance
//	RFC 2183  Content-Disposition
//	RFC 2231  Parameter value continuations, charsets and languages
//	RFC 2392  Content-ID
//	RFC 3501  IMAP4rev1 §6.4.5 sections, §7.4.2 ENVELOPE and BODYSTRUCTURE
//	RFC 9051  IMAP4rev2 §6.4.5, §7.5.2
//	RFC 2387  multipart/related (Builder)
//	RFC 3516  IMAP BINARY
//	RFC 5891  IDNA: A-labels for domains without SMTPUTF8 (Builder)
//	RFC 6152  8BITMIME, RFC 6531 SMTPUTF8, RFC 3030 BINARYMIME detection
package message
