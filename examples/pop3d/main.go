// Command pop3d serves POP3 from Maildirs: user U's maildrop is the INBOX
// of the Maildir DIR/U, shared safely with Dovecot, mutt or mblaze.
//
//	pop3d -root /var/mail -users /etc/pop3d.passwd
//
// Flags:
//
//	-listen ADDR      address to listen on (default 127.0.0.1:1110)
//	-root DIR         directory holding one Maildir per user (required)
//	-users FILE       users in Dovecot passwd-file format: "user:{PLAIN}pass"
//	                  or "user:{BLF-CRYPT}$2y$..." (required)
//	-tls-cert FILE    PEM certificate for STLS (default: self-signed)
//	-tls-key FILE     PEM key for -tls-cert
//	-insecure-auth    allow USER/PASS and AUTH without TLS
//
// It prints "listening on ADDR" once it accepts connections and shuts down
// cleanly on SIGINT or SIGTERM: sessions waiting for a command are closed
// without deleting anything, and a command in progress finishes. Users
// with {PLAIN} passwords may also log in with APOP.
package main

import (
	"context"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/mailstack/mailstack/examples/internal/passwd"
	"github.com/mailstack/mailstack/examples/internal/selfsigned"
	"github.com/mailstack/mailstack/maildir"
	"github.com/mailstack/mailstack/pop3"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("pop3d", flag.ContinueOnError)
	fs.SetOutput(stderr)
	listen := fs.String("listen", "127.0.0.1:1110", "address to listen on")
	root := fs.String("root", "", "directory holding one Maildir per user")
	usersFile := fs.String("users", "", "users in Dovecot passwd-file format")
	certFile := fs.String("tls-cert", "", "PEM certificate for STLS (default: self-signed)")
	keyFile := fs.String("tls-key", "", "PEM key for -tls-cert")
	insecure := fs.Bool("insecure-auth", false, "allow passwords without TLS")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *root == "" || *usersFile == "" || fs.NArg() > 0 {
		fmt.Fprintln(stderr, "usage: pop3d -root DIR -users FILE [-listen ADDR] [-tls-cert FILE -tls-key FILE] [-insecure-auth]")
		return 2
	}
	log := slog.New(slog.NewTextHandler(stderr, nil))
	users, err := loadUsers(*usersFile)
	if err != nil {
		fmt.Fprintln(stderr, "pop3d:", err)
		return 1
	}
	tlsConfig, err := loadTLS(*certFile, *keyFile)
	if err != nil {
		fmt.Fprintln(stderr, "pop3d:", err)
		return 1
	}
	srv := &pop3.Server{
		Backend:           &backend{root: *root, users: users},
		TLSConfig:         tlsConfig,
		AllowInsecureAuth: *insecure,
		Implementation:    "mailstack-pop3d",
		Logger:            log,
	}
	l, err := net.Listen("tcp", *listen)
	if err != nil {
		fmt.Fprintln(stderr, "pop3d:", err)
		return 1
	}
	// Catch signals before saying we listen, so that a supervisor that
	// signals as soon as it reads the line gets a clean exit.
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM)
	defer signal.Stop(sig)
	fmt.Fprintf(stdout, "listening on %s\n", l.Addr())
	return serve(srv, l, log, sig)
}

// serve runs srv until it fails or a signal asks it to stop.
func serve(srv *pop3.Server, l net.Listener, log *slog.Logger, sig <-chan os.Signal) int {
	done := make(chan error, 1)
	go func() { done <- srv.Serve(l) }()
	select {
	case err := <-done:
		log.Error("serve", "err", err)
		return 1
	case s := <-sig:
		log.Info("shutting down", "signal", s.String())
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil {
		log.Warn("shutdown", "err", err)
	}
	if err := <-done; err != nil && !errors.Is(err, pop3.ErrServerClosed) {
		log.Error("serve", "err", err)
		return 1
	}
	return 0
}

// loadTLS loads a key pair, or makes a self-signed certificate for
// localhost and the loopback addresses, for testing STLS without a real
// one, when none is given.
func loadTLS(certFile, keyFile string) (*tls.Config, error) {
	if (certFile == "") != (keyFile == "") {
		return nil, errors.New("-tls-cert and -tls-key go together")
	}
	return selfsigned.Load(certFile, keyFile, nil)
}

// backend checks users against the passwd-file and opens their Maildirs.
type backend struct {
	root  string
	users *passwd.DB
}

func (b *backend) Login(ctx context.Context, _ *pop3.ConnInfo, user, pass string) (*pop3.Maildrop, error) {
	if !b.users.Check(user, pass) {
		return nil, pop3.ErrAuthFailed
	}
	return b.open(user)
}

// APOPLogin makes APOP available to users whose password is stored in
// plain text (RFC 1939 §7 needs the secret itself).
func (b *backend) APOPLogin(ctx context.Context, _ *pop3.ConnInfo, user, timestamp, digest string) (*pop3.Maildrop, error) {
	p, ok := b.users.Lookup(user)
	if !ok || p.Scheme != passwd.Plain || !pop3.CheckAPOP(timestamp, p.Value, digest) {
		return nil, pop3.ErrAuthFailed
	}
	return b.open(user)
}

func (b *backend) open(user string) (*pop3.Maildrop, error) {
	if !passwd.SafeDirName(user) { // refuses names that could leave the root
		return nil, pop3.ErrAuthFailed
	}
	st, err := maildir.Open(filepath.Join(b.root, user), nil)
	if err != nil {
		return nil, err
	}
	return &pop3.Maildrop{Store: st}, nil
}
