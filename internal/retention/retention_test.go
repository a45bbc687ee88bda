package retention

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestSweepFiles(t *testing.T) {
	dir := t.TempDir()
	now := time.Now()
	write := func(name string, age time.Duration) {
		p := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(p, []byte("x"), 0o600))
		require.NoError(t, os.Chtimes(p, now.Add(-age), now.Add(-age)))
	}
	write("old.ack.xml", 40*24*time.Hour)
	write("new.ack.xml", time.Hour)
	write(".old.tmp", 40*24*time.Hour)
	n, err := SweepFiles(dir, now.Add(-30*24*time.Hour))
	require.NoError(t, err)
	require.Equal(t, 1, n)
	require.NoFileExists(t, filepath.Join(dir, "old.ack.xml"))
	require.FileExists(t, filepath.Join(dir, "new.ack.xml"))
	require.FileExists(t, filepath.Join(dir, ".old.tmp"), "temp files belong to a delivery in progress")
	n, err = SweepFiles(filepath.Join(dir, "missing"), now)
	require.NoError(t, err)
	require.Zero(t, n)
}

func TestSweepDays(t *testing.T) {
	dir := t.TempDir()
	for _, d := range []string{"2024-01-01", "2026-11-20", "notes"} {
		require.NoError(t, os.MkdirAll(filepath.Join(dir, d), 0o700))
		require.NoError(t, os.WriteFile(filepath.Join(dir, d, "f"), nil, 0o600))
	}
	cut, _ := time.Parse(time.DateOnly, "2025-10-17")
	n, err := SweepDays(dir, cut)
	require.NoError(t, err)
	require.Equal(t, 1, n)
	require.NoDirExists(t, filepath.Join(dir, "2024-01-01"))
	require.DirExists(t, filepath.Join(dir, "2026-11-20"))
	require.DirExists(t, filepath.Join(dir, "notes"))
}
