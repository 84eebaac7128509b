package queue

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"sync"
	"time"

	"github.com/mailstack/mailstack/envelope"
	"github.com/mailstack/mailstack/smtp"
)

// Queue is a durable outbound mail queue. Open it on a spool directory,
// Enqueue messages (each is on disk when Enqueue returns), and Run it to
// deliver them. It is safe for concurrent use.
type Queue struct {
	cfg Config
	sp  *spool

	mu      sync.Mutex
	entries map[string]*entry
	active  map[string]int // destination → deliveries in progress
	running int
	wake    chan struct{}
	closed  bool
}

// entry is one queued message. rec and the record file are guarded by mu;
// busy by Queue.mu. Lock order: Queue.mu before entry.mu.
type entry struct {
	mu     sync.Mutex
	rec    *Record
	routes []routed        // of each recipient; set once
	busy   map[string]bool // destinations with a delivery in progress, or destSettle
	gone   bool            // removed from the spool
	// dsnNext is when to try again to queue a DSN that could not be
	// queued (or that a crash interrupted); zero means at once.
	dsnNext time.Time
}

// Open opens (creating it if needed) the spool directory cfg.Dir and loads
// the messages left there by an earlier run, which Run will deliver.
// Records that cannot be read are moved to the corrupt/ subdirectory and
// reported through the logger; they do not stop Open.
func Open(cfg Config) (*Queue, error) {
	cfg.withDefaults()
	if cfg.Hostname == "" {
		h, err := os.Hostname()
		if err != nil || h == "" {
			h = "localhost"
		}
		cfg.Hostname = h
	}
	sp, err := openSpool(cfg.Dir)
	if err != nil {
		return nil, err
	}
	recs, corrupt, err := sp.load()
	if err != nil {
		return nil, err
	}
	for _, e := range corrupt {
		if cfg.Logger != nil {
			cfg.Logger.Error("queue: unreadable spool record set aside", "error", e)
		}
	}
	q := &Queue{cfg: cfg, sp: sp, entries: make(map[string]*entry),
		active: make(map[string]int), wake: make(chan struct{}, 1)}
	for _, r := range recs {
		q.entries[r.ID] = q.newEntry(r)
	}
	return q, nil
}

func (q *Queue) newEntry(rec *Record) *entry {
	return &entry{rec: rec, routes: q.routesOf(rec), busy: make(map[string]bool)}
}

// Enqueue writes the message read from msg and its envelope to the spool
// and returns its queue ID. The message file, the envelope record and
// their directories are fsynced before Enqueue returns, so an SMTP server
// may answer 250 to the data as soon as it has (RFC 5321 §6.1). opts may
// be nil; opts.Mail and opts.Rcpt are kept and sent on (SIZE is set from
// the message). Messages with bare LF line endings are accepted and sent
// with CRLF.
func (q *Queue) Enqueue(ctx context.Context, from envelope.Path, rcpts []envelope.Path, msg io.Reader, opts *smtp.SendOptions) (string, error) {
	e, err := q.store(ctx, "", from, rcpts, msg, opts)
	if err != nil {
		return "", err
	}
	q.emit(Event{Kind: EventEnqueued, ID: e.rec.ID})
	q.add(e)
	return e.rec.ID, nil
}

// ErrBadID is returned by EnqueueID for an ID that cannot name spool
// files or that is already in the spool.
var ErrBadID = errors.New("queue: bad or reused queue ID")

// NewID returns a new queue ID for EnqueueID, for a caller that must name
// a message before it is queued: an SMTP server writes its Received
// field, whose "id" should be the queue ID, before the message data
// arrives (smtp.TraceIDSession).
func (q *Queue) NewID() string { return newID(q.cfg.Now()) }

// EnqueueID is Enqueue for a message named beforehand by NewID; each ID
// can be used once. An ID that cannot name spool files (1 to 64 of
// [0-9A-Za-z._-], not starting with a dot; NewID's always can) or that is
// already in the spool is refused with ErrBadID.
func (q *Queue) EnqueueID(ctx context.Context, id string, from envelope.Path, rcpts []envelope.Path, msg io.Reader, opts *smtp.SendOptions) error {
	if !validID(id) {
		return fmt.Errorf("%w: %q", ErrBadID, id)
	}
	q.mu.Lock()
	_, queued := q.entries[id]
	q.mu.Unlock()
	if queued || q.sp.exists(id) {
		return fmt.Errorf("%w: %s is in the spool", ErrBadID, id)
	}
	e, err := q.store(ctx, id, from, rcpts, msg, opts)
	if err != nil {
		return err
	}
	q.emit(Event{Kind: EventEnqueued, ID: id})
	q.add(e)
	return nil
}

// store writes a message and its record to the spool under id (a new
// one if empty) and returns its entry, which the scheduler does not know
// of before add.
func (q *Queue) store(ctx context.Context, id string, from envelope.Path, rcpts []envelope.Path, msg io.Reader, opts *smtp.SendOptions) (*entry, error) {
	if len(rcpts) == 0 {
		return nil, errors.New("queue: no recipients")
	}
	if len(rcpts) > MaxRecipients {
		return nil, fmt.Errorf("queue: more than %d recipients", MaxRecipients)
	}
	var o smtp.SendOptions
	if opts != nil {
		o = *opts
	}
	o.Mail.Size, o.Mail.HasSize = 0, false
	if err := o.Mail.Validate(); err != nil {
		return nil, fmt.Errorf("queue: MAIL parameters: %w", err)
	}
	now := q.cfg.Now()
	if id == "" {
		id = newID(now)
	}
	rec := &Record{ID: id, Created: now, From: from, Mail: o.Mail}
	for i, p := range rcpts {
		rr := RcptRecord{Path: p, State: StatePending, Next: now}
		if i < len(o.Rcpt) {
			if err := o.Rcpt[i].Validate(true); err != nil {
				return nil, fmt.Errorf("queue: RCPT parameters of %v: %w", p, err)
			}
			rr.Params = o.Rcpt[i]
		}
		rec.Rcpts = append(rec.Rcpts, rr)
	}
	if err := checkRoundTrip(rec); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	size, err := q.sp.writeMessage(rec.ID, msg, q.cfg.MaxMessageSize)
	if err != nil {
		return nil, err
	}
	rec.Size = size
	if err := q.sp.writeRecord(rec); err != nil {
		q.sp.discardMessage(rec.ID)
		return nil, err
	}
	return q.newEntry(rec), nil
}

// add hands a stored message to the scheduler.
func (q *Queue) add(e *entry) {
	q.mu.Lock()
	q.entries[e.rec.ID] = e
	q.mu.Unlock()
	q.kick()
}

// checkRoundTrip makes sure the record reads back as written, so that an
// envelope the record format cannot carry fails Enqueue instead of
// leaving an unreadable record behind.
func checkRoundTrip(rec *Record) error {
	back, err := ParseRecord(rec.Marshal())
	if err != nil {
		return fmt.Errorf("queue: envelope cannot be stored: %w", err)
	}
	if len(back.Rcpts) != len(rec.Rcpts) || back.From != rec.From {
		return errors.New("queue: envelope cannot be stored faithfully")
	}
	return nil
}

// kick wakes the scheduler.
func (q *Queue) kick() {
	select {
	case q.wake <- struct{}{}:
	default:
	}
}

// Flush makes every pending recipient due now, as Postfix's "postqueue
// -f" does.
func (q *Queue) Flush() {
	q.mu.Lock()
	now := q.cfg.Now()
	for _, e := range q.entries {
		e.mu.Lock()
		for i := range e.rec.Rcpts {
			if e.rec.Rcpts[i].State == StatePending {
				e.rec.Rcpts[i].Next = now
			}
		}
		e.mu.Unlock()
	}
	q.mu.Unlock()
	q.kick()
}

// Len returns the number of messages in the spool.
func (q *Queue) Len() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.entries)
}

// Records returns copies of the records of the queued messages, oldest
// first, for inspection (in the manner of mailq).
func (q *Queue) Records() []Record {
	q.mu.Lock()
	defer q.mu.Unlock()
	out := make([]Record, 0, len(q.entries))
	for _, e := range q.entries {
		e.mu.Lock()
		r := *e.rec
		r.Rcpts = append([]RcptRecord(nil), e.rec.Rcpts...)
		e.mu.Unlock()
		out = append(out, r)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// Run delivers queued messages until ctx ends, then waits for deliveries
// in progress to stop (they are interrupted through ctx; their recipients
// stay pending without counting an attempt) and returns nil. Only one Run
// may be active at a time.
func (q *Queue) Run(ctx context.Context) error {
	q.mu.Lock()
	if q.closed {
		q.mu.Unlock()
		return errors.New("queue: Run called twice")
	}
	q.closed = true
	q.mu.Unlock()
	var wg sync.WaitGroup
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		next := q.schedule(ctx, &wg)
		// Re-check at least every minute, whatever the clock says.
		wait := min(max(next.Sub(q.cfg.Now()), time.Millisecond), time.Minute)
		timer.Reset(wait)
		select {
		case <-ctx.Done():
			wg.Wait()
			return nil
		case <-q.wake:
		case <-timer.C:
		}
	}
}

// schedule starts the deliveries that are due and allowed by the
// concurrency limits, and returns when the next one will be due.
func (q *Queue) schedule(ctx context.Context, wg *sync.WaitGroup) time.Time {
	now := q.cfg.Now()
	next := now.Add(time.Minute)
	q.mu.Lock()
	defer q.mu.Unlock()
	if ctx.Err() != nil {
		return next
	}
	for _, e := range q.entries {
		if q.running >= q.cfg.Concurrency {
			break
		}
		jobs := q.dueJobs(e, now, &next)
		for _, j := range jobs {
			if q.running >= q.cfg.Concurrency {
				break
			}
			if q.active[j.dest] >= q.cfg.PerDestination {
				continue // a finishing delivery wakes the scheduler
			}
			e.busy[j.dest] = true
			q.active[j.dest]++
			q.running++
			wg.Add(1)
			go func() {
				defer wg.Done()
				q.runJob(ctx, e, j)
			}()
		}
	}
	return next
}

// job is the delivery of one message to one destination.
type job struct {
	dest  string
	route Route
	idx   []int // recipients, as indexes into the record
}

// dueJobs returns e's due recipients grouped by destination, skipping
// destinations already being delivered to, and lowers *next to the
// earliest future attempt. Nothing starts while the message is settled.
func (q *Queue) dueJobs(e *entry, now time.Time, next *time.Time) []job {
	e.mu.Lock()
	defer e.mu.Unlock()
	var jobs []job
	if e.busy[destSettle] {
		return nil // its end kicks the scheduler
	}
	if len(e.busy) == 0 && !e.dsnNext.After(now) && q.noPending(e.rec) {
		// Every recipient is final but a DSN is still owed or the
		// message was not removed: a job without destination only
		// settles it.
		return []job{{dest: destSettle}}
	}
	for i, rc := range e.rec.Rcpts {
		if rc.State != StatePending {
			continue
		}
		dest := e.routes[i].dest
		if e.busy[dest] {
			continue
		}
		if rc.Next.After(now) {
			if rc.Next.Before(*next) {
				*next = rc.Next
			}
			continue
		}
		k := 0
		for k < len(jobs) && jobs[k].dest != dest {
			k++
		}
		if k == len(jobs) {
			jobs = append(jobs, job{dest: dest, route: e.routes[i].route})
		}
		jobs[k].idx = append(jobs[k].idx, i)
	}
	return jobs
}

// noPending reports whether rec has no pending recipient: the message
// only waits for its DSN to be queued, or for removal (after a crash
// between the last delivery and the removal).
func (q *Queue) noPending(rec *Record) bool {
	for _, rc := range rec.Rcpts {
		if rc.State == StatePending {
			return false
		}
	}
	return true
}

// runJob delivers one job and records the outcome; the last job of a
// message to end settles it, alone: no delivery of the message starts
// and no other settling runs meanwhile, so that a failure is reported
// once and "bounce" precedes "removed".
func (q *Queue) runJob(ctx context.Context, e *entry, j job) {
	e.mu.Lock()
	snap := *e.rec
	rcpts := make([]RcptRecord, len(j.idx))
	for k, i := range j.idx {
		rcpts[k] = e.rec.Rcpts[i]
	}
	e.mu.Unlock()
	if len(rcpts) > 0 {
		d := &delivery{rec: &snap, dest: j.dest}
		q.finish(e, j, q.deliver(ctx, d, j.route, rcpts))
		d.quits.Wait() // the sessions count against PerDestination until closed
	}
	q.mu.Lock()
	delete(e.busy, j.dest)
	q.active[j.dest]--
	if q.active[j.dest] == 0 {
		delete(q.active, j.dest)
	}
	q.running--
	last := len(e.busy) == 0
	if last {
		e.busy[destSettle] = true
	}
	q.mu.Unlock()
	if last {
		q.settle(ctx, e)
		q.mu.Lock()
		delete(e.busy, destSettle)
		q.mu.Unlock()
	}
	q.kick()
}
