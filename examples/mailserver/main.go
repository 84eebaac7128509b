// Command mailserver wires mailstack's packages into a complete mail server
// for a few domains: an MTA (package smtp) that takes mail for the local
// domains, an MSA on the submission ports for the users, a durable queue
// (package queue) that relays with MX lookups (package mx) or through a
// smarthost, final delivery over LMTP (package lmtp) into each user's
// Maildir (package maildir), and IMAP and POP3 (packages imap and pop3) to
// read it.
//
// With no arguments it runs the embedded default: every service on
// 127.0.0.1 high ports, data in ./mailserver-data, the local domain
// "localhost" and one user, demo@localhost, whose password is printed on
// the first start:
//
//	go run ./examples/mailserver
//
// Otherwise it reads a TOML configuration (see the README for every key):
//
//	mailserver -config /etc/mailstack/mailserver.toml [-log-format json]
//	echo 'secret' | mailserver hash-password
//
// Flags:
//
//	-config FILE        TOML configuration (default: the embedded default)
//	-log-format FORMAT  "text" (default) or "json", on standard error
//	-port-offset N      add N to every port of the embedded default, to run
//	                    it beside another copy (not with -config)
//
// The path of a message:
//
//	MUA ── submission, submissions ─▶ MSA ─┐                ┌─ LMTP ─▶ Maildir ─▶ IMAP, POP3
//	other MTAs ──────── smtp ───────▶ MTA ─┴─▶ queue ────────┤  (local domains)
//	                                                          └─ MX or smarthost ─▶ remote MTA
//
// The MTA accepts mail for local users and aliases from anyone and refuses
// other recipients with 554 5.7.1 unless the client authenticated. The MSA
// requires AUTH (after STARTTLS on submission) and lets users send only as
// one of their addresses: their login, its +detail sub-addresses, and the
// aliases that point at them. A message is acknowledged once it is on disk
// in the queue, which routes each recipient on its own: local domains over
// LMTP, others by MX or to the smarthost; bounces to a local sender are
// delivered locally. Local delivery resolves aliases and sub-addresses: mail for
// user+detail goes to the user's folder "detail" if it exists, else to
// INBOX. On standard output it prints one line per listener,
// "listening NAME ADDRESS (what it is)", and swaks and curl command lines
// that send a message and read it. Logs go to standard error through log/slog, one line per message
// event with its queue ID. SIGINT and SIGTERM stop the server gracefully;
// SIGHUP reloads the users file and the aliases.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
)

func main() {
	os.Exit(cli(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// cli is main with its inputs and outputs; it returns the exit status.
func cli(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) > 0 && args[0] == "hash-password" {
		if err := hashPasswordCommand(stdin, stdout); err != nil {
			fmt.Fprintln(stderr, "mailserver:", err)
			return 1
		}
		return 0
	}
	fs := flag.NewFlagSet("mailserver", flag.ContinueOnError)
	fs.SetOutput(stderr)
	configFile := fs.String("config", "", "TOML configuration `file` (default: the embedded default)")
	logFormat := fs.String("log-format", "text", "log `format` on standard error: text or json")
	offset := fs.Int("port-offset", 0, "add `N` to every port of the embedded default")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() > 0 || (*configFile != "" && *offset != 0) || (*logFormat != "text" && *logFormat != "json") {
		fmt.Fprintln(stderr, "usage: mailserver [-config FILE] [-log-format text|json] [-port-offset N]\n       mailserver hash-password < password")
		return 2
	}
	log := newLogger(*logFormat, stderr)
	cfg, password, err := setup(*configFile, *offset)
	if err != nil {
		fmt.Fprintln(stderr, "mailserver:", err)
		return 1
	}
	s, err := newServer(cfg, log, nil)
	if err != nil {
		fmt.Fprintln(stderr, "mailserver:", err)
		return 1
	}
	ctx, stop := signalContext(s)
	defer stop()
	printBanner(stdout, s, password)
	if err := s.run(ctx); err != nil {
		return 1
	}
	return 0
}

func newLogger(format string, w io.Writer) *slog.Logger {
	if format == "json" {
		return slog.New(slog.NewJSONHandler(w, nil))
	}
	return slog.New(slog.NewTextHandler(w, nil))
}

// setup loads the configuration, or makes the embedded default ready: its
// data directory and, on the first start, a users file with demo@localhost
// and a new password, which it returns (it is printed once, and stored only
// as a hash).
func setup(configFile string, offset int) (*Config, string, error) {
	if configFile != "" {
		cfg, err := loadConfig(configFile)
		return cfg, "", err
	}
	cfg := defaultConfig(offset)
	if errs := cfg.check(); len(errs) > 0 {
		return nil, "", errors.Join(errs...)
	}
	abs, err := filepath.Abs(cfg.DataDir)
	if err != nil {
		return nil, "", err
	}
	cfg.DataDir = abs
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return nil, "", err
	}
	password, err := createUsersFile(cfg.path(cfg.UsersFile), demoUser)
	if errors.Is(err, os.ErrExist) {
		return cfg, "", nil
	}
	return cfg, password, err
}

// demoUser is the user of the embedded default.
const demoUser = "demo@localhost"
