package keyedmutex

import (
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestMutex: one key's holders never overlap, and a key's entry goes once
// nobody holds or waits for it.
func TestMutex(t *testing.T) {
	var k Mutex
	var wg sync.WaitGroup
	inside := map[string]int{}
	var mu sync.Mutex
	for i := range 200 {
		key := []string{"a", "b"}[i%2]
		wg.Add(1)
		go func() {
			defer wg.Done()
			unlock := k.Lock(key)
			defer unlock()
			mu.Lock()
			inside[key]++
			n := inside[key]
			mu.Unlock()
			assert.Equal(t, 1, n, "two holders of %s at once", key)
			mu.Lock()
			inside[key]--
			mu.Unlock()
		}()
	}
	wg.Wait()
	assert.Empty(t, k.locks, "unused keys are dropped")
}
