package atlar

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/atlarbridge/bridge/internal/sharedtest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestClient_LogRetry(t *testing.T) {
	clock := newRecordingClock()
	logs := &sharedtest.LogBuffer{}
	c, err := New(Config{
		AccessKey: testKey, Secret: testSecret, Clock: clock,
		Logger: slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelWarn})),
	})
	require.NoError(t, err)
	ctx := testCtx(t)
	accounts := &call{method: http.MethodGet, path: accountsPath, endpoint: accountsPath}
	batches := &call{method: http.MethodPost, path: batchesPath, endpoint: batchesPath}
	cause := errors.New("boom")

	c.logRetry(ctx, accounts, 1, time.Second, cause) // warn
	c.logRetry(ctx, batches, 1, time.Second, cause)  // warn: other endpoint
	for range 5 {
		clock.Advance(5 * time.Second)
		c.logRetry(ctx, accounts, 2, time.Second, cause) // held back
	}
	clock.Advance(5 * time.Second) // 30s since the first warning
	c.logRetry(ctx, accounts, 3, time.Second, cause)

	lines := strings.Split(strings.TrimSpace(logs.String()), "\n")
	require.Len(t, lines, 3)
	assert.Contains(t, lines[0], "path=/financial-data/v2/accounts")
	assert.Contains(t, lines[1], "path=/payments/v2beta/credit-transfer-batches")
	assert.Contains(t, lines[2], "suppressed=5")
}

func TestClient_Backoff(t *testing.T) {
	c, err := New(Config{AccessKey: testKey, Secret: testSecret, BackoffBase: 100 * time.Millisecond, BackoffMax: 2 * time.Second})
	require.NoError(t, err)
	for n := 1; n <= 70; n++ {
		ceiling := min(100*time.Millisecond<<min(n-1, 20), 2*time.Second)
		for range 20 {
			d := c.backoff(n, 0)
			require.GreaterOrEqual(t, d, time.Duration(0))
			require.LessOrEqual(t, d, ceiling, "retry %d", n)
		}
		assert.Equal(t, 5*time.Minute, c.backoff(n, 5*time.Minute), "Retry-After wins over a shorter backoff")
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2025, 3, 4, 10, 0, 0, 0, time.UTC)
	tests := []struct {
		name, in string
		want     time.Duration
	}{
		{"Empty", "", 0},
		{"Seconds", "7", 7 * time.Second},
		{"SecondsSpaces", " 12 ", 12 * time.Second},
		{"Zero", "0", 0},
		{"Negative", "-3", 0},
		{"CappedAtFiveMinutes", "3600", 5 * time.Minute},
		{"Huge", "99999999999999999999", 0}, // not an int64: ignored
		{"HTTPDate", "Tue, 04 Mar 2025 10:00:42 GMT", 42 * time.Second},
		{"HTTPDatePast", "Tue, 04 Mar 2025 09:00:00 GMT", 0},
		{"HTTPDateFar", "Wed, 05 Mar 2025 10:00:00 GMT", 5 * time.Minute},
		{"Garbage", "soon", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, parseRetryAfter(tt.in, now))
		})
	}
}

func TestTemporary(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want bool
	}{
		{"Nil", nil, false},
		{"BadRequest", &APIError{Status: 400}, false},
		{"Conflict", &APIError{Status: 409}, false},
		{"NotFound", fmt.Errorf("get: %w", &APIError{Status: 404}), false},
		{"Unauthorized", &APIError{Status: 401}, false},
		{"TooManyRequests", &APIError{Status: 429}, true},
		{"ServiceUnavailable", &APIError{Status: 503}, true},
		{"Exhausted", &retryError{last: &APIError{Status: 503}}, true},
		{"ExhaustedNetwork", &retryError{last: io.EOF}, true},
		{"Undecodable", &decodeError{what: "x", status: 201}, true},
		{"Canceled", fmt.Errorf("x: %w", context.Canceled), true},
		{"Deadline", context.DeadlineExceeded, true},
		{"Reset", &url.Error{Op: "Post", URL: "u", Err: syscall.ECONNRESET}, true},
		{"UnexpectedEOF", io.ErrUnexpectedEOF, true},
		{"UnknownCA", &url.Error{Op: "Get", URL: "u", Err: x509.UnknownAuthorityError{}}, false},
		{"Plain", errors.New("idempotency key is required"), false},
		{"TooLarge", fmt.Errorf("x: %w", errBodyTooLarge), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, Temporary(tt.err))
		})
	}
}
