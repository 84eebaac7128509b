package maildir

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/mailstack/mailstack/store"
	"github.com/mailstack/mailstack/store/storetest"
)

func TestQuota(t *testing.T) {
	storetest.RunQuota(t, func(t *testing.T, storage int64, messages int) store.Store {
		s, err := Open(t.TempDir(), &Config{PollInterval: 20e6, QuotaStorage: storage, QuotaMessages: messages})
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}

// A move into cur/ that fails part way takes back the messages already
// moved: AppendMulti adds all or none even when the file system refuses
// one of them.
func TestImportFilesAllOrNone(t *testing.T) {
	dir := t.TempDir()
	s := openTest(t, dir)
	mb, err := s.OpenMailbox(ctxb, "INBOX")
	if err != nil {
		t.Fatal(err)
	}
	defer mb.Close()
	m := mb.(*mailbox)
	var files []importFile
	for i := 0; i < 3; i++ {
		fl, _, err := m.writeTemp(ctxb, &store.AppendMessage{Body: strings.NewReader("Subject: x\r\n\r\nbody\r\n")})
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, fl)
	}
	os.Remove(files[2].tmp) // the third move fails
	f := m.f
	err = f.withLock(ctxb, func() error {
		_, _, err := f.importFiles(files)
		return err
	})
	if err == nil {
		t.Fatal("importFiles succeeded without its third file")
	}
	cur, _ := os.ReadDir(filepath.Join(dir, "cur"))
	if len(cur) != 0 {
		t.Fatalf("cur/ holds %d files after a failed import", len(cur))
	}
	if infos, err := mb.List(ctxb, store.All); err != nil || len(infos) != 0 {
		t.Fatalf("List after a failed import: %v %v", infos, err)
	}
	for _, fl := range files[:2] {
		os.Remove(fl.tmp)
	}
}

// A message whose reader fails leaves nothing in tmp/ (writeTemp once
// lost the name of its file on the error path).
func TestAppendFailureLeavesNoTmp(t *testing.T) {
	dir := t.TempDir()
	s := openTest(t, dir)
	mb, err := s.OpenMailbox(ctxb, "INBOX")
	if err != nil {
		t.Fatal(err)
	}
	defer mb.Close()
	_, err = mb.(store.MultiAppender).AppendMulti(ctxb, store.AppendMessages(
		store.AppendMessage{Body: strings.NewReader("Subject: a\r\n\r\nb\r\n")},
		store.AppendMessage{Body: io.MultiReader(strings.NewReader("Subject: half"), iotest.ErrReader(errors.New("broken")))}))
	if err == nil {
		t.Fatal("AppendMulti succeeded with a broken reader")
	}
	for _, sub := range []string{"tmp", "cur", "new"} {
		if l, _ := os.ReadDir(filepath.Join(dir, sub)); len(l) != 0 {
			t.Errorf("%s/ holds %v after a failed append", sub, l)
		}
	}
}

// Deliver refuses a store at its message limit, or at its storage limit,
// before writing; the delivery that crosses the storage limit is kept.
func TestDeliverQuota(t *testing.T) {
	msg := "Subject: x\r\n\r\n" + strings.Repeat("y", 100) + "\r\n"
	for _, x := range []struct {
		name     string
		storage  int64
		messages int
		ok       int // deliveries that succeed before the refusal
	}{
		{"messages", 0, 2, 2},
		{"storage", 150, 0, 2}, // the second crosses 150 bytes and is kept
	} {
		t.Run(x.name, func(t *testing.T) {
			dir := t.TempDir()
			s, err := Open(dir, &Config{PollInterval: 20e6, QuotaStorage: x.storage, QuotaMessages: x.messages})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			for i := 0; i < x.ok; i++ {
				if _, err := s.Deliver(ctxb, "INBOX", strings.NewReader(msg), nil); err != nil {
					t.Fatalf("delivery %d: %v", i+1, err)
				}
			}
			if _, err := s.Deliver(ctxb, "INBOX", strings.NewReader(msg), nil); !errors.Is(err, store.ErrOverQuota) {
				t.Fatalf("delivery over quota: %v", err)
			}
			// The usage scan may have moved earlier deliveries to cur/.
			n := 0
			for _, sub := range []string{"new", "cur", "tmp"} {
				ents, _ := os.ReadDir(filepath.Join(dir, sub))
				n += len(ents)
			}
			if n != x.ok {
				t.Errorf("%d message files, want %d", n, x.ok)
			}
		})
	}
}
