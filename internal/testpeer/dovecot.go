package testpeer

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// Defaults of DovecotConfig.
const (
	DefaultUser     = "user@example.test" // DovecotConfig.User
	DefaultPassword = "testpeer-secret"   // DovecotConfig.Password
)

// DovecotConfig configures a private Dovecot started by StartDovecot. The
// zero value works: one user with a new, empty Maildir.
type DovecotConfig struct {
	// MailDir is the user's Maildir root in Maildir++ layout: INBOX at
	// its top, folders in ".Name" subdirectories. It is created when
	// missing and given cur, new and tmp. When the tests run as root,
	// Dovecot works as the mail user (Dovecot.UID), so the helper hands
	// the whole tree to that user and adds the search bit for others to
	// its parents under os.TempDir (t.TempDir's are mode 0700). Files the
	// test writes there later must be readable by that user, or be handed
	// over with Dovecot.ChownMailDirs. Default: the directory "mail" in
	// Dovecot.Dir.
	MailDir string

	// User is the login name and LMTP recipient of the MailDir's owner.
	// It must be lower case, since Dovecot lowercases logins. Default
	// DefaultUser.
	User string

	// Password is User's password, stored in the {PLAIN} scheme; it may
	// not hold ':' or control characters. Default DefaultPassword.
	Password string

	// Users adds more users, login name to password, under the same rules
	// as User and Password. Each gets an empty Maildir of its own at
	// Dovecot.UserMailDir(name), inside Dovecot.Dir. Default: none.
	Users map[string]string

	// Extra is appended to dovecot.conf after the helper's settings; a
	// setting given again there overrides the helper's (Dovecot keeps the
	// last assignment), e.g. "mail_max_userip_connections = 2". Default:
	// nothing.
	Extra string
}

// Dovecot is a private Dovecot instance serving IMAP, POP3 and LMTP on
// loopback ports, started by StartDovecot and stopped by the test's cleanup.
type Dovecot struct {
	IMAPAddr string // "127.0.0.1:PORT"; plaintext LOGIN and AUTHENTICATE PLAIN/LOGIN allowed
	POP3Addr string // "127.0.0.1:PORT"; USER/PASS and AUTH PLAIN/LOGIN allowed
	LMTPAddr string // "127.0.0.1:PORT"; delivers to INBOX of User and of the extra users

	User     string // the main user's login, also its LMTP recipient address
	Password string
	MailDir  string // the main user's Maildir root (absolute path)

	ConfigPath string // the complete dovecot.conf, for doveadm/doveconf -c
	Dir        string // private directory: config, passwd-file, base_dir, state_dir, logs; removed at cleanup
	UID, GID   int    // owner of the Maildirs: the mail user as root, else the current user

	t        testing.TB
	owner    mailOwner
	users    map[string]string // every user, main one included: login -> Maildir
	extra    string            // DovecotConfig.Extra
	proc     *process
	stopOnce sync.Once
}

// StartDovecot starts a private Dovecot for t and returns once its IMAP,
// POP3 and LMTP ports all answer with a greeting. The instance has its own
// configuration (nothing from /etc/dovecot), base_dir, state_dir and log in a
// private directory, passwd-file users with {PLAIN} passwords, and
// mail_location maildir:~ with each user's Maildir as its home. Several may
// run at once, in one test binary or in parallel ones. A t.Cleanup stops it,
// waits for all its processes, logs the tail of its log if t failed, and
// removes its directory.
//
// StartDovecot skips t (or fails it under CI=true) when Dovecot's core, imapd,
// pop3d or lmtpd package is missing, and fails t with the log's tail when
// Dovecot does not come up within 20 seconds.
func StartDovecot(t testing.TB, cfg DovecotConfig) *Dovecot {
	t.Helper()
	return startDovecot(t, cfg, freePorts)
}

// startDovecot is StartDovecot with the port chooser as a parameter, so
// that a test can make Dovecot lose the race for a port.
func startDovecot(t testing.TB, cfg DovecotConfig, choosePorts func(n int) ([]int, error)) *Dovecot {
	t.Helper()
	bin := Need(t, "dovecot")
	for _, svc := range []string{"imap", "pop3", "lmtp"} {
		path, found := lookupIn(svc, sbinDirs)
		needResolved(t, svc, path, found)
	}
	d, err := newDovecot(t, cfg)
	if err != nil {
		t.Fatal(err)
	}
	for attempt := 1; ; attempt++ {
		before := d.logSizes()
		err := d.start(bin, choosePorts)
		if err == nil {
			return d
		}
		tail := d.logTail(40)
		if haltErr := d.halt(); haltErr != nil {
			err = fmt.Errorf("%w; then %v", err, haltErr)
		}
		// A free port may be taken between choosing it and Dovecot's bind.
		lostRace := strings.Contains(d.logSince(before), "Address already in use")
		if attempt < maxStartAttempts && lostRace {
			t.Logf("testpeer: Dovecot lost a port race, retrying with new ports (%v)", err)
			continue
		}
		t.Fatalf("testpeer: starting Dovecot: %v\n--- Dovecot log tail (%s):\n%s", err, d.Dir, tail)
	}
}

// maxStartAttempts bounds the retries after losing a port race.
const maxStartAttempts = 5

// newDovecot checks cfg, prepares the directories and writes the
// passwd-file, and registers the cleanups.
func newDovecot(t testing.TB, cfg DovecotConfig) (*Dovecot, error) {
	owner, err := lookupMailOwner()
	if err != nil {
		return nil, fmt.Errorf("testpeer: %w", err)
	}
	d := &Dovecot{t: t, owner: owner, UID: owner.uid, GID: owner.gid,
		User: cfg.User, Password: cfg.Password, users: map[string]string{}, extra: cfg.Extra}
	if d.User == "" {
		d.User = DefaultUser
	}
	if d.Password == "" {
		d.Password = DefaultPassword
	}
	passwords := map[string]string{d.User: d.Password}
	for name, pw := range cfg.Users {
		if name == d.User {
			return nil, fmt.Errorf("testpeer: Users repeats the main user %q", name)
		}
		passwords[name] = pw
	}
	for name, pw := range passwords {
		if err := checkUser(name); err != nil {
			return nil, err
		}
		if err := checkPassword(name, pw); err != nil {
			return nil, err
		}
	}
	if d.Dir, err = makeInstanceDir(); err != nil {
		return nil, fmt.Errorf("testpeer: creating Dovecot's directory: %w", err)
	}
	// Cleanups run last-registered first: stop Dovecot, then remove.
	t.Cleanup(func() { os.RemoveAll(d.Dir) })
	t.Cleanup(d.Stop)
	d.ConfigPath = filepath.Join(d.Dir, "dovecot.conf")
	if err := d.setMailDirs(cfg.MailDir, passwords); err != nil {
		return nil, err
	}
	err = writePasswd(filepath.Join(d.Dir, "passwd"), passwords, d.users, owner)
	if err != nil {
		return nil, fmt.Errorf("testpeer: writing the passwd-file: %w", err)
	}
	return d, nil
}

// setMailDirs decides and prepares every user's Maildir.
func (d *Dovecot) setMailDirs(mailDir string, passwords map[string]string) error {
	if mailDir == "" {
		mailDir = filepath.Join(d.Dir, "mail")
	}
	abs, err := filepath.Abs(mailDir)
	if err != nil {
		return fmt.Errorf("testpeer: MailDir: %w", err)
	}
	d.MailDir = abs
	for name := range passwords {
		dir := userMailDir(d.Dir, name)
		if name == d.User {
			dir = d.MailDir
		}
		if err := prepareMailDir(dir, d.owner); err != nil {
			return fmt.Errorf("testpeer: preparing the Maildir of %s: %w", name, err)
		}
		d.users[name] = dir
	}
	return nil
}

// UserMailDir returns the Maildir root of the user name: MailDir for User,
// a directory inside Dir for the extra users, "" for anyone else.
func (d *Dovecot) UserMailDir(name string) string {
	return d.users[name]
}

// ChownMailDirs hands every user's Maildir, with everything the test has
// written into it since, to the mail user (UID, GID). As root, tests that
// write into a Maildir while Dovecot runs call it before Dovecot looks;
// otherwise it does nothing.
func (d *Dovecot) ChownMailDirs(t testing.TB) {
	t.Helper()
	if !d.owner.root {
		return
	}
	for name, dir := range d.users {
		if err := chownTree(dir, d.UID, d.GID); err != nil {
			t.Fatalf("testpeer: handing the Maildir of %s to uid %d: %v", name, d.UID, err)
		}
	}
}

// Doveadm runs `doveadm -c ConfigPath args...` against this instance and
// returns its standard output. The error, if any, includes doveadm's
// standard error. For example, Doveadm(t, "mailbox", "status", "-u", d.User,
// "messages", "INBOX") prints "INBOX messages=N".
func (d *Dovecot) Doveadm(t testing.TB, args ...string) ([]byte, error) {
	t.Helper()
	bin := Need(t, "doveadm")
	cmd := exec.Command(bin, append([]string{"-c", d.ConfigPath}, args...)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return out, fmt.Errorf("doveadm %s: %w: %s", strings.Join(args, " "), err, bytes.TrimSpace(stderr.Bytes()))
	}
	return out, nil
}

// logFiles are the files LogContents joins: the master's own output
// (errors before its log process runs), then the log file.
var logFiles = [...]string{"master.log", "dovecot.log"}

// LogContents returns everything Dovecot logged so far, from all attempts
// to start it.
func (d *Dovecot) LogContents() string {
	return d.logSince([len(logFiles)]int{})
}

// logSizes returns the current length of each log file.
func (d *Dovecot) logSizes() [len(logFiles)]int {
	var sizes [len(logFiles)]int
	for i, name := range logFiles {
		if fi, err := os.Stat(filepath.Join(d.Dir, name)); err == nil {
			sizes[i] = int(fi.Size())
		}
	}
	return sizes
}

// logSince returns what the log files gained after they had the sizes
// offsets.
func (d *Dovecot) logSince(offsets [len(logFiles)]int) string {
	var b strings.Builder
	for i, name := range logFiles {
		data, err := os.ReadFile(filepath.Join(d.Dir, name))
		if err == nil && len(data) >= offsets[i] {
			b.Write(data[offsets[i]:])
		}
	}
	return b.String()
}

// logTail returns the last n lines of LogContents, for failure messages.
func (d *Dovecot) logTail(n int) string {
	lines := strings.SplitAfter(strings.TrimRight(d.LogContents(), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "")
}

// Stop stops Dovecot and waits until all its processes are gone; when t
// has failed it also logs the tail of Dovecot's log. The cleanup calls it;
// a test may call it earlier, for example to look at the Maildirs while
// nothing else touches them. Later calls do nothing.
func (d *Dovecot) Stop() {
	d.stopOnce.Do(func() {
		// The tail is taken first, before the shutdown's own messages.
		if d.t.Failed() {
			d.t.Logf("testpeer: Dovecot log tail (%s):\n%s", d.Dir, d.logTail(60))
		}
		if err := d.halt(); err != nil {
			d.t.Errorf("testpeer: stopping Dovecot: %v", err)
		}
	})
}
