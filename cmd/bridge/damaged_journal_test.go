package main

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/atlarbridge/bridge/internal/state"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestBridge_DamagedJournal is issue 12 item 5: after a real run (one file
// paid and archived, its results in the outbox), the journal is damaged in
// each way the audit found. The bridge refuses to start and bridge doctor
// fails, both saying to restore from a backup; no SIGBUS, no panic, no
// fresh journal that would pay or deliver again what it forgot. Only
// --new-journal starts afresh.
func TestBridge_DamagedJournal(t *testing.T) {
	tb := newTestBridgeWith(t, false, appOptions{})
	tb.drop("payables", "paid.csv", []byte("external_id,source_iban,amount,currency,external_account_id\n"+
		"DJ-1,DE89370400440532013000,10.00,EUR,external:fournisseur-sarl-eur\n"))
	tb.waitFiles(30*time.Second, 1, state.Completed)
	tb.waitFile(15*time.Second, "outbox", "results", "paid.csv.result.csv")
	tb.stop()
	cfgPath := writeConfig(t, tb, tb.cfg.Atlar.BaseURL)
	journal := tb.path("state", "bridge.db")
	good, err := os.ReadFile(journal)
	require.NoError(t, err)

	tests := []struct {
		name   string
		damage func(t *testing.T)
		want   string
	}{
		{"Truncated", func(t *testing.T) { require.NoError(t, os.Truncate(journal, int64(len(good)/3))) }, "restore the journal from a backup"},
		{"RandomBytesInPages", func(t *testing.T) {
			bad := append([]byte(nil), good...)
			for off := 2 * 4096; off < len(bad); off += 4096 {
				for i := 0; i < 512 && off+i < len(bad); i++ {
					bad[off+i] = byte(i*131 + 7)
				}
			}
			require.NoError(t, os.WriteFile(journal, bad, 0o600))
		}, "restore the journal from a backup"},
		{"GarbageInsideLeafPages", func(t *testing.T) {
			// Page headers intact: only a walk of every page finds it.
			bad := append([]byte(nil), good...)
			for off := 2 * 4096; off+4096 <= len(bad); off += 4096 {
				if bad[off+8] == 0x02 {
					for i := 16; i < 4096; i++ {
						bad[off+i] = byte(i*131 + 7)
					}
				}
			}
			require.NoError(t, os.WriteFile(journal, bad, 0o600))
		}, "restore the journal from a backup"},
		{"Empty", func(t *testing.T) { require.NoError(t, os.WriteFile(journal, nil, 0o600)) }, "restore state/bridge.db from a backup"},
		{"Deleted", func(t *testing.T) { require.NoError(t, os.Remove(journal)) }, "restore state/bridge.db from a backup"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.damage(t)
			t.Cleanup(func() { require.NoError(t, os.WriteFile(journal, good, 0o600)) })
			damaged, _ := os.ReadFile(journal)

			a, err := startApp(context.Background(), tb.cfg, appOptions{})
			if a != nil {
				_ = a.Close(context.Background())
			}
			t.Logf("start: %v", err)
			require.Error(t, err, "the bridge must not start")
			assert.Contains(t, err.Error(), tt.want)
			assert.Contains(t, err.Error(), journal)

			out, errOut, code := runCLI(t, "doctor", "--config", cfgPath)
			assert.Equal(t, 1, code, out+errOut)
			assert.Contains(t, out, "FAIL  journal")
			assert.Contains(t, out, "from a backup")

			after, _ := os.ReadFile(journal)
			assert.Equal(t, damaged, after, "the damaged journal is left as it was, for the operator")
		})
	}

	t.Run("NewJournalOnRequest", func(t *testing.T) {
		require.NoError(t, os.WriteFile(journal, nil, 0o600))
		t.Cleanup(func() { require.NoError(t, os.WriteFile(journal, good, 0o600)) })
		a, err := startApp(context.Background(), tb.cfg, appOptions{NewJournal: true})
		require.NoError(t, err)
		files, err := a.store.List(state.Filter{})
		require.NoError(t, err)
		assert.Empty(t, files, "a new, empty journal")
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		require.NoError(t, a.Close(ctx))
	})
}
