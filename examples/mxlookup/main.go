// Command mxlookup prints where mail for a domain would go: one line per
// host in the order a mail system would try them,
//
//	PREFERENCE HOST ADDRESS...
//
// using package mx (MX records by preference, random among equals, implicit
// MX, null MX, CNAMEs, IDN domains).
//
// Usage:
//
//	mxlookup [-server HOST:PORT] [-timeout DURATION] DOMAIN
//
// Without -server, the nameservers of /etc/resolv.conf are asked. A host
// without an address is not printed; a note on standard error says why.
//
// Exit status (sysexits.h): 0 when at least one host has an address; 68
// (EX_NOHOST) on a permanent failure — no such domain, null MX, no mail
// host — with the reason and its enhanced status code on standard error;
// 75 (EX_TEMPFAIL) on a temporary failure such as SERVFAIL or a timeout; 64
// (EX_USAGE) on bad arguments.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"strings"

	"github.com/mailstack/mailstack/mx"
)

// Exit codes from sysexits.h.
const (
	exitOK       = 0
	exitUsage    = 64 // EX_USAGE
	exitNoHost   = 68 // EX_NOHOST
	exitTempFail = 75 // EX_TEMPFAIL
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run is the command without the process: it parses args, prints to
// stdout and stderr, and returns the exit status.
func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("mxlookup", flag.ContinueOnError)
	fs.SetOutput(stderr)
	server := fs.String("server", "", "DNS server `HOST:PORT` to ask (default: the nameservers of /etc/resolv.conf)")
	timeout := fs.Duration("timeout", mx.DefaultTimeout, "time to wait for one DNS answer")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: mxlookup [-server HOST:PORT] [-timeout DURATION] DOMAIN")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return exitUsage
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return exitUsage
	}
	r := &mx.Resolver{Timeout: *timeout}
	if *server != "" {
		if _, _, err := net.SplitHostPort(*server); err != nil {
			fmt.Fprintf(stderr, "mxlookup: -server %q: %v\n", *server, err)
			return exitUsage
		}
		r.Servers = []string{*server}
	}
	if *timeout <= 0 {
		fmt.Fprintln(stderr, "mxlookup: -timeout must be positive")
		return exitUsage
	}

	domain := fs.Arg(0)
	res, err := r.Lookup(context.Background(), domain)
	if res != nil {
		printHosts(stdout, stderr, res)
	}
	if err != nil {
		return fail(stderr, domain, err)
	}
	return exitOK
}

// printHosts writes a line per host with addresses, and a note on stderr
// for each host without.
func printHosts(stdout, stderr io.Writer, res *mx.Result) {
	for _, h := range res.Hosts {
		if len(h.Addrs) == 0 {
			fmt.Fprintf(stderr, "mxlookup: skipping %d %s: %v\n", h.Preference, h.Name, h.Err)
			continue
		}
		addrs := make([]string, len(h.Addrs))
		for i, a := range h.Addrs {
			addrs[i] = a.String()
		}
		fmt.Fprintf(stdout, "%d %s %s\n", h.Preference, h.Name, strings.Join(addrs, " "))
	}
}

// fail reports err and returns the exit status for it.
func fail(stderr io.Writer, domain string, err error) int {
	var e *mx.Error
	if !errors.As(err, &e) {
		fmt.Fprintf(stderr, "mxlookup: %s: %v\n", domain, err)
		return exitTempFail
	}
	fmt.Fprintf(stderr, "mxlookup: %s: %v: %v\n", domain, e.Err, e.Reply)
	if e.Permanent() {
		return exitNoHost
	}
	return exitTempFail
}
