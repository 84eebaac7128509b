package message

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"io"
	"mime"
	"mime/multipart"
	"net/mail"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	gomail "github.com/emersion/go-message/mail"

	"github.com/mailstack/mailstack/internal/testpeer"
)

// seenLeaf is what an independent parser reports for one leaf part.
type seenLeaf struct {
	Type, Filename, ContentID string
	Data                      []byte // nil: not compared
}

// seenMessage is what an independent parser reports for a message.
type seenMessage struct {
	Subject, FromName, FromAddr string
	Leaves                      []seenLeaf
}

const innerEML = "From: inner@example.org\r\nSubject: forwarded\r\n\r\nThe forwarded body.\r\n"

// richBuilder returns a message with everything the Builder does, and what
// a reader should find in it.
func richBuilder() (*Builder, seenMessage) {
	png := randomBytes(5000, 3)
	bin := randomBytes(100000, 4) // streamed past the sample
	longName := "Überweisungsbestätigung für das Geschäftsjahr 2024 – endgültige Fassung (Kopie).pdf"
	subject := "Grüße aus Köln – " + strings.Repeat("long ", 30) + "☃ 日本語の件名"
	text := "Hallo Jörg,\nanbei die Unterlagen.\n\n-- \nAlice\n"
	html := "<html><body><p>Привет! Смотри картинку:</p><img src=\"cid:logo@example.org\"></body></html>\n"
	b := &Builder{
		From:    []Address{{Name: "Alice Müller", Local: "alice", Domain: "example.org"}},
		To:      []Address{{Name: "Jörg", Local: "joerg", Domain: "example.net"}},
		Subject: subject,
		Text:    text, HTML: html,
		Inline: []Attachment{{Filename: "logo.png", ContentID: "logo@example.org", Body: bytes.NewReader(png)}},
		Attachments: []Attachment{
			{Filename: longName, Body: bytes.NewReader(bin)},
			{Filename: "naïve.txt", ContentType: "text/plain", Body: strings.NewReader("unix\nline ends\n")},
			{Filename: "inner.eml", ContentType: "message/rfc822", Body: strings.NewReader(innerEML)},
		},
	}
	want := seenMessage{Subject: subject, FromName: "Alice Müller", FromAddr: "alice@example.org", Leaves: []seenLeaf{
		{Type: "text/plain", Data: canonicalText(text)},
		{Type: "text/html", Data: canonicalText(html)},
		{Type: "image/png", Filename: "logo.png", ContentID: "logo@example.org", Data: png},
		{Type: "application/pdf", Filename: longName, Data: bin},
		{Type: "text/plain", Filename: "naïve.txt", Data: []byte("unix\nline ends\n")},
		{Type: "message/rfc822", Filename: "inner.eml", Data: []byte(innerEML)},
	}}
	return b, want
}

func compareSeen(t *testing.T, who string, got, want seenMessage) {
	t.Helper()
	if got.Subject != want.Subject || got.FromName != want.FromName || got.FromAddr != want.FromAddr {
		t.Errorf("%s: header %q %q %q\nwant %q %q %q", who, got.Subject, got.FromName, got.FromAddr, want.Subject, want.FromName, want.FromAddr)
	}
	if len(got.Leaves) != len(want.Leaves) {
		t.Fatalf("%s: %d leaves %+v, want %d", who, len(got.Leaves), got.Leaves, len(want.Leaves))
	}
	for i, w := range want.Leaves {
		g := got.Leaves[i]
		if g.Type != w.Type || g.Filename != w.Filename || g.ContentID != w.ContentID ||
			(g.Data != nil && !bytes.Equal(g.Data, w.Data)) {
			t.Errorf("%s: leaf %d = %s %q %q %q\nwant %s %q %q %q", who, i, g.Type, g.Filename, g.ContentID, clip(g.Data),
				w.Type, w.Filename, w.ContentID, clip(w.Data))
		}
	}
}

// TestBuildReadByUs reads the rich message back with this package.
func TestBuildReadByUs(t *testing.T) {
	b, want := richBuilder()
	raw := build(t, b)
	msg, err := Parse(bytes.NewReader(raw), int64(len(raw)), nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := shape(msg.Root); got != "mixed(alternative(text/plain,related(text/html,image/png)),application/pdf,text/plain,message/rfc822)" {
		t.Errorf("shape %s", got)
	}
	h, _ := msg.Header(msg.Root)
	from, _ := ParseAddressList(h.Get("From"))
	got := seenMessage{Subject: h.Text("Subject"), FromName: from[0].Name, FromAddr: from[0].Addr()}
	for _, l := range ourLeaves(t, msg) {
		if l.Encoding == "" {
			continue // inside the encapsulated message: other readers do not descend
		}
		got.Leaves = append(got.Leaves, seenLeaf{l.Type, l.Filename, l.ContentID, l.Data})
	}
	compareSeen(t, "message", got, want)
	checkWellFormed(t, "rich", raw)
}

// TestBuildReadByGoMessage reads it with emersion/go-message's mail.Reader.
func TestBuildReadByGoMessage(t *testing.T) {
	b, want := richBuilder()
	raw := build(t, b)
	mr, err := gomail.CreateReader(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	var got seenMessage
	got.Subject, _ = mr.Header.Subject()
	if from, err := mr.Header.AddressList("From"); err == nil && len(from) == 1 {
		got.FromName, got.FromAddr = from[0].Name, from[0].Address
	}
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		data, err := io.ReadAll(p.Body)
		if err != nil {
			t.Fatal(err)
		}
		var l seenLeaf
		switch h := p.Header.(type) {
		case *gomail.InlineHeader:
			l.Type, _, _ = h.ContentType()
			_, params, _ := h.ContentDisposition()
			l.Filename = params["filename"]
			l.ContentID = strings.Trim(h.Get("Content-Id"), "<>")
		case *gomail.AttachmentHeader:
			l.Type, _, _ = h.ContentType()
			l.Filename, _ = h.Filename()
			l.ContentID = strings.Trim(h.Get("Content-Id"), "<>")
		}
		l.Data = data
		got.Leaves = append(got.Leaves, l)
	}
	compareSeen(t, "go-message", got, want)
}

// TestBuildReadByNetMail reads it with net/mail and mime/multipart.
func TestBuildReadByNetMail(t *testing.T) {
	b, want := richBuilder()
	raw := build(t, b)
	m, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	var got seenMessage
	got.Subject, _ = new(mime.WordDecoder).DecodeHeader(m.Header.Get("Subject"))
	if from, err := m.Header.AddressList("From"); err == nil && len(from) == 1 {
		got.FromName, got.FromAddr = from[0].Name, from[0].Address
	}
	walkNetMail(t, m.Header.Get("Content-Type"), m.Header.Get("Content-Transfer-Encoding"), "", "", m.Body, &got.Leaves)
	compareSeen(t, "net/mail", got, want)
}

func walkNetMail(t *testing.T, ct, cte, filename, cid string, body io.Reader, out *[]seenLeaf) {
	mt, params, err := mime.ParseMediaType(ct)
	if err != nil {
		t.Fatalf("mime.ParseMediaType(%q): %v", ct, err)
	}
	if !strings.HasPrefix(mt, "multipart/") {
		if strings.EqualFold(cte, "base64") {
			body = base64.NewDecoder(base64.StdEncoding, body)
		}
		data, err := io.ReadAll(body)
		if err != nil {
			t.Fatalf("%s: %v", mt, err)
		}
		*out = append(*out, seenLeaf{mt, filename, cid, data})
		return
	}
	mr := multipart.NewReader(body, params["boundary"])
	for {
		p, err := mr.NextPart() // undoes quoted-printable itself
		if err == io.EOF {
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		walkNetMail(t, p.Header.Get("Content-Type"), p.Header.Get("Content-Transfer-Encoding"),
			p.FileName(), strings.Trim(p.Header.Get("Content-Id"), "<>"), p, out)
	}
}

// pyReader prints what Python's email package sees, as JSON.
const pyReader = `
import base64, email, json, sys
from email import policy
m = email.message_from_bytes(open(sys.argv[1], 'rb').read(), policy=policy.default)
out = {"Subject": str(m["subject"]), "FromName": m["from"].addresses[0].display_name,
       "FromAddr": m["from"].addresses[0].addr_spec, "Leaves": []}
def visit(p):
    if p.get_content_maintype() == "multipart":
        for s in p.iter_parts():
            visit(s)
        return
    data = None
    if p.get_content_type() != "message/rfc822":  # parsed, not kept as bytes
        data = base64.b64encode(p.get_payload(decode=True)).decode()
    cid = p["content-id"]
    out["Leaves"].append({"Type": p.get_content_type(), "Filename": p.get_filename() or "",
                          "ContentID": str(cid).strip("<>") if cid else "", "Data": data})
visit(m)
json.dump(out, sys.stdout)
`

// TestBuildReadByPython reads it with Python's email package (policy.default).
func TestBuildReadByPython(t *testing.T) {
	py := testpeer.Need(t, "python3")
	b, want := richBuilder()
	raw := build(t, b)
	f := filepath.Join(t.TempDir(), "m.eml")
	if err := os.WriteFile(f, raw, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(py, "-c", pyReader, f).Output()
	if err != nil {
		t.Fatalf("python3: %v", err)
	}
	var got seenMessage
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	compareSeen(t, "python3 email", got, want)
}
