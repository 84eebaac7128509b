// Package progress draws the progress bar of the conversion examples
// (maildir2mbox, mbox2maildir) on stderr when it is a terminal. It is
// example support, not library API.
//
//	bar := progress.New(total, false, "messages") // nil off a terminal
//	bar.Set(n)
//	bar.Finish()
//
// No RFC applies.
package progress

import (
	"fmt"
	"io"
	"os"
	"time"

	"github.com/schollz/progressbar/v3"
)

// Bar is a progress bar. A nil *Bar draws nothing, so callers need not
// check.
type Bar struct {
	b *progressbar.ProgressBar
}

// New returns a bar drawn on stderr when stderr is a terminal and total
// is positive, and nil otherwise: the caller then prints only its summary
// line. bytes says whether total counts bytes (shown with units) or
// items; what describes them.
func New(total int64, bytes bool, what string) *Bar {
	st, err := os.Stderr.Stat()
	if err != nil || st.Mode()&os.ModeCharDevice == 0 || total <= 0 {
		return nil
	}
	return newBar(os.Stderr, total, bytes, what)
}

// newBar returns a bar drawn on w, redrawn at most ten times a second.
func newBar(w io.Writer, total int64, bytes bool, what string) *Bar {
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
	return &Bar{progressbar.NewOptions64(total, opts...)}
}

// Set moves the bar to n of its total.
func (b *Bar) Set(n int64) {
	if b != nil {
		b.b.Set64(n)
	}
}

// Finish draws the bar at 100% and ends its line.
func (b *Bar) Finish() error {
	if b == nil {
		return nil
	}
	return b.b.Finish()
}
