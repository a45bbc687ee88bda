package outbound

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/atlarbridge/bridge/internal/layout"
	"github.com/atlarbridge/bridge/internal/state"
	"github.com/jonboulle/clockwork"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// newSweepOutbound is outbound on a real journal and folders with two
// pain.001 routes writing pain.002 only; "broken" asks for a pain.002
// version that does not exist, so its outputs fail to render.
func newSweepOutbound(t *testing.T) (*Outbound, *state.Store, layout.Layout) {
	t.Helper()
	clock := clockwork.NewFakeClockAt(time.Date(2026, 3, 10, 9, 0, 0, 0, time.UTC))
	lay := layout.Layout{Root: t.TempDir()}
	require.NoError(t, lay.Ensure([]string{"sepa", "broken"}))
	store, err := state.Open(lay.StateFile(), state.Options{Clock: clock})
	require.NoError(t, err)
	t.Cleanup(func() {
		problems, err := store.Check()
		require.NoError(t, err)
		require.Empty(t, problems)
		require.NoError(t, store.Close(context.Background()))
	})
	ob, err := New(Options{
		Journal: store, Layout: lay, Clock: clock, Logger: slog.New(slog.DiscardHandler),
		Routes: []Route{
			{Name: "sepa", Format: "pain001", Results: []string{"pain002"}},
			{Name: "broken", Format: "pain001", Results: []string{"pain002"}, Pain002Version: "pain.002.001.99"},
		},
	})
	require.NoError(t, err)
	return ob, store, lay
}

func journal(t *testing.T, store *state.Store, id, route string, st state.State) {
	t.Helper()
	f := &state.File{ID: id, Route: route, Format: "pain001", Name: "pay.xml", State: st,
		Path: "archive/2026-03-10/" + id + "_pay.xml", Problems: []state.Problem{{Code: "NARR", Message: "bad"}}}
	if st == state.Completed {
		f.Problems = nil
		f.Batches = []state.Batch{{ID: "batch-" + id, Count: 1, Status: "COMPLETED", ResultsRead: true}}
		f.Payments = []state.Payment{{Row: 1, ExternalID: "E-" + id, Amount: 100, Currency: "EUR", PaymentID: "p-" + id, Status: "EXECUTED"}}
	}
	require.NoError(t, store.Create(f, ""))
}

func changed(t *testing.T, store *state.Store) []string {
	t.Helper()
	chs, err := store.Changed("", 1000)
	require.NoError(t, err)
	var ids []string
	for _, c := range chs {
		ids = append(ids, c.ID)
	}
	return ids
}

func TestOutbound_WriteResults(t *testing.T) {
	ob, store, lay := newSweepOutbound(t)
	ctx := context.Background()
	// Three files of the same name, so their outputs compete for one
	// outbox name while written side by side.
	journal(t, store, "A", "sepa", state.Completed)
	journal(t, store, "B", "sepa", state.Rejected)
	journal(t, store, "C", "sepa", state.Completed)
	journal(t, store, "R", "sepa", state.Received) // nothing due yet
	journal(t, store, "X", "broken", state.Rejected)

	err := ob.WriteResults(ctx)
	require.Error(t, err, "the broken route's ack cannot be rendered")

	entries, err := os.ReadDir(lay.Results())
	require.NoError(t, err)
	acks, results := 0, 0
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
		switch {
		case strings.HasSuffix(e.Name(), ".ack.xml"):
			acks++
		case strings.HasSuffix(e.Name(), ".result.xml"):
			results++
		}
	}
	assert.Equal(t, 3, acks, "one ack each for A, B and C, none overwritten: %v", names)
	assert.Equal(t, 2, results, "a result for each completed file: %v", names)

	// R had nothing due and was settled; A, B and C were written again
	// (their outputs recorded) and wait for the next look; X failed.
	assert.Equal(t, []string{"A", "B", "C", "X"}, changed(t, store))
	require.Error(t, ob.WriteResults(ctx))
	assert.Equal(t, []string{"X"}, changed(t, store), "settled files are not read again; a failing one stays")

	// A file written again is looked at again.
	_, err = store.Update("R", "validated", func(f *state.File) error { f.State = state.Validated; return nil })
	require.NoError(t, err)
	assert.Equal(t, []string{"R", "X"}, changed(t, store))
}

// TestOutbound_OversizeCSVNotRead: a CSV rejected for its size was never
// read by inbound, and outbound must not read it either to echo it in the
// result CSV (300 MiB into memory): the result lists the reasons instead.
func TestOutbound_OversizeCSVNotRead(t *testing.T) {
	ob, store, lay := newSweepOutbound(t)
	ob.routes.Store("payables", &Route{Name: "payables", Format: "csv", Results: []string{"pain002", "csv"}, MaxFileSize: 1000})
	require.NoError(t, lay.Ensure([]string{"payables"}))
	f := &state.File{ID: "BIG", Route: "payables", Format: "csv", Name: "big.csv", State: state.Rejected, Size: 1001,
		Path:     "failed/2026-03-10/BIG_big.csv", // not there: reading it would fail the write
		Problems: []state.Problem{{Code: "FF01", Field: "file", Value: "1001 bytes", Message: "expected at most 1000 bytes"}}}
	require.NoError(t, store.Create(f, ""))

	require.NoError(t, ob.WriteResults(context.Background()))
	out, err := os.ReadFile(filepath.Join(lay.Results(), "big.csv.result.csv"))
	require.NoError(t, err)
	assert.Equal(t, "row,field,value,status,reason\n0,file,1001 bytes,REJECTED,expected at most 1000 bytes\n", string(out))
	_, err = os.Stat(filepath.Join(lay.Results(), "big.csv.ack.xml"))
	require.NoError(t, err)
}
