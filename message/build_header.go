package message

import (
	"strings"
	"unicode/utf8"

	"golang.org/x/net/idna"
)

// topHeader writes the message header fields, MIME-Version included; the
// Content-* fields are added by the MIME writer.
func (b *Builder) topHeader() (Header, error) {
	var h Header
	own := func(name string) bool { return !b.Header.Has(name) }
	if own("Date") {
		h.Add("Date", FormatDate(b.Date))
	}
	if len(b.From) == 0 && own("From") {
		return h, &BuildError{Field: "From", Err: ErrMissingField}
	}
	for _, f := range []struct {
		name string
		as   []Address
	}{{"From", b.From}, {"Reply-To", b.ReplyTo}, {"To", b.To}, {"Cc", b.Cc}} {
		if len(f.as) == 0 || !own(f.name) {
			continue
		}
		v, err := b.formatAddresses(f.as)
		if err != nil {
			return h, &BuildError{Field: f.name, Err: err}
		}
		h.Add(f.name, v)
	}
	if b.Subject != "" && own("Subject") {
		h.Add("Subject", b.headerText(b.Subject))
	}
	if own("Message-ID") {
		h.Add("Message-ID", "<"+strings.Trim(b.MessageID, "<> ")+">")
	}
	for _, f := range []struct {
		name string
		ids  []string
	}{{"In-Reply-To", b.InReplyTo}, {"References", b.References}} {
		if len(f.ids) > 0 && own(f.name) {
			h.Add(f.name, formatIDs(f.ids))
		}
	}
	if err := b.extraFields(&h); err != nil {
		return h, err
	}
	h.Add("MIME-Version", "1.0")
	return h, nil
}

// extraFields copies Builder.Header, its line endings made CRLF.
func (b *Builder) extraFields(h *Header) error {
	for _, f := range b.Header.fields {
		if !f.Valid() {
			return &BuildError{Field: "Header", Err: ErrInvalidField}
		}
		name := f.Name()
		if f.Is("MIME-Version") || (len(name) >= 8 && strings.EqualFold(name[:8], "content-")) {
			return &BuildError{Field: name, Err: ErrReservedField}
		}
		if !b.SMTPUTF8 && !isASCII(f.raw) {
			return &BuildError{Field: name, Err: ErrNeedsSMTPUTF8}
		}
		h.AddRaw(fieldCRLF(f.raw))
	}
	return nil
}

// fieldCRLF gives a field's raw bytes CRLF line endings (RFC 5322 §2.1): a
// bare LF becomes CRLF, a bare CR a space, so no new line can start.
func fieldCRLF(raw []byte) []byte {
	out := make([]byte, 0, len(raw)+4)
	for i, c := range raw {
		switch {
		case c == '\n' && (i == 0 || raw[i-1] != '\r'):
			out = append(out, '\r', '\n')
		case c == '\r' && (i+1 == len(raw) || raw[i+1] != '\n'):
			out = append(out, ' ')
		default:
			out = append(out, c)
		}
	}
	return out
}

func isASCII[T string | []byte](s T) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

func formatIDs(ids []string) string {
	var s strings.Builder
	for i, id := range ids {
		if i > 0 {
			s.WriteByte(' ')
		}
		s.WriteString("<" + strings.Trim(id, "<> ") + ">")
	}
	return s.String()
}

// headerText formats unstructured text: raw UTF-8 under SMTPUTF8 (RFC 6532
// §3.2) when it is valid and cannot be mistaken for encoded words, RFC 2047
// encoded words otherwise.
func (b *Builder) headerText(s string) string {
	if b.SMTPUTF8 && rawUTF8OK(s) {
		return s
	}
	return EncodeText(s)
}

// rawUTF8OK reports text that can go into a header as it is under RFC 6532:
// valid UTF-8 without controls or anything that looks like an encoded word.
func rawUTF8OK(s string) bool {
	if !utf8.ValidString(s) || strings.Contains(s, "=?") {
		return false
	}
	for _, r := range s {
		if r < ' ' && r != '\t' || r == 0x7f || (r >= 0x80 && r < 0xa0) {
			return false
		}
	}
	return true
}

// formatAddresses formats an address list (RFC 5322 §3.4) for this
// Builder's transport.
func (b *Builder) formatAddresses(as []Address) (string, error) {
	var s strings.Builder
	for i := range as {
		if i > 0 {
			s.WriteString(", ")
		}
		v, err := b.formatAddress(&as[i])
		if err != nil {
			return "", err
		}
		s.WriteString(v)
	}
	return s.String(), nil
}

func (b *Builder) formatAddress(a *Address) (string, error) {
	if a.IsGroup {
		ms, err := b.formatAddresses(a.Members)
		if err != nil {
			return "", err
		}
		if ms != "" {
			ms = " " + ms
		}
		return b.phrase(a.Name) + ":" + ms + ";", nil
	}
	local := a.Local
	if !isASCII(local) && !b.SMTPUTF8 {
		return "", ErrNeedsSMTPUTF8 // RFC 6532 §3.2: only with SMTPUTF8
	}
	if !isDotAtom(local) && !strings.HasPrefix(local, `"`) {
		local = quoteString(local) // RFC 5322 §3.4.1 quoted local part
	}
	addr := local
	if a.Domain != "" {
		d := a.Domain
		if !b.SMTPUTF8 && !isASCII(d) {
			var err error
			if d, err = toASCIIDomain(d); err != nil {
				return "", err
			}
		}
		addr += "@" + d
	}
	if a.Name == "" && a.Route == "" {
		return addr, nil
	}
	var s strings.Builder
	if a.Name != "" {
		s.WriteString(b.phrase(a.Name) + " ")
	}
	s.WriteByte('<')
	if a.Route != "" {
		s.WriteString(a.Route + ":")
	}
	s.WriteString(addr + ">")
	return s.String(), nil
}

// phrase formats a display name (RFC 5322 §3.2.5): raw UTF-8 under
// SMTPUTF8, encoded words (RFC 2047 §5 (3)) otherwise, quoted when it has
// specials.
func (b *Builder) phrase(s string) string {
	if b.SMTPUTF8 && rawUTF8OK(s) {
		return quotePhrase(s)
	}
	return formatPhrase(s)
}

// isDotAtom reports RFC 5322 §3.2.3 dot-atom-text (with UTF-8, RFC 6532).
func isDotAtom(s string) bool {
	if s == "" || s[0] == '.' || s[len(s)-1] == '.' || strings.Contains(s, "..") {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] != '.' && !isAtext(s[i]) {
			return false
		}
	}
	return true
}

// toASCIIDomain converts an internationalized domain to A-labels (RFC 5891)
// so that it can be used without SMTPUTF8.
func toASCIIDomain(d string) (string, error) {
	if isASCII(d) {
		return d, nil
	}
	return idna.Lookup.ToASCII(d)
}
