//go:build !unix

package pain001

import "time"

// cpuTime is not measured here: TestReadCost then reports wall time only.
func cpuTime() time.Duration { return 0 }
