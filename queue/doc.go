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
// Each recipient is delivered on its own schedule, grouped per destination
// (domain) for one SMTP transaction. For a domain, the MX hosts are tried
// in order (package mx), each address of each host, until one gives a
// verdict on the recipients; a host that cannot be reached or fails the
// session (greeting, EHLO, STARTTLS, AUTH, a temporary MAIL error) passes
// the recipients on to the next. Per recipient: a 2xx reply is done, 4xx
// is retried later, 5xx fails at once. STARTTLS is used whenever offered,
// without certificate checks (RFC 7435), unless Config.RequireTLS names the
// domain, in which case a verified TLS session is required. Config.Smarthost
// sends everything to one relay instead (TLS required and verified by
// default, AUTH optional); Config.LMTP delivers everything over LMTP.
//
// Concurrency is bounded globally (Config.Concurrency) and per destination
// (Config.PerDestination).
//
// Retries follow Config.Retry: the wait starts at 5 minutes and doubles up
// to 4 hours; after 5 days the recipient fails. Failed and expired
// recipients produce one DSN per message and batch (RFC 3464,
// multipart/report with message/delivery-status and the original message,
// or its header section when RET=HDRS or the message is large), queued from
// the null reverse-path to the sender; a message with a null reverse-path
// never causes one, and NOTIFY (RFC 3461) is honoured. Delay warnings
// are optional (Config.DelayWarning).
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
// removed) goes to Config.Hook and, as one record, to Config.Logger.
//
// # Standards
//
//	RFC 5321 §4.5.4  retry strategy, giving up after days
//	RFC 5321 §5.1    MX order and fallback to the next host
//	RFC 5321 §6.1    reliable delivery: responsibility taken only once on
//	                 disk, no bounce for a null reverse-path
//	RFC 3461         DSN parameters kept and honoured (NOTIFY, RET, ENVID,
//	                 ORCPT)
//	RFC 3464         message/delivery-status
//	RFC 6522         multipart/report
//	RFC 3463         enhanced status codes in DSNs (4.4.7 on expiry)
//	RFC 3834 §5      Auto-Submitted: auto-replied on DSNs
//	RFC 7435         opportunistic TLS
//	RFC 2033         LMTP delivery
package queue
