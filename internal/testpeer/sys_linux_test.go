package testpeer

import "testing"

// TestParseProcStat covers command names holding spaces and parentheses.
func TestParseProcStat(t *testing.T) {
	cases := []struct {
		line        string
		pid, pgrp   int
		state       byte
		ok          bool
		description string
	}{
		{"123 (dovecot) S 1 123 123 0 -1", 123, 123, 'S', true, "plain"},
		{"77 (a) (b) c) Z 5 42 42 0", 77, 42, 'Z', true, "parentheses in comm"},
		{"9 (x y) R 1 9", 9, 9, 'R', true, "space in comm"},
		{"garbage", 0, 0, 0, false, "no comm"},
		{"12 (x) S 1", 0, 0, 0, false, "too short"},
	}
	for _, c := range cases {
		pid, state, pgrp, ok := parseProcStat([]byte(c.line))
		if ok != c.ok || (ok && (pid != c.pid || state != c.state || pgrp != c.pgrp)) {
			t.Errorf("%s: parseProcStat(%q) = %d %c %d %v", c.description, c.line, pid, state, pgrp, ok)
		}
	}
}
