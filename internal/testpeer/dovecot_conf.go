package testpeer

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"text/template"
)

// confData fills dovecotConfTemplate.
type confData struct {
	Instance   string
	Dir        string
	PasswdFile string
	UID, GID   int
	Root       bool   // as root, Dovecot drops mail processes to UID:GID
	UserName   string // rootless: the account every process runs as
	GroupName  string
	IMAPPort   int
	POP3Port   int
	LMTPPort   int
	Extra      string
}

// dovecotConfTemplate is a complete dovecot.conf: nothing is read from
// /etc/dovecot, so the system's configuration cannot leak into a test.
// Each user's home is the user's Maildir, so one passwd-file line carries
// both (passwd-file splits on ':', which rules out a per-user mail= field).
var dovecotConfTemplate = template.Must(template.New("dovecot.conf").Parse(`# Private Dovecot written by mailstack/internal/testpeer for one test.
instance_name = {{.Instance}}
base_dir = {{.Dir}}/run
state_dir = {{.Dir}}/state
log_path = {{.Dir}}/dovecot.log
info_log_path = {{.Dir}}/dovecot.log
protocols = imap pop3 lmtp
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
auth_verbose = yes
first_valid_uid = {{.UID}}
last_valid_uid = 0
first_valid_gid = {{.GID}}
mail_location = maildir:~
# Tests never survive a power cut; fsync only slows them down.
mail_fsync = never
mail_max_userip_connections = 10000
lmtp_save_to_detail_mailbox = no
{{- if not .Root}}
# Rootless: every Dovecot process runs as the current user.
default_internal_user = {{.UserName}}
default_internal_group = {{.GroupName}}
default_login_user = {{.UserName}}
{{- end}}

passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {{.PasswdFile}}
}
userdb {
  driver = passwd-file
  args = username_format=%u {{.PasswdFile}}
}

{{- if not .Root}}
service anvil {
  chroot =
}
{{- end}}
# One login process serves many clients, so tests that open hundreds of
# connections do not run into process_limit.
service imap-login {
  service_count = 0
{{- if not .Root}}
  chroot =
{{- end}}
  inet_listener imap {
    address = 127.0.0.1
    port = {{.IMAPPort}}
  }
  inet_listener imaps {
    port = 0
  }
}
service pop3-login {
  service_count = 0
{{- if not .Root}}
  chroot =
{{- end}}
  inet_listener pop3 {
    address = 127.0.0.1
    port = {{.POP3Port}}
  }
  inet_listener pop3s {
    port = 0
  }
}
service lmtp {
  inet_listener lmtp {
    address = 127.0.0.1
    port = {{.LMTPPort}}
  }
}
{{if .Extra}}
# DovecotConfig.Extra: later settings override the ones above.
{{.Extra}}
{{end -}}
`))

// writeConfig writes dovecot.conf into d's directory.
func writeConfig(path string, data confData) error {
	var b strings.Builder
	if err := dovecotConfTemplate.Execute(&b, data); err != nil {
		return err
	}
	return os.WriteFile(path, []byte(b.String()), 0o644)
}

// passwdLine formats one passwd-file entry: the password in Dovecot's
// {PLAIN} scheme, uid and gid of the mail owner, and the Maildir as home.
func passwdLine(name, password string, o mailOwner, home string) string {
	return fmt.Sprintf("%s:{PLAIN}%s:%d:%d::%s::\n", name, password, o.uid, o.gid, home)
}

// writePasswd writes the passwd-file for all users, sorted for stable
// diffs; mailDirs maps each user to the Maildir that is its home.
func writePasswd(path string, passwords, mailDirs map[string]string, o mailOwner) error {
	names := make([]string, 0, len(passwords))
	for name := range passwords {
		names = append(names, name)
	}
	sort.Strings(names)
	var b strings.Builder
	for _, name := range names {
		b.WriteString(passwdLine(name, passwords[name], o, mailDirs[name]))
	}
	// The auth process runs as the dovecot user and must read the file.
	return os.WriteFile(path, []byte(b.String()), 0o644)
}

// checkUser rejects user names that would break the passwd-file or the
// directory named after the user. Dovecot lowercases logins by default
// (auth_username_format = %Lu), so upper-case names could never log in.
func checkUser(name string) error {
	switch {
	case name == "", name == ".", name == "..":
		return fmt.Errorf("testpeer: user name %q is not usable", name)
	case strings.ToLower(name) != name:
		return fmt.Errorf("testpeer: user name %q must be lower case: Dovecot lowercases logins", name)
	case strings.ContainsAny(name, ":/\\%"):
		return fmt.Errorf("testpeer: user name %q holds one of : / \\ %%", name)
	case strings.IndexFunc(name, isSpaceOrControl) >= 0:
		return fmt.Errorf("testpeer: user name %q holds a space or control character", name)
	}
	return nil
}

// checkPassword rejects passwords the passwd-file cannot hold.
func checkPassword(name, password string) error {
	switch {
	case password == "":
		return fmt.Errorf("testpeer: empty password for %q", name)
	case strings.ContainsRune(password, ':'):
		return fmt.Errorf("testpeer: password for %q holds ':', which passwd-file cannot store", name)
	case strings.IndexFunc(password, isControl) >= 0:
		return fmt.Errorf("testpeer: password for %q holds a control character", name)
	}
	return nil
}

func isControl(r rune) bool        { return r < 0x20 || r == 0x7f }
func isSpaceOrControl(r rune) bool { return r == ' ' || isControl(r) }

// userMailDir is where an extra user's Maildir lives inside the instance
// directory.
func userMailDir(dir, name string) string {
	return filepath.Join(dir, "users", name)
}
