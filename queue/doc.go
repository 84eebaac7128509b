// Package queue is a durable outbound mail queue for a custom MTA: it keeps
// each message on disk until the next hop has taken responsibility for it,
// finds that next hop (the recipient domain's MX hosts, a smarthost, or an
// LMTP server), retries temporary failures on a backoff schedule, and tells
// the sender about failures with delivery status notifications.
//
// The shortest use:
//
//	q, err := queue.Open(queue.Config{Dir: "/var/spool/mailstack", Hostname: "mx.example.com"})
//	...
//	go q.Run(ctx)
//	id, err := q.Enqueue(ctx, from, rcpts, msg, nil) // on disk when it returns
//
// # Delivery
//
// Each recipient has a route (Config.Route): over LMTP to a delivery agent,
// through a smarthost, or to the MX hosts of its domain. One Queue can
// thus deliver the recipients of its own domains over LMTP and the others
// to the Internet, and a DSN to a local sender takes the local route.
// Recipients are delivered on their own schedules, grouped per destination
// (domain, LMTP server or smarthost) for one transaction.
//
// For a domain, the MX hosts are tried in order (package mx), each address
// of each host, until one gives a verdict on the recipients; a host that
// cannot be reached or fails the session (greeting, EHLO, STARTTLS, AUTH, a
// temporary MAIL error) passes the recipients on to the next. Hosts that
// are this MTA (Config.IsSelf), and those less or equally preferred, are
// never tried (RFC 5321 §5.1); if this MTA is the best MX of a domain not
// routed to it, the recipients fail with 5.4.6 (ErrLoop). Per recipient: a
// 2xx reply is done, 4xx is retried later, 5xx fails at once. STARTTLS is
// used whenever offered, without certificate checks (RFC 7435), unless
// Config.RequireTLS names the domain, in which case a verified TLS session
// is required. A smarthost requires verified TLS by default, AUTH optional.
//
// Concurrency is bounded globally (Config.Concurrency) and per destination
// (Config.PerDestination).
//
// Retries follow Config.Retry: the wait starts at 5 minutes and doubles up
// to 4 hours; after 5 days the recipient fails. Delay warnings are
// optional (Config.DelayWarning).
//
// # Delivery status notifications
//
// Failed and expired recipients are reported to the sender in a DSN (RFC
// 3464, multipart/report with message/delivery-status and the original
// message, or its header section when RET=HDRS or the message is large),
// queued from the null reverse-path. A message's attempts go in passes: a
// pass lasts while any of its recipients is being delivered or is due,
// and when it ends the recipients that failed in it are reported together
// in one DSN (and those delayed in one warning). So a message whose
// recipients all fail at their first attempt — in any number of domains,
// delivered at once or one after another — gives exactly one DSN, and a
// recipient that fails only after retries gives one of its own later;
// a failure is never held back waiting for a deferred recipient. A
// message with a null reverse-path never causes a DSN, and NOTIFY (RFC
// 3461) is honoured. The events of a DSN's delivery follow the "bounce"
// event that names it, which precedes the "removed" of the message.
//
// # Durability and duplicates
//
// Enqueue returns only after the message file, its envelope record and both
// directories have been fsynced, so a server may acknowledge the message
// once it returns. Every change of a recipient's state is written to the
// record (by write, fsync and rename) before the next step depends on it,
// and Open resumes whatever an earlier process left in the spool.
//
// Delivery is at least once. A message can reach a recipient twice only in
// these cases:
//
//   - the process stops (crash, SIGKILL, power loss) after the next hop has
//     accepted the message and before the record saying so is on disk;
//   - the connection fails after the message data was sent and before the
//     reply to it arrived: the outcome is unknown, so it is retried (the
//     duplicate RFC 5321 §6.1 prefers to a loss);
//   - the record cannot be written after a delivery (disk full, I/O error).
//
// DSNs have the same property: one may be sent twice if the process stops
// between queueing it and recording that it was queued.
//
// # Observability
//
// Every event (enqueued, attempt, delivered, deferred, failed, bounce,
// removed) goes to Config.Hook and, as one record, to Config.Logger, with
// the message's queue ID. A server that must name a message before it is
// queued — in its Received field, written before the data arrives — takes
// an ID from NewID and queues the message with EnqueueID.
//
// # Standards
//
//	RFC 5321 §4.5.4  retry strategy, giving up after days
//	RFC 5321 §5.1    MX order, fallback to the next host, this MTA
//	                 and less preferred hosts dropped
//	RFC 5321 §6.1    reliable delivery: responsibility taken only once on
//	                 disk, no bounce for a null reverse-path
//	RFC 3461         DSN parameters kept and honoured (NOTIFY, RET, ENVID,
//	                 ORCPT)
//	RFC 3464         message/delivery-status
//	RFC 6522         multipart/report
//	RFC 3463         enhanced status codes in DSNs (4.4.7 on expiry,
//	                 5.4.6 for a routing loop)
//	RFC 3834 §5      Auto-Submitted: auto-replied on DSNs
//	RFC 7435         opportunistic TLS
//	RFC 2033         LMTP delivery
package queue
