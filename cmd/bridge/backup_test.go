package main

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/atlarbridge/bridge/internal/atlar"
	"github.com/atlarbridge/bridge/internal/layout"
	"github.com/atlarbridge/bridge/internal/state"
	"github.com/stretchr/testify/require"
)

const backupCSVHeader = "external_id,source_iban,amount,currency,creditor_name,creditor_iban,external_account_id,reference\n"

// TestBackup_RestoreOlderDoesNotPayTwice takes a backup while the bridge
// runs, submits another file after it, restores the older backup and has
// the ERP drop that file again (the restored journal no longer knows it):
// Atlar's payment externalIds still refuse it, so nothing is paid twice.
func TestBackup_RestoreOlderDoesNotPayTwice(t *testing.T) {
	tb := newTestBridgeWith(t, false, appOptions{})
	cfgPath := writeConfig(t, tb, tb.cfg.Atlar.BaseURL)
	fileA := backupCSVHeader + "BK-A1,DE89370400440532013000,10.00,EUR,Müller GmbH,DE75512108001245126199,,Invoice A1\n"
	fileB := backupCSVHeader + "BK-B1,DE89370400440532013000,20.00,EUR,Müller GmbH,DE75512108001245126199,,Invoice B1\n" +
		"BK-B2,DE89370400440532013000,30.00,EUR,,,external:fournisseur-sarl-eur,Invoice B2\n"

	tb.drop("payables", "a.csv", []byte(fileA))
	tb.waitFiles(20*time.Second, 1, state.Completed)

	older := filepath.Join(t.TempDir(), "older.db")
	out, errOut, code := runCLI(t, "backup", older, "--config", cfgPath)
	require.Equal(t, 0, code, "stdout %s stderr %s", out, errOut)
	require.Contains(t, out, "the running bridge")
	require.Contains(t, out, "1 files")

	tb.drop("payables", "b.csv", []byte(fileB))
	tb.waitFiles(20*time.Second, 2, state.Completed)
	paid := func(ext string) int {
		n := 0
		for _, p := range tb.fake.Payments() {
			if p.ExternalID == ext && p.Status != atlar.PaymentRejected && p.Status != atlar.PaymentFailed {
				n++
			}
		}
		return n
	}
	require.Equal(t, 1, paid("BK-B1"))
	tb.stop()

	// Offline: the same command opens the journal directly.
	newer := filepath.Join(t.TempDir(), "newer.db")
	out, errOut, code = runCLI(t, "backup", newer, "--config", cfgPath)
	require.Equal(t, 0, code, "stdout %s stderr %s", out, errOut)
	require.Contains(t, out, "2 files")

	// Restore the older backup: stop, copy over the journal, start.
	journal := layout.Layout{Root: tb.root}.StateFile()
	data, err := os.ReadFile(older)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(journal, data, 0o600))
	tb.start(appOptions{})
	files, err := tb.app.store.List(state.Filter{})
	require.NoError(t, err)
	require.Len(t, files, 1, "the restored journal knows only file A")

	// `files` reads the restored journal (through the running bridge).
	out, _, code = runCLI(t, "files", "--config", cfgPath)
	require.Equal(t, 0, code)
	require.Contains(t, out, "a.csv")
	require.NotContains(t, out, "b.csv")

	// The ERP, not finding b.csv in the journal, drops it again.
	tb.drop("payables", "b.csv", []byte(fileB))
	// Atlar refuses its payments (externalIds already used): the file ends
	// with every payment rejected, and the ERP reads that in its result.
	var again *state.File
	require.Eventually(t, func() bool {
		fs, err := tb.app.store.List(state.Filter{States: []state.State{state.Completed, state.Failed, state.Rejected}})
		if err != nil {
			return false
		}
		for _, f := range fs {
			if f.Name == "b.csv" {
				again = f
				return true
			}
		}
		return false
	}, 20*time.Second, 20*time.Millisecond)
	for _, p := range again.Payments {
		require.NotEqual(t, atlar.PaymentExecuted, p.Status, "payment %s of the re-dropped file", p.ExternalID)
	}
	require.Equal(t, 1, paid("BK-B1"), "BK-B1 paid once")
	require.Equal(t, 1, paid("BK-B2"), "BK-B2 paid once")
	require.Equal(t, 1, paid("BK-A1"))
	t.Logf("re-dropped b.csv after restore ended %s: %s", again.State, problemText(again))
}

func TestBackup_Usage(t *testing.T) {
	tb := newTestBridgeWith(t, false, appOptions{})
	cfgPath := writeConfig(t, tb, tb.cfg.Atlar.BaseURL)
	_, _, code := runCLI(t, "backup", "--config", cfgPath)
	require.Equal(t, 2, code)
	_, errOut, code := runCLI(t, "backup", layout.Layout{Root: tb.root}.StateFile(), "--config", cfgPath)
	require.Equal(t, 2, code)
	require.Contains(t, errOut, "journal itself")
	// A folder that does not exist: a clear error, nothing left behind.
	_, errOut, code = runCLI(t, "backup", filepath.Join(tb.root, "nope", "x.db"), "--config", cfgPath)
	require.Equal(t, 1, code)
	require.Contains(t, errOut, "backup: create")
}
