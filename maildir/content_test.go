package maildir

import (
	"context"
	"errors"
	"io"
	"os"
	"strings"
	"testing"

	"github.com/mailstack/mailstack/store"
)

// A message's content reads as io.ReaderAt says: whole reads, io.EOF with a
// short one, and nothing after Close.
func TestContentReadAt(t *testing.T) {
	ctx := context.Background()
	mb, err := openTest(t, t.TempDir()).OpenMailbox(ctx, "INBOX")
	if err != nil {
		t.Fatal(err)
	}
	body := "Subject: x\r\n\r\n" + strings.Repeat("0123456789", 100)
	res, err := mb.Append(ctx, strings.NewReader(body), nil)
	if err != nil {
		t.Fatal(err)
	}
	c, err := mb.Open(ctx, res.UID)
	if err != nil {
		t.Fatal(err)
	}
	if c.Size() != int64(len(body)) {
		t.Errorf("Size %d, want %d", c.Size(), len(body))
	}
	p := make([]byte, 10)
	if n, err := c.ReadAt(p, 14); n != 10 || err != nil || string(p) != "0123456789" {
		t.Errorf("ReadAt(10, 14) = %d %v %q", n, err, p)
	}
	if n, err := c.ReadAt(p, c.Size()-4); n != 4 || err != io.EOF || string(p[:4]) != "6789" {
		t.Errorf("ReadAt past the end = %d %v %q", n, err, p[:n])
	}
	if n, err := c.ReadAt(p, c.Size()+5); n != 0 || err != io.EOF {
		t.Errorf("ReadAt beyond the end = %d %v", n, err)
	}
	if _, err := c.ReadAt(p, -1); err == nil {
		t.Error("ReadAt(-1) succeeded")
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := c.ReadAt(p, 0); !errors.Is(err, os.ErrClosed) {
		t.Errorf("ReadAt after Close: %v", err)
	}
	if err := c.Close(); !errors.Is(err, os.ErrClosed) {
		t.Errorf("second Close: %v", err)
	}
	if _, err := mb.Open(ctx, res.UID+1); !errors.Is(err, store.ErrNoSuchMessage) {
		t.Errorf("Open of an unknown UID: %v", err)
	}
}
