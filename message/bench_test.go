package message

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"io"
	"math/rand"
	"mime"
	"mime/multipart"
	"net/mail"
	"strings"
	"testing"

	gomail "github.com/emersion/go-message/mail"
)

// benchMultipart builds a ~5 MB multipart/mixed with text, HTML and base64
// attachments.
func benchMultipart() []byte {
	var b bytes.Buffer
	b.WriteString("From: Alice <alice@example.org>\r\nTo: Bob <bob@example.org>\r\nSubject: bench\r\nDate: Tue, 3 Jun 2008 11:05:30 +0200\r\nMessage-ID: <bench@example.org>\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"=_bench\"\r\n\r\n")
	b.WriteString("--=_bench\r\nContent-Type: multipart/alternative; boundary=\"=_alt\"\r\n\r\n--=_alt\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n")
	b.WriteString(strings.Repeat("Some plain text of the message body.\r\n", 200))
	b.WriteString("--=_alt\r\nContent-Type: text/html; charset=utf-8\r\n\r\n")
	b.WriteString(strings.Repeat("<p>Some HTML text of the message body.</p>\r\n", 200))
	b.WriteString("--=_alt--\r\n")
	rnd := rand.New(rand.NewSource(1))
	data := make([]byte, 1200<<10)
	for i := 0; i < 3; i++ {
		rnd.Read(data)
		enc := base64.StdEncoding.EncodeToString(data)
		fmt.Fprintf(&b, "--=_bench\r\nContent-Type: application/octet-stream; name=\"f%d.bin\"\r\nContent-Transfer-Encoding: base64\r\nContent-Disposition: attachment; filename=\"f%d.bin\"\r\n\r\n", i, i)
		for len(enc) > 76 {
			b.WriteString(enc[:76])
			b.WriteString("\r\n")
			enc = enc[76:]
		}
		b.WriteString(enc + "\r\n")
	}
	b.WriteString("--=_bench--\r\n")
	return b.Bytes()
}

func benchText() []byte {
	return []byte("From: Alice <alice@example.org>\r\nTo: Bob <bob@example.org>\r\nSubject: short text\r\nDate: Tue, 3 Jun 2008 11:05:30 +0200\r\nMessage-ID: <t@example.org>\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n" +
		strings.Repeat("A line of text in a short message, about seventy characters long.\r\n", 42))
}

func benchInputs() []struct {
	name string
	data []byte
} {
	return []struct {
		name string
		data []byte
	}{{"5MB-multipart", benchMultipart()}, {"3KB-text", benchText()}}
}

// BenchmarkParse builds the part index (what FETCH BODYSTRUCTURE needs).
func BenchmarkParse(b *testing.B) {
	for _, in := range benchInputs() {
		b.Run(in.name, func(b *testing.B) {
			b.SetBytes(int64(len(in.data)))
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				if _, err := Parse(bytes.NewReader(in.data), int64(len(in.data)), nil); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkGoMessageWalk walks every part with go-message's mail.Reader,
// reading each body (which is how it finds the parts).
func BenchmarkGoMessageWalk(b *testing.B) {
	for _, in := range benchInputs() {
		b.Run(in.name, func(b *testing.B) {
			b.SetBytes(int64(len(in.data)))
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				mr, err := gomail.CreateReader(bytes.NewReader(in.data))
				if err != nil {
					b.Fatal(err)
				}
				for {
					p, err := mr.NextPart()
					if err != nil {
						break
					}
					io.Copy(io.Discard, p.Body)
				}
			}
		})
	}
}

// BenchmarkNetMailMultipart walks the parts with net/mail and mime/multipart.
func BenchmarkNetMailMultipart(b *testing.B) {
	for _, in := range benchInputs() {
		b.Run(in.name, func(b *testing.B) {
			b.SetBytes(int64(len(in.data)))
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				m, err := mail.ReadMessage(bytes.NewReader(in.data))
				if err != nil {
					b.Fatal(err)
				}
				walkStd(m.Header.Get("Content-Type"), m.Body)
			}
		})
	}
}

func walkStd(ct string, body io.Reader) {
	mt, params, err := mime.ParseMediaType(ct)
	if err != nil || !strings.HasPrefix(mt, "multipart/") {
		io.Copy(io.Discard, body)
		return
	}
	mr := multipart.NewReader(body, params["boundary"])
	for {
		p, err := mr.NextRawPart()
		if err != nil {
			return
		}
		walkStd(p.Header.Get("Content-Type"), p)
	}
}

// benchEnvelopeHeader is a header as mailing-list mail has it: folded
// address lists, display names quoted and encoded, a References chain.
func benchEnvelopeHeader() []byte {
	return []byte("Return-Path: <list-bounces@lists.example.org>\r\n" +
		"Received: from mx.example.org (mx.example.org [192.0.2.1])\r\n\tby mail.example.net with ESMTPS id 4Xyz; Tue, 3 Jun 2008 11:05:31 +0200\r\n" +
		"From: \"Alice Example\" <alice@example.org>\r\n" +
		"To: Bob <bob@example.org>, \"Carol, C.\" <carol@example.net>,\r\n dave@example.com\r\n" +
		"Cc: =?utf-8?q?Ren=C3=A9e?= <renee@example.fr>, list@lists.example.org\r\n" +
		"Subject: =?utf-8?q?R=C3=A9union?= of the working group\r\n" +
		"Date: Tue, 3 Jun 2008 11:05:30 +0200\r\n" +
		"Message-ID: <1234.5678@example.org>\r\n" +
		"In-Reply-To: <1111.2222@example.net>\r\n" +
		"References: <0000.1111@example.com> <1111.2222@example.net>\r\n" +
		"MIME-Version: 1.0\r\n" +
		"Content-Type: text/plain; charset=utf-8\r\n\r\n" +
		"Body.\r\n")
}

// BenchmarkEnvelope builds the ENVELOPE of an indexed message (FETCH
// ENVELOPE), reading its header again.
func BenchmarkEnvelope(b *testing.B) {
	data := benchEnvelopeHeader()
	m, err := Parse(bytes.NewReader(data), int64(len(data)), nil)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, err := m.Envelope(); err != nil {
			b.Fatal(err)
		}
	}
}
