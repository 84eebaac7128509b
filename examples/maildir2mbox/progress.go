package main

import (
	"fmt"
	"io"
	"os"
	"time"

	"github.com/schollz/progressbar/v3"
)

// newProgress returns a progress bar drawn on stderr when stderr is a
// terminal, and nil otherwise: the caller then prints only its summary
// line. bytes says whether total counts bytes (shown with units) or
// messages.
func newProgress(total int64, bytes bool, what string) *progressbar.ProgressBar {
	st, err := os.Stderr.Stat()
	if err != nil || st.Mode()&os.ModeCharDevice == 0 || total <= 0 {
		return nil
	}
	return newBar(os.Stderr, total, bytes, what)
}

// newBar returns a bar drawn on w, redrawn at most ten times a second.
func newBar(w io.Writer, total int64, bytes bool, what string) *progressbar.ProgressBar {
	opts := []progressbar.Option{
		progressbar.OptionSetWriter(w),
		progressbar.OptionSetDescription(what),
		progressbar.OptionShowCount(),
		progressbar.OptionSetPredictTime(true),
		progressbar.OptionThrottle(100 * time.Millisecond),
		progressbar.OptionFullWidth(),
		progressbar.OptionOnCompletion(func() { fmt.Fprintln(w) }),
	}
	if bytes {
		opts = append(opts, progressbar.OptionShowBytes(true))
	}
	return progressbar.NewOptions64(total, opts...)
}
