package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestDemo_DropToStatement is the newcomer's first five minutes: the demo
// starts on the embedded sandbox, a CSV dropped into inbox/payables gives
// an ack, a result CSV and a camt.053 carrying the payments' external ids
// as EndToEndId.
func TestDemo_DropToStatement(t *testing.T) {
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan demoInfo, 1)
	done := make(chan error, 1)
	go func() {
		done <- runDemo(ctx, io.Discard, io.Discard, demoOptions{
			Dir: dir, SFTPListen: "127.0.0.1:0", Ready: func(i demoInfo) { ready <- i },
		})
	}()
	var info demoInfo
	select {
	case info = <-ready:
	case err := <-done:
		t.Fatalf("demo stopped: %v", err)
	case <-time.After(120 * time.Second): // an RSA-3072 host key under -race on a loaded 2-core machine took 43 s
		t.Fatal("demo did not start")
	}
	t.Cleanup(func() {
		cancel()
		require.NoError(t, <-done)
	})
	require.FileExists(t, info.ConfigPath)
	_, err := loadConfig(info.ConfigPath)
	require.NoError(t, err, "the config the demo writes is valid")

	data, err := os.ReadFile(filepath.Join("..", "..", "examples", "payables.csv"))
	require.NoError(t, err)
	root := filepath.Join(dir, "data")
	start := time.Now()
	require.NoError(t, os.WriteFile(filepath.Join(root, "inbox", "payables", "payables.csv"), data, 0o644))

	results := filepath.Join(root, "outbox", "results")
	require.Eventually(t, func() bool {
		_, err := os.Stat(filepath.Join(results, "payables.csv.ack.xml"))
		return err == nil
	}, 15*time.Second, 20*time.Millisecond)
	t.Logf("demo: drop → ack %s", time.Since(start).Round(time.Millisecond))
	require.Eventually(t, func() bool {
		ids := statementEndToEndIDs(t, filepath.Join(root, "outbox", "statements"))
		return contains(ids, "INV-2026-0001") && contains(ids, "INV-2026-0002") && contains(ids, "INV-2026-0003")
	}, 15*time.Second, 50*time.Millisecond)
	t.Logf("demo: drop → statement %s", time.Since(start).Round(time.Millisecond))
	// The same statement in the ERP formats of [[reports]]: the external
	// ids reach MT940 (:86: EREF+), BAI2 (customer reference), the
	// transactions CSV (end_to_end_id) and camt.054 (EndToEndId).
	for _, c := range []struct{ dir, pattern string }{
		{"mt940", "EREF+%s"}, {"bai2", ",%s,"}, {"transactions", ",%s,"}, {"camt054", "<EndToEndId>%s</EndToEndId>"},
		// Intraday, from Financial Data transactions (polled every 5s).
		{"mt942", "EREF+%s"}, {"camt052", "<EndToEndId>%s</EndToEndId>"},
	} {
		require.Eventually(t, func() bool {
			text := outboxText(t, filepath.Join(root, "outbox", c.dir))
			for _, id := range []string{"INV-2026-0001", "INV-2026-0002", "INV-2026-0003"} {
				if !strings.Contains(text, fmt.Sprintf(c.pattern, id)) {
					return false
				}
			}
			return true
		}, 15*time.Second, 50*time.Millisecond, c.dir)
	}
	t.Logf("demo: drop → MT940, BAI2, CSV, camt.054, MT942, camt.052 %s", time.Since(start).Round(time.Millisecond))
	// The result follows the bridge's next poll of the payments, which runs
	// on its own schedule: not necessarily before the statement poll.
	require.Eventually(t, func() bool {
		_, err := os.Stat(filepath.Join(results, "payables.csv.result.csv"))
		return err == nil
	}, 5*time.Second, 20*time.Millisecond)
	t.Logf("demo: drop → result %s", time.Since(start).Round(time.Millisecond))
	require.Less(t, time.Since(start), 15*time.Second)
}

// outboxText is every file of an outbox folder, line breaks removed (an
// MT940 :86: may break a subfield across lines).
func outboxText(t *testing.T, dir string) string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		return ""
	}
	var b strings.Builder
	for _, e := range entries {
		data, err := os.ReadFile(filepath.Join(dir, e.Name()))
		require.NoError(t, err)
		b.WriteString(strings.NewReplacer("\r\n", "", "\n", "").Replace(string(data)))
		b.WriteString("\n")
	}
	return b.String()
}
