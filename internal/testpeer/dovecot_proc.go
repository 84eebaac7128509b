package testpeer

import (
	"bufio"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Startup and shutdown bounds. They only turn a hang into a failure with a
// log; a healthy Dovecot starts in well under a second.
const (
	readyTimeout   = 20 * time.Second
	pollInterval   = 20 * time.Millisecond
	dialTimeout    = time.Second
	masterStopWait = 10 * time.Second // SIGTERM to exit, before SIGKILL
	childrenGone   = 5 * time.Second  // master gone to children gone
	childrenKilled = 2 * time.Second  // after SIGKILL to the group
)

// process is one run of the Dovecot master.
type process struct {
	cmd     *exec.Cmd
	exited  chan struct{} // closed when cmd.Wait returns
	waitErr error         // set before exited is closed
}

// start writes the configuration with fresh ports, runs `dovecot -F` and
// waits until every service greets.
func (d *Dovecot) start(bin string, choosePorts func(n int) ([]int, error)) error {
	ports, err := choosePorts(3)
	if err != nil {
		return fmt.Errorf("choosing ports: %w", err)
	}
	d.IMAPAddr = net.JoinHostPort("127.0.0.1", strconv.Itoa(ports[0]))
	d.POP3Addr = net.JoinHostPort("127.0.0.1", strconv.Itoa(ports[1]))
	d.LMTPAddr = net.JoinHostPort("127.0.0.1", strconv.Itoa(ports[2]))
	err = writeConfig(d.ConfigPath, confData{
		Instance: "tp" + strings.TrimPrefix(filepath.Base(d.Dir), "testpeer-dovecot-"),
		Dir:      d.Dir, PasswdFile: filepath.Join(d.Dir, "passwd"),
		UID: d.owner.uid, GID: d.owner.gid, Root: d.owner.root,
		UserName: d.owner.userName, GroupName: d.owner.groupName,
		IMAPPort: ports[0], POP3Port: ports[1], LMTPPort: ports[2],
		Extra: d.extra,
	})
	if err != nil {
		return fmt.Errorf("writing %s: %w", d.ConfigPath, err)
	}
	if err := d.spawn(bin); err != nil {
		return err
	}
	return d.waitReady()
}

// spawn starts the master in the foreground, its output appended to
// master.log.
func (d *Dovecot) spawn(bin string) error {
	// A pid file left by an earlier attempt could name a reused pid and
	// make Dovecot believe it is already running.
	if err := os.Remove(filepath.Join(d.Dir, "run", "master.pid")); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	out, err := os.OpenFile(filepath.Join(d.Dir, "master.log"), os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	defer out.Close() // the child holds its own copy
	cmd := exec.Command(bin, "-F", "-c", d.ConfigPath)
	cmd.Dir = d.Dir
	cmd.Stdout, cmd.Stderr = out, out
	groupAttrs(cmd)
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("running %s: %w", bin, err)
	}
	p := &process{cmd: cmd, exited: make(chan struct{})}
	go func() {
		p.waitErr = cmd.Wait()
		close(p.exited)
	}()
	d.proc = p
	return nil
}

// errExited reports a master that ended during startup.
var errExited = errors.New("dovecot exited during startup")

// waitReady polls each service until it sends its greeting: the master binds
// the ports before its login processes run, so an accepted connection alone
// does not prove the service is up.
func (d *Dovecot) waitReady() error {
	deadline := time.Now().Add(readyTimeout)
	services := []struct{ name, addr, greeting string }{
		{"IMAP", d.IMAPAddr, "* OK"}, // RFC 9051 §7.1.1
		{"POP3", d.POP3Addr, "+OK"},  // RFC 1939 §4
		{"LMTP", d.LMTPAddr, "220"},  // RFC 2033 §4.1, RFC 5321 §4.2
	}
	for _, s := range services {
		var lastErr error
		for {
			select {
			case <-d.proc.exited:
				return fmt.Errorf("%w: %v", errExited, d.proc.waitErr)
			default:
			}
			if lastErr = greets(s.addr, s.greeting, deadline); lastErr == nil {
				break
			}
			if time.Now().After(deadline) {
				return fmt.Errorf("%s on %s not ready after %v: %w", s.name, s.addr, readyTimeout, lastErr)
			}
			time.Sleep(pollInterval)
		}
	}
	return nil
}

// greets connects to addr and checks that the first line starts with prefix.
func greets(addr, prefix string, deadline time.Time) error {
	conn, err := net.DialTimeout("tcp", addr, dialTimeout)
	if err != nil {
		return err
	}
	defer conn.Close()
	if err := conn.SetReadDeadline(deadline); err != nil {
		return err
	}
	line, err := bufio.NewReader(conn).ReadString('\n')
	if err != nil {
		return fmt.Errorf("reading the greeting: %w", err)
	}
	if !strings.HasPrefix(line, prefix) {
		return fmt.Errorf("greeting %q does not start with %q", strings.TrimSpace(line), prefix)
	}
	return nil
}

// halt stops the running master, if any, and waits until every process of
// its group has ended. SIGTERM lets every process end cleanly (mail already
// handed to the kernel is not lost); SIGKILL to the whole group follows when
// that does not happen in time.
func (d *Dovecot) halt() error {
	p := d.proc
	if p == nil {
		return nil
	}
	d.proc = nil
	pgid := p.cmd.Process.Pid
	select {
	case <-p.exited:
	default:
		// The whole group at once: signalled alone, the master lets its
		// log process linger for a second after the other children end.
		if signalGroup(pgid, syscall.SIGTERM) != nil {
			_ = p.cmd.Process.Signal(syscall.SIGTERM)
		}
		select {
		case <-p.exited:
		case <-time.After(masterStopWait):
			_ = signalGroup(pgid, syscall.SIGKILL)
			_ = p.cmd.Process.Kill()
			<-p.exited
		}
	}
	if waitForGroup(pgid, childrenGone) {
		return nil
	}
	_ = signalGroup(pgid, syscall.SIGKILL)
	if waitForGroup(pgid, childrenKilled) {
		return nil
	}
	return fmt.Errorf("processes %v of Dovecot's group %d survive SIGKILL", groupMembers(pgid), pgid)
}

// waitForGroup polls until the group pgid has no live process left, or
// until timeout; it reports whether the group is empty.
func waitForGroup(pgid int, timeout time.Duration) bool {
	deadline := time.Now().Add(timeout)
	for len(groupMembers(pgid)) > 0 {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(10 * time.Millisecond)
	}
	return true
}

// freePorts returns n distinct free loopback ports; the listeners are held
// until all n are chosen so the kernel cannot hand out one port twice.
func freePorts(n int) ([]int, error) {
	ports := make([]int, 0, n)
	for range n {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		defer ln.Close()
		ports = append(ports, ln.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}
