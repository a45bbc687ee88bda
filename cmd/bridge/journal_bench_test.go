package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/atlarbridge/bridge/internal/config"
	"github.com/atlarbridge/bridge/internal/state"
	"github.com/jonboulle/clockwork"
	"github.com/stretchr/testify/require"
)

// BenchmarkJournalLifecycle builds a journal of BRIDGE_BENCH_JOURNAL_FILES
// finished files (default 200000; 90% older than the retention) through the
// state API, then measures what `status` and `files` cost on it, how fast
// Prune removes the old records and what `compact` gives back. It builds
// the journal once per run: use -benchtime=1x.
//
//	BRIDGE_BENCH_JOURNAL_FILES=1000000 go test -run '^$' -bench JournalLifecycle -benchtime=1x ./cmd/bridge/
func BenchmarkJournalLifecycle(b *testing.B) {
	n := 200_000
	if v := os.Getenv("BRIDGE_BENCH_JOURNAL_FILES"); v != "" {
		var err error
		n, err = strconv.Atoi(v)
		require.NoError(b, err)
	}
	path := filepath.Join(b.TempDir(), "bridge.db")
	now := time.Now().UTC()
	// The journal stamps duplicate index entries with its clock: two years
	// ago for the old files, a week ago for the young (benchFile).
	clock := clockwork.NewFakeClockAt(now.Add(-730 * 24 * time.Hour))
	s, err := state.Open(path, state.Options{Clock: clock})
	require.NoError(b, err)
	retention := 400 * 24 * time.Hour

	// Build: concurrent Creates share group commits, as a busy bridge's
	// claims do.
	start := time.Now()
	var next atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, 1)
	old := n - n/10 // files [0, old) are old, [old, n) young
	create := func(from, to int) {
		next.Store(int64(from))
		for range 64 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					i := int(next.Add(1)) - 1
					if i >= to {
						return
					}
					if err := s.Create(benchFile(i, i < old, now), "completed"); err != nil {
						select {
						case errs <- err:
						default:
						}
						return
					}
				}
			}()
		}
		wg.Wait()
	}
	create(0, old)
	clock.Advance(723 * 24 * time.Hour)
	create(old, n)
	close(errs)
	require.NoError(b, <-errs)
	for {
		ch, err := s.Changed("", 5000)
		require.NoError(b, err)
		if len(ch) == 0 {
			break
		}
		require.NoError(b, s.Seen(ch))
	}
	b.Logf("built %d finished files in %s", n, time.Since(start).Round(time.Millisecond))

	cfg := config.Default()
	measure := func(what string) {
		stat := median(func() {
			_, err := buildStatus(s, cfg, false)
			require.NoError(b, err)
		})
		files := median(func() {
			out, err := listFiles(s, "", "", 0, "")
			require.NoError(b, err)
			require.NotEmpty(b, out)
		})
		filesState := median(func() {
			_, err := listFiles(s, string(state.Failed), "", 0, "")
			require.NoError(b, err)
		})
		// As the control endpoint answers `status` and `files` while the
		// bridge runs: on the open journal.
		b.Logf("%s: status %s, files (first page of %d) %s, files --state failed %s", what,
			stat.Round(time.Microsecond), defaultFilesLimit, files.Round(time.Microsecond), filesState.Round(time.Microsecond))
		b.ReportMetric(float64(stat.Microseconds())/1000, what+"-status-ms")
		b.ReportMetric(float64(files.Microseconds())/1000, what+"-files-ms")
	}
	measure("full")

	fi, err := os.Stat(path)
	require.NoError(b, err)
	sizeFull := fi.Size()

	start = time.Now()
	st, err := s.Prune(context.Background(), state.PruneOptions{
		Before:           now.Add(-retention),
		KeepIndexedSince: func(string) time.Time { return now.Add(-90 * 24 * time.Hour) },
	})
	took := time.Since(start)
	require.NoError(b, err)
	rate := float64(st.Files) / took.Seconds()
	b.Logf("prune: %d records in %s = %.0f records/s (kept %d young)", st.Files, took.Round(time.Millisecond), rate, n-st.Files)
	b.ReportMetric(rate, "prune-records/s")
	measure("pruned")
	problems, err := s.Check()
	require.NoError(b, err)
	require.Empty(b, problems[:min(len(problems), 5)], "journal check after pruning (first 5 of %d)", len(problems))
	require.NoError(b, s.Close(context.Background()))

	start = time.Now()
	cs, err := state.Compact(path, time.Second)
	require.NoError(b, err)
	b.Logf("compact: %d → %d bytes (%.1f MiB → %.1f MiB) in %s; before pruning the file was %d bytes",
		cs.Before, cs.After, float64(cs.Before)/(1<<20), float64(cs.After)/(1<<20), time.Since(start).Round(time.Millisecond), sizeFull)
	b.ReportMetric(float64(cs.Before)/(1<<20), "before-compact-MiB")
	b.ReportMetric(float64(cs.After)/(1<<20), "after-compact-MiB")
}

// benchFile is a finished CSV file of two payments with a realistic
// journey, two years old or a week.
func benchFile(i int, old bool, now time.Time) *state.File {
	at := now.Add(-730 * 24 * time.Hour)
	if !old {
		at = now.Add(-7 * 24 * time.Hour)
	}
	id := fmt.Sprintf("01BENCH%012d", i)
	st := state.Completed
	if i%7 == 0 {
		st = state.Failed
	}
	steps := []state.Step{
		{At: at, State: state.Received, Note: "claimed from inbox/payables"},
		{At: at, State: state.Validated, Note: "2 payments, 30.00 EUR"},
		{At: at, State: state.Submitting, Note: "submitting batch 1"},
		{At: at, State: state.Submitted, Note: "batch 1 accepted", RequestID: "req-" + id},
	}
	return &state.File{
		ID: id, Route: []string{"payables", "sepa"}[i%2], Format: "csv", Name: fmt.Sprintf("pay-%d.csv", i),
		Size: 420, SHA256: fmt.Sprintf("%064x", i), Source: "folder", State: st,
		ReceivedAt: at, UpdatedAt: at, SubmittedAt: at,
		Path: "archive/2024-01-01/payables/" + id + ".csv", InboxPath: "inbox/payables/pay.csv",
		Batches: []state.Batch{{ExternalID: "b-" + id, IdempotencyKey: "k-" + id, First: 0, Count: 2, ID: "atlar-" + id, Status: "COMPLETED", ResultsRead: true}},
		Payments: []state.Payment{
			{Row: 2, ExternalID: id + "-1", Amount: 1000, Currency: "EUR", PaymentID: "p1-" + id, Status: "EXECUTED"},
			{Row: 3, ExternalID: id + "-2", Amount: 2000, Currency: "EUR", PaymentID: "p2-" + id, Status: "EXECUTED"},
		},
		Outputs: map[string]time.Time{"ack": at, "result.csv": at},
		Steps:   steps,
	}
}

// median runs fn 5 times and returns its median duration.
func median(fn func()) time.Duration {
	var d []time.Duration
	for range 5 {
		start := time.Now()
		fn()
		d = append(d, time.Since(start))
	}
	slices.Sort(d)
	return d[len(d)/2]
}
