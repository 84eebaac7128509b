package message

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
)

// mimeNode is one part of a message being built.
type mimeNode struct {
	mt     MediaType
	fields [][2]string // further MIME fields, values ready to write
	kids   []*mimeNode // a multipart's parts
	data   []byte      // an in-memory body (Text, HTML), canonical text
	body   io.Reader   // a streamed body (an attachment)
	text   bool        // text/*: quoted-printable is an option
	ident  bool        // message/*: never encoded (RFC 2046 §5.2.1)
	name   string      // for errors
}

// sampleSize is how much of a streamed body is looked at to choose its
// encoding. A body that fits is known whole and may be sent as 7bit.
const sampleSize = 32 << 10

// boundaryPrefix starts every boundary: "=_" cannot occur in
// quoted-printable or base64 output (RFC 2045 §6.7, §6.8), so only 7bit
// content, which the writer holds whole and checks, could contain it.
const boundaryPrefix = "=_"

// mimeWriter writes a tree of mimeNodes.
type mimeWriter struct {
	w    *bufio.Writer
	rand io.Reader
}

// node writes the rest of header h (the MIME fields of n), the empty line
// and n's body. bounds are the enclosing boundaries.
func (mw *mimeWriter) node(n *mimeNode, h *Header, bounds []string) error {
	if len(n.kids) > 0 {
		return mw.multipart(n, h, bounds)
	}
	return mw.leaf(n, h, bounds)
}

// multipart writes a multipart body (RFC 2046 §5.1.1): no preamble, each
// part after "--boundary", the close delimiter without a line ending of its
// own (the caller's delimiter or the message end supplies it).
func (mw *mimeWriter) multipart(n *mimeNode, h *Header, bounds []string) error {
	// 160 random bits: a boundary no content can guess (RFC 2046 §5.1.1
	// allows up to 70 characters; this is 34).
	r, err := random(mw.rand, 20)
	if err != nil {
		return err
	}
	bnd := boundaryPrefix + r
	mt := n.mt
	mt.Params = append(Params{{Name: "boundary", Value: bnd}}, mt.Params...)
	h.Add("Content-Type", FormatMediaType(mt))
	if _, err := h.WriteTo(mw.w); err != nil {
		return err
	}
	bounds = append(bounds, bnd)
	for i, kid := range n.kids {
		sep := "\r\n--" + bnd + "\r\n"
		if i == 0 {
			sep = sep[2:]
		}
		if _, err := mw.w.WriteString(sep); err != nil {
			return err
		}
		var kh Header
		if err := mw.node(kid, &kh, bounds); err != nil {
			return err
		}
	}
	_, err = mw.w.WriteString("\r\n--" + bnd + "--")
	return err
}

// leaf chooses the transfer encoding from the content (all of it for
// in-memory bodies, the first sampleSize bytes of a stream), writes the
// header and streams the body through the encoder.
func (mw *mimeWriter) leaf(n *mimeNode, h *Header, bounds []string) error {
	data, complete, src, err := n.sample()
	if err != nil {
		return err
	}
	st := scanBody(data, complete)
	enc := chooseEncoding(st, complete, n.text)
	if enc == enc7bit && holdsBoundary(data, bounds) {
		enc = encBase64
		if n.text {
			enc = encQP
		}
	}
	if n.ident {
		if enc = identityEncoding(st, complete); holdsBoundary(data, bounds) {
			return &BuildError{Field: n.name, Err: ErrBoundary}
		}
	}
	h.Add("Content-Type", FormatMediaType(n.mt))
	h.Add("Content-Transfer-Encoding", enc)
	for _, f := range n.fields {
		h.Add(f[0], f[1])
	}
	if _, err := h.WriteTo(mw.w); err != nil {
		return err
	}
	ew, end := encoder(mw.w, enc)
	if _, err := io.Copy(ew, src); err != nil {
		var re *readError
		if errors.As(err, &re) {
			return fmt.Errorf("message: reading %s: %w", n.name, re.err)
		}
		return err
	}
	return end()
}

// sample returns the start of the body (all of it when complete) and a
// reader of the whole body.
func (n *mimeNode) sample() (data []byte, complete bool, src io.Reader, err error) {
	if n.body == nil {
		return n.data, true, bytes.NewReader(n.data), nil
	}
	br := bufio.NewReaderSize(&errReader{r: n.body}, sampleSize)
	data, err = br.Peek(sampleSize)
	switch {
	case err == io.EOF:
		return data, true, br, nil
	case err != nil:
		var re *readError
		if errors.As(err, &re) {
			err = re.err
		}
		return nil, false, nil, fmt.Errorf("message: reading %s: %w", n.name, err)
	}
	return data, false, br, nil
}

// identityEncoding labels message/* content, which is never encoded
// (RFC 2046 §5.2.1): 7bit or 8bit when the content is that, else binary.
// A stream longer than the sample is judged by its sample.
func identityEncoding(st bodyStats, complete bool) string {
	switch {
	case st.nul || st.bareEOL || st.longLine:
		return encBinary
	case st.eightBit || !complete:
		return enc8bit
	}
	return enc7bit
}

// holdsBoundary reports whether b contains "--" and one of the boundaries.
func holdsBoundary(b []byte, bounds []string) bool {
	for _, bnd := range bounds {
		if bytes.Contains(b, []byte("--"+bnd)) {
			return true
		}
	}
	return false
}

// errReader marks errors of an attachment's reader, to tell them from the
// destination writer's in io.Copy.
type errReader struct{ r io.Reader }

type readError struct{ err error }

func (e *readError) Error() string { return e.err.Error() }
func (e *readError) Unwrap() error { return e.err }

func (r *errReader) Read(p []byte) (int, error) {
	n, err := r.r.Read(p)
	if err != nil && err != io.EOF {
		err = &readError{err}
	}
	return n, err
}
