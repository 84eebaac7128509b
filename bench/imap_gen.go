//go:build ignore

// imap_gen writes a Maildir of varied, real-looking messages for
// bench/imap.sh: plain text, text with HTML, attachments, non-ASCII
// subjects and names (RFC 2047), quoted-printable bodies, replies with
// References, and the message package's test corpus with fresh
// Message-IDs. Files are written as an MDA writes them (LF line endings)
// into cur/ with Dovecot-style names, three in four marked seen. The output
// depends only on -seed.
//
//	go run bench/imap_gen.go -dir /tmp/bench/Maildir -n 10000
package main

import (
	"bytes"
	"flag"
	"fmt"
	"log"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/mailstack/mailstack/message"
)

var words = strings.Fields(`the of and to in is was for on that with as by at from this
be have it are not or an which but were all their one had there been has more when
who will would can also about other into its time some only could these may than
then them first two new after most such what over where make well through before
meeting report budget project deadline review server release invoice travel quarter
customer schedule update draft proposal contract agenda minutes summary feedback
Grüße Straße café naïve résumé Zürich München Ærø São Paulo Kraków Łódź`)

var names = []string{"Alice Martin", "Bob Dupont", "Chloé Lefèvre", "Dmitri Ivanov", "Eve Smith",
	"François Müller", "Grace Hopper", "Hiroshi Tanaka", "Ingrid Bergström", "José García",
	"Karl Weiß", "Lena Nowak", "Mario Rossi", "Nadia Haddad", "Olivia Brown", "Pål Åsen"}

var domains = []string{"example.org", "example.com", "mail.example.net", "corp.example", "lists.example.org"}

func main() {
	dir := flag.String("dir", "", "Maildir to create (required)")
	n := flag.Int("n", 10000, "number of messages")
	seed := flag.Uint64("seed", 1, "random seed")
	corpus := flag.String("corpus", "message/testdata/corpus", "directory of .eml files mixed in")
	flag.Parse()
	if *dir == "" {
		log.Fatal("usage: imap_gen -dir DIR [-n N] [-seed S]")
	}
	for _, sub := range []string{"cur", "new", "tmp"} {
		if err := os.MkdirAll(filepath.Join(*dir, sub), 0o700); err != nil {
			log.Fatal(err)
		}
	}
	eml := loadCorpus(*corpus)
	r := rand.New(rand.NewPCG(*seed, 7))
	base := time.Date(2024, 1, 1, 8, 0, 0, 0, time.UTC)
	var total int64
	for i := 0; i < *n; i++ {
		date := base.Add(time.Duration(i) * 37 * time.Minute)
		var msg []byte
		if len(eml) > 0 && r.IntN(8) == 0 {
			msg = fromCorpus(eml[r.IntN(len(eml))], i, date)
		} else {
			msg = build(r, i, date)
		}
		msg = bytes.ReplaceAll(msg, []byte("\r\n"), []byte("\n")) // as an MDA stores it
		flags := ""
		if r.IntN(4) != 0 {
			flags = "S"
		}
		if r.IntN(20) == 0 {
			flags = "F" + flags
		}
		name := fmt.Sprintf("%d.M%dP%d.bench,S=%d:2,%s", date.Unix(), i, os.Getpid(), len(msg), flags)
		path := filepath.Join(*dir, "cur", name)
		if err := os.WriteFile(path, msg, 0o600); err != nil {
			log.Fatal(err)
		}
		os.Chtimes(path, date, date)
		total += int64(len(msg))
	}
	fmt.Printf("%d messages, %d bytes\n", *n, total)
}

func loadCorpus(dir string) [][]byte {
	files, _ := filepath.Glob(filepath.Join(dir, "*.eml"))
	var out [][]byte
	for _, f := range files {
		if strings.Contains(f, "deep-nesting") || strings.Contains(f, "nul-in-body") {
			continue // pathological, not "real-looking"
		}
		if b, err := os.ReadFile(f); err == nil {
			out = append(out, b)
		}
	}
	return out
}

var msgIDRE = regexp.MustCompile(`(?im)^Message-ID:.*$`)

// fromCorpus gives a corpus message a Message-ID of its own.
func fromCorpus(b []byte, i int, date time.Time) []byte {
	id := fmt.Sprintf("Message-ID: <corpus.%d.%d@bench.example>", i, date.Unix())
	if msgIDRE.Match(b) {
		return msgIDRE.ReplaceAll(b, []byte(id))
	}
	return append([]byte(id+"\r\n"), b...)
}

func sentence(r *rand.Rand, n int) string {
	var b strings.Builder
	for j := 0; j < n; j++ {
		if j > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(words[r.IntN(len(words))])
	}
	return b.String()
}

// body is a text of about size bytes in paragraphs of wrapped lines.
func body(r *rand.Rand, size int) string {
	var b strings.Builder
	for b.Len() < size {
		for l := 0; l < 2+r.IntN(6) && b.Len() < size; l++ {
			b.WriteString(sentence(r, 8+r.IntN(6)))
			b.WriteString("\n")
		}
		b.WriteString("\n")
	}
	return b.String()
}

// size draws a body size: most messages are a few KiB, some much larger.
func size(r *rand.Rand) int {
	s := 300 + int(r.ExpFloat64()*4000)
	return min(s, 200<<10)
}

func addr(r *rand.Rand) message.Address {
	name := names[r.IntN(len(names))]
	local := strings.ToLower(strings.Fields(name)[0])
	local = strings.Map(func(c rune) rune {
		if c < 'a' || c > 'z' {
			return 'x'
		}
		return c
	}, local)
	return message.Address{Name: name, Local: local, Domain: domains[r.IntN(len(domains))]}
}

func build(r *rand.Rand, i int, date time.Time) []byte {
	b := &message.Builder{
		From:      []message.Address{addr(r)},
		To:        []message.Address{addr(r)},
		Subject:   capitalize(sentence(r, 3+r.IntN(6))),
		Date:      date,
		MessageID: fmt.Sprintf("%d.%d@bench.example", i, date.Unix()),
		Rand:      r2reader{r},
		Text:      body(r, size(r)),
	}
	if r.IntN(3) == 0 {
		b.Cc = []message.Address{addr(r), addr(r)}
	}
	if r.IntN(4) == 0 && i > 0 {
		ref := fmt.Sprintf("%d.%d@bench.example", i-1, date.Add(-37*time.Minute).Unix())
		b.Subject = "Re: " + b.Subject
		b.InReplyTo, b.References = []string{ref}, []string{ref}
	}
	switch k := r.IntN(10); {
	case k < 3: // text and HTML
		b.HTML = "<html><body><p>" + strings.ReplaceAll(b.Text, "\n\n", "</p><p>") + "</p></body></html>"
	case k < 5: // attachments
		for a := 0; a < 1+r.IntN(2); a++ {
			data := make([]byte, 2000+r.IntN(60000))
			for j := range data {
				data[j] = byte(r.Uint32())
			}
			b.Attachments = append(b.Attachments, message.Attachment{
				Filename: fmt.Sprintf("%s-%d.pdf", words[r.IntN(len(words))], a), Body: bytes.NewReader(data)})
		}
	case k < 6: // a forwarded message
		var inner bytes.Buffer
		(&message.Builder{From: []message.Address{addr(r)}, To: []message.Address{addr(r)},
			Subject: sentence(r, 4), Date: date.Add(-time.Hour), Text: body(r, 800), Rand: r2reader{r},
			MessageID: fmt.Sprintf("fwd.%d@bench.example", i)}).WriteTo(&inner)
		b.Attachments = []message.Attachment{{Filename: "forwarded.eml", ContentType: "message/rfc822", Body: &inner}}
	}
	var out bytes.Buffer
	if _, err := b.WriteTo(&out); err != nil {
		log.Fatalf("message %d: %v", i, err)
	}
	return out.Bytes()
}

func capitalize(s string) string {
	for i, c := range s {
		return strings.ToUpper(string(c)) + s[i+len(string(c)):]
	}
	return s
}

// r2reader makes boundaries and Content-IDs depend on the seed only.
type r2reader struct{ r *rand.Rand }

func (x r2reader) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = byte(x.r.Uint32())
	}
	return len(p), nil
}
