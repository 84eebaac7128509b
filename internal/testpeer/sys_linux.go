package testpeer

import (
	"bytes"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
)

// groupAttrs puts the Dovecot master in a process group of its own, so
// that Stop can signal and count all its children, and has the kernel send
// it SIGTERM when the test binary dies without running its cleanups (a
// panic, a -timeout): a private Dovecot must not outlive its test.
func groupAttrs(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
}

// signalGroup sends sig to every process in the group pgid.
func signalGroup(pgid int, sig syscall.Signal) error {
	return syscall.Kill(-pgid, sig)
}

// groupMembers lists the live processes of the group pgid. Zombies are left
// out: once the master is gone its exited children are reparented to pid 1,
// which in some containers never reaps them, and they hold no resources.
func groupMembers(pgid int) []int {
	matches, _ := filepath.Glob("/proc/[0-9]*/stat")
	var pids []int
	for _, m := range matches {
		data, err := os.ReadFile(m)
		if err != nil {
			continue // exited meanwhile
		}
		pid, state, pgrp, ok := parseProcStat(data)
		if ok && pgrp == pgid && state != 'Z' && state != 'X' {
			pids = append(pids, pid)
		}
	}
	return pids
}

// parseProcStat reads pid, state and process group from /proc/PID/stat:
// "pid (comm) state ppid pgrp ...", where comm may hold spaces and
// parentheses, hence the search for the last ')'.
func parseProcStat(data []byte) (pid int, state byte, pgrp int, ok bool) {
	open := bytes.IndexByte(data, '(')
	end := bytes.LastIndexByte(data, ')')
	if open < 1 || end < open {
		return 0, 0, 0, false
	}
	pid, err := strconv.Atoi(string(bytes.TrimSpace(data[:open])))
	if err != nil {
		return 0, 0, 0, false
	}
	fields := bytes.Fields(data[end+1:])
	if len(fields) < 3 || len(fields[0]) != 1 || !isProcState(fields[0][0]) {
		return 0, 0, 0, false
	}
	pgrp, err = strconv.Atoi(string(fields[2]))
	if err != nil {
		return 0, 0, 0, false
	}
	return pid, fields[0][0], pgrp, true
}

// isProcState reports whether c can be a process state of proc(5): a
// letter such as R, S, D, Z, T or I.
func isProcState(c byte) bool {
	return 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z'
}

// fileOwner returns the owner and group of a file.
func fileOwner(fi fs.FileInfo) (uid, gid int, ok bool) {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return 0, 0, false
	}
	return int(st.Uid), int(st.Gid), true
}
