package maildir

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/mailstack/mailstack/store"
)

// deliveryCounter makes names unique within this process (the Q<n> part);
// the pid makes them unique among processes on a host.
var deliveryCounter atomic.Uint64

// DeliverOptions are the options of Deliver. The zero value works.
type DeliverOptions struct {
	// Hostname used in file names. Default: os.Hostname(), sanitised.
	Hostname string
	// MaxSize refuses messages larger than this many bytes with
	// store.ErrTooBig. Default 0: no limit.
	MaxSize int64
}

// Deliver writes a message read from r into the Maildir dir (creating
// dir/tmp, new and cur if missing) the way the Maildir spec and Dovecot do
// it, and returns the new file's name in dir/new:
//
//  1. create tmp/<unique> with O_EXCL, write, fsync, close;
//  2. rename it to new/<unique>,S=<size> without ever replacing a file
//     (renameat2 RENAME_NOREPLACE; link and unlink where the file system
//     lacks it);
//  3. fsync new/, so the name survives a power failure.
//
// It is safe to call from many goroutines and processes at once. UIDs are
// assigned later, by the first reader that scans the Maildir.
func Deliver(ctx context.Context, dir string, r io.Reader, opts *DeliverOptions) (string, error) {
	var o DeliverOptions
	if opts != nil {
		o = *opts
	}
	if err := ensureMaildirOnce(dir); err != nil {
		return "", err
	}
	// Count the CRLF size on the way through, so the name carries ",W="
	// as Dovecot's do and readers need not open the file to learn it.
	vr := &vsizeReader{r: r}
	tmp, base, err := writeTemp(ctx, dir, hostname(o.Hostname), vr, o.MaxSize)
	if errors.Is(err, os.ErrNotExist) {
		// Removed since it was made (r is not read yet): make it again.
		ensured.Delete(dir)
		if err = ensureMaildirOnce(dir); err == nil {
			tmp, base, err = writeTemp(ctx, dir, hostname(o.Hostname), vr, o.MaxSize)
		}
	}
	if err != nil {
		return "", err
	}
	base += vr.field()
	name, err := linkUnique(tmp, filepath.Join(dir, "new"), base, "")
	if err != nil {
		ensured.Delete(dir)
		return "", err
	}
	return name, nil
}

// ensured holds the Maildirs Deliver has made sure of in this process, so
// that deliveries do not stat tmp/, new/ and cur/ each time.
var ensured sync.Map // dir → struct{}

func ensureMaildirOnce(dir string) error {
	if _, ok := ensured.Load(dir); ok {
		return nil
	}
	if err := ensureMaildir(dir); err != nil {
		return err
	}
	ensured.Store(dir, struct{}{})
	return nil
}

func ensureMaildir(dir string) error {
	for _, sub := range []string{"tmp", "new", "cur"} {
		if err := os.MkdirAll(filepath.Join(dir, sub), 0o700); err != nil {
			return fmt.Errorf("maildir: %w", err)
		}
	}
	return nil
}

// hostname returns h or the system host name, sanitised for file names as
// the Maildir spec says ('/' → \057, ':' → \072), and also without ',' and
// control characters, which would confuse the info part.
func hostname(h string) string {
	if h == "" {
		return systemHost()
	}
	return sanitizeHost(h)
}

// systemHost is the sanitised os.Hostname(), read once per process.
var systemHost = sync.OnceValue(func() string {
	h, _ := os.Hostname()
	return sanitizeHost(h)
})

func sanitizeHost(h string) string {
	var b strings.Builder
	for i := 0; i < len(h); i++ {
		switch c := h[i]; {
		case c == '/':
			b.WriteString(`\057`)
		case c == ':':
			b.WriteString(`\072`)
		case c == ',':
			b.WriteString(`\054`)
		case c <= ' ' || c >= 0x7f || c == '\\':
			b.WriteString(fmt.Sprintf(`\%03o`, c))
		default:
			b.WriteByte(c)
		}
	}
	if b.Len() == 0 {
		return "localhost"
	}
	return b.String()
}

// uniqueBase returns "<sec>.M<usec>P<pid>Q<n>.<host>".
func uniqueBase(host string) string {
	now := time.Now()
	n := deliveryCounter.Add(1)
	return strconv.FormatInt(now.Unix(), 10) + ".M" + strconv.Itoa(now.Nanosecond()/1000) +
		"P" + strconv.Itoa(os.Getpid()) + "Q" + strconv.FormatUint(n, 10) + "." + host
}

// writeTemp streams r into a new file in dir/tmp, fsyncs it, and returns
// its path and the base name (with ",S=<size>") for its final place.
func writeTemp(ctx context.Context, dir, host string, r io.Reader, max int64) (tmp, base string, err error) {
	var f *os.File
	for try := 0; ; try++ {
		base = uniqueBase(host)
		tmp = filepath.Join(dir, "tmp", base)
		f, err = os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err == nil {
			break
		}
		if !errors.Is(err, os.ErrExist) || try == 10 {
			return "", "", fmt.Errorf("maildir: %w", err)
		}
	}
	// The error returns below set tmp to "": remove the file by the
	// name it was created under.
	created := tmp
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(created)
		}
	}()
	src := r
	if max > 0 {
		src = io.LimitReader(r, max+1)
	}
	buf := copyBufs.Get().(*[]byte)
	defer copyBufs.Put(buf)
	// The plain Writer keeps io.CopyBuffer from os.File.ReadFrom, which
	// would allocate a buffer of its own.
	n, err := io.CopyBuffer(struct{ io.Writer }{f}, ctxReader{ctx, src}, *buf)
	if err != nil {
		return "", "", fmt.Errorf("maildir: writing message: %w", err)
	}
	if max > 0 && n > max {
		return "", "", fmt.Errorf("%w: over %d bytes", store.ErrTooBig, max)
	}
	if err = f.Sync(); err != nil {
		return "", "", fmt.Errorf("maildir: fsync: %w", err)
	}
	if err = f.Close(); err != nil {
		return "", "", fmt.Errorf("maildir: %w", err)
	}
	return tmp, base + ",S=" + strconv.FormatInt(n, 10), nil
}

var copyBufs = sync.Pool{New: func() any { b := make([]byte, 32<<10); return &b }}

// ctxReader stops a copy when ctx ends.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

// linkUnique moves tmp into dir as base+info without ever replacing an
// existing file, and fsyncs dir. On a name clash it picks a new base. It
// returns the final name.
func linkUnique(tmp, dir, base, info string) (string, error) {
	name := base + info
	for try := 0; ; try++ {
		err := moveNoReplace(tmp, filepath.Join(dir, name))
		if err == nil {
			break
		}
		if !errors.Is(err, os.ErrExist) || try == 10 {
			os.Remove(tmp)
			return "", fmt.Errorf("maildir: %w", err)
		}
		// Same name from a clock step back and a recycled pid: add a
		// distinguishing counter.
		name = base + "_" + strconv.FormatUint(deliveryCounter.Add(1), 10) + info
	}
	if err := syncDir(dir); err != nil {
		return "", err
	}
	return name, nil
}

// moveNoReplace moves tmp to path, failing (os.ErrExist) rather than
// replacing a file: one rename with RENAME_NOREPLACE, or else link(2),
// which never replaces, and unlink of tmp.
func moveNoReplace(tmp, path string) error {
	if ok, err := renameNoReplace(tmp, path); ok {
		return err
	}
	if err := os.Link(tmp, path); err != nil {
		return err
	}
	return os.Remove(tmp)
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("maildir: %w", err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !errors.Is(err, syscall.EINVAL) {
		return fmt.Errorf("maildir: fsync %s: %w", dir, err)
	}
	return nil
}

// Deliver delivers a message read from r into mailbox (INBOX or an
// existing folder) of s as the package-level Deliver does, and returns the
// new file's name in new/. The folder's watchers on s (IMAP sessions in
// IDLE, say) are told at once instead of at their next poll, so a delivery
// agent that shares one Store per user with that user's sessions makes new
// mail show up without delay; other Stores, in this process or another,
// are told by inotify on Linux, else notice it when they poll
// (Config.PollInterval).
//
// A folder that does not exist is not created: the error wraps
// store.ErrNoSuchMailbox. opts may be nil; its Hostname defaults to
// Config.Hostname and its MaxSize to Config.MaxMessageSize.
//
// With Config.QuotaMessages or QuotaStorage set, a delivery to a store
// already at its message limit, or at or over its storage limit, fails
// with store.ErrOverQuota before anything is written (a delivery agent
// answers 552 5.2.2, RFC 3463 §3.3). The size of the message is not known
// until it has been read, so the one that crosses the storage limit is
// kept, as Dovecot's quota_grace lets a delivery overshoot.
func (s *Store) Deliver(ctx context.Context, mailbox string, r io.Reader, opts *DeliverOptions) (string, error) {
	dir, name, err := s.dirOf(mailbox)
	if err != nil {
		return "", err
	}
	if !s.exists(dir) {
		return "", fmt.Errorf("%w: %q", store.ErrNoSuchMailbox, name)
	}
	// One byte: a store at its storage limit takes nothing more.
	if err := s.checkQuota(ctx, 1, 1); err != nil {
		return "", err
	}
	var o DeliverOptions
	if opts != nil {
		o = *opts
	}
	if o.Hostname == "" {
		o.Hostname = s.cfg.Hostname
	}
	if o.MaxSize <= 0 {
		o.MaxSize = s.cfg.MaxMessageSize
	}
	file, err := Deliver(ctx, dir, r, &o)
	if err != nil {
		return "", err
	}
	s.wakeDir(dir)
	return file, nil
}
