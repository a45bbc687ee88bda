package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"
)

// startHTTP serves /healthz (the process answers), /readyz (the journal
// answers) and Prometheus /metrics on http.listen.
func startHTTP(a *app, addr string) (func(context.Context) error, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("http.listen %s: %w", addr, err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte("ok\n"))
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		if _, err := a.store.Counts(); err != nil {
			http.Error(w, "journal: "+err.Error(), http.StatusServiceUnavailable)
			return
		}
		_, _ = w.Write([]byte("ready\n"))
	})
	mux.Handle("GET /metrics", a.metrics.Handler())
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			a.log.Error("http listener stopped", "err", err)
		}
	}()
	a.log.Info("http listening", "addr", ln.Addr().String())
	if !isLoopback(ln.Addr()) {
		// /metrics names routes, accounts and file counts, without
		// authentication: reachable from the network only on purpose.
		a.log.Warn("http listener is reachable from other hosts: /metrics and /healthz have no authentication; "+
			"use a loopback address (127.0.0.1:9120) unless a firewall or proxy guards it", "addr", ln.Addr().String())
	}
	return srv.Shutdown, nil
}

// isLoopback tells whether a listener only accepts local connections
// (":9120" and "0.0.0.0:9120" listen on every interface).
func isLoopback(addr net.Addr) bool {
	tcp, ok := addr.(*net.TCPAddr)
	return ok && tcp.IP.IsLoopback()
}
