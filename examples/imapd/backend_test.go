package main

import (
	"context"
	"path/filepath"
	"testing"
)

// Sessions of one user share a store, which is dropped with the last one.
func TestBackendSharesStore(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "users"), "alice:{PLAIN}x\n")
	users, err := loadUsers(filepath.Join(dir, "users"))
	if err != nil {
		t.Fatal(err)
	}
	b := newBackend(filepath.Join(dir, "mail"), users)
	ctx := context.Background()
	s1, err := b.Open(ctx, "alice")
	if err != nil {
		t.Fatal(err)
	}
	s2, _ := b.Open(ctx, "alice")
	if s1.(*sessionStore).Store != s2.(*sessionStore).Store {
		t.Fatal("two sessions of one user got different stores")
	}
	s1.Close()
	s1.Close() // a second Close must not release twice
	if b.stores["alice"] == nil || b.stores["alice"].refs != 1 {
		t.Fatalf("after one Close: %+v", b.stores["alice"])
	}
	s2.Close()
	if len(b.stores) != 0 {
		t.Fatal("store kept after the last session")
	}
	s3, _ := b.Open(ctx, "alice")
	if s3.(*sessionStore).Store == s2.(*sessionStore).Store {
		t.Fatal("released store reused")
	}
	s3.Close()
	for _, u := range []string{"bob", "../alice"} {
		if _, err := b.Open(ctx, u); err == nil {
			t.Errorf("Open(%q) succeeded", u)
		}
	}
}
