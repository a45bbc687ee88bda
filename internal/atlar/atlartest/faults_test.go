package atlartest

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/atlarbridge/bridge/internal/atlar"
)

// rawPost POSTs a batch with a plain client and returns the response or the
// transport error, without failing the test on either.
func (f *fixture) rawPost(hc *http.Client, req atlar.CreateCreditTransferBatchRequest, key string) (*http.Response, error) {
	f.t.Helper()
	body, err := json.Marshal(req)
	require.NoError(f.t, err)
	r, err := http.NewRequest(http.MethodPost, f.base+batchesPath, bytes.NewReader(body))
	require.NoError(f.t, err)
	r.Header.Set("Content-Type", "application/json")
	r.SetBasicAuth("demo-key", "demo-secret")
	if key != "" {
		r.Header.Set("Idempotency-Key", key)
	}
	resp, err := hc.Do(r)
	if err == nil {
		resp.Body.Close()
	}
	return resp, err
}

// noRetryClient does not reuse connections, so a reset affects one request.
func noRetryClient() *http.Client {
	return &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
}

func TestServer_Faults_Status(t *testing.T) {
	tests := []struct {
		name       string
		faults     Faults
		statuses   []int
		retryAfter string
		stat       func(Stats) int
	}{
		{"5xx", Faults{Rate5xx: 1}, []int{500, 502, 503, 504}, "", func(s Stats) int { return s.Served5xx }},
		{"429", Faults{Rate429: 1, RetryAfter: 7}, []int{429}, "7", func(s Stats) int { return s.Served429 }},
		{"429DefaultRetryAfter", Faults{Rate429: 1}, []int{429}, "1", func(s Stats) int { return s.Served429 }},
		{"425", Faults{Rate425: 1}, []int{425}, "", func(s Stats) int { return s.Served425 }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, Options{})
			f.srv.SetFaults(tt.faults)
			resp, err := f.rawPost(f.hc, batchOf("f", eurPayment("", 100, "x")), "k")
			require.NoError(t, err)
			assert.Contains(t, tt.statuses, resp.StatusCode)
			assert.NotEmpty(t, resp.Header.Get("Request-Id"))
			assert.Equal(t, tt.retryAfter, resp.Header.Get("Retry-After"))
			assert.Equal(t, 1, tt.stat(f.srv.Stats()))

			st := f.srv.Stats()
			assert.Zero(t, st.BatchCreateAttempts, "a fault answer has no effect")
			assert.Empty(t, f.srv.Batches())

			// The key was not consumed: once the fault is gone the request works.
			f.srv.SetFaults(Faults{})
			resp, err = f.rawPost(f.hc, batchOf("f", eurPayment("", 100, "x")), "k")
			require.NoError(t, err)
			assert.Equal(t, http.StatusCreated, resp.StatusCode)
		})
	}
}

func TestServer_Faults_Reset(t *testing.T) {
	f := newFixture(t, Options{})
	f.srv.SetFaults(Faults{RateReset: 1})
	_, err := f.rawPost(noRetryClient(), batchOf("r", eurPayment("", 100, "x")), "k")
	require.Error(t, err)
	assert.True(t, isConnError(err), "%v", err)
	st := f.srv.Stats()
	assert.Equal(t, 1, st.Resets)
	assert.Zero(t, st.BatchCreateAttempts)
	assert.Empty(t, f.srv.Batches(), "a reset has no effect")
}

func TestServer_Faults_LostResponse(t *testing.T) {
	f := newFixture(t, Options{})
	f.srv.SetFaults(Faults{RateLostResponse: 1, Only: []string{"POST " + batchesPath}})
	req := batchOf("lost-1", eurPayment("", 100, "x"))
	_, err := f.rawPost(noRetryClient(), req, "lost-key")
	require.Error(t, err)
	assert.True(t, isConnError(err), "%v", err)

	batches := f.srv.Batches()
	require.Len(t, batches, 1, "the effect happened although the answer was lost")
	assert.Equal(t, 1, f.srv.Stats().LostResponses)

	// The client's retry with the same key gets the original answer.
	f.srv.SetFaults(Faults{})
	resp, body := f.postJSON(batchesPath, req, "Idempotency-Key", "lost-key")
	require.Equal(t, http.StatusCreated, resp.StatusCode)
	var b atlar.CreditTransferBatch
	require.NoError(t, json.Unmarshal(body, &b))
	assert.Equal(t, batches[0].ID, b.ID)
	assert.Len(t, f.srv.Batches(), 1, "exactly one batch per externalId")

	// A client without the key finds it by externalId.
	var found atlar.CreditTransferBatch
	f.get(batchesPath+"/external:lost-1", &found)
	assert.Equal(t, b.ID, found.ID)
}

func TestServer_Faults_LostTokenResponse(t *testing.T) {
	f := newFixture(t, Options{})
	f.srv.SetFaults(Faults{RateLostResponse: 1, Only: []string{tokenPath}})
	r, err := http.NewRequest(http.MethodPost, f.base+tokenPath, bytes.NewReader([]byte("grant_type=client_credentials")))
	require.NoError(t, err)
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r.SetBasicAuth("demo-key", "demo-secret")
	_, err = noRetryClient().Do(r)
	require.Error(t, err)
	assert.Equal(t, 1, f.srv.Stats().TokensIssued)
}

func TestServer_Faults_Latency(t *testing.T) {
	f := newFixture(t, Options{})
	f.srv.SetFaults(Faults{Latency: time.Minute, Only: []string{"POST " + batchesPath}})
	hc := &http.Client{Timeout: 50 * time.Millisecond}
	start := time.Now()
	_, err := f.rawPost(hc, batchOf("slow", eurPayment("", 100, "x")), "slow-key")
	require.Error(t, err)
	var ne net.Error
	require.True(t, errors.As(err, &ne) && ne.Timeout(), "%v", err)
	assert.Less(t, time.Since(start), 30*time.Second)

	// Other endpoints are not slowed (Only), and the timed-out request had no effect.
	resp, _ := f.do(http.MethodGet, "/financial-data/v2/accounts", nil)
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	eventually(t, func() bool { return !f.srv.inFlight("slow-key") }, "key released")
	assert.Empty(t, f.srv.Batches())
}

func TestServer_Faults_Only(t *testing.T) {
	tests := []struct {
		name    string
		only    []string
		method  string
		path    string
		faulted bool
	}{
		{"MethodAndPrefixMatch", []string{"POST /payments/"}, http.MethodPost, batchesPath, true},
		{"MethodMismatch", []string{"POST /payments/"}, http.MethodGet, batchesPath, false},
		{"PrefixOnly", []string{"/connectivity/"}, http.MethodGet, "/connectivity/v2beta/connections", true},
		{"PrefixMismatch", []string{"/connectivity/"}, http.MethodGet, "/financial-data/v2/accounts", false},
		{"Empty", nil, http.MethodGet, "/financial-data/v2/accounts", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, Options{})
			f.srv.SetFaults(Faults{Rate5xx: 1, Only: tt.only})
			var body []byte
			if tt.method == http.MethodPost {
				body, _ = json.Marshal(batchOf("", eurPayment("", 1, "x")))
			}
			resp, _ := f.do(tt.method, tt.path, body)
			assert.Equal(t, tt.faulted, resp.StatusCode >= 500, "status %d", resp.StatusCode)
		})
	}
}

// TestServer_Faults_Seeded shows that a seed reproduces the same faults.
func TestServer_Faults_Seeded(t *testing.T) {
	run := func(seed int64) []int {
		f := newFixture(t, Options{})
		f.srv.SetFaults(Faults{Rate5xx: 0.3, Rate429: 0.3, Seed: seed})
		var got []int
		for range 30 {
			resp, _ := f.do(http.MethodGet, "/financial-data/v2/accounts", nil)
			got = append(got, resp.StatusCode)
		}
		return got
	}
	a, b, c := run(42), run(42), run(7)
	assert.Equal(t, a, b)
	assert.NotEqual(t, a, c)
	assert.Contains(t, a, 200)
	assert.Contains(t, a, 429)
}

func TestServer_Down(t *testing.T) {
	f := newFixture(t, Options{})
	f.srv.Down(true)
	for _, path := range []string{"/financial-data/v2/accounts", tokenPath, "/nope"} {
		resp, body := f.do(http.MethodGet, path, nil)
		assert.Equal(t, http.StatusServiceUnavailable, resp.StatusCode, path)
		assert.NotEmpty(t, resp.Header.Get("Request-Id"))
		var er atlar.ErrorResponse
		require.NoError(t, json.Unmarshal(body, &er))
		assert.Equal(t, 503, er.Status)
	}
	f.srv.Down(false)
	resp, _ := f.do(http.MethodGet, "/financial-data/v2/accounts", nil)
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, 3, f.srv.Stats().Served5xx)
}

// isConnError reports whether err is a connection-level failure (reset,
// EOF) rather than an HTTP answer.
func isConnError(err error) bool {
	return errors.Is(err, syscall.ECONNRESET) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF)
}
