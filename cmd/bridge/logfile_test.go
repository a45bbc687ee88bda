package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/atlarbridge/bridge/internal/config"
	"github.com/stretchr/testify/require"
)

func TestLogFile_RotatesBySize(t *testing.T) {
	dir := t.TempDir()
	c := config.Log{Level: "info", Format: "json", File: filepath.Join(dir, "logs", "bridge.log"), MaxSize: 1 << 20, MaxBackups: 2}
	var stderr bytes.Buffer
	w, closeLog, err := logOutput(c, &stderr)
	require.NoError(t, err)
	log := newLogger(c, w)
	pad := strings.Repeat("x", 1000)
	for i := range 4000 { // ≈ 4 MiB: three rotations, two backups kept
		log.Info("line", "n", i, "pad", pad)
	}
	require.NoError(t, closeLog())
	require.Zero(t, stderr.Len(), "nothing on stderr")
	entries, err := os.ReadDir(filepath.Join(dir, "logs"))
	require.NoError(t, err)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
		fi, err := e.Info()
		require.NoError(t, err)
		require.LessOrEqual(t, fi.Size(), int64(1<<20), e.Name())
	}
	require.Contains(t, names, "bridge.log")
	// lumberjack prunes backups in a goroutine after a rotation: poll.
	require.Eventually(t, func() bool {
		entries, _ := os.ReadDir(filepath.Join(dir, "logs"))
		return len(entries) == 3
	}, 10*time.Second, 20*time.Millisecond, "the current file and max_backups=2 backups; got %v", names)
}

func TestLogFile_RunLogsToFile(t *testing.T) {
	tb := newTestBridgeWith(t, false, appOptions{})
	tb.stop() // the CLI's run below takes the journal
	cfgPath := writeConfig(t, tb, tb.cfg.Atlar.BaseURL)
	logPath := filepath.Join(tb.root, "logs", "bridge.log")
	f, err := os.OpenFile(cfgPath, os.O_APPEND|os.O_WRONLY, 0)
	require.NoError(t, err)
	_, err = fmt.Fprintf(f, "[log]\nfile = %q\nmax_size = \"1MiB\"\n", "logs/bridge.log")
	require.NoError(t, err)
	require.NoError(t, f.Close())

	ctx, cancel := context.WithCancel(context.Background())
	var out, errOut bytes.Buffer
	done := make(chan error, 1)
	go func() { done <- Run(ctx, []string{"run", "--config", cfgPath}, strings.NewReader(""), &out, &errOut) }()
	require.Eventually(t, func() bool {
		b, _ := os.ReadFile(logPath)
		return bytes.Contains(b, []byte("bridge started"))
	}, 20*time.Second, 20*time.Millisecond, "log.file gets the log (relative to the config's folder)")
	cancel()
	select {
	case err := <-done:
		require.NoError(t, err)
	case <-time.After(40 * time.Second):
		t.Fatal("run did not stop")
	}
	b, _ := os.ReadFile(logPath)
	require.Contains(t, string(b), `"msg":"stopped"`)
	require.NotContains(t, errOut.String(), "bridge started", "not on stderr")
}
