package imap

import (
	"bytes"
	"io"
	"regexp"
	"sync"
)

// tracer copies the dialog to a trace writer, a line at a time, prefixed
// "C: " or "S: ", with credentials redacted: the arguments of LOGIN and
// AUTHENTICATE, the literals that follow them, and SASL responses.
type tracer struct {
	rw  io.ReadWriter
	out io.Writer

	mu      sync.Mutex
	in      []byte // partial client line
	hide    bool   // redact client lines until the command ends
	secretN bool   // set by the session during a SASL exchange
}

func newTracer(out io.Writer, rw io.ReadWriter) *tracer { return &tracer{rw: rw, out: out} }

// maxTraceLine bounds a traced line; the rest is cut.
const maxTraceLine = 1024

var (
	credCmd    = regexp.MustCompile(`(?i)^(\S+ (?:LOGIN|AUTHENTICATE))( |$)`)
	litAtEnd   = regexp.MustCompile(`\{\d+\+?\}\r?\n?$`)
	traceLines = []byte("\n")
)

func (t *tracer) secret(on bool) {
	if t == nil {
		return
	}
	t.mu.Lock()
	t.secretN = on
	t.mu.Unlock()
}

func (t *tracer) Read(p []byte) (int, error) {
	n, err := t.rw.Read(p)
	t.mu.Lock()
	defer t.mu.Unlock()
	data := p[:n]
	for len(data) > 0 {
		i := bytes.IndexByte(data, '\n')
		if i < 0 {
			t.in = appendCapped(t.in, data)
			break
		}
		t.in = appendCapped(t.in, data[:i+1])
		t.clientLine(t.in)
		t.in = t.in[:0]
		data = data[i+1:]
	}
	return n, err
}

func appendCapped(b, more []byte) []byte {
	if room := maxTraceLine - len(b); room < len(more) {
		more = more[:max(room, 0)]
	}
	return append(b, more...)
}

func (t *tracer) clientLine(line []byte) {
	switch {
	case t.secretN || t.hide:
		t.out.Write([]byte("C: <redacted>\n"))
		t.hide = t.hide && litAtEnd.Match(line)
	case credCmd.Match(line):
		m := credCmd.FindSubmatch(line)
		t.out.Write(append(append([]byte("C: "), m[1]...), " <redacted>\n"...))
		t.hide = litAtEnd.Match(line)
	default:
		t.out.Write(append(append([]byte("C: "), bytes.TrimRight(line, "\r\n")...), '\n'))
	}
}

func (t *tracer) Write(p []byte) (int, error) {
	t.mu.Lock()
	for _, l := range bytes.SplitAfter(p, traceLines) {
		if len(l) > 0 {
			if len(l) > maxTraceLine {
				l = l[:maxTraceLine]
			}
			t.out.Write(append(append([]byte("S: "), bytes.TrimRight(l, "\r\n")...), '\n'))
		}
	}
	t.mu.Unlock()
	return t.rw.Write(p)
}
