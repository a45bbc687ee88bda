package watch

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// concurrentClaimer claims files like the recorder but lets calls overlap:
// it holds every call until `hold` calls have been in flight at once, and
// records the most it saw at once and any path handed over while already
// in a call.
type concurrentClaimer struct {
	t       *testing.T
	claimed string
	hold    int

	mu       sync.Mutex
	inFlight map[string]bool
	most     int
	names    []string
	overlap  []string
	release  chan struct{}
	released bool
}

func (c *concurrentClaimer) handle(ctx context.Context, cand Candidate) error {
	c.mu.Lock()
	if c.inFlight[cand.Path] {
		c.overlap = append(c.overlap, cand.Path)
	}
	c.inFlight[cand.Path] = true
	c.most = max(c.most, len(c.inFlight))
	release := c.release
	if len(c.inFlight) == c.hold && !c.released {
		close(c.release)
		c.released = true
	}
	c.mu.Unlock()

	select {
	case <-release:
	case <-ctx.Done():
		return ctx.Err()
	}
	err := os.Rename(cand.Path, filepath.Join(c.claimed, cand.Name))

	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.inFlight, cand.Path)
	if err == nil {
		c.names = append(c.names, cand.Name)
	}
	return err
}

func (c *concurrentClaimer) handedOver() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.names)
}

func TestWatcher_Handlers(t *testing.T) {
	const n, handlers = 40, 4
	dir := t.TempDir()
	clock := clockwork.NewFakeClock()
	c := &concurrentClaimer{t: t, claimed: t.TempDir(), hold: handlers,
		inFlight: map[string]bool{}, release: make(chan struct{})}
	w := New([]Dir{{Route: "payables", Path: dir}}, c.handle,
		Options{Settle: testSettle, Rescan: testRescan, Clock: clock, Logger: quiet, Handlers: handlers})
	for i := range n {
		drop(t, dir, fmt.Sprintf("f%02d.csv", i), "x")
	}
	require.NoError(t, w.Start(t.Context()))
	t.Cleanup(func() { assert.NoError(t, w.Close(context.Background())) })

	// Every call waits until `handlers` calls are in flight: the files
	// can only all be handed over if the watcher runs that many at once.
	require.Eventually(t, func() bool {
		clock.Advance(testSettle)
		return c.handedOver() == n
	}, waitFor, pollEvery)

	c.mu.Lock()
	defer c.mu.Unlock()
	assert.Equal(t, handlers, c.most, "never more calls at once than Handlers")
	assert.Empty(t, c.overlap, "a file handed over while already in a call")
	names := slices.Clone(c.names)
	slices.Sort(names)
	assert.Len(t, slices.Compact(names), n, "a file handed over twice")
	left, err := os.ReadDir(dir)
	require.NoError(t, err)
	assert.Empty(t, left)
}

// An event for a file while its handler runs (the ERP drops the next file
// under the same name right after the claim moved the last one) is not
// lost: once the call is done the path is looked at again, without
// waiting for a rescan.
func TestWatcher_EventDuringHandler(t *testing.T) {
	dir := t.TempDir()
	clock := clockwork.NewFakeClock()
	claimed := t.TempDir()
	moved, proceed := make(chan struct{}), make(chan struct{})
	var mu sync.Mutex
	var calls int
	handle := func(ctx context.Context, cand Candidate) error {
		mu.Lock()
		calls++
		n := calls
		mu.Unlock()
		if err := os.Rename(cand.Path, filepath.Join(claimed, fmt.Sprintf("%s.%d", cand.Name, n))); err != nil {
			return err
		}
		if n == 1 {
			close(moved)
			<-proceed
		}
		return nil
	}
	w := New([]Dir{{Route: "payables", Path: dir}}, handle,
		Options{Settle: testSettle, Rescan: time.Hour, Clock: clock, Logger: quiet, Handlers: 2})
	require.NoError(t, w.Start(t.Context()))
	t.Cleanup(func() { assert.NoError(t, w.Close(context.Background())) })
	blockUntil := func(n int) {
		ctx, cancel := context.WithTimeout(t.Context(), waitFor)
		defer cancel()
		require.NoError(t, clock.BlockUntilContext(ctx, n))
	}

	drop(t, dir, "daily.csv", "one")
	blockUntil(2) // rescan ticker and the settle deadline
	clock.Advance(testSettle)
	<-moved
	// While the first call still runs: the next daily.csv, then another
	// file. Events arrive in order, so once the loop has armed a deadline
	// for the other file it has seen daily.csv's event too.
	drop(t, dir, "daily.csv", "two")
	drop(t, dir, "other.csv", "three")
	blockUntil(2)
	close(proceed)

	handed := func() bool {
		for _, name := range []string{"daily.csv.2", "daily.csv.3"} {
			if _, err := os.Stat(filepath.Join(claimed, name)); err == nil {
				return true
			}
		}
		return false
	}
	waiting := func() bool { // a settle deadline is armed
		ctx, cancel := context.WithTimeout(t.Context(), pollEvery)
		defer cancel()
		return clock.BlockUntilContext(ctx, 2) == nil
	}
	// Forgotten after the call, the second daily.csv would wait for the
	// rescan, an hour away.
	for i := 0; i < 10 && !handed(); i++ {
		clock.Advance(testSettle)
		require.Eventually(t, func() bool { return handed() || waiting() }, waitFor, pollEvery,
			"the second daily.csv was not looked at again")
	}
	assert.True(t, handed())
}
