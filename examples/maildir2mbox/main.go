// Command maildir2mbox writes a Maildir's messages to an mbox file in
// mboxrd form, with their flags in Status, X-Status and X-Keywords headers
// and their internal dates in the From_ lines. The mbox is appended to
// under the dotlock and fcntl locks.
//
//	maildir2mbox [-mailbox NAME] DIR FILE.mbox
//
// On a terminal it shows a progress bar on stderr; it always ends with one
// summary line on stdout.
package main

import (
	"bufio"
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"net/mail"
	"os"
	"time"

	"github.com/mailstack/mailstack/examples/internal/progress"
	"github.com/mailstack/mailstack/maildir"
	"github.com/mailstack/mailstack/mbox"
	"github.com/mailstack/mailstack/store"
)

func main() {
	mailbox := flag.String("mailbox", "INBOX", "mailbox of the Maildir++ tree to convert")
	flag.Usage = func() {
		fmt.Fprintln(os.Stderr, "usage: maildir2mbox [-mailbox NAME] DIR FILE.mbox")
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() != 2 {
		flag.Usage()
		os.Exit(2)
	}
	if err := convert(context.Background(), flag.Arg(0), *mailbox, flag.Arg(1)); err != nil {
		fmt.Fprintln(os.Stderr, "maildir2mbox:", err)
		os.Exit(1)
	}
}

func convert(ctx context.Context, src, mailbox, dst string) error {
	if _, err := os.Stat(src); err != nil {
		return err
	}
	s, err := maildir.Open(src, nil)
	if err != nil {
		return err
	}
	defer s.Close()
	mb, err := s.OpenMailbox(ctx, mailbox)
	if err != nil {
		return err
	}
	defer mb.Close()
	list, err := mb.List(ctx, store.All)
	if err != nil {
		return err
	}
	out, err := os.OpenFile(dst, os.O_RDWR|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return err
	}
	defer out.Close()
	lock, err := mbox.LockFile(ctx, out, dst, nil)
	if err != nil {
		return err
	}
	defer lock.Unlock()
	st, err := out.Stat()
	if err != nil {
		return err
	}
	bar := progress.New(int64(len(list)), false, "messages")
	start := time.Now()
	w := mbox.NewWriter(out)
	var size int64
	for i, m := range list {
		n, err := writeOne(ctx, w, mb, m)
		if err != nil {
			out.Truncate(st.Size()) // leave the mbox as it was
			return fmt.Errorf("UID %d: %w", m.UID, err)
		}
		size += n
		bar.Set(int64(i + 1))
	}
	if err := w.Flush(); err != nil {
		out.Truncate(st.Size())
		return err
	}
	if err := out.Sync(); err != nil {
		return err
	}
	bar.Finish()
	fmt.Printf("maildir2mbox: %d messages, %d bytes, from %s (%s) to %s in %s\n",
		len(list), size, src, mailbox, dst, time.Since(start).Round(time.Millisecond))
	return nil
}

// writeOne writes a message with its flags in Status, X-Status and
// X-Keywords fields added at the end of its header, as mutt and Dovecot
// write them (mbox.FlagHeaders), and the Return-Path address as the From_
// line's sender.
func writeOne(ctx context.Context, w *mbox.Writer, mb store.Mailbox, m store.MessageInfo) (int64, error) {
	c, err := mb.Open(ctx, m.UID)
	if err != nil {
		return 0, err
	}
	defer c.Close()
	br := bufio.NewReader(io.NewSectionReader(c, 0, c.Size()))
	var header []byte
	for len(header) < 1<<20 {
		line, err := br.ReadSlice('\n')
		header = append(header, line...)
		if err != nil && err != bufio.ErrBufferFull {
			break
		}
		if len(bytes.TrimRight(line, "\r\n")) == 0 && err == nil {
			header = header[:len(header)-len(line)]
			header = append(header, mbox.FlagHeaders(m.Flags)...)
			header = append(header, line...)
			break
		}
	}
	sender := ""
	if hdr, err := mail.ReadMessage(bytes.NewReader(header)); err == nil {
		if a, err := mail.ParseAddress(hdr.Header.Get("Return-Path")); err == nil {
			sender = a.Address
		}
	}
	return c.Size(), w.WriteMessage(sender, m.InternalDate, io.MultiReader(bytes.NewReader(header), br))
}
