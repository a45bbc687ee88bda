//go:build !unix

package sharedtest

import "time"

// CPUTime is not measured here: 0, and callers report wall time only.
func CPUTime() time.Duration { return 0 }
