package atlar

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"time"
)

// Response body limits: anything larger is an error, not an out-of-memory.
const (
	jsonBodyLimit    = 8 << 20
	contentBodyLimit = 64 << 20
	// errorBodyLimit truncates error bodies; only their start is parsed.
	errorBodyLimit = 64 << 10
)

// call is one logical API call; do sends it until it has an answer.
type call struct {
	method   string
	path     string // escaped, below the base URL
	endpoint string // path template for logs and metrics, e.g. .../{id}
	query    url.Values

	body           []byte // replayed as is on every attempt
	contentType    string
	accept         string // default application/json
	idempotencyKey string
	// ifMatch, when set, is sent as If-Match (a conditional update).
	ifMatch string
	// basicAuth, when set, authenticates this call instead of the
	// configured method (the token endpoint).
	basicAuth string
	limit     int64 // maximum size of a successful response body
}

type response struct {
	status    int
	header    http.Header
	body      []byte
	requestID string
}

// do sends cl, retrying network errors and retryable statuses a few times
// at once (MaxRetries, jittered backoff, all within RetryBudget), and
// refetching the OAuth2 token once on a 401. Non-2xx answers that are final
// come back as *APIError; "not now" after the last attempt comes back as
// *TemporaryError. Every attempt replays the same body and Idempotency-Key.
func (c *Client) do(ctx context.Context, cl *call) (*response, error) {
	var (
		lastErr  error
		lastResp *response
		retries  int
		waited   time.Duration
		reauthed bool
	)
	for attempt := 1; ; attempt++ {
		authz, token := cl.basicAuth, ""
		if authz == "" {
			var err error
			if authz, token, err = c.authorization(ctx); err != nil {
				return nil, err
			}
		}
		resp, retryable, err := c.attempt(ctx, cl, authz, attempt)
		var retryAfter time.Duration
		switch {
		case err != nil && ctx.Err() != nil:
			return nil, fmt.Errorf("atlar %s %s: %w", cl.method, cl.path, ctx.Err())
		case err != nil && !retryable:
			return nil, err
		case err != nil:
			lastErr, lastResp = err, nil
		case resp.status < 300:
			return resp, nil
		case resp.status == http.StatusUnauthorized && token != "" && !reauthed:
			// Tokens can be revoked or expire early: fetch a new one and try
			// once more before calling the credentials wrong.
			c.dropToken(token)
			reauthed = true
			continue
		default:
			apiErr := c.apiError(cl, resp)
			if !retryableStatus(resp.status) {
				return nil, apiErr
			}
			lastErr, lastResp = apiErr, resp
			retryAfter = parseRetryAfter(resp.header.Get("Retry-After"), c.clock.Now())
		}
		// A Retry-After longer than what is left of the budget is not
		// waited for here: the caller's timetable waits for it.
		wait := max(c.retry.Next(retries+1), retryAfter)
		if retries >= c.maxRetries || waited+wait > c.budget {
			te := &TemporaryError{Method: cl.method, Path: cl.path, Attempts: attempt, RetryAfter: retryAfter, Err: lastErr}
			if lastResp != nil {
				te.Status, te.RequestID = lastResp.status, lastResp.requestID
			}
			return nil, te
		}
		retries++
		waited += wait
		c.log.LogAttrs(ctx, slog.LevelDebug, "atlar call failed, retrying",
			slog.String("method", cl.method), slog.String("path", cl.path), slog.Int("attempt", attempt),
			slog.Int64("wait_ms", wait.Milliseconds()), slog.String("err", lastErr.Error()))
		if err := c.sleep(ctx, wait); err != nil {
			return nil, fmt.Errorf("atlar %s %s: %w (last error: %v)", cl.method, cl.path, err, lastErr)
		}
	}
}

// attempt sends cl once and reads the whole response within the per-attempt
// timeout. retryable tells whether a returned error may go away on its own.
func (c *Client) attempt(ctx context.Context, cl *call, authz string, n int) (_ *response, retryable bool, _ error) {
	actx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	u := c.base + cl.path
	if len(cl.query) > 0 {
		u += "?" + cl.query.Encode()
	}
	var body io.Reader
	if cl.body != nil {
		body = bytes.NewReader(cl.body)
	}
	req, err := http.NewRequestWithContext(actx, cl.method, u, body)
	if err != nil {
		return nil, false, fmt.Errorf("atlar %s %s: %w", cl.method, cl.path, err)
	}
	req.Header.Set("Authorization", authz)
	req.Header.Set("User-Agent", c.userAgent)
	req.Header.Set("Accept", cmpOr(cl.accept, "application/json"))
	if cl.contentType != "" {
		req.Header.Set("Content-Type", cl.contentType)
	}
	if cl.idempotencyKey != "" {
		req.Header.Set("Idempotency-Key", cl.idempotencyKey)
	}
	if cl.ifMatch != "" {
		req.Header.Set("If-Match", cl.ifMatch)
	}

	start := c.clock.Now()
	res, err := c.http.Do(req)
	if err != nil {
		c.record(ctx, cl, n, 0, "", start, err)
		return nil, retryableTransport(err), err // *url.Error names method and URL
	}
	defer res.Body.Close()
	reqID := requestID(res.Header)
	limit := cl.limit
	if res.StatusCode >= 300 {
		limit = errorBodyLimit
	}
	b, err := io.ReadAll(io.LimitReader(res.Body, limit+1))
	if err != nil {
		c.record(ctx, cl, n, res.StatusCode, reqID, start, err)
		return nil, retryableTransport(err), fmt.Errorf("atlar %s %s: read response: %w", cl.method, cl.path, err)
	}
	c.record(ctx, cl, n, res.StatusCode, reqID, start, nil)
	if int64(len(b)) > limit {
		if res.StatusCode < 300 {
			return nil, false, fmt.Errorf("atlar %s %s: %w (limit %d bytes, request-id %q)", cl.method, cl.path, errBodyTooLarge, limit, reqID)
		}
		b = b[:limit] // an error body is only parsed leniently
	}
	return &response{status: res.StatusCode, header: res.Header, body: b, requestID: reqID}, false, nil
}

// record logs one attempt at Debug and reports it to Observe. Bodies are
// never logged: the token response holds a secret.
func (c *Client) record(ctx context.Context, cl *call, attempt, status int, reqID string, start time.Time, err error) {
	d := c.clock.Since(start)
	if c.observe != nil {
		c.observe(cl.method, cl.endpoint, status, d)
	}
	attrs := []slog.Attr{
		slog.String("method", cl.method),
		slog.String("path", cl.path),
		slog.Int("status", status),
		slog.Int64("duration_ms", d.Milliseconds()),
		slog.String("request_id", reqID),
		slog.Int("attempt", attempt),
	}
	if err != nil {
		attrs = append(attrs, slog.String("err", err.Error()))
	}
	c.log.LogAttrs(ctx, slog.LevelDebug, "atlar call", attrs...)
}

// apiError turns a non-2xx response into an *APIError. It understands
// Atlar's ErrorResponse and the OAuth2 error body of the token endpoint, and
// falls back to the status text for anything else (an HTML page from a proxy).
func (c *Client) apiError(cl *call, resp *response) *APIError {
	var body struct {
		Message          string        `json:"message"`
		Details          []ErrorDetail `json:"details"`
		OAuthError       string        `json:"error"`
		OAuthDescription string        `json:"error_description"`
	}
	_ = json.Unmarshal(resp.body, &body) // lenient: keep what decoded
	msg := body.Message
	if msg == "" && body.OAuthError != "" {
		msg = body.OAuthError
		if body.OAuthDescription != "" {
			msg += ": " + body.OAuthDescription
		}
	}
	if msg == "" {
		msg = http.StatusText(resp.status)
	}
	return &APIError{
		Method:    cl.method,
		Path:      cl.path,
		Status:    resp.status,
		Message:   msg,
		Details:   body.Details,
		RequestID: resp.requestID,
	}
}

// decode unmarshals a successful response into v.
func decode(cl *call, resp *response, v any) error {
	if err := json.Unmarshal(resp.body, v); err != nil {
		return &decodeError{what: cl.method + " " + cl.path, status: resp.status, requestID: resp.requestID, err: err}
	}
	return nil
}

// requestID reads Atlar's request id. The header name is not documented, so
// the common alternative is accepted too.
func requestID(h http.Header) string {
	if id := h.Get("Request-Id"); id != "" {
		return id
	}
	return h.Get("X-Request-Id")
}

func cmpOr(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
