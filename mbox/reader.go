package mbox

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// Format is an mbox variant (see the package documentation).
type Format int

const (
	// MboxRD quotes every line matching ^>*From  with one more '>' and
	// the reader removes one. The default, and what Writer writes.
	MboxRD Format = iota
	// MboxO quotes ^From  as >From ; the reader cannot undo it, so
	// bodies are returned as stored (as python3's mailbox.mbox does).
	MboxO
	// MboxCL is mboxo with a Content-Length header, honoured when a
	// From_ line (or the end) follows exactly there.
	MboxCL
	// MboxCL2 has a Content-Length header and no quoting at all.
	MboxCL2
)

// ReaderOptions configure a Reader. The zero value reads mboxrd.
type ReaderOptions struct {
	// Format of the file. Default MboxRD.
	Format Format
}

// Message is one message of an mbox, valid until the next call of Next,
// which reuses it.
type Message struct {
	// Sender is the envelope sender from the From_ line ("MAILER-DAEMON"
	// and the like included); empty if the line had none.
	Sender string
	// Date is the From_ line's date (asctime form, RFC 4155 §2), zero if
	// it could not be parsed.
	Date time.Time
	// FromLine is the From_ line without "From " and its line end.
	FromLine string
	// Offset is the byte offset of the From_ line in the input.
	Offset int64
	// Body streams the message: its header and body with the mbox
	// quoting undone, without the From_ line and the separating blank
	// line.
	Body io.Reader
}

// ErrNotMbox is returned when the input does not start with a From_ line.
var ErrNotMbox = errors.New("mbox: input does not start with a From_ line")

// bufSize bounds how much of a line is held at once; longer lines are
// streamed in pieces.
const bufSize = 64 << 10

// Reader splits an mbox into messages, streaming each. It never holds more
// than one buffer (64 KiB) of input, however long the lines.
type Reader struct {
	br      *inbuf
	ra      io.ReaderAt // for Content-Length checks; nil if the input is not one
	format  Format
	off     int64 // input offset of the next unread byte
	hasNext bool  // the From_ line of the next message has been read
	next    string
	nextAt  int64
	strs    strings.Builder // the block From_ lines are copied into (see str)
	msg     Message
	body    body
	cur     *body
	err     error
}

// NewReader returns a Reader of r. If r is also an io.ReaderAt (an
// *os.File), Content-Length headers of MboxCL and MboxCL2 are checked and
// honoured; otherwise messages are split on From_ lines only.
func NewReader(r io.Reader, opts *ReaderOptions) *Reader {
	rd := &Reader{br: newInbuf(r, bufSize)}
	if opts != nil {
		rd.format = opts.Format
	}
	if ra, ok := r.(io.ReaderAt); ok && (rd.format == MboxCL || rd.format == MboxCL2) {
		rd.ra = ra
	}
	return rd
}

// readLine returns the next line with its end, or a piece of a line longer
// than the buffer (full=false). The slice is valid until the next read.
func (r *Reader) readLine() (line []byte, full bool, err error) {
	line, err = r.br.ReadSlice('\n')
	r.off += int64(len(line))
	if err == bufio.ErrBufferFull {
		return line, false, nil
	}
	return line, err == nil, err
}

// setNext keeps the From_ line of the next message, found at offset at,
// without "From " and its line end.
func (r *Reader) setNext(line []byte, at int64) {
	line = line[len("From "):]
	for len(line) > 0 && (line[len(line)-1] == '\n' || line[len(line)-1] == '\r') {
		line = line[:len(line)-1]
	}
	r.next, r.nextAt, r.hasNext = r.str(line), at, true
}

// strBlock is the size of the blocks that str copies From_ lines into.
const strBlock = 4 << 10

// str returns b as a string. Short ones are copied into a block shared
// with the From_ lines of the messages around, which costs one allocation
// for dozens of messages instead of one each. A strings.Builder only ever
// appends, so the strings cut from it never change.
func (r *Reader) str(b []byte) string {
	if len(b) == 0 || len(b) > strBlock/16 {
		return string(b)
	}
	if r.strs.Cap()-r.strs.Len() < len(b) {
		r.strs = strings.Builder{}
		r.strs.Grow(strBlock)
	}
	i := r.strs.Len()
	r.strs.Write(b)
	return r.strs.String()[i:]
}

// Next advances to the next message. It returns io.EOF after the last.
// The previous message's Body is drained first.
func (r *Reader) Next() (*Message, error) {
	if r.err != nil {
		return nil, r.err
	}
	if c := r.cur; c != nil {
		if !c.done || len(c.pending) > 0 {
			if _, err := io.Copy(io.Discard, c); err != nil {
				r.err = err
				return nil, err
			}
		}
		r.cur = nil
	}
	if !r.hasNext {
		if err := r.first(); err != nil {
			r.err = err
			return nil, err
		}
	}
	// The Message and its body are reused: both are valid only until
	// the next call, and allocating them for each message costs more
	// than splitting it.
	b := &r.body
	b.r, b.pending, b.blank = r, nil, nil
	b.pendBuf, b.blankBuf = b.pendBuf[:0], b.blankBuf[:0]
	b.atStart, b.header, b.clen, b.counted, b.done = true, r.ra != nil, -1, -1, false
	b.plain, b.act, b.sepLen, b.lineLen = 0, actNone, 0, 0
	m := &r.msg
	m.FromLine, m.Offset, m.Body = r.next, r.nextAt, b
	m.Sender, m.Date = parseFromLine(m.FromLine)
	r.hasNext = false
	r.cur = &r.body
	return m, nil
}

// first reads the first From_ line, skipping blank lines before it.
func (r *Reader) first() error {
	for {
		at := r.off
		line, full, err := r.readLine()
		if len(line) == 0 && err == io.EOF {
			return io.EOF
		}
		if isBlank(line) && full {
			continue
		}
		if !bytes.HasPrefix(line, []byte("From ")) || !full {
			if err != nil && err != io.EOF {
				return err
			}
			return ErrNotMbox
		}
		r.setNext(line, at)
		return nil
	}
}

func isBlank(line []byte) bool {
	return len(line) == 1 && line[0] == '\n' || len(line) == 2 && line[0] == '\r' && line[1] == '\n'
}

// parseFromLine splits "sender date" of a From_ line (RFC 4155 §2); the
// date is asctime ("Mon Jan  2 15:04:05 2006"), sometimes with a zone.
func parseFromLine(s string) (string, time.Time) {
	sender, rest, _ := strings.Cut(s, " ")
	rest = strings.TrimSpace(rest)
	if t, ok := parseANSIC(rest); ok {
		return sender, t
	}
	for _, layout := range []string{time.ANSIC, "Mon Jan _2 15:04:05 MST 2006", "Mon Jan _2 15:04:05 -0700 2006", "Mon Jan _2 15:04 2006"} {
		if t, err := time.Parse(layout, rest); err == nil {
			return sender, t
		}
	}
	return sender, time.Time{}
}

// parseANSIC parses "Mon Jan _2 15:04:05 2006" (asctime, what nearly
// every From_ line holds) without time.Parse, which costs more than
// splitting the message. It checks the fields' ranges as time.Parse does;
// anything else is left to time.Parse.
func parseANSIC(s string) (time.Time, bool) {
	// "Mon Jan _2 15:04:05 2006": fixed columns.
	if len(s) != 24 || s[3] != ' ' || s[7] != ' ' || s[10] != ' ' || s[13] != ':' || s[16] != ':' || s[19] != ' ' {
		return time.Time{}, false
	}
	m := monthOf(s[4:7])
	if m == 0 || !isWeekday(s[:3]) {
		return time.Time{}, false
	}
	day := digits2(s[8], s[9]) // "_2" takes "02" too
	if s[8] == ' ' {
		day = digits2('0', s[9])
	}
	hh, mm, ss := digits2(s[11], s[12]), digits2(s[14], s[15]), digits2(s[17], s[18])
	year := digits2(s[20], s[21]) * 100
	if y := digits2(s[22], s[23]); y < 0 || year < 0 {
		year = -1
	} else {
		year += y
	}
	if day < 1 || hh < 0 || hh > 23 || mm < 0 || mm > 59 || ss < 0 || ss > 59 || year < 0 || day > daysIn(m, year) {
		return time.Time{}, false
	}
	return time.Unix(unixDays(year, m, day)*86400+int64(hh*3600+mm*60+ss), 0).UTC(), true
}

// digits2 returns the value of two decimal digits, or -1 if they are not.
func digits2(a, b byte) int {
	if a-'0' > 9 || b-'0' > 9 {
		return -1
	}
	return int(a-'0')*10 + int(b-'0')
}

// monthOf returns the month of its English abbreviation (as asctime
// writes it), 0 if none.
func monthOf(s string) time.Month {
	switch s {
	case "Jan":
		return time.January
	case "Feb":
		return time.February
	case "Mar":
		return time.March
	case "Apr":
		return time.April
	case "May":
		return time.May
	case "Jun":
		return time.June
	case "Jul":
		return time.July
	case "Aug":
		return time.August
	case "Sep":
		return time.September
	case "Oct":
		return time.October
	case "Nov":
		return time.November
	case "Dec":
		return time.December
	}
	return 0
}

func isWeekday(s string) bool {
	switch s {
	case "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat":
		return true
	}
	return false
}

// unixDays returns the days from 1970-01-01 to the date (proleptic
// Gregorian), by the days-from-civil method.
func unixDays(y int, m time.Month, d int) int64 {
	if m <= 2 {
		y--
	}
	era := y / 400
	if y < 0 && y%400 != 0 {
		era--
	}
	yoe := y - era*400
	mp := (int(m) + 9) % 12
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return int64(era)*146097 + int64(doe) - 719468
}

func daysIn(m time.Month, year int) int {
	switch m {
	case time.February:
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	case time.April, time.June, time.September, time.November:
		return 30
	}
	return 31
}

// body is the streaming reader of one message. Reader.Next resets each
// field for the next message.
type body struct {
	r        *Reader
	pending  []byte // bytes ready to return
	blank    []byte // a blank line held back: it may precede a From_ line
	blankBuf []byte
	pendBuf  []byte
	atStart  bool  // at the start of a line
	header   bool  // still in the header (for Content-Length)
	clen     int64 // Content-Length, -1 if none
	counted  int64 // bytes left in Content-Length mode, -1 if not in it
	done     bool

	// The scanner's decision (see chunk): plain bytes to copy out, then
	// act on the bytes after them: a '>' to drop, or a separator's blank
	// line (sepLen) and the next From_ line (lineLen, 0 at the end).
	plain   int
	act     action
	sepLen  int
	lineLen int
}

func (b *body) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		if len(b.pending) > 0 {
			c := copy(p[n:], b.pending)
			b.pending = b.pending[c:]
			n += c
			continue
		}
		if b.done {
			break
		}
		if !b.header && b.counted <= 0 && b.blank == nil {
			// The line-free fast path; it returns io.EOF itself.
			if n > 0 {
				return n, nil
			}
			return b.scan(p)
		}
		if err := b.fill(); err != nil {
			return n, err
		}
	}
	if n == 0 && b.done {
		return 0, io.EOF
	}
	return n, nil
}

// fill reads one line (or piece) and decides what it is.
func (b *body) fill() error {
	r := b.r
	if b.counted > 0 {
		return b.fillCounted()
	}
	at := r.off
	line, full, err := r.readLine()
	if len(line) == 0 && err != nil {
		b.done = true // a held blank line at the end is the separator's
		if err == io.EOF {
			return nil
		}
		return err
	}
	if err != nil && err != io.EOF {
		return err
	}
	if !b.atStart {
		b.pending = line // valid until the next read, which Read waits for
		b.atStart = full
		return nil
	}
	if full && isBlank(line) {
		// Emit the blank line held before, hold this one.
		b.pending = append(b.pendBuf[:0], b.blank...)
		b.pendBuf = b.pending
		b.blank = append(b.blankBuf[:0], line...)
		b.blankBuf = b.blank
		if b.header {
			b.header = false
			if r.ra != nil && b.clen >= 0 && b.tryCounted() {
				return nil
			}
		}
		return nil
	}
	// RFC 4155 §2: a From_ line starts a message only after a blank line.
	if full && b.blank != nil && bytes.HasPrefix(line, []byte("From ")) {
		r.setNext(line, at)
		b.done = true
		return nil
	}
	if b.header {
		b.noteHeader(line)
	}
	if r.format == MboxRD && isQuotedFrom(line) {
		line = line[1:]
	}
	if b.blank != nil {
		b.pending = append(append(b.pendBuf[:0], b.blank...), line...)
		b.pendBuf = b.pending
		b.blank = nil
	} else {
		b.pending = line // valid until the next read, which Read waits for
	}
	b.atStart = full
	return nil
}

// isQuotedFrom matches ^>+From  (mboxrd quoting).
func isQuotedFrom(line []byte) bool {
	i := 0
	for i < len(line) && line[i] == '>' {
		i++
	}
	return i > 0 && bytes.HasPrefix(line[i:], []byte("From "))
}

func (b *body) noteHeader(line []byte) {
	if b.clen < 0 && len(line) > 15 && strings.EqualFold(string(line[:15]), "Content-Length:") {
		v := strings.TrimSpace(string(line[15:]))
		if n, err := strconv.ParseInt(v, 10, 64); err == nil && n >= 0 {
			b.clen = n
		}
	}
}

// tryCounted checks that a From_ line or the end follows Content-Length
// bytes after the header's blank line, and if so switches to counting.
func (b *body) tryCounted() bool {
	r := b.r
	start := r.off
	end := start + b.clen
	probe := make([]byte, 7)
	n, _ := r.ra.ReadAt(probe, end)
	p := probe[:n]
	// Skip the separating line end, then want EOF or a From_ line.
	if bytes.HasPrefix(p, []byte("\r\n")) {
		p = p[2:]
	} else if bytes.HasPrefix(p, []byte("\n")) {
		p = p[1:]
	}
	if len(p) != 0 && !bytes.HasPrefix(p, []byte("From ")[:min(len(p), 5)]) {
		return false
	}
	if len(p) > 0 && len(p) < 5 {
		return false // a short tail that merely starts like "From"
	}
	b.counted = b.clen
	return true
}

func (b *body) fillCounted() error {
	r := b.r
	buf := make([]byte, min(b.counted, bufSize))
	n, err := io.ReadFull(r.br, buf)
	r.off += int64(n)
	b.counted -= int64(n)
	b.pending = append(b.blank, buf[:n]...)
	b.blank = nil
	if err != nil {
		b.done = true
		if err == io.ErrUnexpectedEOF || err == io.EOF {
			return nil
		}
		return err
	}
	if b.counted == 0 {
		b.counted = -1
		b.done = true
		// Skip the separator's blank line, then expect From_ or EOF.
		for {
			at := r.off
			line, full, err := r.readLine()
			if len(line) == 0 && err != nil {
				return nil
			}
			if full && isBlank(line) {
				continue
			}
			if bytes.HasPrefix(line, []byte("From ")) {
				r.setNext(line, at)
				return nil
			}
			return fmt.Errorf("mbox: no From_ line after Content-Length at offset %d", at)
		}
	}
	return nil
}
