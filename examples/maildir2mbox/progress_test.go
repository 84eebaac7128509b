package main

import (
	"strings"
	"testing"
)

// The bar draws on its writer and ends at 100% with a newline; off a
// terminal (as under go test) there is none.
func TestProgress(t *testing.T) {
	if newProgress(10, false, "x") != nil {
		t.Skip("stderr is a terminal")
	}
	var b strings.Builder
	bar := newBar(&b, 10, false, "converting")
	bar.Set64(4)
	if err := bar.Finish(); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	if !strings.Contains(out, "converting") || !strings.Contains(out, "100%") || !strings.HasSuffix(out, "\n") {
		t.Errorf("bar drew %q", out)
	}
}
