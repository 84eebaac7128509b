package main

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/mailstack/mailstack/imap"
	"github.com/mailstack/mailstack/lmtp"
	"github.com/mailstack/mailstack/pop3"
	"github.com/mailstack/mailstack/queue"
	"github.com/mailstack/mailstack/smtp"
)

// drainTimeout bounds a graceful stop: sessions still running after it are
// closed.
const drainTimeout = 30 * time.Second

// server is one mail server: its configuration, the directory of users,
// the queue and the protocol servers with their listeners. Two servers in
// one process share nothing.
type server struct {
	cfg  *Config
	log  *slog.Logger
	tls  *tls.Config
	dir  atomic.Pointer[directory]
	hook func(queue.Event) // for tests; may be nil

	// stores shares each user's maildir.Store among the user's sessions
	// and deliveries.
	stores *stores
	// pollInterval is how often a watched folder is checked for changes
	// made by other programs; 0 is maildir's default. Tests set it.
	pollInterval time.Duration

	// queue delivers every accepted message: local recipients over
	// LMTP, the others to MX hosts or the smarthost.
	queue *queue.Queue

	mta, msa *smtp.Server
	lmtp     *lmtp.Server
	imap     *imap.Server
	pop3     *pop3.Server

	listeners []*listener
	lmtpAddr  string // where the queue delivers local recipients
}

// listener is one bound service.
type listener struct {
	name  string // TOML key under [listen]; "" for the internal LMTP listener
	ln    net.Listener
	serve func(net.Listener) error
}

// newServer prepares everything and binds every listener, so that any
// mistake (a busy port, a bad users file) stops the start before a message
// is accepted. hook, if not nil, sees every queue event.
func newServer(cfg *Config, log *slog.Logger, hook func(queue.Event)) (*server, error) {
	s := &server{cfg: cfg, log: log, hook: hook}
	s.stores = newStores(s.openMaildir)
	for _, d := range []string{cfg.DataDir, s.mailRoot(), s.tmpDir(), filepath.Join(cfg.DataDir, "queue")} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return nil, err
		}
	}
	d, err := loadDirectory(cfg, cfg)
	if err != nil {
		return nil, err
	}
	s.dir.Store(d)
	if s.tls, err = loadTLS(cfg); err != nil {
		return nil, err
	}
	s.newProtocolServers()
	if err := s.listen(); err != nil {
		return nil, err
	}
	if err := s.openQueue(); err != nil {
		s.closeListeners()
		return nil, err
	}
	return s, nil
}

// loadDirectory reads the users file of cfg and checks the aliases of
// aliases (the same configuration at start, a new one on reload).
func loadDirectory(cfg, aliases *Config) (*directory, error) {
	users, err := readUsers(cfg.path(cfg.UsersFile), cfg.Domains)
	if errors.Is(err, os.ErrNotExist) {
		return nil, cfg.errAt("users_file", "%v", err)
	}
	if err != nil {
		return nil, err
	}
	return newDirectory(aliases, users)
}

func (s *server) mailRoot() string { return filepath.Join(s.cfg.DataDir, "mail") }
func (s *server) tmpDir() string   { return filepath.Join(s.cfg.DataDir, "tmp") }

// directory returns the current users and aliases.
func (s *server) directory() *directory { return s.dir.Load() }

func (s *server) newProtocolServers() {
	s.mta = &smtp.Server{
		Hostname: s.cfg.Hostname, TLSConfig: s.tls,
		Backend: &smtpBackend{s: s, role: roleMTA},
		Logger:  s.log.With("service", "smtp"),
	}
	s.msa = &smtp.Server{
		Hostname: s.cfg.Hostname, TLSConfig: s.tls, RequireAuth: true,
		Backend: &smtpBackend{s: s, role: roleMSA},
		Logger:  s.log.With("service", "submission"),
	}
	s.lmtp = &lmtp.Server{
		Hostname: s.cfg.Hostname,
		Backend:  &lmtpBackend{s: s},
		Logger:   s.log.With("service", "lmtp"),
	}
	s.imap = s.newIMAP()
	s.pop3 = s.newPOP3()
}

// listen binds every configured service, and an internal loopback LMTP
// listener for the queue's local deliveries when the lmtp service is
// disabled.
func (s *server) listen() error {
	serveTLS := func(serve func(net.Listener) error) func(net.Listener) error {
		return func(l net.Listener) error { return serve(tls.NewListener(l, s.tls)) }
	}
	serveFor := map[string]func(net.Listener) error{
		"smtp": s.mta.Serve, "submission": s.msa.Serve, "submissions": s.msa.ServeTLS,
		"lmtp": s.lmtp.Serve, "imap": s.imap.Serve, "imaps": serveTLS(s.imap.Serve),
		"pop3": s.pop3.Serve, "pop3s": s.pop3.ServeTLS,
	}
	for _, svc := range s.cfg.Listen.services() {
		if svc.addr == "" {
			continue
		}
		ln, err := net.Listen("tcp", svc.addr)
		if err != nil {
			s.closeListeners()
			return s.cfg.errAt("listen."+svc.name, "%v", err)
		}
		s.listeners = append(s.listeners, &listener{name: svc.name, ln: ln, serve: serveFor[svc.name]})
		if svc.name == "lmtp" {
			s.lmtpAddr = dialable(ln.Addr())
		}
	}
	if s.lmtpAddr == "" {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			s.closeListeners()
			return fmt.Errorf("internal LMTP listener: %w", err)
		}
		s.listeners = append(s.listeners, &listener{ln: ln, serve: s.lmtp.Serve})
		s.lmtpAddr = ln.Addr().String()
	}
	return nil
}

// dialable returns an address to reach a listener at: a wildcard address
// is reached on loopback.
func dialable(a net.Addr) string {
	ta, ok := a.(*net.TCPAddr)
	if !ok || !ta.IP.IsUnspecified() {
		return a.String()
	}
	return net.JoinHostPort("127.0.0.1", fmt.Sprint(ta.Port))
}

func (s *server) closeListeners() {
	for _, l := range s.listeners {
		l.ln.Close()
	}
}

// addr returns the bound address of a service, "" if it is disabled.
func (s *server) addr(name string) string {
	for _, l := range s.listeners {
		if l.name == name && name != "" {
			return l.ln.Addr().String()
		}
	}
	return ""
}

// run serves until ctx ends or a listener fails, then stops gracefully:
// first the SMTP services, so that no message is half accepted, then the
// queue (deliveries in progress stay queued), then the rest.
func (s *server) run(ctx context.Context) error {
	errc := make(chan error, len(s.listeners))
	for _, l := range s.listeners {
		go func() { errc <- l.serve(l.ln) }()
	}
	qctx, stopQueue := context.WithCancel(context.Background())
	var queueDone sync.WaitGroup
	queueDone.Go(func() { s.queue.Run(qctx) })
	s.log.Info("started", "hostname", s.cfg.Hostname, "domains", s.cfg.Domains, "data_dir", s.cfg.DataDir,
		"users", s.directory().String(), "queued", s.queue.Len())
	var err error
	select {
	case <-ctx.Done():
	case err = <-errc:
		s.log.Error("listener failed", "err", err)
	}
	s.shutdown(stopQueue, &queueDone)
	return err
}

func (s *server) shutdown(stopQueue context.CancelFunc, queueDone *sync.WaitGroup) {
	s.log.Info("stopping: draining sessions", "timeout", drainTimeout)
	ctx, cancel := context.WithTimeout(context.Background(), drainTimeout)
	defer cancel()
	parallel(ctx, s.log, map[string]func(context.Context) error{"smtp": s.mta.Shutdown, "submission": s.msa.Shutdown})
	stopQueue()
	queueDone.Wait()
	parallel(ctx, s.log, map[string]func(context.Context) error{
		"lmtp": s.lmtp.Shutdown, "imap": s.imap.Shutdown, "pop3": s.pop3.Shutdown,
	})
	s.log.Info("stopped", "queued", s.queue.Len())
}

// parallel runs the shutdown functions at once and waits for them all.
func parallel(ctx context.Context, log *slog.Logger, fns map[string]func(context.Context) error) {
	var wg sync.WaitGroup
	for name, f := range fns {
		wg.Go(func() {
			if err := f(ctx); err != nil {
				log.Warn("shutdown", "service", name, "err", err)
			}
		})
	}
	wg.Wait()
}

// reload reads the users file and the aliases again (SIGHUP). On any error
// the current ones stay in force.
func (s *server) reload() error {
	aliases := s.cfg
	if s.cfg.file != "" {
		nc, err := loadConfig(s.cfg.file)
		if err != nil {
			return err
		}
		aliases = &Config{file: nc.file, src: nc.src, Aliases: nc.Aliases}
	}
	d, err := loadDirectory(s.cfg, aliases)
	if err != nil {
		return err
	}
	s.dir.Store(d)
	s.log.Info("reloaded", "users", d.String())
	return nil
}
