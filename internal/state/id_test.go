package state

import (
	"regexp"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestNewID(t *testing.T) {
	format := regexp.MustCompile(`^[A-Z0-9]{26}$`)
	now := time.Now()

	var got []string
	// Same millisecond, then the clock steps back an hour: ids keep
	// increasing.
	for i := range 1000 {
		at := now
		if i >= 500 {
			at = now.Add(-time.Hour)
		}
		got = append(got, NewID(at))
	}
	for _, id := range got {
		require.Regexp(t, format, id)
	}
	assert.True(t, slices.IsSorted(got), "ids made in order sort in order")
	assert.Len(t, slices.Compact(slices.Clone(got)), len(got), "ids are unique")
	assert.Less(t, NewID(now.Add(time.Hour)), NewID(now.Add(2*time.Hour)))
}

func TestNewID_Concurrent(t *testing.T) {
	var (
		mu   sync.Mutex
		seen = map[string]bool{}
		wg   sync.WaitGroup
	)
	for range 8 {
		wg.Go(func() {
			for range 200 {
				id := NewID(time.Now())
				mu.Lock()
				assert.False(t, seen[id], "duplicate id %s", id)
				seen[id] = true
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	assert.Len(t, seen, 1600)
}
