package atlar

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/atlarbridge/bridge/internal/sharedtest"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata/")

// batchRequest is a small batch covering each destination type.
func batchRequest() *CreateCreditTransferBatchRequest {
	return &CreateCreditTransferBatchRequest{
		Treatment:  "INDIVIDUAL_PAYMENTS",
		ExternalID: "file-01HX3Q7YB5-1",
		Payments: []CreateCreditTransferRequest{
			{
				Amount:      Amount{Currency: "EUR", Value: 123450},
				Scheme:      "SCT",
				Date:        "2025-03-05",
				Source:      AccountRef{Type: "ACCOUNT", ID: "0b6a1c8e-3c1f-4b0e-9a7e-5f2d1c3b4a59"},
				Destination: AccountRef{Type: "EXTERNAL_ACCOUNT", ID: "external:supplier-42"},
				Reference:   "Invoice 2025-0042",
				ExternalID:  "INV-2025-0042",
			},
			{
				Amount: Amount{Currency: "EUR", Value: 99},
				Scheme: "SCT_INST",
				Date:   "2025-03-05",
				Source: AccountRef{Type: "ACCOUNT", ID: "0b6a1c8e-3c1f-4b0e-9a7e-5f2d1c3b4a59"},
				Destination: AccountRef{
					Type:        "INLINE",
					Market:      "DE",
					Identifiers: []AccountIdentifier{{Type: "IBAN", Market: "DE", Number: "DE89370400440532013000"}},
					Routing:     []RoutingIdentifier{{Type: "BIC", Number: "COBADEFFXXX"}},
					Holder:      &InlineAccountHolder{LegalName: "Müller & Söhne GmbH"},
				},
				Reference:  "Salary March",
				ExternalID: "PAY.2025-03+7=x",
			},
		},
	}
}

func TestClient_CreateCreditTransferBatch(t *testing.T) {
	var (
		mu   sync.Mutex
		body []byte
		hdr  http.Header
	)
	srv := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, err := io.ReadAll(r.Body)
		assert.NoError(t, err)
		mu.Lock()
		body, hdr = b, r.Header.Clone()
		mu.Unlock()
		assert.Equal(t, http.MethodPost, r.Method)
		assert.Equal(t, batchesPath, r.URL.Path)
		w.Header().Set("Request-Id", "req-create")
		writeJSON(t, w, http.StatusCreated, map[string]any{
			"id": "batch-1", "status": "CREATED", "treatment": "INDIVIDUAL_PAYMENTS",
			"externalId": "file-01HX3Q7YB5-1", "organizationId": "org", "unknownField": true,
		})
	}))
	c, _ := newTestClient(t, srv.URL, func(cfg *Config) { cfg.UserAgent = "atlar-bridge/test" })

	b, err := c.CreateCreditTransferBatch(testCtx(t), batchRequest(), "file-01HX3Q7YB5/batch/1")
	require.NoError(t, err)
	assert.Equal(t, &CreditTransferBatch{
		ID: "batch-1", Status: BatchCreated, Treatment: "INDIVIDUAL_PAYMENTS",
		ExternalID: "file-01HX3Q7YB5-1", RequestID: "req-create",
	}, b)

	mu.Lock()
	defer mu.Unlock()
	assert.Equal(t, "application/json", hdr.Get("Content-Type"))
	assert.Equal(t, "application/json", hdr.Get("Accept"))
	assert.Equal(t, "file-01HX3Q7YB5/batch/1", hdr.Get("Idempotency-Key"))
	assert.Equal(t, "atlar-bridge/test", hdr.Get("User-Agent"))

	golden := filepath.Join("testdata", "create_batch_request.json")
	var buf bytes.Buffer // indented, but in the order sent
	require.NoError(t, json.Indent(&buf, body, "", "  "))
	pretty := append(buf.Bytes(), '\n')
	if *update {
		require.NoError(t, os.MkdirAll("testdata", 0o755))
		require.NoError(t, os.WriteFile(golden, pretty, 0o644))
	}
	want, err := os.ReadFile(golden)
	require.NoError(t, err, "run go test -update to create the golden file")
	assert.Equal(t, string(want), string(pretty))

	t.Run("ValidatesAgainstOpenAPI", func(t *testing.T) {
		spec := sharedtest.Dir(t, "atlar", "openapi", "2024-11-08_651fdb9c4db7e30048abd7a7_openapi-3-0.json")
		doc, err := openapi3.NewLoader().LoadFromFile(spec)
		require.NoError(t, err)
		schema := doc.Components.Schemas["CreateCreditTransferBatchRequest"]
		require.NotNil(t, schema)

		var v any
		require.NoError(t, json.Unmarshal(body, &v))
		require.NoError(t, schema.Value.VisitJSON(v))

		// The check has teeth: a request the spec forbids fails.
		bad := batchRequest()
		bad.Payments[0].Scheme = "CARRIER_PIGEON"
		raw, err := json.Marshal(bad)
		require.NoError(t, err)
		var vb any
		require.NoError(t, json.Unmarshal(raw, &vb))
		assert.Error(t, schema.Value.VisitJSON(vb))
	})
}

func TestClient_GetCreditTransferBatch(t *testing.T) {
	tests := []struct {
		name, id, wantPath string
	}{
		{"AtlarID", "2ed9a3ee-60aa-4f9f-a858-2eed4eefbbc8", "/payments/v2beta/credit-transfer-batches/2ed9a3ee-60aa-4f9f-a858-2eed4eefbbc8"},
		{"ExternalKeepsColon", "external:file-01HX.1+a=b", "/payments/v2beta/credit-transfer-batches/external:file-01HX.1+a=b"},
		{"SlashEscaped", "a/b", "/payments/v2beta/credit-transfer-batches/a%2Fb"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				assert.Equal(t, tt.wantPath, r.URL.EscapedPath())
				w.Header().Set("Request-Id", "req-get")
				writeJSON(t, w, http.StatusOK, CreditTransferBatch{ID: "batch-1", Status: BatchCompleted,
					ResultSummary: &BatchResultSummary{Total: 2, Succeeded: 1, Failed: 1},
					Errors:        []ErrorDetail{{Error: "bad iban", Field: "payments.1.destination"}}})
			}))
			c, _ := newTestClient(t, srv.URL, nil)
			b, err := c.GetCreditTransferBatch(testCtx(t), tt.id)
			require.NoError(t, err)
			assert.Equal(t, BatchCompleted, b.Status)
			assert.Equal(t, "req-get", b.RequestID)
			assert.Equal(t, 1, b.ResultSummary.Failed)
		})
	}
}

func TestClient_GetCreditTransfer(t *testing.T) {
	srv := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		assert.Equal(t, "/payments/v2/credit-transfers/external:INV-1", r.URL.EscapedPath())
		writeJSON(t, w, http.StatusOK, CreditTransfer{ID: "pay-1", Status: PaymentExecuted, Amount: Amount{Currency: "EUR", Value: 100}})
	}))
	c, _ := newTestClient(t, srv.URL, nil)
	p, err := c.GetCreditTransfer(testCtx(t), "external:INV-1")
	require.NoError(t, err)
	assert.Equal(t, "pay-1", p.ID)
	assert.True(t, PaymentTerminal(p.Status))
}

func TestClient_ListBatchResults(t *testing.T) {
	srv := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		assert.Equal(t, "/payments/v2beta/credit-transfer-batches/batch-1/results", r.URL.Path)
		zero, one := 0, 1
		writeJSON(t, w, http.StatusOK, ListResponse[BatchResult]{Items: []BatchResult{
			{PaymentID: "pay-1", RecordIndex: &zero},
			{Errors: []ErrorDetail{{Error: "bad"}}, RecordIndex: &one},
		}})
	}))
	c, _ := newTestClient(t, srv.URL, nil)
	res, err := c.ListBatchResults(testCtx(t), "batch-1")
	require.NoError(t, err)
	require.Len(t, res, 2)
	assert.Equal(t, 1, *res[1].RecordIndex)
}

func TestClient_InvalidIDs(t *testing.T) {
	c, err := New(Config{BaseURL: "http://127.0.0.1:1", AccessKey: testKey, Secret: testSecret})
	require.NoError(t, err)
	ctx := context.Background()
	for _, id := range []string{"", ".", ".."} {
		_, err := c.GetCreditTransferBatch(ctx, id)
		assert.Error(t, err, "batch %q", id)
		_, err = c.GetCreditTransfer(ctx, id)
		assert.Error(t, err, "transfer %q", id)
		_, err = c.ListBatchResults(ctx, id)
		assert.Error(t, err, "results %q", id)
		_, err = c.GetInstruction(ctx, "conn", id)
		assert.Error(t, err, "instruction %q", id)
	}
	_, err = c.ListCreditTransfers(ctx, "")
	assert.Error(t, err)
	_, err = c.CreateCreditTransferBatch(ctx, nil, "k")
	assert.Error(t, err)
}
