package imap

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/mailstack/mailstack/message"
)

// memContent is a store.Content over bytes.
type memContent struct{ *bytes.Reader }

func (memContent) Close() error { return nil }

// Indexing the stored LF form and adding bare LFs gives the sizes and
// structure that indexing the CRLF form gives, for every corpus message,
// as stored and with every line end made LF.
func TestParseStoredMatchesCRLF(t *testing.T) {
	files, _ := filepath.Glob("../message/testdata/corpus/*.eml")
	if len(files) == 0 {
		t.Fatal("no corpus")
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, stored := range [][]byte{data, bytes.ReplaceAll(data, []byte("\r\n"), []byte("\n"))} {
			conv, size, err := newCRLFView(bytes.NewReader(stored), int64(len(stored)))
			if err != nil {
				t.Fatal(err)
			}
			want, err := message.Parse(conv, size, nil)
			if err != nil {
				t.Fatal(err)
			}
			msg, gotSize, err := parseStored(memContent{bytes.NewReader(stored)})
			if err != nil {
				t.Fatal(err)
			}
			name := filepath.Base(f)
			if gotSize != size {
				t.Errorf("%s: size %d, want %d", name, gotSize, size)
			}
			for _, ext := range []bool{false, true} {
				got := crlfStructure(msg).AppendIMAP(nil, ext)
				w := want.BodyStructure().AppendIMAP(nil, ext)
				if !bytes.Equal(got, w) {
					t.Errorf("%s: structure (extended %v)\n got  %.400s\n want %.400s", name, ext, got, w)
				}
			}
			ge, _ := msg.Envelope()
			we, _ := want.Envelope()
			if !bytes.Equal(ge.AppendIMAP(nil), we.AppendIMAP(nil)) {
				t.Errorf("%s: envelope differs", name)
			}
		}
	}
}
