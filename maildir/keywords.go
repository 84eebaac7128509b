package maildir

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/mailstack/mailstack/store"
)

// KeywordsName is the per-folder file naming keyword letters, in Dovecot's
// format: lines "<index> <keyword>", index 0 being letter 'a' and 25 'z'.
const KeywordsName = "dovecot-keywords"

// MaxKeywords is how many keywords a folder can have: one per letter a–z.
const MaxKeywords = 26

// ParseKeywords parses a dovecot-keywords file into a table indexed by
// letter ('a' = 0). Malformed lines are skipped, as Dovecot does.
func ParseKeywords(data []byte) []string {
	kw := make([]string, MaxKeywords)
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(nil, 64<<10)
	for sc.Scan() {
		idx, name, ok := strings.Cut(sc.Text(), " ")
		i, err := strconv.Atoi(idx)
		if !ok || err != nil || i < 0 || i >= MaxKeywords || name == "" {
			continue
		}
		if _, err := store.CanonicalFlag(name); err != nil || store.IsSystemFlag(name) {
			continue
		}
		kw[i] = name
	}
	return kw
}

// formatKeywords is the inverse of ParseKeywords.
func formatKeywords(kw []string) []byte {
	var b []byte
	for i, k := range kw {
		if k != "" {
			b = fmt.Appendf(b, "%d %s\n", i, k)
		}
	}
	return b
}

// letterOf returns the letter of keyword k in kw (case-insensitive), or 0.
func letterOf(kw []string, k string) byte {
	for i, x := range kw {
		if x != "" && strings.EqualFold(x, k) {
			return byte('a' + i)
		}
	}
	return 0
}

// writeFileAtomic writes data to dir/name through a temporary file that is
// fsynced and renamed over the old one, then fsyncs dir.
func writeFileAtomic(dir, name string, data []byte) error {
	tmp, err := os.CreateTemp(dir, ".tmp."+name+".")
	if err != nil {
		return fmt.Errorf("maildir: %w", err)
	}
	_, err = tmp.Write(data)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(tmp.Name(), 0o600)
	}
	if err == nil {
		err = os.Rename(tmp.Name(), filepath.Join(dir, name))
	}
	if err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("maildir: writing %s: %w", name, err)
	}
	return syncDir(dir)
}
