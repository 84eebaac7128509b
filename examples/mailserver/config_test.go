package main

import (
	"bytes"
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestREADMEConfig: the README's full example is a valid configuration,
// and means what its comments say.
func TestREADMEConfig(t *testing.T) {
	src := strings.Join(readmeBlock(t, "### Configuration", "toml"), "\n")
	c, err := parseConfig("/etc/mailstack/mailserver.toml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if c.Hostname != "mx.example.test" || c.DataDir != "/var/lib/mailstack" || !slices.Equal(c.Domains, []string{"example.test"}) {
		t.Errorf("hostname %q, data_dir %q, domains %q", c.Hostname, c.DataDir, c.Domains)
	}
	if c.path(c.UsersFile) != "/var/lib/mailstack/users" || c.Relay.MXPort != 25 || c.Relay.Smarthost != "" || len(c.DNS.Servers) != 0 {
		t.Errorf("users %q, relay %+v, dns %+v", c.path(c.UsersFile), c.Relay, c.DNS)
	}
	if want := defaultConfig(0).Listen; c.Listen != want {
		t.Errorf("listen %+v, want the embedded default's %+v", c.Listen, want)
	}
	if got := c.Aliases["postmaster@example.test"]; !slices.Equal(got, []string{"alice@example.test"}) {
		t.Errorf("aliases %v", c.Aliases)
	}
}

// TestConfigErrors: every mistake is reported with the file, the line and
// the key, and stops the start.
func TestConfigErrors(t *testing.T) {
	const base = "data_dir = \"/d\"\ndomains = [\"a.test\"]\n"
	tests := []struct {
		name, src string
		want      []string
	}{
		{"unknown key", base + "hostnme = \"x\"\n", []string{"cfg.toml:3: hostnme: unknown key"}},
		{"unknown key in a table", base + "[listen]\nsmtp = \"127.0.0.1:25\"\nsmpt = \"127.0.0.1:26\"\n", []string{"cfg.toml:5: listen.smpt: unknown key"}},
		{"misspelt table", base + "[lisen]\nsmtp = \"127.0.0.1:25\"\n", []string{"cfg.toml:3: lisen: unknown key"}},
		{"syntax", base + "[relay]\nmx_port = \n", []string{"cfg.toml:4: relay.mx_port: expected value"}},
		{"unterminated array", "domains = [\"a.test\"\n", []string{"cfg.toml:"}},
		{"type", base + "[relay]\nmx_port = \"x\"\n", []string{"cfg.toml:4: relay.mx_port: incompatible types"}},
		{"type of an array", "data_dir = \"/d\"\ndomains = \"a.test\"\n", []string{"cfg.toml:2: domains: incompatible types"}},
		{"port range", base + "[relay]\nmx_port = 0\n", []string{"cfg.toml:4: relay.mx_port: 0 is not a TCP port"}},
		{"negative quota", base + "[mailbox]\nquota_storage = -1\n", []string{"cfg.toml:4: mailbox.quota_storage: -1 is negative"}},
		{"no domains", "data_dir = \"/d\"\n", []string{"domains: at least one local domain"}},
		{"bad domain", "data_dir = \"/d\"\ndomains = [\"a..test\"]\n", []string{"cfg.toml:2: domains: \"a..test\" is not a domain name"}},
		{"twice the same domain", "data_dir = \"/d\"\ndomains = [\"a.test\", \"A.test\"]\n", []string{"cfg.toml:2: domains: \"A.test\" is listed twice"}},
		{"no data_dir", "domains = [\"a.test\"]\n", []string{"cfg.toml: data_dir: missing"}},
		{"bad hostname", base + "hostname = \"mx_1\"\n", []string{"cfg.toml:3: hostname: \"mx_1\" is not a domain name"}},
		{"listen without port", base + "[listen]\nimap = \"127.0.0.1\"\n", []string{"cfg.toml:4: listen.imap:"}},
		{"listen twice", base + "[listen]\nimap = \"127.0.0.1:2143\"\npop3 = \"127.0.0.1:2143\"\n", []string{"cfg.toml:5: listen.pop3: 127.0.0.1:2143 is also listen.imap"}},
		{"cert without key", base + "[tls]\ncert = \"c.pem\"\n", []string{"cfg.toml:4: tls.cert: tls.cert and tls.key go together"}},
		{"dns server", base + "[dns]\nservers = [\"ns.example\"]\n", []string{"cfg.toml:4: dns.servers: \"ns.example\": not an IP address"}},
		{"smarthost", base + "[relay]\nsmarthost = \"relay.example\"\n", []string{"cfg.toml:4: relay.smarthost:"}},
		{"alias syntax", base + "[aliases]\n\"not an address\" = [\"b@a.test\"]\n", []string{`cfg.toml:4: aliases."not an address": "not an address" is not an address`}},
		{"alias of another domain", base + "[aliases]\n\"x@b.test\" = [\"b@a.test\"]\n", []string{`cfg.toml:4: aliases."x@b.test": domain b.test is not in domains`}},
		{"alias without target", base + "[aliases]\n\"x@a.test\" = []\n", []string{`cfg.toml:4: aliases."x@a.test": no target`}},
		{"two mistakes", base + "[relay]\nmx_port = 70000\n[listen]\nsmpt = \"x\"\n", []string{"cfg.toml:6: listen.smpt: unknown key", "cfg.toml:4: relay.mx_port: 70000"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parseConfig("cfg.toml", []byte(tt.src))
			if err == nil {
				t.Fatal("accepted")
			}
			var ce *ConfigError
			if !errors.As(err, &ce) {
				t.Errorf("%T is not a *ConfigError", err)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error\n%v\nlacks %q", err, w)
				}
			}
		})
	}
}

// TestAliasTargetNotUser: an alias must point at users of the users file;
// the error names the alias and its line.
func TestAliasTargetNotUser(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "users"), "alice@a.test:{PLAIN}x\n")
	src := "data_dir = \".\"\ndomains = [\"a.test\"]\n[listen]\n[aliases]\n\"postmaster@a.test\" = [\"bob@a.test\"]\n"
	path := filepath.Join(dir, "cfg.toml")
	writeFile(t, path, src)
	c, err := loadConfig(path)
	if err != nil {
		t.Fatal(err)
	}
	_, err = newServer(c, discardLogger(), nil)
	if err == nil || !strings.Contains(err.Error(), `cfg.toml:5: aliases."postmaster@a.test": target bob@a.test is not a user`) {
		t.Fatalf("newServer: %v", err)
	}
}

// TestCLIBadConfig: the program does not start with a bad configuration,
// and says why on standard error.
func TestCLIBadConfig(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "cfg.toml")
	writeFile(t, path, "data_dir = \"d\"\ndomains = [\"a.test\"]\n[listen]\nsmpt = \"127.0.0.1:2525\"\n")
	var stdout, stderr bytes.Buffer
	if code := cli([]string{"-config", path}, nil, &stdout, &stderr); code != 1 {
		t.Errorf("exit %d, want 1", code)
	}
	if want := "mailserver: " + path + ":4: listen.smpt: unknown key"; !strings.Contains(stderr.String(), want) {
		t.Errorf("stderr %q lacks %q", stderr.String(), want)
	}
	if stdout.Len() != 0 {
		t.Errorf("printed %q", stdout.String())
	}
	writeFile(t, path, "data_dir = \"d\"\ndomains = [\"a.test\"]\n")
	stderr.Reset()
	if code := cli([]string{"-config", path}, nil, &stdout, &stderr); code != 1 || !strings.Contains(stderr.String(), "users_file:") {
		t.Errorf("missing users file: exit %d, %q", code, stderr.String())
	}
	for _, args := range [][]string{{"-log-format", "xml"}, {"extra"}, {"-config", path, "-port-offset", "1"}, {"-nope"}} {
		stderr.Reset()
		if code := cli(args, nil, &stdout, &stderr); code != 2 {
			t.Errorf("%q: exit %d, want 2 (usage)", args, code)
		}
	}
}

// TestKeyLine finds where keys are assigned, through tables, quoted keys
// and comments.
func TestKeyLine(t *testing.T) {
	src := []byte(`# comment with relay.mx_port = 1
hostname = "h" # mx_port = 2
[relay]
  smarthost = "x"
  mx_port=25
[ "aliases" ]
"a@b.test" = ["c@b.test"]
'q=x@b.test' = ["c@b.test"]
"with \"quote\"" = []
[listen]
smtp = "=[not a table]"
`)
	tests := []struct {
		key  string
		want int
	}{
		{"hostname", 2},
		{"relay.smarthost", 4},
		{"relay.mx_port", 5},
		{`aliases."a@b.test"`, 7},
		{`aliases."q=x@b.test"`, 8},
		{`aliases."with \"quote\""`, 9},
		{"listen.smtp", 11},
		{"mx_port", 0},
		{"relay", 3},
		{"aliases", 6},
		{"", 0},
	}
	for _, tt := range tests {
		if got := keyLine(src, tt.key); got != tt.want {
			t.Errorf("keyLine(%s) = %d, want %d", tt.key, got, tt.want)
		}
	}
}
