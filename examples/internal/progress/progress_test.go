package progress

import (
	"strings"
	"testing"
)

// The bar draws on its writer and ends at 100% with a newline; off a
// terminal (as under go test) there is none.
func TestProgress(t *testing.T) {
	if New(10, false, "x") != nil {
		t.Skip("stderr is a terminal")
	}
	var b strings.Builder
	bar := newBar(&b, 10, false, "converting")
	bar.Set(4)
	if err := bar.Finish(); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	if !strings.Contains(out, "converting") || !strings.Contains(out, "100%") || !strings.HasSuffix(out, "\n") {
		t.Errorf("bar drew %q", out)
	}
}

// Bytes are shown with units.
func TestProgressBytes(t *testing.T) {
	var b strings.Builder
	bar := newBar(&b, 4100, true, "converting")
	bar.Finish()
	if out := b.String(); !strings.Contains(out, "4.1 kB") {
		t.Errorf("bar drew %q", out)
	}
}

// A nil bar, as New returns off a terminal, does nothing.
func TestNilBar(t *testing.T) {
	var bar *Bar
	bar.Set(1)
	if err := bar.Finish(); err != nil {
		t.Fatal(err)
	}
}
