package main

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/BurntSushi/toml"

	"github.com/mailstack/mailstack/envelope"
)

// Config is the server's configuration, read from a TOML file (see
// loadConfig) or built by defaultConfig. Field names are the TOML keys.
type Config struct {
	// Hostname is the EHLO name and the "by" of Received fields. Default:
	// os.Hostname().
	Hostname string `toml:"hostname"`
	// DataDir holds the Maildirs, the queue spools, the generated
	// certificate and (by default) the users file. Required in a file;
	// relative to the configuration file's directory.
	DataDir string `toml:"data_dir"`
	// Domains are the local domains: mail for them is delivered here.
	// At least one is required.
	Domains []string `toml:"domains"`
	// UsersFile is the Dovecot passwd-file of the users, relative to
	// DataDir. Default "users".
	UsersFile string `toml:"users_file"`
	// Listen holds the address of each service; empty disables it.
	Listen Listen `toml:"listen"`
	// TLS names the certificate; both empty means self-signed.
	TLS TLSFiles `toml:"tls"`
	// DNS configures MX lookups.
	DNS DNS `toml:"dns"`
	// Relay configures outbound delivery.
	Relay Relay `toml:"relay"`
	// Mailbox holds limits on each user's Maildir.
	Mailbox Mailbox `toml:"mailbox"`
	// Aliases maps an address of a local domain to the users who get its
	// mail (and may send as it).
	Aliases map[string][]string `toml:"aliases"`

	file string // the file read, "" for the embedded default
	src  []byte // its contents, to find the line of a key
}

// Listen holds one "host:port" per service; "" disables the service.
type Listen struct {
	SMTP        string `toml:"smtp"`        // MTA, STARTTLS
	Submission  string `toml:"submission"`  // MSA, STARTTLS and AUTH required
	Submissions string `toml:"submissions"` // MSA, implicit TLS
	LMTP        string `toml:"lmtp"`        // local delivery
	IMAP        string `toml:"imap"`        // STARTTLS
	IMAPS       string `toml:"imaps"`       // implicit TLS
	POP3        string `toml:"pop3"`        // STLS
	POP3S       string `toml:"pop3s"`       // implicit TLS
}

// TLSFiles names a PEM certificate chain and key, relative to DataDir.
type TLSFiles struct {
	Cert string `toml:"cert"`
	Key  string `toml:"key"`
}

// DNS lists the resolvers used for MX lookups.
type DNS struct {
	// Servers are "IP" or "IP:port"; empty means those of
	// /etc/resolv.conf.
	Servers []string `toml:"servers"`
}

// Relay configures how outbound mail leaves.
type Relay struct {
	// Smarthost, "host:port", receives all outbound mail (STARTTLS with
	// a verified certificate required); empty means MX delivery.
	Smarthost string `toml:"smarthost"`
	// MXPort is the port of MX hosts. Default 25.
	MXPort int `toml:"mx_port"`
}

// Mailbox limits each user's Maildir (all folders together). They are
// reported by IMAP QUOTA (RFC 9208), refuse APPEND and COPY beyond them
// with [OVERQUOTA], and make LMTP refuse mail for a full mailbox with
// 552 5.2.2. They apply to mailboxes opened after a start or reload.
type Mailbox struct {
	// QuotaStorage is the most bytes of messages a user keeps. Default
	// 0: no limit.
	QuotaStorage int64 `toml:"quota_storage"`
	// QuotaMessages is the most messages a user keeps. Default 0: no
	// limit.
	QuotaMessages int `toml:"quota_messages"`
}

// services lists the listeners in the order they are started and printed,
// with their TOML key.
func (l *Listen) services() []service {
	return []service{
		{"smtp", l.SMTP}, {"submission", l.Submission}, {"submissions", l.Submissions},
		{"lmtp", l.LMTP}, {"imap", l.IMAP}, {"imaps", l.IMAPS}, {"pop3", l.POP3}, {"pop3s", l.POP3S},
	}
}

type service struct{ name, addr string }

// defaultConfig is the embedded default: every service on 127.0.0.1 high
// ports (each shifted by offset), data in ./mailserver-data, one local
// domain "localhost".
func defaultConfig(offset int) *Config {
	port := func(p int) string { return "127.0.0.1:" + strconv.Itoa(p+offset) }
	return &Config{
		Hostname:  "localhost",
		DataDir:   "mailserver-data",
		Domains:   []string{"localhost"},
		UsersFile: "users",
		Listen: Listen{
			SMTP: port(2525), Submission: port(2587), Submissions: port(2465), LMTP: port(2424),
			IMAP: port(2143), IMAPS: port(2993), POP3: port(2110), POP3S: port(2995),
		},
		Relay: Relay{MXPort: 25},
	}
}

// ConfigError is a configuration mistake: where it is and what is wrong.
type ConfigError struct {
	File string // "" for the embedded default
	Line int    // 0 when unknown
	Key  string // dotted TOML key, "" when the error is not about one
	Msg  string
}

// Error formats the mistake as "FILE:LINE: KEY: MESSAGE", leaving out the
// parts that are unknown.
func (e *ConfigError) Error() string {
	var b strings.Builder
	if e.File != "" {
		b.WriteString(e.File)
		if e.Line > 0 {
			fmt.Fprintf(&b, ":%d", e.Line)
		}
		b.WriteString(": ")
	}
	if e.Key != "" {
		b.WriteString(e.Key + ": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// loadConfig reads and checks a configuration file. Every mistake found is
// reported, each as a *ConfigError naming its key and line.
func loadConfig(path string) (*Config, error) {
	src, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return parseConfig(path, src)
}

// parseConfig is loadConfig for the contents src of the file path.
func parseConfig(path string, src []byte) (*Config, error) {
	c := &Config{file: path, src: src}
	md, err := toml.Decode(string(src), c)
	if err != nil {
		return nil, c.syntaxError(err)
	}
	var errs []error
	var unknown []string
	for _, k := range md.Undecoded() {
		// A misspelt table makes every key in it undecoded: name the
		// table alone.
		if !slices.ContainsFunc(unknown, func(u string) bool { return strings.HasPrefix(k.String(), u+".") }) {
			unknown = append(unknown, k.String())
			errs = append(errs, c.errAt(k.String(), "unknown key"))
		}
	}
	if !md.IsDefined("relay", "mx_port") {
		c.Relay.MXPort = 25
	}
	if c.UsersFile == "" {
		c.UsersFile = "users"
	}
	if c.DataDir != "" && !filepath.IsAbs(c.DataDir) {
		c.DataDir = filepath.Join(filepath.Dir(path), c.DataDir)
	} else if c.DataDir == "" {
		errs = append(errs, c.errAt("data_dir", "missing: where Maildirs and the queue live"))
	}
	errs = append(errs, c.check()...)
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return c, nil
}

// syntaxError turns the TOML decoder's error into a *ConfigError with the
// file name and line.
func (c *Config) syntaxError(err error) error {
	var pe toml.ParseError
	if errors.As(err, &pe) {
		return &ConfigError{File: c.file, Line: pe.Position.Line, Key: pe.LastKey, Msg: pe.Message}
	}
	// Type mismatches come as `toml: line N (last key "k"): ...`.
	if m := decodeErrorRE.FindStringSubmatch(err.Error()); m != nil {
		line, _ := strconv.Atoi(m[1])
		return &ConfigError{File: c.file, Line: line, Key: m[2], Msg: m[3]}
	}
	return &ConfigError{File: c.file, Msg: strings.TrimPrefix(err.Error(), "toml: ")}
}

var decodeErrorRE = regexp.MustCompile(`^toml: line (\d+) \(last key "([^"]*)"\): (.*)$`)

// errAt returns a *ConfigError for key, with its line if it is in the file.
func (c *Config) errAt(key, format string, args ...any) error {
	return &ConfigError{File: c.file, Line: keyLine(c.src, key), Key: key, Msg: fmt.Sprintf(format, args...)}
}

// check validates the values and normalises the domains to lower-case
// A-labels. Listener addresses are only checked for syntax: binding them
// happens at start.
func (c *Config) check() []error {
	var errs []error
	if c.Hostname == "" {
		c.Hostname, _ = os.Hostname()
	}
	if err := envelope.CheckDomain(c.Hostname, envelope.ParseOptions{}); err != nil {
		errs = append(errs, c.errAt("hostname", "%q is not a domain name", c.Hostname))
	}
	errs = append(errs, c.checkDomains()...)
	errs = append(errs, c.checkListen()...)
	if (c.TLS.Cert == "") != (c.TLS.Key == "") {
		errs = append(errs, c.errAt("tls.cert", "tls.cert and tls.key go together"))
	}
	for i, s := range c.DNS.Servers {
		hp, err := dnsServer(s)
		if err != nil {
			errs = append(errs, c.errAt("dns.servers", "%q: %v", s, err))
		}
		c.DNS.Servers[i] = hp
	}
	if c.Relay.Smarthost != "" {
		if _, _, err := splitHostPort(c.Relay.Smarthost); err != nil {
			errs = append(errs, c.errAt("relay.smarthost", "%q: %v", c.Relay.Smarthost, err))
		}
	}
	if c.Relay.MXPort < 1 || c.Relay.MXPort > 65535 {
		errs = append(errs, c.errAt("relay.mx_port", "%d is not a TCP port", c.Relay.MXPort))
	}
	if c.Mailbox.QuotaStorage < 0 {
		errs = append(errs, c.errAt("mailbox.quota_storage", "%d is negative", c.Mailbox.QuotaStorage))
	}
	if c.Mailbox.QuotaMessages < 0 {
		errs = append(errs, c.errAt("mailbox.quota_messages", "%d is negative", c.Mailbox.QuotaMessages))
	}
	if strings.ContainsAny(c.UsersFile, "\x00") {
		errs = append(errs, c.errAt("users_file", "bad file name"))
	}
	return append(errs, c.checkAliases()...)
}

func (c *Config) checkDomains() []error {
	if len(c.Domains) == 0 {
		return []error{c.errAt("domains", "at least one local domain is needed")}
	}
	var errs []error
	for i, d := range c.Domains {
		a, err := envelope.DomainToASCII(d)
		if err == nil {
			err = envelope.CheckDomain(a, envelope.ParseOptions{})
		}
		if err != nil {
			errs = append(errs, c.errAt("domains", "%q is not a domain name", d))
			continue
		}
		a = strings.ToLower(a)
		if slices.Contains(c.Domains[:i], a) {
			errs = append(errs, c.errAt("domains", "%q is listed twice", d))
		}
		c.Domains[i] = a
	}
	return errs
}

func (c *Config) checkListen() []error {
	var errs []error
	seen := map[string]string{}
	for _, s := range c.Listen.services() {
		if s.addr == "" {
			continue
		}
		key := "listen." + s.name
		if _, _, err := splitHostPort(s.addr); err != nil {
			errs = append(errs, c.errAt(key, "%q: %v", s.addr, err))
			continue
		}
		if other, dup := seen[s.addr]; dup && !strings.HasSuffix(s.addr, ":0") {
			errs = append(errs, c.errAt(key, "%s is also listen.%s", s.addr, other))
		}
		seen[s.addr] = s.name
	}
	return errs
}

// checkAliases checks the syntax of the aliases and puts them in canonical
// form; that each target is a user is checked when the users are loaded.
func (c *Config) checkAliases() []error {
	var errs []error
	canon := make(map[string][]string, len(c.Aliases))
	for from, to := range c.Aliases {
		key := "aliases." + strconv.Quote(from)
		a, err := parseAddr(from)
		if err != nil {
			errs = append(errs, c.errAt(key, "%v", err))
			continue
		}
		if !slices.Contains(c.Domains, a.Domain) {
			errs = append(errs, c.errAt(key, "domain %s is not in domains", a.Domain))
		}
		if len(to) == 0 {
			errs = append(errs, c.errAt(key, "no target"))
		}
		for _, t := range to {
			ta, err := parseAddr(t)
			if err != nil {
				errs = append(errs, c.errAt(key, "target %v", err))
				continue
			}
			canon[a.String()] = append(canon[a.String()], ta.String())
		}
	}
	c.Aliases = canon
	return errs
}

// parseAddr parses "local@domain" (no angle brackets) into canonical form:
// local part and domain in lower case, domain in A-labels.
func parseAddr(s string) (envelope.Address, error) {
	a, err := envelope.ParseAddress(s, envelope.ParseOptions{UTF8: true})
	if err != nil {
		return a, fmt.Errorf("%q is not an address: %w", s, err)
	}
	if a.Domain == "" || strings.HasPrefix(a.Domain, "[") {
		return a, fmt.Errorf("%q is not an address with a domain name", s)
	}
	return canonical(a), nil
}

// splitHostPort checks "host:port" with a numeric port.
func splitHostPort(s string) (string, int, error) {
	host, p, err := net.SplitHostPort(s)
	if err != nil {
		return "", 0, err
	}
	n, err := strconv.Atoi(p)
	if err != nil || n < 0 || n > 65535 {
		return "", 0, fmt.Errorf("port %q is not a number from 0 to 65535", p)
	}
	return host, n, nil
}

// dnsServer checks "IP" or "IP:port" and returns "IP:port".
func dnsServer(s string) (string, error) {
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return ap.String(), nil
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return s, errors.New("not an IP address or IP:port")
	}
	return netip.AddrPortFrom(a, 53).String(), nil
}

// path resolves a file name relative to the data directory.
func (c *Config) path(name string) string {
	if filepath.IsAbs(name) {
		return name
	}
	return filepath.Join(c.DataDir, name)
}

// isLocal reports whether domain (any case, U- or A-labels) is local.
func (c *Config) isLocal(domain string) bool {
	a, err := envelope.DomainToASCII(domain)
	if err != nil {
		return false
	}
	return slices.Contains(c.Domains, strings.ToLower(a))
}
