package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/atlarbridge/bridge/internal/inbound"
	"github.com/atlarbridge/bridge/internal/state"
)

// controlServer is the running bridge's local control endpoint: HTTP over a
// Unix socket in the state folder (owner-only). The bridge holds the bbolt
// lock, so status, files, retry and redeliver reach it through here.
type controlServer struct {
	srv  *http.Server
	path string
	done chan struct{}
}

func startControl(ctx context.Context, a *app) (*controlServer, error) {
	path := a.lay.ControlSocket()
	// We hold the journal lock, so a socket left here is a dead bridge's.
	_ = os.Remove(path)
	ln, err := net.Listen("unix", path)
	if err != nil {
		a.log.Warn("control endpoint unavailable; CLI commands need the bridge stopped", "path", path, "err", err)
		return &controlServer{done: closedChan()}, nil
	}
	_ = os.Chmod(path, 0o600)
	mux := http.NewServeMux()
	mux.HandleFunc("GET /status", func(w http.ResponseWriter, r *http.Request) {
		st, err := buildStatus(a.store, a.config(), true)
		reply(w, st, err)
	})
	mux.HandleFunc("GET /files", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		limit, _ := strconv.Atoi(q.Get("limit")) // absent or bad: the default page
		files, err := listFiles(a.store, q.Get("state"), q.Get("route"), limit, q.Get("after"))
		reply(w, files, err)
	})
	mux.HandleFunc("GET /files/{id}", func(w http.ResponseWriter, r *http.Request) {
		f, err := a.store.Get(r.PathValue("id"))
		reply(w, f, err)
	})
	mux.HandleFunc("POST /retry/{id}", func(w http.ResponseWriter, r *http.Request) {
		err := a.in.Retry(r.PathValue("id"), r.URL.Query().Get("force") == "true")
		reply(w, map[string]string{"result": "requeued"}, err)
	})
	mux.HandleFunc("POST /redeliver/{id}", func(w http.ResponseWriter, r *http.Request) {
		path, err := a.out.Redeliver(r.Context(), r.PathValue("id"))
		reply(w, map[string]string{"path": path}, err)
	})
	mux.HandleFunc("GET /backup", handleBackup(a))
	mux.HandleFunc("POST /reload", func(w http.ResponseWriter, r *http.Request) {
		reply(w, map[string]string{"result": "reloaded"}, a.reload())
	})
	cs := &controlServer{srv: &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}, path: path, done: make(chan struct{})}
	go func() {
		defer close(cs.done)
		_ = cs.srv.Serve(ln)
	}()
	return cs, nil
}

func closedChan() chan struct{} {
	c := make(chan struct{})
	close(c)
	return c
}

// Close stops the endpoint and removes the socket.
func (cs *controlServer) Close(ctx context.Context) error {
	if cs.srv == nil {
		return nil
	}
	err := cs.srv.Shutdown(ctx)
	<-cs.done
	_ = os.Remove(cs.path)
	return err
}

// controlError is the JSON error body of the control endpoint.
type controlError struct {
	Error string `json:"error"`
	Kind  string `json:"kind,omitempty"` // not_found | not_retryable
}

func reply(w http.ResponseWriter, v any, err error) {
	w.Header().Set("Content-Type", "application/json")
	if err != nil {
		status, kind := http.StatusInternalServerError, ""
		switch {
		case errors.Is(err, state.ErrNotFound):
			status, kind = http.StatusNotFound, "not_found"
		case errors.Is(err, inbound.ErrNotRetryable):
			status, kind = http.StatusConflict, "not_retryable"
		}
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(controlError{Error: err.Error(), Kind: kind})
		return
	}
	_ = json.NewEncoder(w).Encode(v)
}

// controlClient talks to a running bridge.
type controlClient struct {
	http *http.Client
}

// dialControl connects to a running bridge's control socket; ok is false
// when no bridge answers there.
func dialControl(socket string) (*controlClient, bool) {
	c := &controlClient{http: &http.Client{
		Timeout: 60 * time.Second,
		Transport: &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "unix", socket)
		}},
	}}
	conn, err := net.DialTimeout("unix", socket, 2*time.Second)
	if err != nil {
		return nil, false
	}
	_ = conn.Close()
	return c, true
}

// call does one request and decodes the JSON answer into out.
func (c *controlClient) call(ctx context.Context, method, path string, out any) error {
	req, err := http.NewRequestWithContext(ctx, method, "http://bridge"+path, bytes.NewReader(nil))
	if err != nil {
		return err
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("control endpoint: %w", err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if resp.StatusCode != http.StatusOK {
		var ce controlError
		_ = json.Unmarshal(body, &ce)
		msg := strings.TrimSpace(ce.Error)
		if msg == "" {
			msg = resp.Status
		}
		switch ce.Kind {
		case "not_found":
			// The bridge's message already says "not found": keep the
			// sentinel for errors.Is without printing it twice.
			return &remoteError{msg: msg, kind: state.ErrNotFound}
		case "not_retryable":
			return &remoteError{msg: msg, kind: inbound.ErrNotRetryable}
		}
		return errors.New(msg)
	}
	return json.Unmarshal(body, out)
}

// remoteError is an error the running bridge reported: its text as the
// bridge wrote it, matching kind with errors.Is.
type remoteError struct {
	msg  string
	kind error
}

func (e *remoteError) Error() string { return e.msg }
func (e *remoteError) Unwrap() error { return e.kind }
