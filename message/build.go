package message

import (
	"bufio"
	"crypto/rand"
	"encoding/base32"
	"errors"
	"fmt"
	"io"
	"mime"
	"path"
	"strings"
	"time"
)

// Builder composes a MIME message (RFC 5322, RFC 2045-2049) and streams it
// to an io.Writer. The zero value plus a From address and some content is
// a valid message; fields not set get sensible defaults.
//
// The structure follows what the content needs:
//
//	text/plain                          Text only
//	multipart/alternative (Text, HTML)  RFC 2046 §5.1.4, plainest first
//	multipart/related (HTML, Inline...) RFC 2387, the HTML refers to cid:
//	multipart/mixed (body, Attachments) RFC 2046 §5.1.3
//
// Header text that is not ASCII is written as RFC 2047 encoded words, and
// non-ASCII file names as RFC 2231 parameters, unless SMTPUTF8 allows raw
// UTF-8 (RFC 6532). Bodies are 7bit when they can be, quoted-printable when
// they are mostly ASCII text, base64 otherwise; all line endings are CRLF,
// so a message built without SMTPUTF8 needs no SMTP extension (see Needs),
// unless a message/rfc822 attachment, never encoded, has 8-bit content.
type Builder struct {
	From    []Address // RFC 5322 §3.6.2; required unless Header has a From field
	ReplyTo []Address
	To, Cc  []Address
	Bcc     []Address // not written (RFC 5322 §3.6.3 allows it); see Recipients

	// Subject is UTF-8 text; "" writes no Subject field.
	Subject string

	// Date is the origination date (RFC 5322 §3.6.1). Default: the time of
	// WriteTo, which stores it here.
	Date time.Time

	// MessageID is the Message-ID without angle brackets (RFC 5322 §3.6.4).
	// Default: random, at Domain; WriteTo stores it here.
	MessageID string

	// InReplyTo and References are message ids without angle brackets.
	InReplyTo, References []string

	// Header holds further top-level fields, written as they are after the
	// ones above (use Header.AddText for non-ASCII text). A field here
	// replaces the one the Builder would write with the same name.
	// MIME-Version and Content-* fields are the Builder's and are refused.
	Header Header

	// Text and HTML are the bodies, UTF-8. Line endings are converted to
	// CRLF (RFC 2046 §4.1.1).
	Text, HTML string

	// Inline are the parts the HTML refers to by Content-ID (RFC 2392);
	// without HTML they are attached with disposition inline.
	Inline []Attachment

	// Attachments are the files attached (RFC 2183 disposition attachment).
	Attachments []Attachment

	// Domain is the right side of generated Message-IDs and Content-IDs.
	// Default: the domain of the first From address, else "localhost".
	Domain string

	// SMTPUTF8 says the message will travel over SMTPUTF8 (RFC 6531):
	// Subject and display names are then written as raw UTF-8 (RFC 6532
	// §3.2), and addresses may have non-ASCII local parts. Default false:
	// everything in the header is ASCII.
	SMTPUTF8 bool

	// Rand is the source of the random Message-ID, Content-IDs and MIME
	// boundaries. Default crypto/rand.Reader.
	Rand io.Reader
}

// Attachment is a part of a message read from an io.Reader.
type Attachment struct {
	// Filename is the file name (UTF-8), written as the Content-Disposition
	// filename and Content-Type name parameters, in RFC 2231 form when it
	// is not ASCII. Only its base name is kept.
	Filename string

	// ContentType is the media type, parameters allowed. Default: from the
	// file name's extension (mime.TypeByExtension), else
	// application/octet-stream.
	ContentType string

	// ContentID is the Content-ID without angle brackets (RFC 2392). An
	// inline part without one gets a random one.
	ContentID string

	// Description is a short UTF-8 text (Content-Description, RFC 2045 §8).
	Description string

	// Body is read once, as the message is written, never whole in memory.
	// A message/rfc822 body is written unencoded (RFC 2046 §5.2.1).
	Body io.Reader
}

// Errors of Builder.WriteTo, wrapped in a *BuildError.
var (
	ErrMissingField  = errors.New("message: required field missing")
	ErrReservedField = errors.New("message: field is written by the Builder")
	ErrNeedsSMTPUTF8 = errors.New("message: non-ASCII header needs SMTPUTF8")
	ErrBoundary      = errors.New("message: unencoded content holds a MIME boundary")
	ErrInvalidField  = errors.New("message: header line is not a field")
)

// BuildError reports what in a Builder prevents writing the message.
type BuildError struct {
	Field string // the header field or attachment concerned
	Err   error
}

// Error describes the problem and where it is.
func (e *BuildError) Error() string { return fmt.Sprintf("message: build %s: %v", e.Field, e.Err) }

// Unwrap returns e.Err.
func (e *BuildError) Unwrap() error { return e.Err }

// Recipients returns the addresses of To, Cc and Bcc (group members
// included) without repeats, for the SMTP envelope.
func (b *Builder) Recipients() []string {
	var out []string
	seen := map[string]bool{}
	var add func(as []Address)
	add = func(as []Address) {
		for i := range as {
			if as[i].IsGroup {
				add(as[i].Members)
				continue
			}
			a := as[i].Addr()
			if k := strings.ToLower(a); a != "" && !seen[k] {
				seen[k] = true
				out = append(out, a)
			}
		}
	}
	add(b.To)
	add(b.Cc)
	add(b.Bcc)
	return out
}

// WriteTo writes the message to w, streaming attachment bodies. It can be
// called once: it consumes the attachments' readers.
func (b *Builder) WriteTo(w io.Writer) (int64, error) {
	cw := &countWriter{w: w}
	bw := bufio.NewWriterSize(cw, 32<<10)
	err := b.write(bw)
	if ferr := bw.Flush(); err == nil {
		err = ferr
	}
	return cw.n, err
}

func (b *Builder) write(w *bufio.Writer) error {
	if b.Date.IsZero() {
		b.Date = time.Now()
	}
	if b.MessageID == "" {
		id, err := b.newID()
		if err != nil {
			return err
		}
		b.MessageID = id
	}
	h, err := b.topHeader()
	if err != nil {
		return err
	}
	root, err := b.tree()
	if err != nil {
		return err
	}
	mw := &mimeWriter{w: w, rand: b.random()}
	if err := mw.node(root, &h, nil); err != nil {
		return err
	}
	if len(root.kids) == 0 {
		return nil // the body is all content: nothing may follow it
	}
	_, err = w.WriteString("\r\n") // after the close delimiter
	return err
}

func (b *Builder) random() io.Reader {
	if b.Rand == nil {
		return rand.Reader
	}
	return b.Rand
}

// random returns n random bytes as lower-case base32 (RFC 4648 §6).
func random(r io.Reader, n int) (string, error) {
	buf := make([]byte, n)
	if _, err := io.ReadFull(r, buf); err != nil {
		return "", fmt.Errorf("message: reading random bytes: %w", err)
	}
	return strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(buf)), nil
}

// newID returns a random id-left "@" id-right (RFC 5322 §3.6.4): 128
// random bits make it unique without coordination.
func (b *Builder) newID() (string, error) {
	s, err := random(b.random(), 16)
	if err != nil {
		return "", err
	}
	return s + "@" + b.idDomain(), nil
}

func (b *Builder) idDomain() string {
	d := b.Domain
	if d == "" && len(b.From) > 0 && !b.From[0].IsGroup {
		d = b.From[0].Domain
	}
	if d == "" {
		return "localhost"
	}
	if a, err := toASCIIDomain(d); err == nil {
		return a
	}
	return "localhost"
}

// tree lays out the MIME structure (see Builder).
func (b *Builder) tree() (*mimeNode, error) {
	var body *mimeNode
	if b.Text != "" || b.HTML == "" {
		body = textNode("plain", b.Text)
	}
	inline, err := b.parts(b.Inline, "inline")
	if err != nil {
		return nil, err
	}
	if b.HTML != "" {
		html := textNode("html", b.HTML)
		if len(inline) > 0 {
			// RFC 2387 §3.1: type names the root part's type.
			html = multipartNode("related", append([]*mimeNode{html}, inline...))
			html.mt.Params = append(html.mt.Params, Param{Name: "type", Value: "text/html"})
			inline = nil
		}
		if body != nil {
			body = multipartNode("alternative", []*mimeNode{body, html})
		} else {
			body = html
		}
	}
	att, err := b.parts(b.Attachments, "attachment")
	if err != nil {
		return nil, err
	}
	rest := append(inline, att...)
	if len(rest) == 0 {
		return body, nil
	}
	if b.Text == "" && b.HTML == "" {
		body = nil // attachments only: no empty text part
	}
	var kids []*mimeNode
	if body != nil {
		kids = append(kids, body)
	}
	return multipartNode("mixed", append(kids, rest...)), nil
}

func textNode(sub, s string) *mimeNode {
	return &mimeNode{
		mt:   MediaType{Type: "text", Subtype: sub, Params: Params{{Name: "charset", Value: "utf-8"}}},
		data: canonicalText(s), text: true, name: "text/" + sub,
	}
}

func multipartNode(sub string, kids []*mimeNode) *mimeNode {
	return &mimeNode{mt: MediaType{Type: "multipart", Subtype: sub}, kids: kids, name: "multipart/" + sub}
}

// parts turns attachments into leaves with disposition disp (RFC 2183).
func (b *Builder) parts(as []Attachment, disp string) ([]*mimeNode, error) {
	var out []*mimeNode
	for i := range as {
		n, err := b.attachment(&as[i], disp)
		if err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	return out, nil
}

func (b *Builder) attachment(a *Attachment, disp string) (*mimeNode, error) {
	name := path.Base(strings.ReplaceAll(a.Filename, "\\", "/"))
	if a.Filename == "" || name == "." || name == "/" {
		name = ""
	}
	what := "attachment " + quoteString(name)
	ct := a.ContentType
	if ct == "" {
		ct = mime.TypeByExtension(path.Ext(name))
	}
	if ct == "" {
		ct = "application/octet-stream"
	}
	mt, err := ParseMediaType(ct)
	if err != nil {
		return nil, &BuildError{Field: what, Err: err}
	}
	d := MediaType{Type: disp}
	if name != "" {
		mt.Params = setParam(mt.Params, "name", name)
		d.Params = Params{{Name: "filename", Value: name}}
	}
	n := &mimeNode{mt: mt, body: a.Body, name: what,
		text:  strings.EqualFold(mt.Type, "text"),
		ident: isMessageMedia(mt)}
	if n.body == nil {
		n.body = strings.NewReader("")
	}
	id := strings.Trim(a.ContentID, "<> ")
	if id == "" && disp == "inline" {
		if id, err = b.newID(); err != nil {
			return nil, err
		}
	}
	if id != "" {
		n.fields = append(n.fields, [2]string{"Content-ID", "<" + id + ">"})
	}
	if a.Description != "" {
		n.fields = append(n.fields, [2]string{"Content-Description", EncodeText(a.Description)})
	}
	n.fields = append(n.fields, [2]string{"Content-Disposition", FormatMediaType(d)})
	return n, nil
}

func isMessageMedia(mt MediaType) bool {
	return strings.EqualFold(mt.Type, "message") &&
		(strings.EqualFold(mt.Subtype, "rfc822") || strings.EqualFold(mt.Subtype, "global"))
}

// setParam replaces or appends a parameter.
func setParam(ps Params, name, value string) Params {
	for i := range ps {
		if strings.EqualFold(ps[i].Name, name) {
			ps[i] = Param{Name: name, Value: value}
			return ps
		}
	}
	return append(ps, Param{Name: name, Value: value})
}

type countWriter struct {
	w io.Writer
	n int64
}

func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}
