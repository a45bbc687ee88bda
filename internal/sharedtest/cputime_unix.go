//go:build unix

package sharedtest

import (
	"syscall"
	"time"
)

// CPUTime is the CPU time the process has used (user and system, all
// threads: the garbage collector's included): a benchmark's figure on a
// machine shared with other builds, where wall time mostly measures them.
func CPUTime() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
