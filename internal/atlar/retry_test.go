package atlar

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestClient_Do_RetryAfter(t *testing.T) {
	clock := newRecordingClock()
	var calls atomic.Int32
	srv := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) == 1 {
			w.Header().Set("Retry-After", "7")
			writeJSON(t, w, http.StatusTooManyRequests, ErrorResponse{Status: 429, Message: "Too many requests."})
			return
		}
		accountsPage(t, w, "", "acc-1")
	}))
	c, _ := newTestClient(t, srv.URL, func(cfg *Config) { cfg.Clock = clock; cfg.RetryBudget = 10 * time.Second })
	ctx := testCtx(t)

	ch := goCall(func() ([]Account, error) { return c.ListAccounts(ctx) })
	require.NoError(t, clock.BlockUntilContext(ctx, 1))
	// Backoff alone would be at most 1ms: the wait is what the server asked.
	assert.Equal(t, []time.Duration{7 * time.Second}, clock.Waits())
	assert.EqualValues(t, 1, calls.Load())
	clock.Advance(7 * time.Second)

	r := wait(t, ch)
	require.NoError(t, r.err)
	assert.Len(t, r.v, 1)
	assert.EqualValues(t, 2, calls.Load())
}

func TestClient_Do_RetryableStatusThenSuccess(t *testing.T) {
	for _, status := range []int{408, 425, 429, 500, 502, 503, 504} {
		t.Run(fmt.Sprint(status), func(t *testing.T) {
			var calls atomic.Int32
			srv := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if calls.Add(1) <= 2 {
					w.WriteHeader(status)
					return
				}
				accountsPage(t, w, "", "acc-1")
			}))
			c, _ := newTestClient(t, srv.URL, nil)
			accs, err := c.ListAccounts(testCtx(t))
			require.NoError(t, err)
			assert.Len(t, accs, 1)
			assert.EqualValues(t, 3, calls.Load())
		})
	}
}

func TestClient_Do_ConnectionResetThenSuccess(t *testing.T) {
	var calls atomic.Int32
	srv := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) == 1 {
			resetConn(t, w)
			return
		}
		accountsPage(t, w, "", "acc-1")
	}))
	c, _ := newTestClient(t, srv.URL, nil)
	accs, err := c.ListAccounts(testCtx(t))
	require.NoError(t, err)
	assert.Len(t, accs, 1)
	assert.GreaterOrEqual(t, calls.Load(), int32(2))
}

func TestClient_Do_FinalError(t *testing.T) {
	var calls atomic.Int32
	srv := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		w.Header().Set("Request-Id", "req-400")
		writeJSON(t, w, http.StatusBadRequest, ErrorResponse{
			Status:  400,
			Message: "There is some problem with the data you submitted.",
			Details: []ErrorDetail{
				{Code: "invalid_value", Error: "must be > 0", Field: "payments.3.amount"},
				{Error: "required", Field: "payments.4.reference"},
			},
		})
	}))
	c, _ := newTestClient(t, srv.URL, nil)
	_, err := c.CreateCreditTransferBatch(testCtx(t), batchRequest(), "key-1")

	var ae *APIError
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, http.StatusBadRequest, ae.Status)
	assert.Equal(t, http.MethodPost, ae.Method)
	assert.Equal(t, batchesPath, ae.Path)
	assert.Equal(t, "req-400", ae.RequestID)
	assert.Equal(t, []ErrorDetail{
		{Code: "invalid_value", Error: "must be > 0", Field: "payments.3.amount"},
		{Error: "required", Field: "payments.4.reference"},
	}, ae.Details)
	assert.Contains(t, err.Error(), "payments.3.amount: must be > 0 (invalid_value)")
	assert.False(t, Temporary(err))
	assert.False(t, errors.Is(err, ErrNotFound))
	assert.EqualValues(t, 1, calls.Load(), "a 400 is never retried")
}

func TestClient_Do_NotFound(t *testing.T) {
	srv := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Request-Id", "req-404")
		writeJSON(t, w, http.StatusNotFound, ErrorResponse{Status: 404, Message: "Resource not found."})
	}))
	c, _ := newTestClient(t, srv.URL, nil)
	_, err := c.GetCreditTransferBatch(testCtx(t), "external:file-1")
	require.ErrorIs(t, err, ErrNotFound)
	var ae *APIError
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, "req-404", ae.RequestID, "X-Request-Id is the fallback")
	assert.False(t, Temporary(err))
}

func TestClient_Do_RetriesExhausted(t *testing.T) {
	var calls atomic.Int32
	srv := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		w.Header().Set("Request-Id", "req-503")
		writeJSON(t, w, http.StatusServiceUnavailable, ErrorResponse{Status: 503, Message: "Service unavailable."})
	}))
	c, _ := newTestClient(t, srv.URL, func(cfg *Config) { cfg.MaxRetries = 4 })
	_, err := c.CreateCreditTransferBatch(testCtx(t), batchRequest(), "key-1")
	require.Error(t, err)
	assert.True(t, Temporary(err))
	var ae *APIError
	require.ErrorAs(t, err, &ae, "wraps the last cause")
	assert.Equal(t, http.StatusServiceUnavailable, ae.Status)
	assert.Equal(t, "req-503", ae.RequestID)
	assert.Contains(t, err.Error(), "gave up after 5 attempts")
	assert.EqualValues(t, 5, calls.Load())
}

func TestClient_Do_NetworkErrorsExhausted(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close()) // nothing listens: connection refused

	c, _ := newTestClient(t, "http://"+addr, func(cfg *Config) { cfg.MaxRetries = 2 })
	_, err = c.ListAccounts(testCtx(t))
	require.Error(t, err)
	assert.True(t, Temporary(err))
	assert.Contains(t, err.Error(), "gave up after 3 attempts")
}

func TestClient_Do_AttemptTimeout(t *testing.T) {
	var calls atomic.Int32
	srv := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		<-r.Context().Done() // never answers; the client gives up
	}))
	c, _ := newTestClient(t, srv.URL, func(cfg *Config) {
		cfg.Timeout = 50 * time.Millisecond
		cfg.MaxRetries = 1
	})
	_, err := c.ListAccounts(testCtx(t))
	require.Error(t, err)
	assert.True(t, Temporary(err))
	assert.EqualValues(t, 2, calls.Load())
}

func TestClient_Do_IdempotencyKeyStable(t *testing.T) {
	var (
		mu   sync.Mutex
		keys []string
	)
	srv := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		keys = append(keys, r.Header.Get("Idempotency-Key"))
		n := len(keys)
		mu.Unlock()
		switch n {
		case 1:
			w.WriteHeader(http.StatusServiceUnavailable)
		case 2:
			resetConn(t, w)
		case 3:
			w.WriteHeader(http.StatusTooEarly)
		default:
			w.Header().Set("Request-Id", "req-ok")
			writeJSON(t, w, http.StatusCreated, CreditTransferBatch{ID: "batch-1", Status: BatchCreated})
		}
	}))
	c, _ := newTestClient(t, srv.URL, func(cfg *Config) { cfg.MaxRetries = 5 })
	b, err := c.CreateCreditTransferBatch(testCtx(t), batchRequest(), "file-01HX/submit")
	require.NoError(t, err)
	assert.Equal(t, "batch-1", b.ID)
	assert.Equal(t, "req-ok", b.RequestID)

	mu.Lock()
	defer mu.Unlock()
	require.GreaterOrEqual(t, len(keys), 4)
	for _, k := range keys {
		assert.Equal(t, "file-01HX/submit", k)
	}
}

func TestClient_Do_EmptyIdempotencyKey(t *testing.T) {
	var calls atomic.Int32
	srv := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { calls.Add(1) }))
	c, _ := newTestClient(t, srv.URL, nil)
	_, err := c.CreateCreditTransferBatch(testCtx(t), batchRequest(), "")
	require.ErrorContains(t, err, "idempotency key is required")
	assert.False(t, Temporary(err))
	_, err = c.CreateInstruction(testCtx(t), "conn-1", "pay.xml", []byte("<x/>"), "application/xml", "")
	require.ErrorContains(t, err, "idempotency key is required")
	assert.Zero(t, calls.Load())
}

func TestClient_Do_CancelDuringBackoff(t *testing.T) {
	first := make(chan struct{})
	var once sync.Once
	srv := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		once.Do(func() { close(first) })
		w.WriteHeader(http.StatusServiceUnavailable)
	}))
	c, _ := newTestClient(t, srv.URL, func(cfg *Config) {
		cfg.BackoffBase = time.Hour
		cfg.BackoffMax = time.Hour
		cfg.RetryBudget = 200 * time.Hour
		cfg.MaxRetries = 100
	})
	ctx, cancel := context.WithCancel(testCtx(t))
	ch := goCall(func() ([]Account, error) { return c.ListAccounts(ctx) })
	<-first
	cancel()
	r := wait(t, ch) // returns promptly, not after an hour
	require.ErrorIs(t, r.err, context.Canceled)
	assert.True(t, Temporary(r.err), "a cancelled call has an unknown outcome")
}

func TestClient_Do_Observe(t *testing.T) {
	var calls atomic.Int32
	srv := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) == 1 {
			w.WriteHeader(http.StatusBadGateway)
			return
		}
		writeJSON(t, w, http.StatusOK, CreditTransferBatch{ID: "b-1"})
	}))
	var (
		mu  sync.Mutex
		got []string
	)
	c, _ := newTestClient(t, srv.URL, func(cfg *Config) {
		cfg.Observe = func(method, endpoint string, status int, d time.Duration) {
			mu.Lock()
			defer mu.Unlock()
			got = append(got, fmt.Sprintf("%s %s %d", method, endpoint, status))
		}
	})
	_, err := c.GetCreditTransferBatch(testCtx(t), "b-1")
	require.NoError(t, err)
	mu.Lock()
	defer mu.Unlock()
	assert.Equal(t, []string{
		"GET /payments/v2beta/credit-transfer-batches/{id} 502",
		"GET /payments/v2beta/credit-transfer-batches/{id} 200",
	}, got)
}

func TestClient_Do_LogsAttempts(t *testing.T) {
	srv := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Request-Id", "req-log")
		w.WriteHeader(http.StatusServiceUnavailable)
	}))
	c, logs := newTestClient(t, srv.URL, func(cfg *Config) { cfg.MaxRetries = 5 })
	ctx := testCtx(t)
	_, err := c.ListAccounts(ctx)
	require.Error(t, err)
	_, err = c.ListAccounts(ctx)
	require.Error(t, err)

	out := logs.String()
	assert.Equal(t, 12, strings.Count(out, `msg="atlar call"`), "every attempt logged")
	assert.Contains(t, out, "level=DEBUG msg=\"atlar call\" method=GET path=/financial-data/v2/accounts status=503 duration_ms=")
	assert.Contains(t, out, "request_id=req-log attempt=6")
	assert.Zero(t, strings.Count(out, "level=WARN"), "the client never warns: the caller reports an outage once")
}

// TestClient_Do_GivesUpWithinBudget: against a server answering 503
// forever, a call makes MaxRetries+1 attempts, waits no more than
// RetryBudget in all (on the fake clock: the waits the client asked for),
// and returns a *TemporaryError naming the last answer.
func TestClient_Do_GivesUpWithinBudget(t *testing.T) {
	clock := newRecordingClock()
	var calls atomic.Int32
	srv := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		w.Header().Set("Request-Id", fmt.Sprintf("req-%d", calls.Load()))
		writeJSON(t, w, http.StatusServiceUnavailable, ErrorResponse{Status: 503, Message: "Service unavailable."})
	}))
	// The defaults, as the bridge runs them.
	c, _ := newTestClient(t, srv.URL, func(cfg *Config) {
		cfg.Clock, cfg.MaxRetries, cfg.BackoffBase, cfg.BackoffMax = clock, 0, 0, 0
	})
	ctx := testCtx(t)
	ch := goCall(func() (*CreditTransferBatch, error) {
		return c.CreateCreditTransferBatch(ctx, batchRequest(), "key-1")
	})
	for range DefaultMaxRetries {
		// The client waits for its backoff: let it pass on the fake clock.
		require.NoError(t, clock.BlockUntilContext(ctx, 1))
		ws := clock.Waits()
		clock.Advance(ws[len(ws)-1])
	}
	r := wait(t, ch)
	var total time.Duration
	for _, w := range clock.Waits() {
		total += w
	}
	assert.LessOrEqual(t, total, DefaultRetryBudget, "waits %v", clock.Waits())
	assert.Len(t, clock.Waits(), DefaultMaxRetries)
	assert.EqualValues(t, DefaultMaxRetries+1, calls.Load())

	require.ErrorIs(t, r.err, ErrTemporary)
	assert.True(t, Temporary(r.err))
	var te *TemporaryError
	require.ErrorAs(t, r.err, &te)
	assert.Equal(t, http.StatusServiceUnavailable, te.Status)
	assert.Equal(t, fmt.Sprintf("req-%d", DefaultMaxRetries+1), te.RequestID)
	assert.Equal(t, DefaultMaxRetries+1, te.Attempts)
	assert.Zero(t, te.RetryAfter)
	assert.Contains(t, r.err.Error(), fmt.Sprintf("gave up after %d attempts", DefaultMaxRetries+1))
}

// TestClient_Do_LongRetryAfterIsTheCallers: a Retry-After longer than the
// budget is not waited for; the call returns at once with it as the hint,
// whatever the status.
func TestClient_Do_LongRetryAfterIsTheCallers(t *testing.T) {
	for _, status := range []int{http.StatusTooManyRequests, http.StatusServiceUnavailable, http.StatusTooEarly} {
		t.Run(fmt.Sprint(status), func(t *testing.T) {
			clock := newRecordingClock()
			var calls atomic.Int32
			srv := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				calls.Add(1)
				w.Header().Set("Retry-After", "120")
				w.WriteHeader(status)
			}))
			c, _ := newTestClient(t, srv.URL, func(cfg *Config) { cfg.Clock = clock })
			_, err := c.CreateCreditTransferBatch(testCtx(t), batchRequest(), "key-1")
			require.ErrorIs(t, err, ErrTemporary)
			assert.Equal(t, 2*time.Minute, RetryAfter(err))
			assert.Equal(t, 2*time.Minute, RetryAfter(fmt.Errorf("submit: %w", err)), "found through wrapping")
			assert.Empty(t, clock.Waits(), "never sleeps for a long Retry-After")
			assert.EqualValues(t, 1, calls.Load())
			assert.Contains(t, err.Error(), "Retry-After 2m0s")
		})
	}
	assert.Zero(t, RetryAfter(errors.New("other")))
	assert.Zero(t, RetryAfter(nil))
}
