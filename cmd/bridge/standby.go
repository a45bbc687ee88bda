package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/atlarbridge/bridge/internal/config"
	"github.com/atlarbridge/bridge/internal/layout"
	"github.com/atlarbridge/bridge/internal/state"
)

// standbyPoll is how long one try at the journal lock waits; bbolt polls
// the file lock every 50ms meanwhile, so a takeover starts within about
// 50ms of the active instance's death (the OS drops its lock then).
const standbyPoll = 2 * time.Second

// waitForLock is `run --standby`: it waits until this process can take the
// journal's file lock, which the active instance holds for as long as it
// lives. Meanwhile it serves http.listen (if set) with /readyz answering
// 503, so a load balancer or cluster manager sees a live but passive node.
// It returns nil once the lock is free (closed again: the bridge then
// opens the journal itself), or ctx's error.
func waitForLock(ctx context.Context, cfg *config.Config, log *slog.Logger) error {
	path := layout.Layout{Root: cfg.Storage.Root}.StateFile()
	if cfg.HTTP.Listen != "" {
		stop, err := standbyHTTP(cfg.HTTP.Listen)
		if err != nil {
			return err
		}
		defer stop()
	}
	logged := time.Time{}
	for {
		st, err := state.Open(path, state.Options{Timeout: standbyPoll})
		if err == nil {
			if err := st.Close(context.Background()); err != nil {
				return fmt.Errorf("standby: %w", err)
			}
			log.Info("standby: the journal lock is free; taking over", "journal", path)
			return nil
		}
		if !errors.Is(err, state.ErrLocked) {
			return fmt.Errorf("standby: %w", err)
		}
		if time.Since(logged) > 10*time.Minute {
			log.Info("standby: another instance holds the journal lock; waiting to take over", "journal", path)
			logged = time.Now()
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
	}
}

// standbyHTTP answers /healthz 200 and /readyz 503 while standing by.
func standbyHTTP(addr string) (func(), error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("http.listen %s: %w", addr, err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte("ok\n")) })
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "standby: waiting for the journal lock held by the active instance", http.StatusServiceUnavailable)
	})
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	done := make(chan struct{})
	go func() { defer close(done); _ = srv.Serve(ln) }()
	return func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
		<-done
	}, nil
}

// serveStandby waits for the lock, then serves; a start that lost the lock
// to another standby in between goes back to waiting.
func serveStandby(ctx context.Context, cfg *config.Config, log *slog.Logger, o appOptions) error {
	for {
		if err := waitForLock(ctx, cfg, log); err != nil {
			if ctx.Err() != nil {
				return nil // stopped while standing by: a clean exit
			}
			return err
		}
		start := time.Now()
		err := serve(ctx, cfg, log, o)
		if errors.Is(err, state.ErrLocked) && time.Since(start) < time.Minute {
			log.Warn("standby: another instance took the journal lock first; standing by again")
			continue
		}
		return err
	}
}
