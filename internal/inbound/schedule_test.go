package inbound

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/atlarbridge/bridge/internal/atlar"
	"github.com/atlarbridge/bridge/internal/atlar/atlartest"
	"github.com/atlarbridge/bridge/internal/csvpay"
	"github.com/atlarbridge/bridge/internal/layout"
	"github.com/atlarbridge/bridge/internal/state"
	"github.com/jonboulle/clockwork"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var schedT0 = time.Date(2026, 3, 10, 9, 0, 0, 0, time.UTC)

func TestSchedule_Take(t *testing.T) {
	s := newSchedule()
	s.set("late", schedT0.Add(3*time.Second))
	s.set("early", schedT0.Add(time.Second))
	s.set("moved", schedT0.Add(time.Hour))
	s.set("moved", schedT0.Add(2*time.Second)) // a file journaled a new NextPollAt
	s.set("gone", schedT0)
	s.drop("gone") // it became final
	assert.Equal(t, 3, s.len())

	ids, next, ok := s.take(schedT0)
	assert.Empty(t, ids, "nothing due yet")
	require.True(t, ok)
	assert.Equal(t, schedT0.Add(time.Second), next)

	ids, next, ok = s.take(schedT0.Add(2 * time.Second))
	assert.Equal(t, []string{"early", "moved"}, ids, "due ones, earliest first")
	require.True(t, ok)
	assert.Equal(t, schedT0.Add(3*time.Second), next)

	ids, _, ok = s.take(schedT0.Add(time.Minute))
	assert.Equal(t, []string{"late"}, ids)
	assert.False(t, ok, "the timetable is empty")
	assert.Zero(t, s.len())
}

func TestSchedule_Wake(t *testing.T) {
	s := newSchedule()
	woken := func() bool {
		select {
		case <-s.wake:
			return true
		default:
			return false
		}
	}
	s.set("a", schedT0.Add(time.Minute))
	assert.True(t, woken(), "a first entry wakes the tracker")
	s.set("b", schedT0.Add(time.Hour))
	assert.False(t, woken(), "a later entry does not")
	s.set("c", schedT0.Add(time.Second))
	assert.True(t, woken(), "an earlier entry does")
}

// stubAtlar is an Atlar for tests that never reach it.
type stubAtlar struct{ Atlar }

// newSchedPipeline is a pipeline on a real journal and folders, not
// started, on a fake clock.
func newSchedPipeline(t testing.TB, clock *clockwork.FakeClock, api Atlar) (*Pipeline, *state.Store) {
	t.Helper()
	lay := layout.Layout{Root: t.TempDir()}
	require.NoError(t, lay.Ensure([]string{"payables"}))
	store, err := state.Open(lay.StateFile(), state.Options{Clock: clock})
	require.NoError(t, err)
	t.Cleanup(func() { _ = store.Close(context.Background()) })
	p, err := New(Options{
		Journal: store, API: api, Layout: lay, Clock: clock, Logger: slog.New(slog.DiscardHandler),
		Routes:       []Route{{Name: "payables", Format: FormatCSV, CSV: csvpay.DefaultProfile()}},
		PollInterval: 10 * time.Second,
		Sweep:        time.Hour, // the timetable alone must do
	})
	require.NoError(t, err)
	return p, store
}

// TestPipeline_RetryLater: a failed step is journaled with its backoff; a
// step cut short by the bridge stopping is not a failure.
func TestPipeline_RetryLater(t *testing.T) {
	p, store := newSchedPipeline(t, clockwork.NewFakeClockAt(schedT0), stubAtlar{})
	require.NoError(t, store.Create(&state.File{ID: "F", Route: "payables", Format: "csv", Name: "F",
		State: state.Submitted, NextPollAt: schedT0, Path: "processing/payables/F"}, ""))
	get := func() *state.File {
		f, err := store.Get("F")
		require.NoError(t, err)
		return f
	}

	stop := fmt.Errorf("poll batch: %w", context.Canceled)
	require.ErrorIs(t, p.retryLater(get(), "poll batch", stop), context.Canceled)
	f := get()
	assert.Zero(t, f.PollFailures, "stopping is not a failure")
	assert.Equal(t, schedT0, f.NextPollAt.UTC(), "due again at the next start")
	steps := len(f.Steps)

	require.NoError(t, p.retryLater(get(), "poll batch", errors.New("503 Service Unavailable")))
	f = get()
	assert.Equal(t, 1, f.PollFailures)
	assert.True(t, f.NextPollAt.After(schedT0))
	require.Len(t, f.Steps, steps+1)
	assert.Contains(t, f.Steps[steps].Note, "poll batch failed (attempt 1)")
}

func TestPipeline_Reschedule(t *testing.T) {
	p, store := newSchedPipeline(t, clockwork.NewFakeClockAt(schedT0), stubAtlar{})
	ctx := context.Background()
	put := func(id string, st state.State, next time.Time) {
		t.Helper()
		require.NoError(t, store.Create(&state.File{ID: id, Route: "payables", Format: "csv", Name: id,
			State: st, NextPollAt: next, Path: "processing/payables/" + id}, ""))
	}
	put("POLLED", state.Submitted, schedT0.Add(10*time.Second))
	put("FAILED-STEP", state.Received, time.Time{})
	put("STALE", state.Validated, schedT0.Add(-time.Minute))
	put("DONE", state.Completed, time.Time{})
	p.sched.set("DONE", schedT0) // scheduled before it completed

	p.reschedule(ctx, "POLLED", nil)
	p.reschedule(ctx, "FAILED-STEP", errors.New("accounts API down"))
	p.reschedule(ctx, "STALE", nil)
	p.reschedule(ctx, "DONE", nil)
	p.reschedule(ctx, "WITHDRAWN", nil) // a claim taken back: no record

	ids, _, _ := p.sched.take(schedT0.Add(retryStep - time.Millisecond))
	assert.Empty(t, ids, "nothing is due at once: a failed step waits retryStep")
	ids, next, ok := p.sched.take(schedT0.Add(retryStep))
	assert.ElementsMatch(t, []string{"FAILED-STEP", "STALE"}, ids)
	require.True(t, ok)
	assert.Equal(t, schedT0.Add(10*time.Second), next, "a submitted file at its NextPollAt")
	p.sched.take(next)
	assert.Zero(t, p.sched.len(), "final and unknown files leave the timetable")

	cctx, cancel := context.WithCancel(ctx)
	cancel()
	p.reschedule(cctx, "POLLED", nil)
	assert.Zero(t, p.sched.len(), "a pipeline stopping schedules nothing: Recover does at the next start")
}

// TestPipeline_TrackerPollsWhenDue drives a file to submitted and then only
// moves the clock to its first poll: with the slow sweep an hour away, the
// timetable alone must wake the tracker to poll it to completion.
func TestPipeline_TrackerPollsWhenDue(t *testing.T) {
	clock := clockwork.NewFakeClockAt(schedT0)
	_, url := atlartest.NewTest(t, atlartest.Options{Clock: clock, SeedDays: -1})
	api, err := atlar.New(atlar.Config{BaseURL: url, AccessKey: "demo-key", Secret: "demo-secret", Clock: clock, MaxRetries: -1})
	require.NoError(t, err)
	p, store := newSchedPipeline(t, clock, api)
	ctx, cancel := context.WithCancel(context.Background())
	require.NoError(t, p.Start(ctx))
	t.Cleanup(func() {
		cancel()
		require.NoError(t, p.Close(context.Background()))
	})

	path := filepath.Join(p.lay.Inbox("payables"), "run.csv")
	require.NoError(t, os.WriteFile(path, []byte("external_id,source_iban,amount,currency,external_account_id\n"+
		"TRK-1,DE89370400440532013000,10.00,EUR,external:fournisseur-sarl-eur\n"), 0o644))
	id, err := p.Claim(ctx, Drop{Route: "payables", Path: path, Name: "run.csv", Source: "folder"})
	require.NoError(t, err)
	inState := func(st state.State) func() bool {
		return func() bool {
			f, err := store.Get(id)
			return err == nil && f.State == st
		}
	}
	require.Eventually(t, inState(state.Submitted), 10*time.Second, 5*time.Millisecond)
	// The worker puts the file on the timetable just after its journal
	// write; moving the clock before that would make it due already, and a
	// file due already waits retryStep, which this clock never reaches.
	require.Eventually(t, func() bool {
		at, ok := p.sched.when(id)
		return ok && at.Equal(schedT0.Add(10*time.Second))
	}, 10*time.Second, 5*time.Millisecond, "the submitted file was not put on the timetable at its first poll")

	// The batch completes after 2s and its payment is final after 5s on
	// the fake's clock; the first poll is due 10s after the submit.
	clock.Advance(10 * time.Second)
	require.Eventually(t, inState(state.Completed), 10*time.Second, 5*time.Millisecond,
		"the tracker did not poll the file when it was due")
}
