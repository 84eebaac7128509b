package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/mailstack/mailstack/envelope"
	"github.com/mailstack/mailstack/mx"
	"github.com/mailstack/mailstack/queue"
	"github.com/mailstack/mailstack/smtp"
)

// openQueues opens the two spools: "local" delivers over LMTP to this
// server's own LMTP listener, "outbound" to the MX hosts of each domain (or
// to the smarthost). Messages an earlier run left in them are delivered
// once run starts.
//
// DSNs about outbound mail are queued by the outbound queue itself, to the
// sender, and travel by the sender's MX like any other message: back to
// this server when its domains' MX records point at it. (queue.Config has
// no per-recipient route that would send them to the local queue instead.)
func (s *server) openQueues() error {
	var err error
	local := s.queueConfig("local")
	local.LMTP = &queue.LMTPRoute{Network: "tcp", Addr: s.lmtpAddr}
	if s.local, err = queue.Open(local); err != nil {
		return fmt.Errorf("local queue: %w", err)
	}
	out := s.queueConfig("outbound")
	out.Resolver = &mx.Resolver{Servers: s.cfg.DNS.Servers}
	out.MXPort = s.cfg.Relay.MXPort
	if s.cfg.Relay.Smarthost != "" {
		out.Smarthost = &queue.Smarthost{Addr: s.cfg.Relay.Smarthost}
	}
	if s.outbound, err = queue.Open(out); err != nil {
		return fmt.Errorf("outbound queue: %w", err)
	}
	return nil
}

func (s *server) queueConfig(name string) queue.Config {
	c := queue.Config{
		Dir:      filepath.Join(s.cfg.DataDir, "queue", name),
		Hostname: s.cfg.Hostname,
		Logger:   s.log.With("queue", name),
	}
	if s.hook != nil {
		c.Hook = func(ev queue.Event) { s.hook(name, ev) }
	}
	return c
}

// accept queues a message received over SMTP: the local recipients in
// the local queue, the others in the outbound queue. It returns the queue
// IDs once every copy is on disk.
func (s *server) accept(ctx context.Context, from envelope.Path, mp envelope.MailParams, rcpts []rcpt, r io.Reader) ([]string, error) {
	var local, remote []rcpt
	for _, rc := range rcpts {
		if s.cfg.isLocal(rc.path.Mailbox.Domain) {
			local = append(local, rc)
		} else {
			remote = append(remote, rc)
		}
	}
	if len(remote) == 0 {
		return enqueue(ctx, s.local, from, mp, local, r)
	}
	if len(local) == 0 {
		return enqueue(ctx, s.outbound, from, mp, remote, r)
	}
	// Both: the message is read once into a scratch file and queued twice.
	f, err := os.CreateTemp(s.tmpDir(), "smtp-")
	if err != nil {
		return nil, err
	}
	defer os.Remove(f.Name())
	defer f.Close()
	n, err := io.Copy(f, r)
	if err != nil {
		return nil, err
	}
	ids, err := enqueue(ctx, s.local, from, mp, local, io.NewSectionReader(f, 0, n))
	if err != nil {
		return nil, err
	}
	more, err := enqueue(ctx, s.outbound, from, mp, remote, io.NewSectionReader(f, 0, n))
	// A failure here leaves the local copy queued: the client retries
	// and the local recipients may get the message twice, the duplicate
	// RFC 5321 §6.1 prefers to a loss.
	return append(ids, more...), err
}

// enqueue puts one message in q, keeping the MAIL and RCPT parameters
// (DSN requests above all).
func enqueue(ctx context.Context, q *queue.Queue, from envelope.Path, mp envelope.MailParams, rcpts []rcpt, r io.Reader) ([]string, error) {
	paths := make([]envelope.Path, len(rcpts))
	opts := &smtp.SendOptions{Mail: mp, Rcpt: make([]envelope.RcptParams, len(rcpts))}
	for i, rc := range rcpts {
		paths[i], opts.Rcpt[i] = rc.path, rc.params
	}
	id, err := q.Enqueue(ctx, from, paths, r, opts)
	if errors.Is(err, queue.ErrMessageTooLarge) {
		return nil, envelope.ReplyMessageTooBig
	}
	if err != nil {
		return nil, err
	}
	return []string{id}, nil
}
