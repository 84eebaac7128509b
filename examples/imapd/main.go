// Command imapd serves users' Maildir++ trees over IMAP4rev2/IMAP4rev1:
// user U's mail is the Maildir DIR/U, which Dovecot, Postfix, mutt and
// mblaze may share at the same time.
//
//	imapd -root /var/mail -users /etc/imapd.passwd
//
// Flags:
//
//	-listen ADDR      address to listen on (default 127.0.0.1:1143)
//	-root DIR         directory holding one Maildir per user (required)
//	-users FILE       users in Dovecot passwd-file format: "user:{PLAIN}pass"
//	                  or "user:{BLF-CRYPT}$2y$..." (required)
//	-tls-cert FILE    PEM certificate for STARTTLS (default: self-signed)
//	-tls-key FILE     PEM key for -tls-cert
//	-insecure-auth    allow LOGIN and AUTHENTICATE without TLS
//
// It prints "listening on ADDR" once it accepts connections and exits
// cleanly on SIGINT or SIGTERM: every session gets "* BYE" after its
// current command.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/mailstack/mailstack/examples/internal/selfsigned"
	"github.com/mailstack/mailstack/imap"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr, nil))
}

// run is main with its outputs and, for tests, a stop channel.
func run(args []string, stdout, stderr io.Writer, stop <-chan struct{}) int {
	fs := flag.NewFlagSet("imapd", flag.ContinueOnError)
	fs.SetOutput(stderr)
	listen := fs.String("listen", "127.0.0.1:1143", "address to listen on")
	root := fs.String("root", "", "directory holding one Maildir per user")
	usersFile := fs.String("users", "", "users in Dovecot passwd-file format")
	certFile := fs.String("tls-cert", "", "PEM certificate for STARTTLS (default: self-signed)")
	keyFile := fs.String("tls-key", "", "PEM key for -tls-cert")
	insecure := fs.Bool("insecure-auth", false, "allow passwords without TLS")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *root == "" || *usersFile == "" || fs.NArg() > 0 {
		fmt.Fprintln(stderr, "usage: imapd -root DIR -users FILE [-listen ADDR] [-tls-cert FILE -tls-key FILE] [-insecure-auth]")
		return 2
	}
	users, err := loadUsers(*usersFile)
	if err != nil {
		fmt.Fprintln(stderr, "imapd:", err)
		return 1
	}
	// Without -tls-cert and -tls-key, a certificate for localhost.
	tlsConfig, err := selfsigned.Load(*certFile, *keyFile, nil)
	if err != nil {
		fmt.Fprintln(stderr, "imapd:", err)
		return 1
	}
	srv := &imap.Server{
		Backend:           newBackend(*root, users),
		Auth:              users,
		TLSConfig:         tlsConfig,
		AllowInsecureAuth: *insecure,
		Logger:            slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn})),
	}
	l, err := net.Listen("tcp", *listen)
	if err != nil {
		fmt.Fprintln(stderr, "imapd:", err)
		return 1
	}
	fmt.Fprintf(stdout, "listening on %s\n", l.Addr())
	served := make(chan error, 1)
	go func() { served <- srv.Serve(l) }()
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM)
	defer signal.Stop(sig)
	select {
	case <-sig:
	case <-stop:
	case err := <-served:
		fmt.Fprintln(stderr, "imapd:", err)
		return 1
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil {
		fmt.Fprintln(stderr, "imapd: shutdown:", err)
	}
	if err := <-served; err != nil && !errors.Is(err, imap.ErrServerClosed) {
		fmt.Fprintln(stderr, "imapd:", err)
		return 1
	}
	return 0
}
