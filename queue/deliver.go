package queue

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"sync"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/mailstack/mailstack/envelope"
	"github.com/mailstack/mailstack/lmtp"
	"github.com/mailstack/mailstack/mx"
	"github.com/mailstack/mailstack/smtp"
)

// quitTimeout bounds the QUIT after a delivery: its answer changes nothing.
const quitTimeout = 10 * time.Second

// target is one server to try.
type target struct {
	addr      string // "ip:port", "host:port" or a socket path
	host      string // the name to verify and report (Remote-MTA)
	lmtpNet   string // LMTP network, "" for SMTP
	policy    smtp.TLSPolicy
	implicit  bool
	tlsConfig *tls.Config
	auth      sasl.Client // the smarthost's, or nil
}

func (t target) label() string {
	if t.host != "" && t.host != t.addr {
		return t.host + "[" + t.addr + "]"
	}
	return t.addr
}

// delivery is the delivery of a message to one destination's recipients
// (a job), through one session or more.
type delivery struct {
	rec  *Record
	dest string
	// quits counts the sessions still ending (QUIT): the destination's
	// PerDestination slot is held until they are closed.
	quits sync.WaitGroup
}

// deliver sends d.rec to the recipients rcpts (all for d.dest) by route
// and returns one outcome per recipient.
func (q *Queue) deliver(ctx context.Context, d *delivery, route Route, rcpts []RcptRecord) []outcome {
	switch r := route; {
	case r.LMTP != nil:
		network := r.LMTP.Network
		if network == "" {
			network = "tcp"
		}
		t := target{addr: r.LMTP.Addr, host: r.LMTP.Addr, lmtpNet: network, policy: smtp.TLSDisabled}
		return q.tryTargets(ctx, d, rcpts, []target{t}, nil)
	case r.Smarthost != nil:
		return q.tryTargets(ctx, d, rcpts, []target{q.smarthostTarget(r.Smarthost)}, nil)
	}
	return q.deliverMX(ctx, d, rcpts)
}

func (q *Queue) smarthostTarget(sh *Smarthost) target {
	host, _, _ := net.SplitHostPort(sh.Addr)
	t := target{addr: sh.Addr, host: host, implicit: sh.ImplicitTLS, auth: sh.Auth, policy: smtp.TLSRequired}
	if sh.AllowPlaintext {
		t.policy = smtp.TLSOpportunistic
	}
	t.tlsConfig = q.tlsFor(sh.TLSConfig, host, !sh.AllowPlaintext || sh.ImplicitTLS)
	return t
}

// tlsFor returns a TLS configuration for host: verified when verify is set,
// otherwise encrypting without authentication (RFC 7435).
func (q *Queue) tlsFor(base *tls.Config, host string, verify bool) *tls.Config {
	var c *tls.Config
	if base != nil {
		c = base.Clone()
	} else {
		c = &tls.Config{}
	}
	if c.ServerName == "" {
		c.ServerName = host
	}
	if !verify {
		c.InsecureSkipVerify = true
	}
	return c
}

// deliverMX looks up the domain's MX hosts and tries their addresses in
// order until one takes responsibility (RFC 5321 §5.1), never this MTA
// itself or a host less preferred than it.
func (q *Queue) deliverMX(ctx context.Context, d *delivery, rcpts []RcptRecord) []outcome {
	domain := d.dest
	res, err := q.cfg.Resolver.Lookup(ctx, domain)
	var hosts []mx.Host
	if res != nil {
		var loop bool
		if hosts, loop = q.dropSelf(res.Hosts); loop {
			return q.allOutcome(ctx, rcpts, loopOutcome(domain))
		}
	}
	if err != nil && !anyAddr(hosts) {
		return q.allOutcome(ctx, rcpts, mxOutcome(err))
	}
	require := q.cfg.RequireTLS != nil && q.cfg.RequireTLS(domain)
	var targets []target
	for _, h := range hosts {
		for _, a := range h.Addrs {
			t := target{addr: netip.AddrPortFrom(a, uint16(q.cfg.MXPort)).String(), host: h.Name, policy: smtp.TLSOpportunistic}
			if require {
				t.policy = smtp.TLSRequired
			}
			t.tlsConfig = q.tlsFor(q.cfg.TLSConfig, h.Name, require)
			targets = append(targets, t)
		}
	}
	return q.tryTargets(ctx, d, rcpts, targets, err)
}

func anyAddr(hosts []mx.Host) bool {
	for _, h := range hosts {
		if len(h.Addrs) > 0 {
			return true
		}
	}
	return false
}

// mxOutcome turns a failed lookup into an outcome: the reply the mx
// package chose, permanent or temporary.
func mxOutcome(err error) outcome {
	var me *mx.Error
	if errors.As(err, &me) && me.Reply != nil {
		o := outcome{reply: me.Reply, err: err, kind: outDeferred}
		if me.Permanent() {
			o.kind = outFailed
		}
		return o
	}
	return outcome{kind: outDeferred, diag: "DNS lookup failed: " + err.Error(), err: err}
}

func (q *Queue) allOutcome(ctx context.Context, rcpts []RcptRecord, o outcome) []outcome {
	if ctx.Err() != nil {
		o = outcome{kind: outCanceled}
	}
	outs := make([]outcome, len(rcpts))
	for i := range outs {
		outs[i] = o
	}
	return outs
}

// tryTargets tries each target in turn with the recipients still open,
// until none is left. A recipient stays open after an attempt when the
// failure was the session's rather than its own (connection, greeting,
// EHLO, TLS, AUTH, a temporary MAIL error): the next host may do better.
func (q *Queue) tryTargets(ctx context.Context, d *delivery, rcpts []RcptRecord, targets []target, lookupErr error) []outcome {
	outs := make([]outcome, len(rcpts))
	open := make([]int, len(rcpts))
	for i := range open {
		open[i] = i
		outs[i] = outcome{kind: outDeferred, diag: "no host to try", err: lookupErr}
		if lookupErr != nil {
			outs[i] = mxOutcome(lookupErr)
			outs[i].kind = outDeferred
		}
	}
	for _, t := range targets {
		if len(open) == 0 || ctx.Err() != nil {
			break
		}
		sub := make([]RcptRecord, len(open))
		for k, i := range open {
			sub[k] = rcpts[i]
		}
		res, next := q.attempt(ctx, d, t, sub)
		var still []int
		for k, i := range open {
			outs[i] = res[k]
			if next[k] {
				still = append(still, i)
			}
		}
		open = still
	}
	if ctx.Err() != nil {
		for _, i := range open {
			outs[i] = outcome{kind: outCanceled}
		}
	}
	return outs
}

// attempt delivers to one target, retrying once without TLS when an
// opportunistic handshake fails. next[k] reports that recipient k may be
// tried at the next target.
func (q *Queue) attempt(ctx context.Context, d *delivery, t target, rcpts []RcptRecord) ([]outcome, []bool) {
	q.emit(Event{Kind: EventAttempt, ID: d.rec.ID, Destination: d.dest, Host: t.label()})
	res, err := q.send(ctx, d, t, rcpts)
	if errors.Is(err, smtp.ErrTLSHandshake) && t.policy == smtp.TLSOpportunistic && !t.implicit {
		// RFC 7435 §6: a failed opportunistic handshake falls back to
		// plaintext, as Postfix's "may" level does.
		t.policy = smtp.TLSDisabled
		res, err = q.send(ctx, d, t, rcpts)
	}
	outs := make([]outcome, len(rcpts))
	next := make([]bool, len(rcpts))
	for k := range rcpts {
		var r smtp.RcptResult
		if res != nil {
			r = res[k]
		} else {
			r.Err = err
		}
		outs[k], next[k] = classify(ctx, r, t)
	}
	return outs, next
}

// classify turns a recipient's result into an outcome, and says whether
// another host may be tried for it.
func classify(ctx context.Context, r smtp.RcptResult, t target) (outcome, bool) {
	o := outcome{host: t.host, addr: t.label(), reply: r.Reply, err: r.Err}
	if r.Err == nil {
		o.kind = outDelivered
		return o, false
	}
	if ctx.Err() != nil {
		return outcome{kind: outCanceled}, false
	}
	var ce *smtp.CommandError
	if !errors.As(r.Err, &ce) {
		// The connection failed: another host may work. If it failed
		// after the data was sent, the message may arrive twice.
		o.kind, o.reply, o.diag = outDeferred, nil, "connection with "+t.label()+" failed: "+r.Err.Error()
		return o, true
	}
	o.reply = ce.Reply
	if ce.Local {
		o.host = "" // our own verdict: no Remote-MTA
	}
	switch ce.Command {
	case "RCPT", "DATA", "BDAT":
		// The server judged this recipient or this message.
		o.kind = outDeferred
		if ce.Permanent() {
			o.kind = outFailed
		}
		return o, false
	case "MAIL":
		if ce.Permanent() {
			o.kind = outFailed
			return o, false
		}
	}
	// Greeting, EHLO, STARTTLS, AUTH or a temporary MAIL failure: the
	// session failed, not the recipient.
	o.kind = outDeferred
	if ce.Local && ce.Permanent() {
		o.kind = outFailed // the message cannot go anywhere (size, 8BITMIME)
		return o, false
	}
	return o, true
}

// send runs one SMTP or LMTP session to t.
func (q *Queue) send(ctx context.Context, d *delivery, t target, rcpts []RcptRecord) ([]smtp.RcptResult, error) {
	rec := d.rec
	cfg := q.cfg.Client
	if cfg.LocalName == "" {
		cfg.LocalName = q.cfg.Hostname
	}
	cfg.DialContext = q.cfg.DialContext
	cfg.TLSPolicy, cfg.TLSConfig, cfg.ImplicitTLS = t.policy, t.tlsConfig, t.implicit
	cfg.NormalizeLineEndings = true
	cfg.Auth = t.auth
	type sender interface {
		Send(context.Context, envelope.Path, []envelope.Path, io.Reader, *smtp.SendOptions) ([]smtp.RcptResult, error)
		Quit(context.Context) error
		Close() error
	}
	var c sender
	var err error
	if t.lmtpNet != "" {
		c, err = lmtp.Dial(ctx, t.lmtpNet, t.addr, &cfg)
	} else {
		c, err = smtp.Dial(ctx, t.addr, &cfg)
	}
	if err != nil {
		return nil, err
	}
	f, err := q.sp.openMessage(rec.ID)
	if err != nil {
		c.Close()
		return nil, fmt.Errorf("queue: %w", err)
	}
	defer f.Close()
	opts := &smtp.SendOptions{Mail: rec.Mail, Rcpt: make([]envelope.RcptParams, len(rcpts))}
	opts.Mail.Size, opts.Mail.HasSize = uint64(rec.Size), true
	paths := make([]envelope.Path, len(rcpts))
	for i, rc := range rcpts {
		paths[i], opts.Rcpt[i] = rc.Path, rc.Params
	}
	res, err := c.Send(ctx, rec.From, paths, f, opts)
	// QUIT in the background: the results are recorded meanwhile, which
	// narrows the window in which a crash causes a duplicate.
	d.quits.Add(1)
	go func() {
		defer d.quits.Done()
		qctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), quitTimeout)
		c.Quit(qctx)
		cancel()
		c.Close()
	}()
	return res, err
}
