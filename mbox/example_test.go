package mbox_test

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/mailstack/mailstack/mbox"
	"github.com/mailstack/mailstack/store"
)

// An MDA appends; a Store serves the file with UIDs and flags.
func ExampleOpenStore() {
	dir, _ := os.MkdirTemp("", "mbox-example")
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "inbox")
	ctx := context.Background()
	mbox.Append(ctx, path, strings.NewReader("Subject: hello\n\nFrom the MDA\n"),
		&mbox.AppendOptions{Sender: "a@example.org", Date: time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)})

	s, err := mbox.OpenStore(path, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer s.Close()
	mb, _ := s.OpenMailbox(ctx, "INBOX")
	mb.Append(ctx, strings.NewReader("Subject: saved\n\nby IMAP\n"), &store.AppendOptions{Flags: []string{store.FlagSeen}})
	infos, _ := mb.List(ctx, store.All)
	for _, m := range infos {
		c, _ := mb.Open(ctx, m.UID)
		b, _ := io.ReadAll(io.NewSectionReader(c, 0, c.Size()))
		c.Close()
		fmt.Printf("UID %d %v %q\n", m.UID, m.Flags, b)
	}
	_, err = mb.Expunge(ctx, store.All)
	fmt.Println(err != nil)
	// Output:
	// UID 1 [] "Subject: hello\n\nFrom the MDA\n"
	// UID 2 [\Seen] "Subject: saved\n\nby IMAP\n"
	// true
}

// Reading every message of an mbox, streaming.
func ExampleNewReader() {
	in := "From a@example.org Mon May  6 07:08:09 2024\nSubject: one\n\n>From quoted\n\n" +
		"From b@example.org Mon May  6 07:08:10 2024\nSubject: two\n\nbody\n\n"
	r := mbox.NewReader(strings.NewReader(in), nil)
	for {
		m, err := r.Next()
		if err != nil {
			break
		}
		b, _ := io.ReadAll(m.Body)
		fmt.Printf("%s %s %q\n", m.Sender, m.Date.Format(time.DateTime), b)
	}
	// Output:
	// a@example.org 2024-05-06 07:08:09 "Subject: one\n\nFrom quoted\n"
	// b@example.org 2024-05-06 07:08:10 "Subject: two\n\nbody\n"
}
