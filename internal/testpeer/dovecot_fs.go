package testpeer

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
)

// mailOwner is the account Dovecot runs mail processes as, and the accounts
// its own internal and login processes use.
type mailOwner struct {
	uid, gid int
	root     bool // the tests run as root: Dovecot drops to the mail user

	// rootless Dovecot runs everything as the current user.
	userName, groupName string
}

// lookupMailOwner picks the mail user. Dovecot refuses uid 0 for mail, so as
// root the Debian "mail" account owns the Maildirs; as any other user Dovecot
// runs rootless, as that user.
func lookupMailOwner() (mailOwner, error) {
	if os.Geteuid() == 0 {
		u, err := user.Lookup("mail")
		if err != nil {
			return mailOwner{}, fmt.Errorf("looking up the mail user (Dovecot refuses uid 0 for mail): %w", err)
		}
		return ownerFrom(u, true)
	}
	u, err := user.Current()
	if err != nil {
		return mailOwner{}, fmt.Errorf("looking up the current user: %w", err)
	}
	return ownerFrom(u, false)
}

// ownerFrom converts an os/user entry.
func ownerFrom(u *user.User, root bool) (mailOwner, error) {
	uid, err := strconv.Atoi(u.Uid)
	if err != nil {
		return mailOwner{}, fmt.Errorf("uid %q of %s: %w", u.Uid, u.Username, err)
	}
	gid, err := strconv.Atoi(u.Gid)
	if err != nil {
		return mailOwner{}, fmt.Errorf("gid %q of %s: %w", u.Gid, u.Username, err)
	}
	o := mailOwner{uid: uid, gid: gid, root: root, userName: u.Username}
	if g, err := user.LookupGroupId(u.Gid); err == nil {
		o.groupName = g.Name
	} else if !root {
		return mailOwner{}, fmt.Errorf("looking up group %s: %w", u.Gid, err)
	}
	return o, nil
}

// maxBaseDirLen keeps base_dir short enough that Dovecot's unix sockets
// (base_dir/login/imap-urlauth and the like) fit in sun_path (108 bytes).
const maxBaseDirLen = 64

// makeInstanceDir creates the instance's private directory, mode 0755 so that
// the dovecot and dovenull accounts can traverse it. It is not made with
// t.TempDir, whose parents are mode 0700; it lives in os.TempDir, or in /tmp
// when that is too deep for socket paths or not traversable by others.
func makeInstanceDir() (string, error) {
	parent := os.TempDir()
	if len(parent)+len("/testpeer-dovecot-1234567890/run") > maxBaseDirLen ||
		traverseProblem(parent, -1, -1) != nil {
		parent = "/tmp"
	}
	dir, err := os.MkdirTemp(parent, "testpeer-dovecot-")
	if err != nil {
		return "", err
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		os.RemoveAll(dir)
		return "", err
	}
	return dir, nil
}

// traverseProblem returns an error naming the first directory on the way to
// path (path itself included) that uid/gid cannot search; uid -1 stands for
// an account that is neither owner nor group member, such as dovenull.
func traverseProblem(path string, uid, gid int) error {
	for _, dir := range ancestors(path) {
		fi, err := os.Stat(dir)
		if err != nil {
			return err
		}
		if !canSearch(fi, uid, gid) {
			return fmt.Errorf("directory %s (mode %v) is not searchable by uid %d", dir, fi.Mode().Perm(), uid)
		}
	}
	return nil
}

// ancestors lists path and its parents up to the root, root first.
func ancestors(path string) []string {
	var dirs []string
	for p := filepath.Clean(path); ; p = filepath.Dir(p) {
		dirs = append([]string{p}, dirs...)
		if p == filepath.Dir(p) {
			return dirs
		}
	}
}

// canSearch applies the Unix permission rule for the search (x) bit.
func canSearch(fi fs.FileInfo, uid, gid int) bool {
	perm := fi.Mode().Perm()
	ouid, ogid, ok := fileOwner(fi)
	switch {
	case ok && uid >= 0 && ouid == uid:
		return perm&0o100 != 0
	case ok && gid >= 0 && ogid == gid:
		return perm&0o010 != 0
	default:
		return perm&0o001 != 0
	}
}

// openParents makes every parent of dir searchable by the mail user. Only
// directories under os.TempDir are changed, and only by adding the search bit
// for others (t.TempDir's parents are mode 0700); anything else that blocks
// the way is an error, as changing it would reach outside the test.
func openParents(dir string, o mailOwner) error {
	tmp := filepath.Clean(os.TempDir()) + string(filepath.Separator)
	parents := ancestors(dir)
	for _, p := range parents[:len(parents)-1] {
		fi, err := os.Stat(p)
		if err != nil {
			return err
		}
		if canSearch(fi, o.uid, o.gid) {
			continue
		}
		if !strings.HasPrefix(p, tmp) {
			return fmt.Errorf("directory %s (mode %v) blocks the mail user (uid %d) from the Maildir %s; make it searchable or pick a Maildir under %s",
				p, fi.Mode().Perm(), o.uid, dir, tmp)
		}
		if err := os.Chmod(p, fi.Mode().Perm()|0o001); err != nil {
			return err
		}
	}
	return nil
}

// prepareMailDir creates the Maildir root with cur, new and tmp, makes it
// reachable by the mail user and, as root, hands the whole tree to it.
func prepareMailDir(dir string, o mailOwner) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for _, sub := range []string{"cur", "new", "tmp"} {
		if err := os.Mkdir(filepath.Join(dir, sub), 0o755); err != nil && !errors.Is(err, fs.ErrExist) {
			return err
		}
	}
	if !o.root {
		return nil
	}
	if err := openParents(dir, o); err != nil {
		return err
	}
	return chownTree(dir, o.uid, o.gid)
}

// chownTree gives every file under root (root included) to uid:gid, without
// following symbolic links.
func chownTree(root string, uid, gid int) error {
	return filepath.WalkDir(root, func(path string, _ fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		return os.Lchown(path, uid, gid)
	})
}
