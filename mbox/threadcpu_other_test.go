//go:build !linux

package mbox

import "time"

// threadCPU is 0 where the thread's CPU clock is not read here: the
// benchmarks then report elapsed time only.
func threadCPU() time.Duration { return 0 }
