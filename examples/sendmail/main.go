// Command sendmail is a small sendmail-compatible submitter: it reads one
// message on standard input and hands it either to a smarthost (with AUTH
// and STARTTLS) or directly to each recipient domain's MX hosts, then
// prints each recipient's result.
//
// Usage:
//
//	sendmail [-f SENDER] [-t] [-smarthost HOST:PORT [-user NAME] [-cafile FILE]]
//	         [-dns HOST:PORT] [-mx-port N] [-i] [-oi] [RECIPIENT...]
//
// Recipients come from the arguments, and with -t also from the To, Cc and
// Bcc fields of the message (Bcc is then removed). Without -smarthost the
// message goes to the recipients' MX hosts on port -mx-port (default 25),
// found through the DNS server -dns (default: /etc/resolv.conf's). With
// -smarthost it goes to that relay, over STARTTLS (required when -user is
// given; the password comes from the environment variable
// SENDMAIL_PASSWORD), authenticating with PLAIN.
//
// One line per recipient is printed: "<rcpt>: accepted|deferred|failed
// REPLY". The exit status is 0 only when every recipient was accepted;
// otherwise 75 (EX_TEMPFAIL) when every failure was temporary, 69
// (EX_UNAVAILABLE) when one was permanent, 64 (EX_USAGE) for bad arguments
// and 66 (EX_NOINPUT) when the message cannot be read.
package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/mail"
	"os"
	"strings"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/mailstack/mailstack/envelope"
	"github.com/mailstack/mailstack/smtp"
)

// Exit statuses of sysexits(3).
const (
	exOK          = 0
	exUsage       = 64
	exNoInput     = 66
	exUnavailable = 69
	exTempFail    = 75
)

// PasswordEnv names the environment variable holding the -user password.
const PasswordEnv = "SENDMAIL_PASSWORD"

// maxMessage bounds the message read from standard input.
const maxMessage = 64 << 20

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr, os.Getenv))
}

type options struct {
	from      string
	fromHdrs  bool
	smarthost string
	user      string
	cafile    string
	dns       string
	mxPort    int
	rcpts     []string
}

func parseFlags(args []string, stderr io.Writer) (*options, error) {
	fs := flag.NewFlagSet("sendmail", flag.ContinueOnError)
	fs.SetOutput(stderr)
	o := &options{}
	fs.StringVar(&o.from, "f", "", "envelope sender (reverse-path); \"<>\" for none")
	fs.BoolVar(&o.fromHdrs, "t", false, "read recipients from the To, Cc and Bcc fields")
	fs.StringVar(&o.smarthost, "smarthost", "", "relay HOST:PORT to send everything to")
	fs.StringVar(&o.user, "user", "", "AUTH user for the smarthost; password in $"+PasswordEnv)
	fs.StringVar(&o.cafile, "cafile", "", "PEM file of CAs to trust for the smarthost's certificate")
	fs.StringVar(&o.dns, "dns", "", "DNS server HOST:PORT for MX lookups")
	fs.IntVar(&o.mxPort, "mx-port", 25, "port of the MX hosts")
	fs.Bool("i", false, "ignored (a lone dot never ends the message here)")
	fs.Bool("oi", false, "ignored, as -i")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	o.rcpts = fs.Args()
	if o.mxPort <= 0 || o.mxPort > 65535 {
		return nil, fmt.Errorf("-mx-port %d out of range", o.mxPort)
	}
	if o.user != "" && o.smarthost == "" {
		return nil, errors.New("-user needs -smarthost")
	}
	return o, nil
}

func run(args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) int {
	o, err := parseFlags(args, stderr)
	if err != nil {
		fmt.Fprintln(stderr, "sendmail:", err)
		return exUsage
	}
	raw, err := io.ReadAll(io.LimitReader(stdin, maxMessage+1))
	if err != nil || len(raw) > maxMessage {
		fmt.Fprintln(stderr, "sendmail: cannot read the message:", err)
		return exNoInput
	}
	msg, hdrRcpts, err := prepare(raw, o.fromHdrs)
	if err != nil {
		fmt.Fprintln(stderr, "sendmail:", err)
		return exUsage
	}
	from, rcpts, err := envelopeOf(o, hdrRcpts, getenv)
	if err != nil {
		fmt.Fprintln(stderr, "sendmail:", err)
		return exUsage
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	mp := bodyParams(msg)
	var results []smtp.RcptResult
	if o.smarthost != "" {
		cfg, err := smarthostConfig(o, getenv)
		if err != nil {
			fmt.Fprintln(stderr, "sendmail:", err)
			return exUsage
		}
		results = sendTo(ctx, o.smarthost, cfg, from, rcpts, msg, mp)
	} else {
		results = deliverMX(ctx, o, from, rcpts, msg, mp)
	}
	return report(stdout, results)
}

// envelopeOf returns the reverse-path and the forward-paths.
func envelopeOf(o *options, hdrRcpts []string, getenv func(string) string) (envelope.Path, []envelope.Path, error) {
	var from envelope.Path
	sender := o.from
	if sender == "" {
		user := getenv("USER")
		if user == "" {
			user = "root"
		}
		host, _ := os.Hostname()
		sender = user + "@" + host
	}
	if sender != "<>" {
		s := strings.TrimSuffix(strings.TrimPrefix(sender, "<"), ">")
		a, err := envelope.ParseAddress(s, envelope.ParseOptions{UTF8: true})
		if err != nil {
			return from, nil, fmt.Errorf("sender %q: %w", sender, err)
		}
		from.Mailbox = a
	}
	var rcpts []envelope.Path
	for _, r := range append(append([]string(nil), o.rcpts...), hdrRcpts...) {
		s := strings.TrimSuffix(strings.TrimPrefix(r, "<"), ">")
		a, err := envelope.ParseAddress(s, envelope.ParseOptions{UTF8: true})
		if err != nil {
			return from, nil, fmt.Errorf("recipient %q: %w", r, err)
		}
		rcpts = append(rcpts, envelope.Path{Mailbox: a})
	}
	if len(rcpts) == 0 {
		return from, nil, errors.New("no recipients (give them as arguments, or use -t)")
	}
	return from, rcpts, nil
}

// prepare gives the message CRLF line endings, adds Date and Message-ID
// when missing (as sendmail and Postfix's cleanup do), and with -t takes
// the recipients from To, Cc and Bcc and removes Bcc (RFC 5322 §3.6.3).
func prepare(raw []byte, fromHdrs bool) ([]byte, []string, error) {
	text := strings.ReplaceAll(strings.ReplaceAll(string(raw), "\r\n", "\n"), "\r", "\n")
	head, body, found := strings.Cut(text, "\n\n")
	if !found {
		head, body = strings.TrimSuffix(text, "\n"), ""
	}
	m, err := mail.ReadMessage(strings.NewReader(head + "\n\n"))
	if err != nil {
		return nil, nil, fmt.Errorf("message header: %w", err)
	}
	var rcpts []string
	if fromHdrs {
		for _, f := range []string{"To", "Cc", "Bcc"} {
			if m.Header.Get(f) == "" {
				continue
			}
			list, err := m.Header.AddressList(f)
			if err != nil {
				return nil, nil, fmt.Errorf("%s field: %w", f, err)
			}
			for _, a := range list {
				rcpts = append(rcpts, a.Address)
			}
		}
		head = dropField(head, "Bcc")
	}
	var b bytes.Buffer
	if m.Header.Get("Date") == "" {
		fmt.Fprintf(&b, "Date: %s\n", time.Now().Format(time.RFC1123Z))
	}
	if m.Header.Get("Message-Id") == "" {
		host, _ := os.Hostname()
		fmt.Fprintf(&b, "Message-ID: <%d.%d@%s>\n", time.Now().UnixNano(), os.Getpid(), host)
	}
	b.WriteString(head + "\n\n" + body)
	out := strings.ReplaceAll(b.String(), "\n", "\r\n")
	return []byte(out), rcpts, nil
}

// dropField removes every occurrence of the field name, with its
// continuation lines, from a header section with LF line endings.
func dropField(head, name string) string {
	var out []string
	skipping := false
	for _, line := range strings.Split(head, "\n") {
		if skipping && (strings.HasPrefix(line, " ") || strings.HasPrefix(line, "\t")) {
			continue
		}
		k, _, ok := strings.Cut(line, ":")
		skipping = ok && strings.EqualFold(strings.TrimSpace(k), name)
		if !skipping {
			out = append(out, line)
		}
	}
	return strings.Join(out, "\n")
}

// bodyParams declares 8-bit content (RFC 6152) and UTF-8 header fields
// (RFC 6531, RFC 6532).
func bodyParams(msg []byte) envelope.MailParams {
	var mp envelope.MailParams
	head, _, _ := bytes.Cut(msg, []byte("\r\n\r\n"))
	for _, c := range msg {
		if c >= 0x80 {
			mp.Body = envelope.Body8BitMIME
			break
		}
	}
	for _, c := range head {
		if c >= 0x80 {
			mp.SMTPUTF8 = true
			break
		}
	}
	mp.Size, mp.HasSize = uint64(len(msg)), true
	return mp
}

func smarthostConfig(o *options, getenv func(string) string) (*smtp.ClientConfig, error) {
	cfg := &smtp.ClientConfig{TLSPolicy: smtp.TLSOpportunistic}
	if o.user != "" {
		// Credentials only over verified TLS.
		cfg.TLSPolicy = smtp.TLSRequired
		cfg.Auth = sasl.NewPlainClient("", o.user, getenv(PasswordEnv))
	}
	if o.cafile != "" {
		pem, err := os.ReadFile(o.cafile)
		if err != nil {
			return nil, err
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("%s: no certificates", o.cafile)
		}
		cfg.TLSConfig = &tls.Config{RootCAs: pool}
	}
	return cfg, nil
}

// sendTo runs one transaction with the server at addr.
func sendTo(ctx context.Context, addr string, cfg *smtp.ClientConfig, from envelope.Path, rcpts []envelope.Path, msg []byte, mp envelope.MailParams) []smtp.RcptResult {
	c, err := smtp.Dial(ctx, addr, cfg)
	if err != nil {
		return failAll(rcpts, err)
	}
	defer c.Close()
	res, _ := c.Send(ctx, from, rcpts, bytes.NewReader(msg), &smtp.SendOptions{Mail: mp})
	c.Quit(ctx)
	return res
}

func failAll(rcpts []envelope.Path, err error) []smtp.RcptResult {
	res := make([]smtp.RcptResult, len(rcpts))
	var ce *smtp.CommandError
	for i, r := range rcpts {
		res[i] = smtp.RcptResult{Rcpt: r, Err: err}
		if errors.As(err, &ce) {
			res[i].Reply = ce.Reply
		}
	}
	return res
}

// report prints one line per recipient and returns the exit status.
func report(stdout io.Writer, results []smtp.RcptResult) int {
	code := exOK
	for _, r := range results {
		verdict, text := "accepted", ""
		if r.Reply != nil {
			text = r.Reply.Error()
		}
		if r.Err != nil {
			var ce *smtp.CommandError
			if errors.As(r.Err, &ce) && ce.Permanent() {
				verdict, code = "failed", exUnavailable
			} else {
				verdict = "deferred"
				if code == exOK {
					code = exTempFail
				}
			}
			if text == "" {
				text = r.Err.Error()
			}
		}
		fmt.Fprintf(stdout, "%s: %s %s\n", r.Rcpt, verdict, text)
	}
	return code
}
