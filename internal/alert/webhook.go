package alert

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"

	"github.com/jonboulle/clockwork"
)

// Webhook POSTs each event as JSON, signed so the receiver can tell it
// came from this bridge and is fresh (SPEC §10).
type Webhook struct {
	URL    string
	Secret string
	Client *http.Client    // default: a client with no redirects followed
	Clock  clockwork.Clock // the timestamp header's clock
}

// Channel implements Sender.
func (w *Webhook) Channel() string { return "webhook" }

// Sign is the X-Bridge-Signature value for a body sent at timestamp ts
// (unix seconds): "sha256=" + hex HMAC-SHA256(secret, ts + "." + body).
func Sign(secret string, ts int64, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(strconv.FormatInt(ts, 10)))
	m.Write([]byte("."))
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

// Verify checks a signature header in constant time (for receivers and
// tests).
func Verify(secret, tsHeader, sigHeader string, body []byte) bool {
	ts, err := strconv.ParseInt(tsHeader, 10, 64)
	if err != nil {
		return false
	}
	return hmac.Equal([]byte(Sign(secret, ts, body)), []byte(sigHeader))
}

// Send implements Sender: any 2xx answer is delivered.
func (w *Webhook) Send(ctx context.Context, e Event) error {
	body, err := json.Marshal(e)
	if err != nil {
		return fmt.Errorf("webhook: encode %s event: %w", e.Kind, err)
	}
	clock := w.Clock
	if clock == nil {
		clock = clockwork.NewRealClock()
	}
	ts := clock.Now().Unix()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.URL, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("webhook: build request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "atlar-bridge")
	req.Header.Set("X-Bridge-Timestamp", strconv.FormatInt(ts, 10))
	req.Header.Set("X-Bridge-Signature", Sign(w.Secret, ts, body))
	client := w.Client
	if client == nil {
		// A redirect would re-send the signed body elsewhere: refuse.
		client = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	}
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("webhook: post %s event: %w", e.Kind, err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("webhook: post %s event: receiver answered %s", e.Kind, resp.Status)
	}
	return nil
}
