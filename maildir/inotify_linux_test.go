//go:build linux

package maildir

import (
	"context"
	"syscall"
	"testing"
	"time"

	"github.com/mailstack/mailstack/internal/testpeer"
	"github.com/mailstack/mailstack/store"
)

func TestWatchPollsPastWatchLimit(t *testing.T) {
	// With the per-user inotify watch limit reached, inotify_add_watch
	// fails with ENOSPC: the folder is polled instead.
	saved := inotifyAddWatch
	defer func() { inotifyAddWatch = saved }()
	calls := 0
	inotifyAddWatch = func(fd int, path string, mask uint32) (int, error) {
		if calls++; calls == 2 { // new/ watched, cur/ refused: new/'s is taken back
			return -1, syscall.ENOSPC
		}
		return saved(fd, path, mask)
	}
	testWatchPolls(t, func(a *Store, f *folder) {
		n := a.notifier()
		f.mu.Lock()
		defer f.mu.Unlock()
		n.mu.Lock()
		defer n.mu.Unlock()
		if f.ino != nil || len(f.wds) != 0 || len(n.folders) != 0 {
			t.Errorf("inotify state after ENOSPC: folder %v %v, watches %v", f.ino, f.wds, n.folders)
		}
	})
}

func TestRemoteFS(t *testing.T) {
	// NFS and SMB clients' inotify misses other clients' changes.
	for _, typ := range []uint32{0x6969, 0xff534d42, 0xfe534d42} {
		if !remoteFS(typ) {
			t.Errorf("%#x not taken for a network file system", typ)
		}
	}
	if remoteFS(0xef53) || remoteFS(0x01021994) { // ext4, tmpfs
		t.Error("a local file system taken for a network one")
	}
}

func TestWatchSeesDovecot(t *testing.T) {
	// Dovecot's LMTP delivers, its imapd flags and expunges: a Watch
	// with an hour between polls hears each at once, through inotify.
	d := testpeer.StartDovecot(t, testpeer.DovecotConfig{})
	lmtpDeliver(t, d.LMTPAddr, d.User, "Subject: first\r\n\r\nbody\r\n")
	s, err := Open(d.MailDir, &Config{PollInterval: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	mb, err := s.OpenMailbox(ctx, "INBOX")
	if err != nil {
		t.Fatal(err)
	}
	defer mb.Close()
	if st, err := mb.Status(ctx); err != nil || st.Messages != 1 {
		t.Fatalf("status %+v, %v", st, err)
	}
	d.ChownMailDirs(t) // as root, what our scan wrote goes to the mail user
	c := mb.Watch(ctx)
	count := func(n int) func() bool {
		return func() bool { st, err := mb.Status(ctx); return err == nil && st.Messages == n }
	}
	lmtpDeliver(t, d.LMTPAddr, d.User, "Subject: second\r\n\r\nbody\r\n")
	waitUntil(t, c, "Dovecot's LMTP delivery", count(2))
	d.ChownMailDirs(t)
	ic := dialIMAP(t, d.IMAPAddr, d.User, d.Password)
	ic.cmd("SELECT INBOX")
	drain(c)
	ic.cmd(`UID STORE 1 +FLAGS (\Seen)`)
	waitUntil(t, c, "Dovecot's flag change", func() bool {
		l, err := mb.List(ctx, store.UIDSetOf(1))
		return err == nil && len(l) == 1 && l[0].HasFlag(store.FlagSeen)
	})
	d.ChownMailDirs(t)
	drain(c)
	ic.cmd(`UID STORE 2 +FLAGS (\Deleted)`)
	ic.cmd("EXPUNGE")
	waitUntil(t, c, "Dovecot's expunge", count(1))
	ic.cmd("LOGOUT")
}
