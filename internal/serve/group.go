// Package serve holds what the mail servers (smtp, and lmtp through it,
// imap and pop3) share around their sessions: the accept loop and its
// backoff on temporary errors, the set of live listeners and connections,
// the connection limit, connection numbers, and a graceful shutdown that
// lets sessions drain. A protocol keeps its own words: how it turns away a
// connection over the limit, how it serves one, and how it tells one to
// wind down. Those words are its RFC's: SMTP's 421 may come at any time
// and closes the session (RFC 5321 §3.8), IMAP says BYE (RFC 9051 §7.1.5),
// POP3 answers -ERR [SYS/TEMP] (RFC 3206 §4) and, dropped before QUIT,
// deletes nothing (RFC 1939 §6).
package serve

import (
	"context"
	"errors"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// ErrClosed is returned by Serve once Stop has been called. Each protocol
// returns its own ErrServerClosed in its place.
var ErrClosed = errors.New("serve: closed")

// Group is one server's listeners and connections; C is the protocol's
// connection type. Its zero value is ready to use. A Group must not be
// copied after first use. Its methods may be called from any goroutine.
type Group[C comparable] struct {
	mu        sync.Mutex
	listeners map[net.Listener]struct{}
	conns     map[C]struct{}
	closing   atomic.Bool
	done      chan struct{} // closed by Stop; made by Done or Stop
	drained   chan struct{} // closed once no connection is left after Stop
	ids       atomic.Uint64
}

// Retry decides whether Serve accepts again after Accept failed with err.
// It reports whether err is temporary; Serve then waits delay first, and
// Retry may log that.
type Retry func(err error, delay time.Duration) bool

// Serve accepts connections on l, giving each to handle, until Stop or an
// accept error that retry does not retry (a nil retry retries none). It
// closes l when it returns, and returns ErrClosed after Stop, otherwise
// the accept error. handle runs in Serve's goroutine: it must start the
// session's own goroutine rather than serve the connection itself.
func (g *Group[C]) Serve(l net.Listener, retry Retry, handle func(net.Conn)) error {
	if !g.addListener(l) {
		l.Close()
		return ErrClosed
	}
	defer g.removeListener(l)
	var delay time.Duration
	for {
		nc, err := l.Accept()
		if err != nil {
			if g.closing.Load() {
				return ErrClosed
			}
			// A process out of file descriptors (EMFILE) would otherwise
			// spin: wait 5 ms, doubling to 1 s, as net/http does.
			delay = min(max(2*delay, 5*time.Millisecond), time.Second)
			if retry == nil || !retry(err, delay) {
				return err
			}
			time.Sleep(delay)
			continue
		}
		delay = 0
		handle(nc)
	}
}

// Temporary reports an accept error that net/http's Server retries: one
// whose Temporary method says so, such as EMFILE or ECONNABORTED.
func Temporary(err error) bool {
	var te interface{ Temporary() bool }
	return errors.As(err, &te) && te.Temporary()
}

// RetryTimeouts is a Retry that retries an accept that timed out, and no
// other error.
func RetryTimeouts(err error, _ time.Duration) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

func (g *Group[C]) addListener(l net.Listener) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.closing.Load() {
		return false
	}
	if g.listeners == nil {
		g.listeners = map[net.Listener]struct{}{}
	}
	g.listeners[l] = struct{}{}
	return true
}

func (g *Group[C]) removeListener(l net.Listener) {
	g.mu.Lock()
	delete(g.listeners, l)
	g.mu.Unlock()
	l.Close()
}

// Add tracks c until Remove. Once Stop has been called it tracks nothing
// and reports ok false: the caller closes the connection. full reports
// that c makes the group hold more than limit connections (a negative
// limit is none). c is tracked all the same, so that Close reaches it
// while the protocol answers it in its own words; the caller may instead
// Remove it at once.
func (g *Group[C]) Add(c C, limit int) (ok, full bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.closing.Load() {
		return false, false
	}
	if g.conns == nil {
		g.conns = map[C]struct{}{}
	}
	g.conns[c] = struct{}{}
	return true, limit >= 0 && len(g.conns) > limit
}

// Remove stops tracking c, when its session has ended.
func (g *Group[C]) Remove(c C) {
	g.mu.Lock()
	defer g.mu.Unlock()
	delete(g.conns, c)
	g.signalDrained()
}

// signalDrained closes drained if Stop has been called and no connection
// is left. g.mu is held.
func (g *Group[C]) signalDrained() {
	if g.drained == nil || len(g.conns) > 0 {
		return
	}
	select {
	case <-g.drained:
	default:
		close(g.drained)
	}
}

// Len returns how many connections are tracked.
func (g *Group[C]) Len() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return len(g.conns)
}

// NextID numbers connections 1, 2, 3…, for logs and traces.
func (g *Group[C]) NextID() uint64 { return g.ids.Add(1) }

// Closing reports whether Stop has been called.
func (g *Group[C]) Closing() bool { return g.closing.Load() }

// Done returns a channel closed by Stop, for a session to select on.
func (g *Group[C]) Done() <-chan struct{} {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.done == nil {
		g.done = make(chan struct{})
		if g.closing.Load() {
			close(g.done)
		}
	}
	return g.done
}

// Stop begins the end: from now on Add and Serve refuse, Closing reports
// true and Done is closed. It closes the listeners and returns the first
// error closing one gave. Connections are left to the protocol: see
// Shutdown and Each.
func (g *Group[C]) Stop() error {
	g.mu.Lock()
	defer g.mu.Unlock()
	if !g.closing.Swap(true) {
		if g.done != nil {
			close(g.done)
		}
		g.drained = make(chan struct{})
		g.signalDrained()
	}
	var err error
	for l := range g.listeners {
		if cerr := l.Close(); cerr != nil && err == nil {
			err = cerr
		}
		delete(g.listeners, l)
	}
	return err
}

// Shutdown stops the group gracefully. It calls Stop, then windDown for
// every connection, at once and again after 5 ms, doubling to 250 ms, in
// case a session busy with a command has gone idle since; it returns nil
// once every connection has been removed. If ctx ends first, it calls
// closeAll (the protocol's Close) and returns ctx's error.
func (g *Group[C]) Shutdown(ctx context.Context, windDown func(C), closeAll func() error) error {
	g.Stop()
	drained := g.drained // set once, by the first Stop
	wait := 5 * time.Millisecond
	timer := time.NewTimer(wait)
	defer timer.Stop()
	for {
		g.Each(windDown)
		select {
		case <-drained:
			return nil
		default:
		}
		select {
		case <-drained:
			return nil
		case <-ctx.Done():
			closeAll()
			return ctx.Err()
		case <-timer.C:
			wait = min(2*wait, 250*time.Millisecond)
			timer.Reset(wait)
		}
	}
}

// Each calls f for every connection, with the group locked: f must not
// block, nor call the group's methods. Shutdown winds connections down
// with it, and a protocol's Close closes them with it.
func (g *Group[C]) Each(f func(C)) {
	g.mu.Lock()
	defer g.mu.Unlock()
	for c := range g.conns {
		f(c)
	}
}
