//go:build linux

package testpeer

import (
	"fmt"
	"testing"
)

// FuzzParseProcStat checks that /proc/PID/stat parsing never panics and that
// whatever it accepts survives a format/parse round trip.
func FuzzParseProcStat(f *testing.F) {
	for _, seed := range []string{
		"123 (dovecot) S 1 123 123 0 -1 4194560 97 0 0 0",
		"77 (a) (b) c) Z 5 42 42 0",
		"9 (x y) R 1 9",
		"1 () S 0 0",
		"garbage",
		"-5 (x) S 1 -3",
		"12 (x) S 1",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		pid, state, pgrp, ok := parseProcStat(data)
		if !ok {
			return
		}
		if !isProcState(state) {
			t.Fatalf("%q parsed with state %q, not a letter", data, state)
		}
		line := fmt.Sprintf("%d (comm) %s 1 %d", pid, []byte{state}, pgrp)
		pid2, state2, pgrp2, ok2 := parseProcStat([]byte(line))
		if !ok2 || pid2 != pid || state2 != state || pgrp2 != pgrp {
			t.Fatalf("%q parsed as %d %q %d, but %q as %d %q %d %v", data, pid, state, pgrp, line, pid2, state2, pgrp2, ok2)
		}
	})
}
