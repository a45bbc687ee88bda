package atlartest

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/atlarbridge/bridge/internal/atlar"
)

func TestServer_Idempotency_Replay(t *testing.T) {
	f := newFixture(t, Options{})
	req := batchOf("idem-1", eurPayment("i-1", 100, "x"))
	resp1, body1 := f.postJSON(batchesPath, req, "Idempotency-Key", "key-1")
	require.Equal(t, http.StatusCreated, resp1.StatusCode)

	f.clock.Advance(time.Hour) // the batch moved on; the replay is the stored answer
	resp2, body2 := f.postJSON(batchesPath, req, "Idempotency-Key", "key-1")
	assert.Equal(t, http.StatusCreated, resp2.StatusCode)
	assert.Equal(t, string(body1), string(body2))
	assert.NotEqual(t, resp1.Header.Get("Request-Id"), resp2.Header.Get("Request-Id"))
	assert.Equal(t, "true", resp2.Header.Get("Idempotent-Replayed"))
	assert.Equal(t, "application/json", resp2.Header.Get("Content-Type"))

	st := f.srv.Stats()
	assert.Equal(t, 1, st.BatchesCreated)
	assert.Equal(t, 1, st.BatchCreateAttempts)
	assert.Equal(t, 1, st.Replays)
	assert.Len(t, f.srv.Batches(), 1)

	// Without the key the same request is a duplicate externalId.
	resp3, _ := f.postJSON(batchesPath, req)
	assert.Equal(t, http.StatusBadRequest, resp3.StatusCode)
}

func TestServer_Idempotency_ReplaysErrors(t *testing.T) {
	f := newFixture(t, Options{})
	bad := batchOf("", eurPayment("", -1, "x"))
	resp1, body1 := f.postJSON(batchesPath, bad, "Idempotency-Key", "bad-1")
	require.Equal(t, http.StatusBadRequest, resp1.StatusCode)
	resp2, body2 := f.postJSON(batchesPath, bad, "Idempotency-Key", "bad-1")
	assert.Equal(t, http.StatusBadRequest, resp2.StatusCode)
	assert.Equal(t, string(body1), string(body2))
	assert.Equal(t, 1, f.srv.Stats().BatchCreateAttempts)
}

func TestServer_Idempotency_DifferentBody(t *testing.T) {
	f := newFixture(t, Options{})
	resp, _ := f.postJSON(batchesPath, batchOf("a", eurPayment("", 100, "x")), "Idempotency-Key", "k")
	require.Equal(t, http.StatusCreated, resp.StatusCode)
	resp, body := f.postJSON(batchesPath, batchOf("b", eurPayment("", 100, "x")), "Idempotency-Key", "k")
	require.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
	var er atlar.ErrorResponse
	require.NoError(t, json.Unmarshal(body, &er))
	assert.Equal(t, 422, er.Status)
	assert.NotEmpty(t, er.Message)
	assert.Len(t, f.srv.Batches(), 1)

	// The same key on another endpoint is another request too.
	fields := [][2]string{{"fileContentType", "application/vnd.iso20022.pain.001.001.03+xml"}, {"file", "<x/>"}}
	mp, ct := multipartBody(t, fields, "p.xml", "application/xml")
	resp, _ = f.do(http.MethodPost, instructionsPath, mp, "Content-Type", ct, "Idempotency-Key", "k")
	assert.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
}

func TestServer_Idempotency_Expiry(t *testing.T) {
	f := newFixture(t, Options{})
	resp, _ := f.postJSON(batchesPath, batchOf("e1", eurPayment("", 100, "x")), "Idempotency-Key", "k")
	require.Equal(t, http.StatusCreated, resp.StatusCode)

	f.clock.Advance(24*time.Hour - time.Second)
	resp, _ = f.postJSON(batchesPath, batchOf("e2", eurPayment("", 100, "x")), "Idempotency-Key", "k")
	require.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode, "still remembered")

	f.clock.Advance(time.Second)
	req := batchOf("e2", eurPayment("", 100, "x"))
	req.Payments[0].Date = f.clock.Now().Format(time.DateOnly)
	resp, body := f.postJSON(batchesPath, req, "Idempotency-Key", "k")
	require.Equal(t, http.StatusCreated, resp.StatusCode, "expired after 24h: %s", body)
	assert.Len(t, f.srv.Batches(), 2)
}

func TestServer_Idempotency_MultipartNewBoundary(t *testing.T) {
	f := newFixture(t, Options{})
	fields := [][2]string{{"fileContentType", "application/vnd.iso20022.pain.001.001.03+xml"}, {"file", "<Document/>"}}
	body1, ct1 := multipartBody(t, fields, "pay.xml", "application/xml")
	body2, ct2 := multipartBody(t, fields, "pay.xml", "application/xml")
	require.NotEqual(t, ct1, ct2, "each writer picks its own boundary")

	resp1, out1 := f.do(http.MethodPost, instructionsPath, body1, "Content-Type", ct1, "Idempotency-Key", "ins-1")
	require.Equal(t, http.StatusCreated, resp1.StatusCode, "%s", out1)
	resp2, out2 := f.do(http.MethodPost, instructionsPath, body2, "Content-Type", ct2, "Idempotency-Key", "ins-1")
	require.Equal(t, http.StatusCreated, resp2.StatusCode)
	assert.Equal(t, string(out1), string(out2))
	assert.Len(t, f.srv.Instructions(), 1)

	fields[1][1] = "<Document>changed</Document>"
	body3, ct3 := multipartBody(t, fields, "pay.xml", "application/xml")
	resp3, _ := f.do(http.MethodPost, instructionsPath, body3, "Content-Type", ct3, "Idempotency-Key", "ins-1")
	assert.Equal(t, http.StatusUnprocessableEntity, resp3.StatusCode)
}

// TestServer_Idempotency_TooEarly holds a first request in flight with the
// latency fault, and shows a second request with the same key gets 425;
// once the first is abandoned, the key is free again.
func TestServer_Idempotency_TooEarly(t *testing.T) {
	f := newFixture(t, Options{})
	f.srv.SetFaults(Faults{Latency: time.Minute, Only: []string{"POST " + batchesPath}})
	req := batchOf("slow", eurPayment("", 100, "x"))
	body, err := json.Marshal(req)
	require.NoError(t, err)

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		r, _ := http.NewRequestWithContext(ctx, http.MethodPost, f.base+batchesPath, bytes.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
		r.Header.Set("Idempotency-Key", "slow-key")
		r.SetBasicAuth("demo-key", "demo-secret")
		resp, err := http.DefaultClient.Do(r)
		if err == nil {
			resp.Body.Close()
		}
		done <- err
	}()
	eventually(t, func() bool { return f.srv.inFlight("slow-key") }, "first request in flight")

	f.srv.SetFaults(Faults{})
	resp, out := f.do(http.MethodPost, batchesPath, body, "Idempotency-Key", "slow-key")
	require.Equal(t, http.StatusTooEarly, resp.StatusCode, "%s", out)
	assert.Equal(t, 1, f.srv.Stats().Served425)

	cancel()
	require.Error(t, <-done)
	eventually(t, func() bool { return !f.srv.inFlight("slow-key") }, "abandoned request releases its key")
	assert.Empty(t, f.srv.Batches(), "the abandoned request had no effect")

	resp, out = f.do(http.MethodPost, batchesPath, body, "Idempotency-Key", "slow-key")
	require.Equal(t, http.StatusCreated, resp.StatusCode, "%s", out)
}

// inFlight reports whether key's first request is still being processed.
func (s *Server) inFlight(key string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.idem[key]
	return ok && e.inFlight
}
