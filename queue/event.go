package queue

import (
	"context"
	"log/slog"
	"time"

	"github.com/mailstack/mailstack/envelope"
)

// EventKind says what happened.
type EventKind int

const (
	// EventEnqueued: a message was written to the spool.
	EventEnqueued EventKind = iota
	// EventAttempt: a delivery attempt to a host begins.
	EventAttempt
	// EventDelivered: the next hop accepted the message for Rcpt.
	EventDelivered
	// EventDeferred: a temporary failure for Rcpt; Next is the retry.
	EventDeferred
	// EventFailed: a permanent failure for Rcpt, or its time ran out.
	EventFailed
	// EventBounce: a DSN (failure or delay warning) was queued for the
	// sender; DSNID names it. It follows the DSN's EventEnqueued and
	// precedes every other event of the DSN, and the EventRemoved of
	// the message it reports on.
	EventBounce
	// EventRemoved: every recipient is done; the message left the spool.
	EventRemoved
)

var eventNames = [...]string{"enqueued", "attempt", "delivered", "deferred", "failed", "bounce", "removed"}

// String returns the kind's name.
func (k EventKind) String() string {
	if k >= 0 && int(k) < len(eventNames) {
		return eventNames[k]
	}
	return "event?"
}

// Event is something that happened to a queued message.
type Event struct {
	Kind EventKind
	// ID is the message's queue ID.
	ID string
	// Rcpt is the recipient concerned, for per-recipient events.
	Rcpt envelope.Path
	// Destination is what the recipients of an attempt are grouped by:
	// their domain (lower-case A-labels) for MX delivery, or
	// "lmtp:ADDR" or "smarthost:ADDR" for those routes.
	Destination string
	// Host is the remote host ("name[ip]:port") of an attempt or of the
	// reply, if any.
	Host string
	// Reply is the reply that decided the outcome, if any.
	Reply *envelope.Reply
	// Err is the error behind a deferral or failure.
	Err error
	// Attempts counts the deferrals so far.
	Attempts int
	// Next is when a deferred recipient will be tried again.
	Next time.Time
	// DSNID is the queue ID of the DSN, for EventBounce.
	DSNID string
}

func (q *Queue) emit(ev Event) {
	if q.cfg.Hook != nil {
		q.cfg.Hook(ev)
	}
	l := q.cfg.Logger
	if l == nil {
		return
	}
	attrs := []slog.Attr{slog.String("event", ev.Kind.String()), slog.String("id", ev.ID)}
	if ev.Rcpt.Mailbox.Local != "" {
		attrs = append(attrs, slog.String("rcpt", ev.Rcpt.String()))
	}
	if ev.Destination != "" {
		attrs = append(attrs, slog.String("destination", ev.Destination))
	}
	if ev.Host != "" {
		attrs = append(attrs, slog.String("host", ev.Host))
	}
	if ev.Reply != nil {
		attrs = append(attrs, slog.String("reply", ev.Reply.Error()))
	} else if ev.Err != nil {
		attrs = append(attrs, slog.String("error", ev.Err.Error()))
	}
	if !ev.Next.IsZero() {
		attrs = append(attrs, slog.Time("next", ev.Next), slog.Int("attempts", ev.Attempts))
	}
	if ev.DSNID != "" {
		attrs = append(attrs, slog.String("dsn", ev.DSNID))
	}
	level := slog.LevelInfo
	switch ev.Kind {
	case EventAttempt:
		level = slog.LevelDebug
	case EventDeferred, EventFailed:
		level = slog.LevelWarn
	}
	l.LogAttrs(context.Background(), level, "queue", attrs...)
}
