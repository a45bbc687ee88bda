package atlar

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"
)

const (
	// maxRetryAfter caps how long a server's Retry-After can hold a call.
	maxRetryAfter = 5 * time.Minute
	// warnEvery rate-limits retry warnings per endpoint, so a long outage
	// does not log one line per attempt.
	warnEvery = 30 * time.Second
)

type warnState struct {
	last       time.Time
	suppressed int
}

// retryableStatus lists the statuses that mean "not now" rather than "no".
func retryableStatus(status int) bool {
	switch status {
	case http.StatusRequestTimeout, http.StatusTooEarly, http.StatusTooManyRequests,
		http.StatusInternalServerError, http.StatusBadGateway,
		http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return true
	}
	return false
}

// retryableTransport reports whether a transport error may go away by
// itself. Certificate problems are configuration errors: retrying them only
// delays the report.
func retryableTransport(err error) bool {
	var (
		verify   *tls.CertificateVerificationError
		unknown  x509.UnknownAuthorityError
		hostname x509.HostnameError
		invalid  x509.CertificateInvalidError
	)
	return !errors.As(err, &verify) && !errors.As(err, &unknown) &&
		!errors.As(err, &hostname) && !errors.As(err, &invalid)
}

// backoff returns the wait before retry number n (1-based): full jitter over
// an exponentially growing ceiling capped at BackoffMax, but never less than
// what the server asked for with Retry-After.
func (c *Client) backoff(n int, retryAfter time.Duration) time.Duration {
	ceiling := c.backMax
	if n-1 < 32 {
		if d := c.backBase << (n - 1); d > 0 && d < ceiling {
			ceiling = d
		}
	}
	d := time.Duration(rand.Int64N(int64(ceiling) + 1))
	return max(d, retryAfter)
}

// parseRetryAfter reads a Retry-After header (delay seconds or HTTP-date),
// capped at maxRetryAfter. It returns 0 when the header is absent or invalid.
func parseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil {
		if secs <= 0 {
			return 0
		}
		if secs >= int64(maxRetryAfter/time.Second) {
			return maxRetryAfter
		}
		return time.Duration(secs) * time.Second
	}
	t, err := http.ParseTime(v)
	if err != nil {
		return 0
	}
	return min(max(t.Sub(now), 0), maxRetryAfter)
}

// sleep waits d on the injected clock, or until ctx is done.
func (c *Client) sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := c.clock.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.Chan():
		return nil
	}
}

// logRetry logs a failed attempt that will be retried: at Warn at most once
// per warnEvery per endpoint (counting what it held back), at Debug otherwise.
func (c *Client) logRetry(ctx context.Context, cl *call, attempt int, wait time.Duration, cause error) {
	key := cl.method + " " + cl.endpoint
	now := c.clock.Now()
	c.warnMu.Lock()
	w := c.warns[key]
	if w == nil {
		w = &warnState{}
		c.warns[key] = w
	}
	warn := w.last.IsZero() || now.Sub(w.last) >= warnEvery
	suppressed := w.suppressed
	if warn {
		w.last, w.suppressed = now, 0
	} else {
		w.suppressed++
	}
	c.warnMu.Unlock()

	level := slog.LevelDebug
	attrs := []slog.Attr{
		slog.String("method", cl.method),
		slog.String("path", cl.path),
		slog.Int("attempt", attempt),
		slog.Int64("wait_ms", wait.Milliseconds()),
		slog.String("err", cause.Error()),
	}
	if warn {
		level = slog.LevelWarn
		if suppressed > 0 {
			attrs = append(attrs, slog.Int("suppressed", suppressed))
		}
	}
	c.log.LogAttrs(ctx, level, "atlar call failed, retrying", attrs...)
}
