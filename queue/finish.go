package queue

import (
	"bytes"
	"context"
	"time"

	"github.com/mailstack/mailstack/envelope"
)

// outcomeKind is what an attempt decided for a recipient.
type outcomeKind int

const (
	outDeferred outcomeKind = iota // temporary failure: retry later
	outDelivered
	outFailed   // permanent failure
	outCanceled // the queue is stopping: nothing learnt
)

// outcome is the result of a delivery for one recipient.
type outcome struct {
	kind  outcomeKind
	reply *envelope.Reply // the reply behind it, if any
	diag  string          // the diagnosis when there is no reply
	host  string          // remote MTA name, for DSNs
	addr  string          // "name[ip]:port", for events
	err   error
}

func (o outcome) lastReply() string {
	if o.reply != nil {
		return o.reply.Error()
	}
	return o.diag
}

// finish records the outcomes of a job.
func (q *Queue) finish(e *entry, j job, outs []outcome) {
	e.mu.Lock()
	now := q.cfg.Now()
	rec := e.rec
	var events []Event
	for k, i := range j.idx {
		o, rc := outs[k], &rec.Rcpts[i]
		ev := Event{ID: rec.ID, Rcpt: rc.Path, Destination: j.dest, Host: o.addr, Reply: o.reply, Err: o.err}
		switch o.kind {
		case outCanceled:
			continue
		case outDelivered:
			rc.State, rc.LastReply, rc.RemoteMTA = StateDelivered, o.lastReply(), o.host
			ev.Kind = EventDelivered
		case outFailed:
			rc.State, rc.LastReply, rc.RemoteMTA = StateFailed, o.lastReply(), o.host
			ev.Kind = EventFailed
		case outDeferred:
			rc.Attempts++
			rc.LastReply, rc.RemoteMTA = o.lastReply(), o.host
			// RFC 5321 §4.5.4.1: give up after the lifetime.
			if now.Sub(rec.Created) >= q.cfg.Retry.MaxLifetime {
				rc.State = StateFailed
				ev.Kind = EventFailed
			} else {
				rc.Next = now.Add(q.cfg.Retry.Backoff(rc.Attempts))
				ev.Kind, ev.Attempts, ev.Next = EventDeferred, rc.Attempts, rc.Next
			}
		}
		events = append(events, ev)
	}
	var err error
	// When every recipient is done, settle removes the message at once:
	// the removal is the durable record of the outcome, and writing the
	// record first would only cost two more fsyncs.
	if len(events) > 0 && !q.allDone(rec) {
		err = q.sp.writeRecord(rec)
	}
	e.mu.Unlock()
	if err != nil {
		q.logError("queue: cannot record delivery results; they will be repeated", rec.ID, err)
	}
	for _, ev := range events {
		q.emit(ev)
	}
}

// settle runs when no delivery of e is in progress, and no other settle:
// at the end of a delivery pass (no recipient due either), it queues the
// DSNs its failed (or delayed) recipients call for — one of each per
// message and pass — and removes the message once every recipient is
// done. While a recipient is still due, the pass goes on and the end of
// that recipient's delivery settles the message.
func (q *Queue) settle(ctx context.Context, e *entry) {
	e.mu.Lock()
	now := q.cfg.Now()
	if e.gone || anyDue(e.rec, now) {
		e.mu.Unlock()
		return
	}
	before := e.rec.Marshal()
	failed, delayed := q.needDSN(e.rec, now)
	var err error
	if !bytes.Equal(before, e.rec.Marshal()) {
		err = q.sp.writeRecord(e.rec) // failures that need no DSN
	}
	snap := *e.rec
	snap.Rcpts = append([]RcptRecord(nil), e.rec.Rcpts...)
	e.mu.Unlock()
	if err != nil {
		q.logError("queue: cannot update record", snap.ID, err)
		return
	}
	if len(failed) > 0 || len(delayed) > 0 {
		q.sendDSNs(ctx, e, &snap, failed, delayed)
	}
	e.mu.Lock()
	done := q.allDone(e.rec)
	e.mu.Unlock()
	if done {
		q.removeEntry(e)
	}
}

// needDSN returns the failed recipients whose sender must be told, and
// the pending ones due a delay warning. Failures that need no DSN (null
// reverse-path, NOTIFY without FAILURE) are marked reported at once.
func (q *Queue) needDSN(rec *Record, now time.Time) (failed, delayed []int) {
	for i := range rec.Rcpts {
		rc := &rec.Rcpts[i]
		switch {
		case rc.State == StateFailed && !rc.Reported:
			// RFC 5321 §4.5.5 and §6.1: never bounce a bounce. RFC 3461
			// §4.1: NOTIFY without FAILURE (or NEVER) asks for none.
			if rec.From.IsNull() || (rc.Params.Notify != 0 && rc.Params.Notify&envelope.NotifyFailure == 0) {
				rc.Reported = true
				continue
			}
			failed = append(failed, i)
		case rc.State == StatePending && !rc.Warned && rc.Attempts > 0:
			if q.cfg.DelayWarning <= 0 || now.Sub(rec.Created) < q.cfg.DelayWarning || rec.From.IsNull() {
				continue
			}
			// RFC 3461 §4.1: delay DSNs only when NOTIFY allows them;
			// without NOTIFY the choice is ours (Postfix sends them).
			if rc.Params.Notify != 0 && rc.Params.Notify&envelope.NotifyDelay == 0 {
				continue
			}
			delayed = append(delayed, i)
		}
	}
	return failed, delayed
}

// anyDue reports whether a recipient of rec waits for an attempt now.
func anyDue(rec *Record, now time.Time) bool {
	for _, rc := range rec.Rcpts {
		if rc.State == StatePending && !rc.Next.After(now) {
			return true
		}
	}
	return false
}

func (q *Queue) allDone(rec *Record) bool {
	for _, rc := range rec.Rcpts {
		if rc.State == StatePending || (rc.State == StateFailed && !rc.Reported) {
			return false
		}
	}
	return true
}

// sendDSNs queues the failure DSN and the delay warning, then marks their
// recipients reported. A crash between the two steps sends the DSN again
// after restart: at least once, never lost. Each DSN is handed to the
// scheduler only after the "bounce" event, so that events about the DSN's
// delivery follow it.
func (q *Queue) sendDSNs(ctx context.Context, e *entry, snap *Record, failed, delayed []int) {
	for _, set := range []struct {
		idx   []int
		delay bool
	}{{failed, false}, {delayed, true}} {
		if len(set.idx) == 0 {
			continue
		}
		dsn, err := q.storeDSN(ctx, snap, set.idx, set.delay)
		e.mu.Lock()
		if err != nil {
			// The scheduler tries again later (see dueJobs).
			e.dsnNext = q.cfg.Now().Add(q.cfg.Retry.MinBackoff)
			e.mu.Unlock()
			q.logError("queue: cannot queue DSN; will retry", snap.ID, err)
			continue
		}
		for _, i := range set.idx {
			if set.delay {
				e.rec.Rcpts[i].Warned = true
			} else {
				e.rec.Rcpts[i].Reported = true
			}
		}
		err = q.sp.writeRecord(e.rec)
		e.mu.Unlock()
		if err != nil {
			q.logError("queue: cannot record that a DSN was sent", snap.ID, err)
		}
		id := dsn.rec.ID
		q.emit(Event{Kind: EventEnqueued, ID: id})
		q.emit(Event{Kind: EventBounce, ID: snap.ID, DSNID: id})
		q.add(dsn)
	}
}

func (q *Queue) removeEntry(e *entry) {
	e.mu.Lock()
	if e.gone {
		e.mu.Unlock()
		return
	}
	e.gone = true
	id := e.rec.ID
	err := q.sp.remove(id)
	e.mu.Unlock()
	if err != nil {
		q.logError("queue: cannot remove finished message", id, err)
	}
	q.mu.Lock()
	delete(q.entries, id)
	q.mu.Unlock()
	q.emit(Event{Kind: EventRemoved, ID: id})
}

func (q *Queue) logError(msg, id string, err error) {
	if q.cfg.Logger != nil {
		q.cfg.Logger.Error(msg, "id", id, "error", err)
	}
}
