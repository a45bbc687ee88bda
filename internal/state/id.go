package state

import (
	"crypto/rand"
	"sync"
	"time"

	"github.com/oklog/ulid/v2"
)

var idGen struct {
	sync.Mutex
	lastMs  uint64
	entropy *ulid.MonotonicEntropy
}

// NewID returns a new file id: a ULID (26 characters of Crockford base32,
// matching ^[A-Z0-9]{26}$) whose leading timestamp is t. Ids made by one
// process sort in the order they were made, even when t goes backwards (a
// wall clock step) or many ids share a millisecond, so that listing files by
// id lists them in arrival order.
func NewID(t time.Time) string {
	idGen.Lock()
	defer idGen.Unlock()
	if idGen.entropy == nil {
		idGen.entropy = ulid.Monotonic(rand.Reader, 0)
	}
	ms := ulid.Timestamp(t)
	if ms < idGen.lastMs {
		ms = idGen.lastMs
	}
	for {
		id, err := ulid.New(ms, idGen.entropy)
		if err == nil {
			idGen.lastMs = ms
			return id.String()
		}
		// The monotonic entropy of this millisecond is exhausted (after
		// about 2^80 ids, or a read error of crypto/rand): move on to the
		// next millisecond, which keeps the order.
		ms++
	}
}
