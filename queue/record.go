package queue

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/mailstack/mailstack/envelope"
)

// Limits of the spool record parser.
const (
	// MaxRecordSize is the largest envelope record ParseRecord reads:
	// 16 MiB, room for well over 50,000 recipients.
	MaxRecordSize = 16 << 20
	// MaxRecordLine is the longest line of a record: a recipient with
	// its path (256 octets), parameters (ORCPT up to 500) and last reply
	// (quoted, up to a few KiB) fits with room to spare.
	MaxRecordLine = 64 << 10
	// MaxRecipients is the most recipients one record may hold.
	MaxRecipients = 100000
)

// recordMagic starts every record; the number is the format version.
const recordMagic = "MAILSTACK-QUEUE 1"

// ErrRecordSyntax reports a spool record that ParseRecord cannot read;
// the *RecordError wrapping it says where.
var ErrRecordSyntax = errors.New("queue: malformed spool record")

// RecordError locates a malformed spool record.
type RecordError struct {
	Line   int    // 1-based line number
	Reason string // what is wrong
}

// Error implements error.
func (e *RecordError) Error() string {
	return fmt.Sprintf("queue: spool record line %d: %s", e.Line, e.Reason)
}

// Unwrap returns ErrRecordSyntax.
func (e *RecordError) Unwrap() error { return ErrRecordSyntax }

// State is where a recipient stands.
type State int

const (
	// StatePending recipients wait for their next attempt.
	StatePending State = iota
	// StateDelivered recipients were accepted by the next hop.
	StateDelivered
	// StateFailed recipients were refused permanently or expired;
	// Reported says whether the sender has been told.
	StateFailed
)

var stateNames = [...]string{"pending", "delivered", "failed"}

// String returns "pending", "delivered" or "failed".
func (s State) String() string {
	if s >= 0 && int(s) < len(stateNames) {
		return stateNames[s]
	}
	return "State(" + strconv.Itoa(int(s)) + ")"
}

// Record is the envelope of a queued message and the delivery state of
// each recipient: what the spool keeps next to the message itself, so that
// a restarted queue knows what is left to do. Its text form (Marshal,
// ParseRecord) is line-based: a magic line, "key value" lines whose
// string values are Go-quoted, and an "end" line that tells a complete
// record from a truncated one.
type Record struct {
	ID      string
	Created time.Time
	From    envelope.Path
	Mail    envelope.MailParams
	Size    int64 // message size in octets
	Rcpts   []RcptRecord
}

// RcptRecord is one recipient of a Record.
type RcptRecord struct {
	Path     envelope.Path
	Params   envelope.RcptParams
	State    State
	Attempts int       // delivery attempts that ended in a deferral
	Next     time.Time // earliest next attempt, for StatePending
	// LastReply is the last reply about this recipient ("451 4.3.0
	// text"), a local diagnosis, or "" before any attempt.
	LastReply string
	// RemoteMTA is the host that gave LastReply; "" if none did.
	RemoteMTA string
	// Reported records that the failure was dealt with: a DSN queued,
	// or none needed.
	Reported bool
	// Warned records that a delay warning was queued.
	Warned bool
}

// Marshal returns the text form of r.
func (r *Record) Marshal() []byte {
	var b bytes.Buffer
	b.WriteString(recordMagic + "\n")
	fmt.Fprintf(&b, "id %s\n", strconv.Quote(r.ID))
	fmt.Fprintf(&b, "created %d\n", r.Created.UnixNano())
	fmt.Fprintf(&b, "from %s\n", strconv.Quote(r.From.String()))
	fmt.Fprintf(&b, "mail %s\n", strconv.Quote(r.Mail.String()))
	fmt.Fprintf(&b, "size %d\n", r.Size)
	for _, rc := range r.Rcpts {
		next := int64(0)
		if !rc.Next.IsZero() {
			next = rc.Next.UnixNano()
		}
		fmt.Fprintf(&b, "rcpt %s %s %s %d %d %t %t %s %s\n",
			strconv.Quote(rc.Path.String()), strconv.Quote(rc.Params.Format(true)),
			rc.State, rc.Attempts, next, rc.Reported, rc.Warned,
			strconv.Quote(rc.LastReply), strconv.Quote(rc.RemoteMTA))
	}
	b.WriteString("end\n")
	return b.Bytes()
}

// ParseRecord parses the text form of a Record. It fails with a
// *RecordError (matching ErrRecordSyntax) on anything Marshal would not
// have written, including a record cut short before its "end" line, and
// on input over MaxRecordSize.
func ParseRecord(data []byte) (*Record, error) {
	if len(data) > MaxRecordSize {
		return nil, &RecordError{Line: 0, Reason: "record larger than MaxRecordSize"}
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 4096), MaxRecordLine)
	p := &recordParser{sc: sc, rec: &Record{}}
	if err := p.parse(); err != nil {
		return nil, err
	}
	return p.rec, nil
}

type recordParser struct {
	sc   *bufio.Scanner
	line int
	rec  *Record
	seen map[string]bool
}

func (p *recordParser) fail(format string, args ...any) error {
	return &RecordError{Line: p.line, Reason: fmt.Sprintf(format, args...)}
}

func (p *recordParser) parse() error {
	if !p.next() || p.sc.Text() != recordMagic {
		return p.fail("missing %q header", recordMagic)
	}
	p.seen = make(map[string]bool)
	for p.next() {
		key, rest, _ := strings.Cut(p.sc.Text(), " ")
		if key == "end" && rest == "" {
			if p.next() {
				return p.fail("data after end")
			}
			return p.checkComplete()
		}
		if key != "rcpt" {
			if p.seen[key] {
				return p.fail("duplicate %q", key)
			}
			p.seen[key] = true
		}
		if err := p.field(key, rest); err != nil {
			return err
		}
	}
	if err := p.sc.Err(); err != nil {
		return p.fail("%v", err)
	}
	return p.fail("record cut short: no end line")
}

func (p *recordParser) next() bool {
	ok := p.sc.Scan()
	if ok {
		p.line++
	}
	return ok
}

func (p *recordParser) checkComplete() error {
	for _, k := range []string{"id", "created", "from", "mail", "size"} {
		if !p.seen[k] {
			return p.fail("missing %q", k)
		}
	}
	if len(p.rec.Rcpts) == 0 {
		return p.fail("no recipients")
	}
	return nil
}

func (p *recordParser) field(key, rest string) error {
	r := p.rec
	switch key {
	case "id":
		s, err := p.quoted(rest)
		if err != nil {
			return err
		}
		if !validID(s) {
			return p.fail("invalid id")
		}
		r.ID = s
	case "created":
		n, err := strconv.ParseInt(rest, 10, 64)
		if err != nil {
			return p.fail("bad created time")
		}
		r.Created = time.Unix(0, n)
	case "from":
		s, err := p.quoted(rest)
		if err != nil {
			return err
		}
		path, err := envelope.ParseReversePath(s, envelope.ParseOptions{UTF8: true})
		if err != nil {
			return p.fail("bad reverse-path: %v", err)
		}
		r.From = path
	case "mail":
		s, err := p.quoted(rest)
		if err != nil {
			return err
		}
		mp, err := envelope.ParseMailParams(s)
		if err != nil {
			return p.fail("bad MAIL parameters: %v", err)
		}
		r.Mail = mp
	case "size":
		n, err := strconv.ParseInt(rest, 10, 64)
		if err != nil || n < 0 {
			return p.fail("bad size")
		}
		r.Size = n
	case "rcpt":
		if len(r.Rcpts) >= MaxRecipients {
			return p.fail("more than %d recipients", MaxRecipients)
		}
		rc, err := p.rcpt(rest)
		if err != nil {
			return err
		}
		r.Rcpts = append(r.Rcpts, rc)
	default:
		return p.fail("unknown key %q", key)
	}
	return nil
}

// rcpt parses: path params state attempts next reported warned lastReply
// remoteMTA.
func (p *recordParser) rcpt(s string) (RcptRecord, error) {
	var rc RcptRecord
	var f [9]string
	for i := range f {
		var err error
		if i >= 2 && i <= 6 {
			k := strings.IndexByte(s, ' ')
			if k < 0 {
				k = len(s)
			}
			f[i], s = s[:k], s[k:]
		} else if f[i], s, err = cutQuoted(s); err != nil {
			return rc, p.fail("recipient field %d: %v", i+1, err)
		}
		if i < len(f)-1 {
			var ok bool
			if s, ok = strings.CutPrefix(s, " "); !ok {
				return rc, p.fail("recipient: too few fields")
			}
		}
	}
	if s != "" {
		return rc, p.fail("recipient: trailing data")
	}
	path, err := envelope.ParseForwardPath(f[0], envelope.ParseOptions{UTF8: true})
	if err != nil {
		return rc, p.fail("bad forward-path: %v", err)
	}
	rc.Path = path
	if rc.Params, err = envelope.ParseRcptParams(f[1], true); err != nil {
		return rc, p.fail("bad RCPT parameters: %v", err)
	}
	switch f[2] {
	case "pending":
		rc.State = StatePending
	case "delivered":
		rc.State = StateDelivered
	case "failed":
		rc.State = StateFailed
	default:
		return rc, p.fail("bad state %q", f[2])
	}
	if rc.Attempts, err = strconv.Atoi(f[3]); err != nil || rc.Attempts < 0 {
		return rc, p.fail("bad attempts")
	}
	next, err := strconv.ParseInt(f[4], 10, 64)
	if err != nil {
		return rc, p.fail("bad next time")
	}
	if next != 0 {
		rc.Next = time.Unix(0, next)
	}
	var ok1, ok2 bool
	if rc.Reported, ok1 = parseFlag(f[5]); !ok1 {
		return rc, p.fail("bad reported flag")
	}
	if rc.Warned, ok2 = parseFlag(f[6]); !ok2 {
		return rc, p.fail("bad warned flag")
	}
	rc.LastReply, rc.RemoteMTA = f[7], f[8]
	return rc, nil
}

func parseFlag(s string) (v, ok bool) {
	switch s {
	case "true":
		return true, true
	case "false":
		return false, true
	}
	return false, false
}

func (p *recordParser) quoted(s string) (string, error) {
	v, rest, err := cutQuoted(s)
	if err != nil || rest != "" {
		return "", p.fail("bad quoted string")
	}
	return v, nil
}

// cutQuoted reads a Go-quoted string at the start of s.
func cutQuoted(s string) (value, rest string, err error) {
	q, err := strconv.QuotedPrefix(s)
	if err != nil || !strings.HasPrefix(q, `"`) {
		return "", s, errors.New("not a quoted string")
	}
	v, err := strconv.Unquote(q)
	if err != nil {
		return "", s, err
	}
	return v, s[len(q):], nil
}

// validID reports whether s can name spool files: 1 to 64 characters of
// [0-9A-Za-z._-], not starting with a dot.
func validID(s string) bool {
	if s == "" || len(s) > 64 || s[0] == '.' {
		return false
	}
	for i := 0; i < len(s); i++ {
		b := s[i]
		if !(b >= '0' && b <= '9' || b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b == '.' || b == '_' || b == '-') {
			return false
		}
	}
	return true
}
