package maildir

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mailstack/mailstack/store"
)

// cacheBox opens INBOX of a Maildir at dir with n messages (appended when
// the folder is empty) and returns it with its UIDVALIDITY and UIDs.
func cacheBox(t *testing.T, dir string, n int, cfg *Config) (*mailbox, uint32, []store.UID) {
	t.Helper()
	ctx := context.Background()
	if cfg == nil {
		cfg = &Config{}
	}
	s, err := Open(dir, cfg)
	if err != nil {
		t.Fatal(err)
	}
	m, err := s.OpenMailbox(ctx, "INBOX")
	if err != nil {
		t.Fatal(err)
	}
	mb := m.(*mailbox)
	l := list(t, mb)
	for i := len(l); i < n; i++ {
		if _, err := mb.Append(ctx, strings.NewReader(fmt.Sprintf("Subject: %d\r\n\r\nx\r\n", i)), nil); err != nil {
			t.Fatal(err)
		}
	}
	st, err := mb.Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var uids []store.UID
	for _, m := range list(t, mb) {
		uids = append(uids, m.UID)
	}
	t.Cleanup(func() { stopCache(mb.f.cache) })
	return mb, st.UIDValidity, uids
}

func flushCache(t *testing.T, mb *mailbox) {
	t.Helper()
	c := mb.f.cache
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.flush(); err != nil {
		t.Fatal(err)
	}
}

// Entries are served before and after they reach the file, and by another
// Store (a restarted server, another process) once written.
func TestCacheRoundTrip(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	mb, v, uids := cacheBox(t, dir, 3, nil)
	if got := mb.CacheGet(ctx, v, uids[0]); got != nil {
		t.Fatalf("empty cache returned %q", got)
	}
	for i, u := range uids {
		if err := mb.CachePut(ctx, v, u, []byte(fmt.Sprintf("meta %d", i))); err != nil {
			t.Fatal(err)
		}
	}
	mb.CachePut(ctx, v, uids[1], []byte("meta 1 again")) // the last one wins
	check := func(mb *mailbox, when string) {
		t.Helper()
		for i, want := range []string{"meta 0", "meta 1 again", "meta 2"} {
			if got := mb.CacheGet(ctx, v, uids[i]); string(got) != want {
				t.Errorf("%s: UID %d: %q, want %q", when, uids[i], got, want)
			}
		}
		if got := mb.CacheGet(ctx, v+1, uids[0]); got != nil {
			t.Errorf("%s: served under another UIDVALIDITY: %q", when, got)
		}
	}
	check(mb, "pending")
	flushCache(t, mb)
	check(mb, "written")
	other, _, _ := cacheBox(t, dir, 3, nil)
	check(other, "another store")
	// Another process's appends are read once the file is checked.
	other.CachePut(ctx, v, uids[0], []byte("from the other"))
	flushCache(t, other)
	mb.f.cache.mu.Lock()
	mb.f.cache.sync(time.Now(), true)
	mb.f.cache.mu.Unlock()
	if got := mb.CacheGet(ctx, v, uids[0]); string(got) != "from the other" {
		t.Errorf("other process's entry: %q", got)
	}
	if err := mb.CachePut(ctx, v, uids[2], make([]byte, MaxCacheEntry+1)); err != nil || string(mb.CacheGet(ctx, v, uids[2])) != "meta 2" {
		t.Error("an entry over MaxCacheEntry was kept")
	}
}

// A new UIDVALIDITY voids every entry and rewrites the file.
func TestCacheUIDValidity(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	mb, v, uids := cacheBox(t, dir, 2, nil)
	mb.CachePut(ctx, v, uids[0], []byte("old"))
	flushCache(t, mb)
	mb.CachePut(ctx, v+1, uids[1], []byte("new"))
	flushCache(t, mb)
	if got := mb.CacheGet(ctx, v+1, uids[0]); got != nil {
		t.Errorf("entry of the old UIDVALIDITY served: %q", got)
	}
	data := mustRead(t, filepath.Join(dir, CacheName))
	if !bytes.Equal(data[:cacheHeader], appendCacheHeader(nil, v+1)) || bytes.Contains(data, []byte("old")) {
		t.Errorf("file not rewritten for the new UIDVALIDITY: %q", data)
	}
}

// Damage (a flipped byte, a torn last record, garbage) costs the entries
// from the damage on, and the next write repairs the file.
func TestCacheDamage(t *testing.T) {
	ctx := context.Background()
	for _, c := range []struct {
		name   string
		damage func(b []byte) []byte
		kept   int // entries still served
	}{
		{"flipped byte in the second record", func(b []byte) []byte {
			b[cacheHeader+recHeader+len("meta 0")+recHeader+2] ^= 0x20
			return b
		}, 1},
		{"torn last record", func(b []byte) []byte { return b[:len(b)-3] }, 2},
		{"bad magic", func(b []byte) []byte { b[0] = 'X'; return b }, 0},
		{"garbage", func(b []byte) []byte { return []byte("not a cache file at all, really") }, 0},
		{"huge length", func(b []byte) []byte {
			b[cacheHeader+4], b[cacheHeader+7] = 0xff, 0xff
			return b
		}, 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			mb, v, uids := cacheBox(t, dir, 3, nil)
			for i, u := range uids {
				mb.CachePut(ctx, v, u, []byte(fmt.Sprintf("meta %d", i)))
			}
			flushCache(t, mb)
			path := filepath.Join(dir, CacheName)
			if err := os.WriteFile(path+".x", c.damage(mustRead(t, path)), 0o600); err != nil {
				t.Fatal(err)
			}
			os.Rename(path+".x", path)
			fresh, _, _ := cacheBox(t, dir, 3, nil)
			kept := 0
			for i, u := range uids {
				got := fresh.CacheGet(ctx, v, u)
				if got != nil && string(got) != fmt.Sprintf("meta %d", i) {
					t.Fatalf("UID %d: damaged entry served: %q", u, got)
				}
				if got != nil {
					kept++
				}
			}
			if kept != c.kept {
				t.Errorf("%d entries served, want %d", kept, c.kept)
			}
			fresh.CachePut(ctx, v, uids[2], []byte("repaired"))
			flushCache(t, fresh)
			again, _, _ := cacheBox(t, dir, 3, nil)
			if got := again.CacheGet(ctx, v, uids[2]); string(got) != "repaired" {
				t.Errorf("after the repair: %q", got)
			}
			if again.f.cache.corrupt {
				t.Error("file still damaged after the repair")
			}
		})
	}
}

// The file stays within Config.CacheLimit, and rewriting it drops
// expunged UIDs and superseded entries.
func TestCacheBounded(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	entry := bytes.Repeat([]byte("e"), 100)
	limit := int64(cacheHeader + 5*(recHeader+len(entry)))
	mb, v, uids := cacheBox(t, dir, 8, &Config{CacheLimit: limit})
	for _, u := range uids {
		mb.CachePut(ctx, v, u, entry)
	}
	flushCache(t, mb)
	if st, err := os.Stat(filepath.Join(dir, CacheName)); err != nil || st.Size() > limit {
		t.Fatalf("cache file: %v, %v; limit %d", st, err, limit)
	}
	served := 0
	for _, u := range uids {
		if mb.CacheGet(ctx, v, u) != nil {
			served++
		}
	}
	if served != 5 {
		t.Errorf("%d entries kept, want 5 (the limit)", served)
	}
	// Expunge the five cached: compaction makes room for the others.
	if _, err := mb.SetFlags(ctx, store.UIDSetOf(uids[:5]...), store.FlagsAdd, []string{store.FlagDeleted}, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := mb.Expunge(ctx, store.All); err != nil {
		t.Fatal(err)
	}
	c := mb.f.cache
	c.mu.Lock()
	err := c.compact()
	c.mu.Unlock()
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range uids[5:] {
		mb.CachePut(ctx, v, u, entry)
	}
	flushCache(t, mb)
	for _, u := range uids[5:] {
		if mb.CacheGet(ctx, v, u) == nil {
			t.Errorf("UID %d not cached after the expunge made room", u)
		}
	}
	// Superseded entries: rewriting the same UIDs over and over keeps
	// the file within the limit.
	for round := 0; round < 50; round++ {
		for _, u := range uids[5:] {
			mb.CachePut(ctx, v, u, entry)
		}
		flushCache(t, mb)
	}
	if st, _ := os.Stat(filepath.Join(dir, CacheName)); st.Size() > limit {
		t.Errorf("file grew to %d bytes, limit %d", st.Size(), limit)
	}
}

// Config.CacheLimit < 0 turns the cache off.
func TestCacheDisabled(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s, err := Open(dir, &Config{CacheLimit: -1})
	if err != nil {
		t.Fatal(err)
	}
	m, _ := s.OpenMailbox(ctx, "INBOX")
	res, err := m.Append(ctx, strings.NewReader("Subject: x\r\n\r\nx\r\n"), nil)
	if err != nil {
		t.Fatal(err)
	}
	mc := m.(store.MessageCache)
	if err := mc.CachePut(ctx, res.UIDValidity, res.UID, []byte("x")); err != nil || mc.CacheGet(ctx, res.UIDValidity, res.UID) != nil {
		t.Error("disabled cache kept an entry")
	}
	if _, err := os.Stat(filepath.Join(dir, CacheName)); !os.IsNotExist(err) {
		t.Errorf("cache file written: %v", err)
	}
}

// Two writers (processes) append to one file: each finds its own entries
// and the other's, wherever its write landed.
func TestCacheTwoWriters(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	a, v, uids := cacheBox(t, dir, 4, nil)
	b, _, _ := cacheBox(t, dir, 4, nil)
	a.CachePut(ctx, v, uids[0], []byte("a0"))
	flushCache(t, a) // the file exists
	a.CachePut(ctx, v, uids[1], []byte("a1"))
	b.CachePut(ctx, v, uids[2], []byte("b2"))
	flushCache(t, b) // lands where a expects its own
	flushCache(t, a)
	for _, c := range []*mailbox{a, b} {
		c.f.cache.mu.Lock()
		c.f.cache.sync(time.Now(), true)
		c.f.cache.mu.Unlock()
		for i, want := range []string{"a0", "a1", "b2"} {
			if got := c.CacheGet(ctx, v, uids[i]); string(got) != want {
				t.Errorf("UID %d: %q, want %q", uids[i], got, want)
			}
		}
	}
}
