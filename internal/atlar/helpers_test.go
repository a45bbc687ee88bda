package atlar

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/atlarbridge/bridge/internal/sharedtest"
	"github.com/jonboulle/clockwork"
	"github.com/stretchr/testify/require"
)

const (
	testKey    = "AK-test-key"
	testSecret = "sEcReT-must-never-appear"
	testToken  = "tOkEn-must-never-appear"
)

// newTestClient returns a client for srvURL with tiny backoffs, Basic auth
// unless mod says otherwise, and its debug log captured.
func newTestClient(t *testing.T, srvURL string, mod func(*Config)) (*Client, *sharedtest.LogBuffer) {
	t.Helper()
	logs := &sharedtest.LogBuffer{}
	cfg := Config{
		BaseURL:     srvURL,
		AccessKey:   testKey,
		Secret:      testSecret,
		Auth:        AuthBasic,
		Timeout:     5 * time.Second,
		MaxRetries:  3,
		BackoffBase: time.Millisecond,
		BackoffMax:  2 * time.Millisecond,
		Logger:      slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
	}
	if mod != nil {
		mod(&cfg)
	}
	c, err := New(cfg)
	require.NoError(t, err)
	return c, logs
}

// newServer starts an httptest server closed at cleanup.
func newServer(t *testing.T, h http.Handler) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

func writeJSON(t *testing.T, w http.ResponseWriter, status int, v any) {
	t.Helper()
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	require.NoError(t, json.NewEncoder(w).Encode(v))
}

// resetConn drops the connection with a TCP RST instead of a response.
func resetConn(t *testing.T, w http.ResponseWriter) {
	t.Helper()
	conn, _, err := w.(http.Hijacker).Hijack()
	require.NoError(t, err)
	if tc, ok := conn.(*net.TCPConn); ok {
		require.NoError(t, tc.SetLinger(0))
	}
	require.NoError(t, conn.Close())
}

// tokenServer is an OAuth2 token endpoint plus a bearer check in front of
// an API handler. It issues tokens tOkEn-must-never-appear-1, -2, ...
type tokenServer struct {
	t         *testing.T
	expiresIn int64
	calls     atomic.Int32
	// hold, if set, is received from before a token is issued; entered,
	// if set, is sent to (without blocking) when a token request arrives.
	hold    chan struct{}
	entered chan struct{}
	// reject makes the API refuse these tokens with 401.
	mu     sync.Mutex
	reject map[string]bool
	api    http.HandlerFunc
}

func (s *tokenServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == tokenPath {
		s.serveToken(w, r)
		return
	}
	auth := r.Header.Get("Authorization")
	tok, ok := strings.CutPrefix(auth, "Bearer ")
	s.mu.Lock()
	refused := s.reject[tok]
	s.mu.Unlock()
	if !ok || !strings.HasPrefix(tok, testToken) || refused {
		writeJSON(s.t, w, http.StatusUnauthorized, ErrorResponse{Status: 401, Message: "Unauthorized."})
		return
	}
	s.api(w, r)
}

func (s *tokenServer) serveToken(w http.ResponseWriter, r *http.Request) {
	if s.entered != nil {
		select {
		case s.entered <- struct{}{}:
		default:
		}
	}
	if s.hold != nil {
		<-s.hold
	}
	key, secret, ok := r.BasicAuth()
	if r.Method != http.MethodPost || !ok || key != testKey || secret != testSecret ||
		r.Header.Get("Content-Type") != "application/x-www-form-urlencoded" ||
		r.PostFormValue("grant_type") != "client_credentials" {
		writeJSON(s.t, w, http.StatusUnauthorized, map[string]string{"error": "invalid_client", "error_description": "Client authentication failed."})
		return
	}
	n := s.calls.Add(1)
	writeJSON(s.t, w, http.StatusOK, map[string]any{
		"access_token": fmt.Sprintf("%s-%d", testToken, n),
		"token_type":   "Bearer",
		"expires_in":   s.expiresIn,
	})
}

// accountsPage answers a ListResponse with the given account ids.
func accountsPage(t *testing.T, w http.ResponseWriter, next string, ids ...string) {
	items := make([]Account, 0, len(ids))
	for _, id := range ids {
		items = append(items, Account{ID: id})
	}
	writeJSON(t, w, http.StatusOK, ListResponse[Account]{Items: items, NextToken: next, Limit: 500})
}

// recordingClock is a fake clock that remembers every wait asked of it.
type recordingClock struct {
	*clockwork.FakeClock
	mu    sync.Mutex
	waits []time.Duration
}

func newRecordingClock() *recordingClock {
	return &recordingClock{FakeClock: clockwork.NewFakeClockAt(time.Date(2025, 3, 4, 10, 0, 0, 0, time.UTC))}
}

func (r *recordingClock) NewTimer(d time.Duration) clockwork.Timer {
	r.mu.Lock()
	r.waits = append(r.waits, d)
	r.mu.Unlock()
	return r.FakeClock.NewTimer(d)
}

func (r *recordingClock) Waits() []time.Duration {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]time.Duration(nil), r.waits...)
}

// result carries a call's outcome out of a goroutine.
type result[T any] struct {
	v   T
	err error
}

func goCall[T any](f func() (T, error)) <-chan result[T] {
	ch := make(chan result[T], 1)
	go func() {
		v, err := f()
		ch <- result[T]{v, err}
	}()
	return ch
}

func wait[T any](t *testing.T, ch <-chan result[T]) result[T] {
	t.Helper()
	select {
	case r := <-ch:
		return r
	case <-time.After(10 * time.Second):
		t.Fatal("call did not return")
		return result[T]{}
	}
}

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}
