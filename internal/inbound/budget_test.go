package inbound

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/atlarbridge/bridge/internal/state"
	"github.com/jonboulle/clockwork"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sync/semaphore"
)

// Validation reads and parses a file only within the parse budget: while
// other files hold all of it, a file waits (and its wait can be cut
// short); a file larger than the whole budget is parsed alone instead of
// waiting forever.
func TestPipeline_ParseBudget(t *testing.T) {
	p, store := newSchedPipeline(t, clockwork.NewFakeClockAt(schedT0), stubAtlar{})
	const budget = 1 << 10
	p.opts.ParseBudget, p.parse = budget, semaphore.NewWeighted(budget)
	claim := func(name, data string) *state.File {
		t.Helper()
		path := filepath.Join(p.lay.Root, "inbox", "payables", name)
		require.NoError(t, os.WriteFile(path, []byte(data), 0o644))
		f, err := p.claim(Drop{Route: "payables", Path: path, Name: name, Source: "folder"})
		require.NoError(t, err)
		return f
	}
	bad := "external_id,amount\nX-1,1.00\n" // rejected for its header: no Atlar call
	small := claim("small.csv", bad)
	large := claim("large.csv", bad+strings.Repeat("\n", 2*budget))
	require.Greater(t, large.Size, int64(budget))

	// Other workers hold the whole budget.
	require.NoError(t, p.parse.Acquire(context.Background(), budget))
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	_, err := p.validate(ctx, small)
	require.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Contains(t, err.Error(), "parse budget")
	f, err := store.Get(small.ID)
	require.NoError(t, err)
	assert.Equal(t, state.Received, f.State, "not validated while the budget is held")

	p.parse.Release(budget)
	for _, f := range []*state.File{small, large} {
		done, err := p.validate(context.Background(), f)
		require.NoError(t, err, f.Name)
		require.True(t, done, f.Name)
		got, err := store.Get(f.ID)
		require.NoError(t, err)
		assert.Equal(t, state.Rejected, got.State, f.Name)
	}
	require.True(t, p.parse.TryAcquire(budget), "every validation gave its share back")
}
