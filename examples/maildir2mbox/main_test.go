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
	ctx := context.Background()
	dir := t.TempDir()
	src := filepath.Join(dir, "Maildir")
	s, _ := maildir.Open(src, nil)
	mb, _ := s.OpenMailbox(ctx, "INBOX")
	date := time.Date(2019, 5, 6, 7, 8, 9, 0, time.UTC)
	mb.Append(ctx, strings.NewReader("Return-Path: <r@example.org>\r\nSubject: a\r\n\r\nFrom here\r\n"),
		&store.AppendOptions{Flags: []string{store.FlagSeen, store.FlagFlagged}, InternalDate: date})
	mb.Append(ctx, strings.NewReader("Subject: b\n\n>From quoted\n"), &store.AppendOptions{InternalDate: date})
	// Keywords go in X-Keywords, as mutt and Dovecot read them.
	mb.Append(ctx, strings.NewReader("Subject: c\n\nc\n"),
		&store.AppendOptions{Flags: []string{store.FlagDraft, "$Label1"}, InternalDate: date})
	dst := filepath.Join(dir, "out.mbox")
	if err := convert(ctx, src, "INBOX", dst); err != nil {
		t.Fatal(err)
	}
	f, _ := os.Open(dst)
	defer f.Close()
	rd := mbox.NewReader(f, nil)
	want := []struct{ sender, body string }{
		{"r@example.org", "Return-Path: <r@example.org>\nSubject: a\nStatus: RO\nX-Status: F\n\nFrom here\n"},
		{"MAILER-DAEMON", "Subject: b\nStatus: O\n\n>From quoted\n"},
		{"MAILER-DAEMON", "Subject: c\nStatus: O\nX-Status: T\nX-Keywords: $Label1\n\nc\n"},
	}
	for i, w := range want {
		m, err := rd.Next()
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(m.Body)
		if m.Sender != w.sender || string(b) != w.body || !m.Date.Equal(date) {
			t.Errorf("message %d: %q %v %q, want %q %q", i, m.Sender, m.Date, b, w.sender, w.body)
		}
	}
}
