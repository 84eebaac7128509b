package main

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mailstack/mailstack/maildir"
	"github.com/mailstack/mailstack/mbox"
	"github.com/mailstack/mailstack/store"
)

func TestConvert(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "in.mbox")
	f, _ := os.Create(src)
	w := mbox.NewWriter(f)
	date := time.Date(2019, 5, 6, 7, 8, 9, 0, time.UTC)
	msgs := []struct{ in, want string }{
		{"Subject: a\nStatus: RO\nX-Status: AF\nX-UID: 7\n\nFrom here\n", "Subject: a\n\nFrom here\n"},
		{"Subject: b\nStatus: O\n\n>From quoted\n", "Subject: b\n\n>From quoted\n"},
		// X-Keywords become flags, as package mbox reads them; mboxcl's
		// Lines is dropped with the metadata fields.
		{"Subject: c\nX-Keywords: $Label1 Junk\nlines: 1\nX-Status: T\n\nc\n", "Subject: c\n\nc\n"},
	}
	for _, m := range msgs {
		w.WriteMessage("a@x", date, strings.NewReader(m.in))
	}
	w.Flush()
	f.Close()
	dst := filepath.Join(dir, "Maildir")
	if err := convert(context.Background(), src, dst, "INBOX", mbox.MboxRD); err != nil {
		t.Fatal(err)
	}
	s, _ := maildir.Open(dst, nil)
	mb, _ := s.OpenMailbox(context.Background(), "INBOX")
	l, _ := mb.List(context.Background(), store.All)
	if len(l) != len(msgs) {
		t.Fatalf("%d messages", len(l))
	}
	wantFlags := [][]string{{store.FlagSeen, store.FlagAnswered, store.FlagFlagged}, nil, {store.FlagDraft, "$Label1", "Junk"}}
	for i, m := range l {
		c, _ := mb.Open(context.Background(), m.UID)
		b, _ := io.ReadAll(io.NewSectionReader(c, 0, c.Size()))
		c.Close()
		if string(b) != msgs[i].want {
			t.Errorf("message %d: %q, want %q", i, b, msgs[i].want)
		}
		if !store.SameFlags(m.Flags, wantFlags[i]) || !m.InternalDate.Equal(date) {
			t.Errorf("message %d: flags %v date %v", i, m.Flags, m.InternalDate)
		}
	}
}
