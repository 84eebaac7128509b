// Command mbox2maildir converts an mbox archive into a Maildir, keeping
// each message's flags (from its Status, X-Status and X-Keywords headers,
// which are removed as Dovecot does) and its date (from the From_ line, as
// the file's mtime).
//
//	mbox2maildir [-format mboxrd|mboxo|mboxcl|mboxcl2] [-mailbox NAME] FILE.mbox DIR
//
// On a terminal it shows a progress bar on stderr; it always ends with one
// summary line on stdout.
package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/mailstack/mailstack/examples/internal/progress"
	"github.com/mailstack/mailstack/maildir"
	"github.com/mailstack/mailstack/mbox"
	"github.com/mailstack/mailstack/store"
)

// maxHeader bounds the header held in memory to find the flags.
const maxHeader = 1 << 20

func main() {
	format := flag.String("format", "mboxrd", "mbox variant: mboxrd, mboxo, mboxcl or mboxcl2")
	mailbox := flag.String("mailbox", "INBOX", "mailbox of the Maildir++ tree to fill (created if missing)")
	flag.Usage = func() {
		fmt.Fprintln(os.Stderr, "usage: mbox2maildir [-format F] [-mailbox NAME] FILE.mbox DIR")
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() != 2 {
		flag.Usage()
		os.Exit(2)
	}
	formats := map[string]mbox.Format{"mboxrd": mbox.MboxRD, "mboxo": mbox.MboxO, "mboxcl": mbox.MboxCL, "mboxcl2": mbox.MboxCL2}
	f, ok := formats[*format]
	if !ok {
		fmt.Fprintf(os.Stderr, "mbox2maildir: unknown format %q\n", *format)
		os.Exit(2)
	}
	if err := convert(context.Background(), flag.Arg(0), flag.Arg(1), *mailbox, f); err != nil {
		fmt.Fprintln(os.Stderr, "mbox2maildir:", err)
		os.Exit(1)
	}
}

func convert(ctx context.Context, src, dst, mailbox string, format mbox.Format) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	st, err := in.Stat()
	if err != nil {
		return err
	}
	s, err := maildir.Open(dst, nil)
	if err != nil {
		return err
	}
	defer s.Close()
	if err := s.CreateMailbox(ctx, mailbox, nil); err != nil && !errors.Is(err, store.ErrMailboxExists) {
		return err
	}
	mb, err := s.OpenMailbox(ctx, mailbox)
	if err != nil {
		return err
	}
	defer mb.Close()
	bar := progress.New(st.Size(), true, "converting")
	start := time.Now()
	rd := mbox.NewReader(in, &mbox.ReaderOptions{Format: format})
	n, size := 0, int64(0)
	for {
		m, err := rd.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return fmt.Errorf("message %d: %w", n+1, err)
		}
		written, err := copyMessage(ctx, mb, m)
		if err != nil {
			return fmt.Errorf("message %d (offset %d): %w", n+1, m.Offset, err)
		}
		n++
		size += written
		bar.Set(m.Offset)
	}
	bar.Finish()
	fmt.Printf("mbox2maildir: %d messages, %d bytes, from %s to %s (%s) in %s\n",
		n, size, src, dst, mailbox, time.Since(start).Round(time.Millisecond))
	return nil
}

// copyMessage appends one message with the flags of its Status/X-Status
// headers, which it leaves out.
func copyMessage(ctx context.Context, mb store.Mailbox, m *mbox.Message) (int64, error) {
	br := bufio.NewReader(m.Body)
	header, flags, err := readHeader(br)
	if err != nil {
		return 0, err
	}
	body := io.MultiReader(bytes.NewReader(header), br)
	cr := &countReader{r: body}
	_, err = mb.Append(ctx, cr, &store.AppendOptions{Flags: flags, InternalDate: m.Date})
	return cr.n, err
}

// readHeader reads the header (up to and including the blank line),
// dropping the mbox metadata fields (mbox.IsMetaHeader, and mboxcl's
// Lines) and turning Status, X-Status and X-Keywords into flags as package
// mbox reads them (mbox.StatusFlags).
func readHeader(br *bufio.Reader) ([]byte, []string, error) {
	var out []byte
	var status, xstatus, keywords strings.Builder
	flags := func() []string { return mbox.StatusFlags(status.String(), xstatus.String(), keywords.String()) }
	skip := false
	for len(out) < maxHeader {
		line, err := br.ReadSlice('\n')
		if len(line) == 0 && err != nil {
			if err == io.EOF {
				return out, flags(), nil
			}
			return nil, nil, err
		}
		if err == bufio.ErrBufferFull {
			out = append(out, line...)
			continue
		}
		if len(line) > 0 && (line[0] == ' ' || line[0] == '\t') {
			if !skip {
				out = append(out, line...)
			}
			continue
		}
		if t := bytes.TrimRight(line, "\r\n"); len(t) == 0 {
			return append(out, line...), flags(), nil
		}
		name, value, _ := strings.Cut(string(line), ":")
		switch strings.ToLower(name) {
		case "status":
			status.WriteString(value)
		case "x-status":
			xstatus.WriteString(value)
		case "x-keywords":
			keywords.WriteString(" " + value)
		}
		skip = mbox.IsMetaHeader(name) || strings.EqualFold(name, "lines")
		if !skip {
			out = append(out, line...)
		}
	}
	return nil, nil, fmt.Errorf("header longer than %d bytes", maxHeader)
}

type countReader struct {
	r io.Reader
	n int64
}

func (c *countReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}
