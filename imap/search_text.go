package imap

import (
	"bytes"
	"io"
	"strings"

	"github.com/emersion/go-message/charset"

	"github.com/mailstack/mailstack/message"
)

// textChunk is how much decoded text a BODY or TEXT search holds at once,
// whatever the part's size.
const textChunk = 32 << 10

// textSearch is the scratch space of one SEARCH command's BODY and TEXT
// criteria, reused from message to message.
type textSearch struct {
	m   textMatcher
	buf []byte
	r   io.ReaderAt
}

// textHas reports whether needle (folded) occurs in the message's text
// (RFC 9051 §6.4.4): for BODY, the bodies of its text parts with their
// Content-Transfer-Encoding undone (RFC 2045 §6) and converted from their
// charset to UTF-8; for TEXT, also every header, fields decoded as RFC 2047
// text. It streams part by part; no match spans two parts.
func (sm *searchMsg) textHas(withHeader bool, needle []byte) bool {
	fm := sm.open()
	if fm == nil {
		return false
	}
	ts := sm.text
	if ts.buf == nil {
		ts.buf = make([]byte, textChunk)
	}
	ts.r = fm.r
	ts.m.reset(needle)
	ts.part(fm.msg, fm.msg.Root, withHeader)
	return ts.m.found
}

// part searches p and its descendants, depth first. Recursion is bounded
// by the parser's nesting limit (message.Limits).
func (ts *textSearch) part(msg *message.Message, p *message.Part, withHeader bool) {
	if ts.m.found {
		return
	}
	ts.m.restart()
	if withHeader {
		ts.header(msg, p)
	}
	switch {
	case p.IsMultipart():
		for _, kid := range p.Parts {
			ts.part(msg, kid, withHeader)
		}
	case p.IsMessage():
		ts.part(msg, p.Message, withHeader)
	case searchableBody(p):
		ts.body(p)
	}
}

// searchableBody reports whether a leaf's content is text to search: text/*
// (the default type included, RFC 2045 §5.2) and unparsed message/* such as
// message/delivery-status. As Dovecot, attachments of other types are not
// searched: their decoded bytes are not text.
func searchableBody(p *message.Part) bool {
	return equalFold(p.Type, "text") || equalFold(p.Type, "message")
}

// header writes a part's header as lines of the field name and colon as
// written ("Subject:", "Subject : ") and the decoded value, as Dovecot
// searches them.
func (ts *textSearch) header(msg *message.Message, p *message.Part) {
	h, err := msg.Header(p)
	if err != nil {
		return
	}
	for _, f := range h.Fields() {
		if !f.Valid() {
			continue
		}
		ts.m.Write(fieldPrefix(f.Raw()))
		io.WriteString(&ts.m, f.Text())
		io.WriteString(&ts.m, "\r\n")
		if ts.m.found {
			return
		}
	}
}

// body streams a leaf's decoded text through the matcher. A body that
// fails to decode part way is searched up to the failure, as far as it
// could be read.
func (ts *textSearch) body(p *message.Part) {
	var r io.Reader = io.NewSectionReader(ts.r, p.BodyOffset(), p.BodySize)
	if d, err := message.DecodeReader(r, p.Encoding); err == nil {
		r = d
	} // an unknown encoding is searched as it is (RFC 2045 §6.4)
	r = utf8Reader(r, p.Params.Get("charset"))
	for !ts.m.found {
		n, err := r.Read(ts.buf)
		ts.m.Write(ts.buf[:n])
		if err != nil {
			break
		}
	}
	ts.m.flush()
}

// utf8Reader converts r from the MIME charset cs to UTF-8. UTF-8, US-ASCII
// and no charset pass through (8-bit bytes that are not UTF-8 then match
// as U+FFFD); so does an unknown charset, as Dovecot does.
func utf8Reader(r io.Reader, cs string) io.Reader {
	switch strings.ToLower(cs) {
	case "", "us-ascii", "ascii", "utf-8", "utf8":
		return r
	}
	if cr, err := charset.Reader(cs, r); err == nil {
		return cr
	}
	return r
}

// fieldPrefix returns the bytes of a valid field up to its value: the name,
// the colon and the white space after it.
func fieldPrefix(raw []byte) []byte {
	i := bytes.IndexByte(raw, ':') + 1
	for i < len(raw) && (raw[i] == ' ' || raw[i] == '\t') {
		i++
	}
	return raw[:i]
}
