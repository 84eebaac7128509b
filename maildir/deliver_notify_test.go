package maildir

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/mailstack/mailstack/store"
)

// waitSignal waits for a watch signal; the guard only catches a hang, and
// is far below the poll interval the tests set, so a signal that arrives
// came from the delivery and not from polling.
func waitSignal(t *testing.T, c <-chan struct{}, what string) {
	t.Helper()
	select {
	case <-c:
	case <-time.After(30 * time.Second):
		t.Fatalf("no watch signal after %s", what)
	}
}

func TestStoreDeliverWakesWatchers(t *testing.T) {
	// Store.Deliver signals the folder's watchers at once: with an hour
	// between polls, only the delivery itself can wake them. Two
	// watchers of INBOX both hear it; the new message is then listed.
	s, err := Open(t.TempDir(), &Config{PollInterval: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if err := s.CreateMailbox(ctx, "Work", nil); err != nil {
		t.Fatal(err)
	}
	var chans []<-chan struct{}
	var boxes []store.Mailbox
	for _, name := range []string{"INBOX", "INBOX", "Work"} {
		mb, err := s.OpenMailbox(ctx, name)
		if err != nil {
			t.Fatal(err)
		}
		defer mb.Close()
		if _, err := mb.Status(ctx); err != nil { // a first scan, as SELECT does
			t.Fatal(err)
		}
		boxes = append(boxes, mb)
		chans = append(chans, mb.Watch(ctx))
	}
	if _, err := s.Deliver(ctx, "INBOX", strings.NewReader("Subject: one\r\n\r\nbody\r\n"), nil); err != nil {
		t.Fatal(err)
	}
	waitSignal(t, chans[0], "delivery to INBOX")
	waitSignal(t, chans[1], "delivery to INBOX (second watcher)")
	if st, err := boxes[0].Status(ctx); err != nil || st.Messages != 1 {
		t.Fatalf("INBOX status %+v, %v", st, err)
	}
	if _, err := s.Deliver(ctx, "Work", strings.NewReader("Subject: two\r\n\r\nbody\r\n"), nil); err != nil {
		t.Fatal(err)
	}
	waitSignal(t, chans[2], "delivery to Work")
	if st, err := boxes[2].Status(ctx); err != nil || st.Messages != 1 {
		t.Fatalf("Work status %+v, %v", st, err)
	}
}

func TestStoreDeliverErrors(t *testing.T) {
	s, err := Open(t.TempDir(), &Config{MaxMessageSize: 10})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	// A missing folder is not created (a Maildir++ folder needs its
	// maildirfolder marker, which CreateMailbox writes).
	if _, err := s.Deliver(ctx, "Nowhere", strings.NewReader("x\r\n"), nil); !errors.Is(err, store.ErrNoSuchMailbox) {
		t.Errorf("delivery to a missing folder: %v", err)
	}
	if names, _ := s.folderNames(); len(names) != 0 {
		t.Errorf("folders %q appeared", names)
	}
	// The store's size limit applies unless the options set one.
	if _, err := s.Deliver(ctx, "INBOX", strings.NewReader("0123456789abc"), nil); !errors.Is(err, store.ErrTooBig) {
		t.Errorf("delivery over Config.MaxMessageSize: %v", err)
	}
	if _, err := s.Deliver(ctx, "INBOX", strings.NewReader("0123456789abc"), &DeliverOptions{MaxSize: 100}); err != nil {
		t.Errorf("delivery within DeliverOptions.MaxSize: %v", err)
	}
	if _, err := s.Deliver(ctx, "../escape", strings.NewReader("x\r\n"), nil); err == nil {
		t.Error("delivery to an invalid name succeeded")
	}
}
