package main

import (
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/atlarbridge/bridge/internal/layout"
	"github.com/atlarbridge/bridge/internal/state"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestJournalRetention_PruneFilesStatusCompact runs the bridge on the
// Atlar fake: a re-dropped file inside the duplicate window is rejected;
// housekeeping as of 401 days later prunes the finished records (status
// and files agree, the journal checks clean) and the same bytes are no
// longer stopped by the journal; `files` pages; `compact` refuses while
// the bridge runs and shrinks the journal once it is stopped.
func TestJournalRetention_PruneFilesStatusCompact(t *testing.T) {
	tb := newTestBridgeWith(t, false, appOptions{})
	cfgPath := writeConfig(t, tb, tb.cfg.Atlar.BaseURL)
	fileA := backupCSVHeader + "RT-A1,DE89370400440532013000,10.00,EUR,Müller GmbH,DE75512108001245126199,,Invoice A1\n"
	fileB := backupCSVHeader + "RT-B1,DE89370400440532013000,20.00,EUR,Müller GmbH,DE75512108001245126199,,Invoice B1\n"
	tb.drop("payables", "a.csv", []byte(fileA))
	tb.drop("payables", "b.csv", []byte(fileB))
	tb.waitFiles(20*time.Second, 2, state.Completed)

	// Inside the window: the same bytes again are a duplicate.
	tb.drop("payables", "a-again.csv", []byte(fileA))
	dup := tb.waitFiles(20*time.Second, 1, state.Rejected)[0]
	require.NotEmpty(t, dup.DuplicateOf, problemText(dup))

	// `files` pages: one per page, the hint names the next page.
	out, errOut, code := runCLI(t, "files", "--limit", "1", "--config", cfgPath)
	require.Equal(t, 0, code, errOut)
	require.Len(t, strings.Split(strings.TrimSpace(out), "\n"), 2, "header and one file:\n%s", out)
	require.Contains(t, errOut, "--after ")
	_, errOut, code = runCLI(t, "files", "--limit", "0", "--config", cfgPath)
	require.Equal(t, 2, code, errOut)

	// Housekeeping 401 days on: every finished record goes once the outbox
	// has settled its results (its sweep, run here rather than waited
	// for, marks them seen).
	future := time.Now().Add(401 * 24 * time.Hour)
	require.Eventually(t, func() bool {
		if err := tb.app.out.WriteResults(context.Background()); err != nil {
			return false
		}
		tb.app.pruneJournal(context.Background(), future)
		files, err := tb.app.store.List(state.Filter{})
		return err == nil && len(files) == 0
	}, 20*time.Second, 50*time.Millisecond)
	problems, err := tb.app.store.Check()
	require.NoError(t, err)
	require.Empty(t, problems)

	out, errOut, code = runCLI(t, "status", "--json", "--config", cfgPath)
	require.Equal(t, 0, code, errOut)
	var st statusReport
	require.NoError(t, json.Unmarshal([]byte(out), &st))
	for s, n := range st.Totals {
		assert.Zero(t, n, "status counts %s after pruning", s)
	}
	out, errOut, code = runCLI(t, "files", "--json", "--config", cfgPath)
	require.Equal(t, 0, code, errOut)
	require.JSONEq(t, "[]", out)

	// Outside the (simulated) window: the journal no longer stops the
	// bytes; the file goes on to Atlar (whose externalIds refuse a second
	// payment: see TestBackup_RestoreOlderDoesNotPayTwice).
	tb.drop("payables", "a-later.csv", []byte(fileA))
	later := tb.waitFiles(20*time.Second, 1, state.Completed, state.Failed, state.Rejected)[0]
	require.Empty(t, later.DuplicateOf, "pruned: not a journal duplicate any more")

	_, errOut, code = runCLI(t, "compact", "--config", cfgPath)
	require.Equal(t, 1, code)
	require.Contains(t, errOut, "in use")

	tb.stop()
	journal := layout.Layout{Root: tb.root}.StateFile()
	before, err := os.Stat(journal)
	require.NoError(t, err)
	out, errOut, code = runCLI(t, "compact", "--config", cfgPath)
	require.Equal(t, 0, code, errOut)
	require.Contains(t, out, "compacted")
	after, err := os.Stat(journal)
	require.NoError(t, err)
	assert.LessOrEqual(t, after.Size(), before.Size())
	_, err = os.Stat(journal + ".bak")
	require.ErrorIs(t, err, os.ErrNotExist)

	tb.start(appOptions{})
	files, err := tb.app.store.List(state.Filter{})
	require.NoError(t, err)
	require.Len(t, files, 1, "the compacted journal holds the one file left")
	assert.Equal(t, "a-later.csv", files[0].Name)
}
