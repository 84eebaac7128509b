package queue

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"time"
)

// The spool directory holds:
//
//	tmp/      files being written; anything here at start-up is debris
//	msg/ID    the message, written once
//	env/ID    its Record, replaced atomically on every change
//	corrupt/  records that could not be read, set aside for a human
//
// A message exists once env/ID exists: Enqueue writes msg/ID first and
// env/ID last, each fsynced together with its directory, and removal
// deletes env/ID first. A msg/ID without env/ID is debris from a crash.
type spool struct {
	dir string
}

var spoolDirs = []string{"tmp", "msg", "env", "corrupt"}

// ErrMessageTooLarge is returned by Enqueue for a message over
// Config.MaxMessageSize.
var ErrMessageTooLarge = errors.New("queue: message too large")

func openSpool(dir string) (*spool, error) {
	if dir == "" {
		return nil, errors.New("queue: Config.Dir is empty")
	}
	for _, d := range spoolDirs {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o700); err != nil {
			return nil, fmt.Errorf("queue: %w", err)
		}
	}
	if err := syncDir(dir); err != nil {
		return nil, err
	}
	return &spool{dir: dir}, nil
}

func (s *spool) path(sub, id string) string { return filepath.Join(s.dir, sub, id) }

// newID returns a queue ID that sorts by creation time: 16 upper-case hex
// digits of the time in nanoseconds, "-", and 10 lower-case hex digits of
// randomness.
func newID(now time.Time) string {
	var r [5]byte
	rand.Read(r[:])
	return fmt.Sprintf("%016X", uint64(now.UnixNano())) + "-" + hex.EncodeToString(r[:])
}

// exists reports whether anything of message id is in the spool.
func (s *spool) exists(id string) bool {
	for _, sub := range []string{"msg", "env"} {
		if _, err := os.Lstat(s.path(sub, id)); err == nil || !os.IsNotExist(err) {
			return true
		}
	}
	return false
}

// writeMessage stores the message under id and returns its size.
func (s *spool) writeMessage(id string, r io.Reader, max int64) (int64, error) {
	tmp := s.path("tmp", id+".msg")
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return 0, fmt.Errorf("queue: %w", err)
	}
	n, err := io.Copy(f, io.LimitReader(r, max+1))
	if err == nil && n > max {
		err = ErrMessageTooLarge
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, s.path("msg", id))
	}
	if err == nil {
		err = syncDir(filepath.Join(s.dir, "msg"))
	}
	if err != nil {
		os.Remove(tmp)
		return 0, fmt.Errorf("queue: writing message: %w", err)
	}
	return n, nil
}

// writeRecord replaces the record of rec.ID atomically and durably.
func (s *spool) writeRecord(rec *Record) error {
	var r [4]byte
	rand.Read(r[:])
	tmp := s.path("tmp", rec.ID+".env."+hex.EncodeToString(r[:]))
	err := writeFileSync(tmp, rec.Marshal())
	if err == nil {
		err = os.Rename(tmp, s.path("env", rec.ID))
	}
	if err == nil {
		err = syncDir(filepath.Join(s.dir, "env"))
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("queue: writing record: %w", err)
	}
	return nil
}

// remove deletes a finished message: the record first, so that a crash
// in between leaves only debris.
func (s *spool) remove(id string) error {
	if err := os.Remove(s.path("env", id)); err != nil && !os.IsNotExist(err) {
		return fmt.Errorf("queue: %w", err)
	}
	if err := syncDir(filepath.Join(s.dir, "env")); err != nil {
		return err
	}
	if err := os.Remove(s.path("msg", id)); err != nil && !os.IsNotExist(err) {
		return fmt.Errorf("queue: %w", err)
	}
	return nil
}

// discardMessage removes a message file whose record was never written.
func (s *spool) discardMessage(id string) { os.Remove(s.path("msg", id)) }

func (s *spool) openMessage(id string) (*os.File, error) {
	return os.Open(s.path("msg", id))
}

// load reads every record, sets aside those that cannot be read, and
// removes debris.
func (s *spool) load() (recs []*Record, corrupt []error, err error) {
	tmps, _ := os.ReadDir(filepath.Join(s.dir, "tmp"))
	for _, e := range tmps {
		os.Remove(filepath.Join(s.dir, "tmp", e.Name()))
	}
	envs, err := os.ReadDir(filepath.Join(s.dir, "env"))
	if err != nil {
		return nil, nil, fmt.Errorf("queue: %w", err)
	}
	have := make(map[string]bool)
	for _, e := range envs {
		id := e.Name()
		rec, perr := s.readRecord(id)
		if perr != nil {
			corrupt = append(corrupt, fmt.Errorf("%s: %w", id, perr))
			s.quarantine(id)
			continue
		}
		have[id] = true
		recs = append(recs, rec)
	}
	msgs, _ := os.ReadDir(filepath.Join(s.dir, "msg"))
	for _, e := range msgs {
		if !have[e.Name()] {
			os.Remove(filepath.Join(s.dir, "msg", e.Name()))
		}
	}
	return recs, corrupt, nil
}

func (s *spool) readRecord(id string) (*Record, error) {
	f, err := os.Open(s.path("env", id))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxRecordSize+1))
	if err != nil {
		return nil, err
	}
	rec, err := ParseRecord(data)
	if err != nil {
		return nil, err
	}
	if rec.ID != id {
		return nil, fmt.Errorf("record names ID %q", rec.ID)
	}
	if _, err := os.Stat(s.path("msg", id)); err != nil {
		return nil, fmt.Errorf("message file: %w", err)
	}
	return rec, nil
}

// quarantine moves an unreadable record and its message to corrupt/.
func (s *spool) quarantine(id string) {
	stamp := strconv.FormatInt(time.Now().UnixNano(), 10)
	os.Rename(s.path("env", id), s.path("corrupt", id+"."+stamp+".env"))
	os.Rename(s.path("msg", id), s.path("corrupt", id+"."+stamp+".msg"))
}

func writeFileSync(name string, data []byte) error {
	f, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// syncDir fsyncs a directory so that entries created, renamed or removed
// in it survive a crash.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("queue: %w", err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("queue: fsync %s: %w", dir, err)
	}
	return nil
}
