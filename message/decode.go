package message

import (
	"encoding/base64"
	"io"
	"mime/quotedprintable"
	"strings"
)

// DecodeReader returns r with the content transfer encoding enc undone
// (RFC 2045 §6): base64 (leniently skipping characters outside its
// alphabet), quoted-printable, or identity for 7bit, 8bit, binary and "".
// Other encodings give ErrUnknownEncoding.
func DecodeReader(r io.Reader, enc string) (io.Reader, error) {
	switch strings.ToLower(strings.TrimSpace(enc)) {
	case "", "7bit", "8bit", "binary":
		return r, nil
	case "base64":
		return base64.NewDecoder(base64.StdEncoding, &b64Filter{r: r}), nil
	case "quoted-printable":
		return quotedprintable.NewReader(r), nil
	}
	return nil, ErrUnknownEncoding
}

// b64Filter passes only base64 alphabet characters and stops after padding,
// so line breaks and stray junk in real mail do not end decoding.
type b64Filter struct {
	r    io.Reader
	done bool
}

func (f *b64Filter) Read(p []byte) (int, error) {
	for {
		if f.done {
			return 0, io.EOF
		}
		n, err := f.r.Read(p)
		w := 0
		for i := 0; i < n; i++ {
			c := p[i]
			if 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '+' || c == '/' || c == '=' {
				p[w] = c
				w++
			}
		}
		if err == io.EOF {
			f.done = true
			// Pad a truncated final quantum so its bytes still decode.
			if w == 0 {
				return 0, io.EOF
			}
		} else if err != nil {
			return w, err
		}
		if w > 0 {
			return w, nil
		}
	}
}

// binary serves BINARY[part] (RFC 3516): the decoded content and its size,
// which costs one decoding pass.
func (m *Message) binary(p *Part, off, n int64, sec Section) (io.Reader, int64, error) {
	if p.IsMultipart() || p.IsMessage() {
		off, n = clampPartial(off, n, sec)
		return io.NewSectionReader(m.r, off, n), n, nil
	}
	open := func() (io.Reader, error) {
		return DecodeReader(io.NewSectionReader(m.r, off, n), p.Encoding)
	}
	r, err := open()
	if err != nil {
		return nil, 0, err
	}
	size, err := io.Copy(io.Discard, r)
	if err != nil {
		size = 0 // undecodable: treat as empty rather than fail the FETCH
	}
	r, _ = open()
	if sec.Partial {
		o, c := clampPartial(0, size, sec)
		if _, err := io.CopyN(io.Discard, r, o); err != nil && err != io.EOF {
			return nil, 0, err
		}
		return io.LimitReader(r, c), c, nil
	}
	return io.LimitReader(r, size), size, nil
}

// DecodedSize returns the size of a part's content with its transfer
// encoding undone (RFC 3516 BINARY.SIZE), decoding it once.
func (m *Message) DecodedSize(p *Part) (int64, error) {
	_, n, err := m.binary(p, p.BodyOffset(), p.BodySize, Section{})
	return n, err
}
