// Command smtp-sink is an SMTP or LMTP server that accepts every message
// and discards it, or delivers it into a Maildir, like Postfix's smtp-sink
// with the safety rules of package smtp. Tests and benchmarks use it as a
// peer.
//
// Usage:
//
//	smtp-sink [-listen ADDR] [-lmtp] [-maildir DIR] [-tls-cert FILE -tls-key FILE] [-users FILE]
//
// It prints "listening on ADDR" once it accepts connections (with the port
// the kernel chose when ADDR ends in ":0") and exits with status 0 on
// SIGINT or SIGTERM after the sessions in progress have ended (at most 10
// seconds). ADDR may be "unix:PATH" for a Unix domain socket.
//
// Flags:
//
//	-listen ADDR     address to listen on; default 127.0.0.1:2525
//	-lmtp            speak LMTP (RFC 2033) instead of SMTP
//	-maildir DIR     deliver each message into the Maildir DIR (tmp/ then
//	                 new/, fsync'd before the 250) instead of discarding it
//	-tls-cert FILE   certificate for STARTTLS, PEM
//	-tls-key FILE    its private key, PEM; without both, STARTTLS uses a
//	                 self-signed certificate made at start-up
//	-users FILE      enable AUTH PLAIN and LOGIN (over TLS) with the users
//	                 of FILE, a Dovecot passwd-file ("user:{SCHEME}secret",
//	                 schemes PLAIN and BLF-CRYPT)
package main

import (
	"context"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/mailstack/mailstack/examples/internal/passwd"
	"github.com/mailstack/mailstack/examples/internal/selfsigned"
	"github.com/mailstack/mailstack/lmtp"
	"github.com/mailstack/mailstack/smtp"
)

// shutdownGrace is how long the sink waits for sessions after a signal.
const shutdownGrace = 10 * time.Second

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "smtp-sink:", err)
		os.Exit(1)
	}
}

// config is the parsed command line.
type config struct {
	listen, maildir, certFile, keyFile, usersFile string
	lmtp                                          bool
}

func parseFlags(args []string) (config, error) {
	var c config
	fs := flag.NewFlagSet("smtp-sink", flag.ContinueOnError)
	fs.StringVar(&c.listen, "listen", "127.0.0.1:2525", "address to listen on (host:port or unix:PATH)")
	fs.BoolVar(&c.lmtp, "lmtp", false, "speak LMTP instead of SMTP")
	fs.StringVar(&c.maildir, "maildir", "", "deliver into this Maildir instead of discarding")
	fs.StringVar(&c.certFile, "tls-cert", "", "STARTTLS certificate (PEM)")
	fs.StringVar(&c.keyFile, "tls-key", "", "STARTTLS private key (PEM)")
	fs.StringVar(&c.usersFile, "users", "", "enable AUTH with this Dovecot passwd-file")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if (c.certFile == "") != (c.keyFile == "") {
		return c, errors.New("-tls-cert and -tls-key go together")
	}
	return c, nil
}

// run serves until ctx ends, then shuts down.
func run(ctx context.Context, args []string, out io.Writer) error {
	cfg, err := parseFlags(args)
	if err != nil {
		return err
	}
	tlsConfig, err := loadTLS(cfg.certFile, cfg.keyFile)
	if err != nil {
		return err
	}
	var users *passwd.DB
	if cfg.usersFile != "" {
		if users, err = loadUsers(cfg.usersFile); err != nil {
			return err
		}
	}
	l, err := listen(cfg.listen)
	if err != nil {
		return err
	}
	b := &sink{maildir: cfg.maildir, users: users}
	srv := newServer(cfg.lmtp, tlsConfig, b)
	served := make(chan error, 1)
	go func() { served <- srv.Serve(l) }()
	fmt.Fprintf(out, "listening on %s\n", l.Addr())
	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	srv.Shutdown(sctx)
	if err := <-served; !errors.Is(err, smtp.ErrServerClosed) {
		return err
	}
	return nil
}

// loadTLS loads the certificate and key, or makes a self-signed
// certificate for this host name, localhost and the loopback addresses
// when both are empty.
func loadTLS(certFile, keyFile string) (*tls.Config, error) {
	var o selfsigned.Options
	if host, _ := os.Hostname(); host != "" {
		o.Hosts = []string{host}
	}
	return selfsigned.Load(certFile, keyFile, &o)
}

// listen opens a TCP address or, with the prefix "unix:", a socket path.
func listen(addr string) (net.Listener, error) {
	if path, ok := strings.CutPrefix(addr, "unix:"); ok {
		return net.Listen("unix", path)
	}
	return net.Listen("tcp", addr)
}

// server is what smtp.Server and lmtp.Server have in common here.
type server interface {
	Serve(net.Listener) error
	Shutdown(context.Context) error
}

func newServer(lmtpMode bool, tlsConfig *tls.Config, b *sink) server {
	if lmtpMode {
		return &lmtp.Server{TLSConfig: tlsConfig, Backend: lmtpSink{b}}
	}
	return &smtp.Server{TLSConfig: tlsConfig, Backend: b}
}
