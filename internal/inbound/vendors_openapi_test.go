package inbound_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/atlarbridge/bridge/internal/atlar"
	"github.com/atlarbridge/bridge/internal/inbound"
	"github.com/atlarbridge/bridge/internal/sharedtest"
	"github.com/getkin/kin-openapi/openapi3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// wireRequest is one request the bridge sent.
type wireRequest struct {
	method, path string
	header       http.Header
	body         []byte
}

// recordingTransport keeps every request body on its way to the fake.
type recordingTransport struct {
	mu   sync.Mutex
	reqs []wireRequest
}

func (rt *recordingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	var body []byte
	if r.Body != nil {
		var err error
		if body, err = io.ReadAll(r.Body); err != nil {
			return nil, err
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
	}
	rt.mu.Lock()
	rt.reqs = append(rt.reqs, wireRequest{method: r.Method, path: r.URL.Path, header: r.Header.Clone(), body: body})
	rt.mu.Unlock()
	return http.DefaultTransport.RoundTrip(r)
}

// TestVendors_RequestsMatchOpenAPI: every create and PATCH the route sends
// (first drop: creates; second: one changed e-mail, one new IBAN) is valid
// against Atlar's published schema, PATCH carries If-Match exactly as the
// etag was returned and the JSON Patch media type, and every create an
// Idempotency-Key.
func TestVendors_RequestsMatchOpenAPI(t *testing.T) {
	doc, err := openapi3.NewLoader().LoadFromFile(sharedtest.Dir(t, "atlar", "openapi", "2024-11-08_651fdb9c4db7e30048abd7a7_openapi-3-0.json"))
	require.NoError(t, err)
	rt := &recordingTransport{}
	w := newWorld(t)
	w.startVendors(func(c *atlar.Config) { c.HTTPClient = &http.Client{Transport: rt} })
	w.dropVendors("vendors-1.csv", vendorsCSV(nil))
	second := w.dropVendors("vendors-2.csv", vendorsCSV(func(rows []string) {
		rows[1] = strings.Replace(rows[1], "compta@martin.example", "factures@martin.example", 1)
		rows[2] = strings.Replace(rows[2], "NL91 ABNA 0417 1643 00", "DE89 3704 0044 0532 0130 00", 1)
	}))
	got := rowStatuses(second)
	assert.Equal(t, inbound.VendorUpdated, got["V-2"])
	assert.Equal(t, inbound.VendorUpdated, got["V-3"], "a new account is an update")
	assert.Equal(t, inbound.VendorUnchanged, got["V-1"])

	schemas := map[string]string{
		"POST /payments/v2/counterparties":    "CreateCounterpartyRequest",
		"PATCH /payments/v2/counterparties/":  "CounterpartyJSONPatchRequest",
		"POST /payments/v2/external-accounts": "CreateExternalAccountRequest",
	}
	checked := map[string]int{}
	rt.mu.Lock()
	defer rt.mu.Unlock()
	for _, r := range rt.reqs {
		for prefix, name := range schemas {
			method, path, _ := strings.Cut(prefix, " ")
			if r.method != method || !(r.path == path || strings.HasSuffix(path, "/") && strings.HasPrefix(r.path, path)) {
				continue
			}
			ref := doc.Components.Schemas[name]
			require.NotNil(t, ref, name)
			var v any
			require.NoError(t, json.Unmarshal(r.body, &v), "%s %s", r.method, r.path)
			if err := ref.Value.VisitJSON(v, openapi3.MultiErrors(), openapi3.VisitAsRequest()); err != nil {
				t.Errorf("%s %s: %s\nbody %s", r.method, r.path, errors.New(err.Error()), r.body)
			}
			checked[name]++
			switch r.method {
			case http.MethodPatch:
				assert.Regexp(t, `^version:\d+$`, r.header.Get("If-Match"), "If-Match as returned, unquoted")
				assert.Equal(t, "application/json-patch+json", r.header.Get("Content-Type"))
			case http.MethodPost:
				assert.NotEmpty(t, r.header.Get("Idempotency-Key"), "%s %s", r.method, r.path)
			}
		}
	}
	assert.Equal(t, map[string]int{"CreateCounterpartyRequest": 3, "CounterpartyJSONPatchRequest": 1, "CreateExternalAccountRequest": 1}, checked)
}
