package main

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestStandby_ReadyzUntilLockFree: while another bridge holds the
// journal, a standby answers /healthz 200 and /readyz 503; when that
// bridge stops, the standby gets the lock.
func TestStandby_ReadyzUntilLockFree(t *testing.T) {
	tb := newTestBridgeWith(t, false, appOptions{})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())
	cfg := *tb.cfg
	cfg.HTTP.Listen = addr

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- waitForLock(ctx, &cfg, slog.New(slog.NewTextHandler(io.Discard, nil))) }()

	get := func(path string) int {
		resp, err := http.Get("http://" + addr + path)
		if err != nil {
			return 0
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	require.Eventually(t, func() bool { return get("/readyz") == http.StatusServiceUnavailable }, 10*time.Second, 20*time.Millisecond)
	require.Equal(t, http.StatusOK, get("/healthz"))
	select {
	case err := <-done:
		t.Fatalf("standby returned while the lock is held: %v", err)
	default:
	}
	tb.stop()
	select {
	case err := <-done:
		require.NoError(t, err)
	case <-time.After(10 * time.Second):
		t.Fatal("standby did not get the lock after the active stopped")
	}
	// Its listener is closed for the bridge to take the address.
	require.Eventually(t, func() bool { return get("/healthz") == 0 }, 5*time.Second, 20*time.Millisecond)
}
