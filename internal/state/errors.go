package state

import (
	"errors"
	"fmt"
	"time"

	bolterrors "go.etcd.io/bbolt/errors"
)

// ErrLocked is returned by Open when another process holds the state file.
// The error Open returns names the file and how long it waited.
var ErrLocked = errors.New("state file is in use by another bridge process")

// ErrNotFound is returned when a file, delivery or index entry does not
// exist.
var ErrNotFound = errors.New("not found")

// ErrExists is returned by Create when a file with the same id exists.
var ErrExists = errors.New("already exists")

// lockedError is what Open returns when the lock is not obtained in time: it
// names the file so that an operator knows which bridge to stop.
type lockedError struct {
	path string
	wait time.Duration
}

func (e *lockedError) Error() string {
	return fmt.Sprintf("state file %s is in use by another bridge process "+
		"(lock not obtained within %s): stop that bridge or use its control endpoint", e.path, e.wait)
}

// Is makes errors.Is(err, ErrLocked) true.
func (e *lockedError) Is(target error) bool { return target == ErrLocked }

// Unwrap keeps bbolt's own timeout error reachable.
func (e *lockedError) Unwrap() error { return bolterrors.ErrTimeout }
