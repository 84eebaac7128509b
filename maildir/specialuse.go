package maildir

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/mailstack/mailstack/store"
)

// SpecialUseName is the root file where special-use attributes given at
// CREATE are kept, lines "<name>\t<attr> <attr>...". Dovecot keeps them in
// its configuration instead; folders named as in Dovecot's default
// configuration (Sent, Drafts, Trash, Junk, Archive...) get the matching
// attribute without an entry.
const SpecialUseName = "mailstack-special-use"

var defaultSpecialUse = map[string]string{
	"sent": store.AttrSent, "sent messages": store.AttrSent, "sent items": store.AttrSent,
	"drafts": store.AttrDrafts, "trash": store.AttrTrash, "deleted messages": store.AttrTrash,
	"junk": store.AttrJunk, "spam": store.AttrJunk, "archive": store.AttrArchive,
}

func (s *Store) specialUse() (map[string][]string, error) {
	data, err := os.ReadFile(filepath.Join(s.root, SpecialUseName))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	} else if err != nil {
		return nil, fmt.Errorf("maildir: %w", err)
	}
	m := map[string][]string{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		if n, attrs, ok := strings.Cut(sc.Text(), "\t"); ok {
			m[n] = strings.Fields(attrs)
		}
	}
	return m, nil
}

func specialUseOf(name string, m map[string][]string) []string {
	if a, ok := m[name]; ok {
		return a
	}
	if a := defaultSpecialUse[strings.ToLower(name)]; a != "" {
		return []string{a}
	}
	return nil
}

func (s *Store) setSpecialUse(name string, attrs []string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	m, err := s.specialUse()
	if err != nil {
		return err
	}
	if m == nil {
		m = map[string][]string{}
	}
	m[name] = attrs
	names := make([]string, 0, len(m))
	for n := range m {
		names = append(names, n)
	}
	slices.Sort(names)
	var b []byte
	for _, n := range names {
		b = fmt.Appendf(b, "%s\t%s\n", n, strings.Join(m[n], " "))
	}
	return writeFileAtomic(s.root, SpecialUseName, b)
}
