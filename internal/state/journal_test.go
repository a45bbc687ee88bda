package state

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	bolt "go.etcd.io/bbolt"
)

func TestStore_Create(t *testing.T) {
	s, clock := openTest(t, Options{})

	f := newFile("F1", "payables")
	require.NoError(t, s.Create(f, "claimed from inbox"))
	assert.Equal(t, t0, f.ReceivedAt)
	assert.Equal(t, t0, f.UpdatedAt)
	assert.Equal(t, []Step{{At: t0, State: Received, Note: "claimed from inbox"}}, f.Steps)

	got, err := s.Get("F1")
	require.NoError(t, err)
	assert.Equal(t, f, got)

	t.Run("Exists", func(t *testing.T) {
		clock.Advance(time.Minute)
		dup := newFile("F1", "other")
		err := s.Create(dup, "again")
		require.ErrorIs(t, err, ErrExists)
		assert.Empty(t, dup.Steps, "a failed create leaves the caller's file alone")
		got, err := s.Get("F1")
		require.NoError(t, err)
		assert.Equal(t, "payables", got.Route)
	})
	t.Run("KeepsReceivedAt", func(t *testing.T) {
		g := newFile("F2", "payables")
		g.ReceivedAt = t0.Add(-time.Hour)
		require.NoError(t, s.Create(g, ""))
		assert.Equal(t, t0.Add(-time.Hour), g.ReceivedAt)
		assert.Equal(t, clock.Now(), g.UpdatedAt)
	})
	t.Run("Invalid", func(t *testing.T) {
		for _, bad := range []*File{
			{Route: "payables", State: Received},
			{ID: "X", Route: "payables", State: "bogus"},
			{ID: "X\x00Y", Route: "payables", State: Received},
		} {
			assert.Error(t, s.Create(bad, ""))
		}
	})
}

func TestStore_Get(t *testing.T) {
	s, _ := openTest(t, Options{})
	_, err := s.Get("nope")
	require.ErrorIs(t, err, ErrNotFound)
	assert.Contains(t, err.Error(), "nope")

	require.NoError(t, s.Create(newFile("F1", "payables"), ""))
	a, err := s.Get("F1")
	require.NoError(t, err)
	a.Name = "changed"
	b, err := s.Get("F1")
	require.NoError(t, err)
	assert.Equal(t, "F1.csv", b.Name, "Get returns a copy")
}

func TestStore_Update(t *testing.T) {
	s, clock := openTest(t, Options{})
	require.NoError(t, s.Create(newFile("F1", "payables"), "claimed"))

	t.Run("StateChangeAppendsStep", func(t *testing.T) {
		clock.Advance(time.Second)
		f, err := s.Update("F1", "", setState(Validated))
		require.NoError(t, err)
		assert.Equal(t, Validated, f.State)
		assert.Equal(t, clock.Now(), f.UpdatedAt)
		require.Len(t, f.Steps, 2)
		assert.Equal(t, Step{At: clock.Now(), State: Validated}, f.Steps[1])
	})
	t.Run("NoteAppendsStep", func(t *testing.T) {
		clock.Advance(time.Second)
		f, err := s.Update("F1", "batch 1 external id recorded", func(f *File) error {
			f.Batches = append(f.Batches, Batch{Index: 0, ExternalID: "F1-0", IdempotencyKey: "F1-0-create"})
			return nil
		})
		require.NoError(t, err)
		require.Len(t, f.Steps, 3)
		assert.Equal(t, Step{At: clock.Now(), State: Validated, Note: "batch 1 external id recorded"}, f.Steps[2])
	})
	t.Run("SilentUpdateNoStep", func(t *testing.T) {
		clock.Advance(time.Second)
		f, err := s.Update("F1", "", func(f *File) error {
			f.NextPollAt = clock.Now().Add(time.Minute)
			return nil
		})
		require.NoError(t, err)
		assert.Len(t, f.Steps, 3)
		assert.Equal(t, clock.Now(), f.UpdatedAt)
		assert.Equal(t, clock.Now().Add(time.Minute), f.NextPollAt)
	})
	t.Run("FnErrorAborts", func(t *testing.T) {
		before, err := s.Get("F1")
		require.NoError(t, err)
		errNotNow := errors.New("not now")
		_, err = s.Update("F1", "should not appear", func(f *File) error {
			f.State = Failed
			return errNotNow
		})
		assert.Same(t, errNotNow, err, "fn's error is returned as is")
		after, err := s.Get("F1")
		require.NoError(t, err)
		assert.Equal(t, before, after)
	})
	t.Run("NotFound", func(t *testing.T) {
		_, err := s.Update("nope", "", setState(Failed))
		assert.ErrorIs(t, err, ErrNotFound)
	})
	t.Run("Invalid", func(t *testing.T) {
		_, err := s.Update("F1", "", setState("bogus"))
		assert.ErrorContains(t, err, `unknown state "bogus"`)
		_, err = s.Update("F1", "", func(f *File) error { f.ID = "F9"; return nil })
		assert.ErrorContains(t, err, "id changed")
	})
}

func TestStore_List(t *testing.T) {
	s, _ := openTest(t, Options{})
	// F01..F10 alternate routes; every third is validated, F10 completed.
	for i := 1; i <= 10; i++ {
		route := "payables"
		if i%2 == 0 {
			route = "sepa"
		}
		require.NoError(t, s.Create(newFile(fmt.Sprintf("F%02d", i), route), ""))
		switch {
		case i == 10:
			_, err := s.Update("F10", "", setState(Completed))
			require.NoError(t, err)
		case i%3 == 0:
			_, err := s.Update(fmt.Sprintf("F%02d", i), "", setState(Validated))
			require.NoError(t, err)
		}
	}

	tests := []struct {
		name string
		flt  Filter
		want []string
	}{
		{"All", Filter{}, []string{"F01", "F02", "F03", "F04", "F05", "F06", "F07", "F08", "F09", "F10"}},
		{"Route", Filter{Route: "sepa"}, []string{"F02", "F04", "F06", "F08", "F10"}},
		{"State", Filter{States: []State{Validated}}, []string{"F03", "F06", "F09"}},
		{"States", Filter{States: []State{Completed, Validated}}, []string{"F03", "F06", "F09", "F10"}},
		{"StatesTwice", Filter{States: []State{Validated, Validated}}, []string{"F03", "F06", "F09"}},
		{"StateAndRoute", Filter{States: []State{Received}, Route: "payables"}, []string{"F01", "F05", "F07"}},
		{"Limit", Filter{Limit: 3}, []string{"F01", "F02", "F03"}},
		{"After", Filter{After: "F08"}, []string{"F09", "F10"}},
		{"AfterUnknownID", Filter{After: "F085"}, []string{"F09", "F10"}},
		{"AfterWithStates", Filter{States: []State{Validated, Completed}, After: "F06", Limit: 2}, []string{"F09", "F10"}},
		{"LimitAcrossStates", Filter{States: []State{Received, Validated}, Limit: 4}, []string{"F01", "F02", "F03", "F04"}},
		{"NoMatch", Filter{States: []State{Failed}}, []string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := s.List(tt.flt)
			require.NoError(t, err)
			assert.Equal(t, tt.want, ids(got))
		})
	}

	t.Run("Paging", func(t *testing.T) {
		for _, states := range [][]State{nil, States} {
			var all []string
			after := ""
			for {
				page, err := s.List(Filter{States: states, Limit: 3, After: after})
				require.NoError(t, err)
				if len(page) == 0 {
					break
				}
				all = append(all, ids(page)...)
				after = page[len(page)-1].ID
			}
			assert.Len(t, all, 10)
			assert.IsIncreasing(t, all)
		}
	})
	t.Run("NegativeLimit", func(t *testing.T) {
		_, err := s.List(Filter{Limit: -1})
		assert.Error(t, err)
	})
}

func TestStore_Counts(t *testing.T) {
	s, _ := openTest(t, Options{})
	for i, route := range []string{"payables", "payables", "payables", "sepa"} {
		require.NoError(t, s.Create(newFile(fmt.Sprintf("F%d", i), route), ""))
	}
	_, err := s.Update("F0", "", setState(Validated))
	require.NoError(t, err)
	_, err = s.Update("F0", "", setState(Rejected))
	require.NoError(t, err)
	_, err = s.Update("F3", "", setState(Validated))
	require.NoError(t, err)

	got, err := s.Counts()
	require.NoError(t, err)
	assert.Equal(t, map[string]map[State]int{
		"payables": {Received: 2, Rejected: 1},
		"sepa":     {Validated: 1},
	}, got)
}

func TestStore_CountsLarge(t *testing.T) {
	if testing.Short() {
		t.Skip("loads 100k records")
	}
	n := 100_000
	if raceEnabled {
		// Loading 100k records takes half a minute under -race on a busy
		// machine; the race run checks correctness, the plain run speed.
		n = 20_000
	}
	// Not openTest: its Check at cleanup would decode every record.
	s, err := Open(filepath.Join(t.TempDir(), "bridge.db"), Options{})
	require.NoError(t, err)
	defer s.Close(context.Background())
	loadFiles(t, s, n)

	start := time.Now()
	got, err := s.Counts()
	elapsed := time.Since(start)
	require.NoError(t, err)
	total := 0
	for _, byState := range got {
		for _, c := range byState {
			total += c
		}
	}
	assert.Equal(t, n, total)
	assert.Equal(t, n/4, got["route-1"][Completed])
	assert.Less(t, elapsed, 500*time.Millisecond, "Counts must stay well under a second")
	t.Logf("Counts over %d files: %s", n, elapsed)
}

// loadFiles writes n files through the same code path as Create, a few
// thousand per transaction (one fsync per Create would make 100k records
// take minutes; one huge transaction is slow to spill under -race).
// Routes cycle over route-0..route-3 and states over States; every fourth
// file is completed.
func loadFiles(tb testing.TB, s *Store, n int) {
	tb.Helper()
	const chunk = 2_000
	for start := 0; start < n; start += chunk {
		_, _, err := s.write("load", func(tx *bolt.Tx) (*File, error) {
			for i := start; i < min(start+chunk, n); i++ {
				f := newFile(fmt.Sprintf("L%08d", i), fmt.Sprintf("route-%d", i%4))
				f.State = States[(i/4)%len(States)]
				if i%4 == 1 {
					f.State = Completed
				}
				f.Steps = []Step{{At: t0, State: f.State}}
				if sent(f.State) {
					if err := index(tx, f, t0); err != nil {
						return nil, err
					}
				}
				if err := putFile(tx, f, ""); err != nil {
					return nil, err
				}
			}
			return nil, nil
		})
		require.NoError(tb, err)
	}
}

func TestStore_ConcurrentUpdates(t *testing.T) {
	s, _ := openTest(t, Options{})
	const files, workers, rounds = 4, 8, 10
	for i := range files {
		require.NoError(t, s.Create(newFile(fmt.Sprintf("F%d", i), "payables"), ""))
	}
	ch, cancel := s.Subscribe()
	defer cancel()

	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for r := range rounds {
				id := fmt.Sprintf("F%d", (w+r)%files)
				_, err := s.Update(id, fmt.Sprintf("worker %d round %d", w, r), func(f *File) error {
					f.PollFailures++
					return nil
				})
				assert.NoError(t, err)
				_, err = s.List(Filter{States: []State{Received}})
				assert.NoError(t, err)
			}
		})
	}
	wg.Wait()

	total := 0
	for i := range files {
		f, err := s.Get(fmt.Sprintf("F%d", i))
		require.NoError(t, err)
		total += f.PollFailures
		assert.Len(t, f.Steps, 1+f.PollFailures, "one step per update, none lost")
	}
	assert.Equal(t, workers*rounds, total, "no lost update")
	assert.Len(t, ch, 1)
}
