package main

import (
	"fmt"
	"io"
	"os"
	"strings"
)

// progress draws a one-line bar on a terminal. It stands in for
// github.com/schollz/progressbar/v3 until that module is in go.mod; the
// calls mirror its Set64/Finish.
type progress struct {
	w     io.Writer
	total int64
	last  int
}

// newProgress returns a bar on stderr if stderr is a terminal, else nil.
func newProgress(total int64) *progress {
	st, err := os.Stderr.Stat()
	if err != nil || st.Mode()&os.ModeCharDevice == 0 || total <= 0 {
		return nil
	}
	return &progress{w: os.Stderr, total: total, last: -1}
}

// Set64 shows n of total done.
func (p *progress) Set64(n int64) {
	pct := int(n * 100 / p.total)
	if pct == p.last {
		return
	}
	p.last = pct
	fill := pct * 40 / 100
	fmt.Fprintf(p.w, "\r[%s%s] %3d%% %d/%d", strings.Repeat("#", fill), strings.Repeat(" ", 40-fill), pct, n, p.total)
}

// Finish completes the bar and ends its line.
func (p *progress) Finish() {
	p.Set64(p.total)
	fmt.Fprintln(p.w)
}
