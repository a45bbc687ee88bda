package atlartest

import (
	"encoding/json"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/atlarbridge/bridge/internal/atlar"
	"github.com/atlarbridge/bridge/internal/sharedtest"
)

// loadSpec loads Atlar's public OpenAPI 3.0 spec from the shared folder.
func loadSpec(t *testing.T) *openapi3.T {
	t.Helper()
	path := sharedtest.Dir(t, "atlar", "openapi", "2024-11-08_651fdb9c4db7e30048abd7a7_openapi-3-0.json")
	doc, err := openapi3.NewLoader().LoadFromFile(path)
	require.NoError(t, err)
	return doc
}

func schemaOf(t *testing.T, doc *openapi3.T, name string) *openapi3.Schema {
	t.Helper()
	ref, ok := doc.Components.Schemas[name]
	require.True(t, ok, "schema %s", name)
	return ref.Value
}

func visit(t *testing.T, s *openapi3.Schema, body []byte, opts ...openapi3.SchemaValidationOption) error {
	t.Helper()
	var v any
	require.NoError(t, json.Unmarshal(body, &v), "%s", body)
	return s.VisitJSON(v, append([]openapi3.SchemaValidationOption{openapi3.MultiErrors()}, opts...)...)
}

// TestServer_OpenAPI_Responses checks the fake's answers against the schemas
// of the public spec, so that what the bridge is tested against is shaped
// like the real API.
func TestServer_OpenAPI_Responses(t *testing.T) {
	doc := loadSpec(t)
	f := newFixture(t, Options{})
	b := f.createBatch(batchOf("oas-1", eurPayment("oas-p1", 100, "x"), eurPayment("", 100, "INVALID")))
	f.clock.Advance(2 * time.Second)
	var p atlar.CreditTransfer
	f.get("/payments/v2/credit-transfers/external:oas-p1", &p)

	// The spec requires "input" and "inputDetails" on a batch without
	// defining them (a spec bug, see NOTES.md); the fake does not send them.
	batchSchema := *schemaOf(t, doc, "CreditTransferBatch")
	batchSchema.Required = slices.DeleteFunc(slices.Clone(batchSchema.Required), func(s string) bool {
		return s == "input" || s == "inputDetails"
	})

	tests := []struct {
		name   string
		path   string
		schema *openapi3.Schema
		items  bool // validate each item of a ListResponse
	}{
		{"Account", "/financial-data/v2/accounts/" + SeedUSDAccountID, schemaOf(t, doc, "Account"), false},
		{"Accounts", "/financial-data/v2/accounts?limit=500", schemaOf(t, doc, "Account"), true},
		{"ExternalAccount", "/payments/v2/external-accounts/" + SeedSupplierExternalAccountID, schemaOf(t, doc, "ExternalAccount"), false},
		{"Counterparty", "/payments/v2/counterparties/" + SeedFournisseurCounterpartyID, schemaOf(t, doc, "Counterparty"), false},
		{"CreditTransfer", "/payments/v2/credit-transfers/" + p.ID, schemaOf(t, doc, "CreditTransfer"), false},
		{"CreditTransfers", "/payments/v2/credit-transfers", schemaOf(t, doc, "CreditTransfer"), true},
		{"Batch", batchesPath + "/" + b.ID, &batchSchema, false},
		{"BatchResults", batchesPath + "/" + b.ID + "/results", schemaOf(t, doc, "BatchResult"), true},
		{"Transactions", "/financial-data/v2/transactions?limit=500", schemaOf(t, doc, "Transaction"), true},
		{"Balances", "/financial-data/v2/accounts/-/balances?limit=500", schemaOf(t, doc, "Balance"), true},
		{"NotFound", "/payments/v2/credit-transfers/external:none", schemaOf(t, doc, "ErrorResponse"), false},
	}
	envelope := schemaOf(t, doc, "ListResponse")
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, body := f.do(http.MethodGet, tt.path, nil)
			if !tt.items {
				require.NoError(t, visit(t, tt.schema, body, openapi3.VisitAsResponse()), "%s", body)
				return
			}
			require.NoError(t, visit(t, envelope, body, openapi3.VisitAsResponse()))
			var page atlar.ListResponse[json.RawMessage]
			require.NoError(t, json.Unmarshal(body, &page))
			require.NotEmpty(t, page.Items)
			for _, item := range page.Items {
				require.NoError(t, visit(t, tt.schema, item, openapi3.VisitAsResponse()), "%s", item)
			}
		})
	}

	t.Run("Token", func(t *testing.T) {
		resp, body := f.do(http.MethodPost, tokenPath, []byte("grant_type=client_credentials"),
			"Content-Type", "application/x-www-form-urlencoded")
		require.Equal(t, http.StatusOK, resp.StatusCode)
		require.NoError(t, visit(t, schemaOf(t, doc, "OAuth2AccessTokenResponse"), body, openapi3.VisitAsResponse()))
		_, body = f.do(http.MethodPost, tokenPath, []byte("grant_type=x"), "Authorization", basicHeader("a", "b"),
			"Content-Type", "application/x-www-form-urlencoded")
		require.NoError(t, visit(t, schemaOf(t, doc, "OAuth2ErrorResponse"), body, openapi3.VisitAsResponse()))
	})
}

// TestServer_OpenAPI_Requests checks that what the fake accepts in these
// tests is valid for the spec, and that the fake's structural checks agree
// with the schema on the cases where the spec is explicit.
func TestServer_OpenAPI_Requests(t *testing.T) {
	doc := loadSpec(t)
	schema := schemaOf(t, doc, "CreateCreditTransferBatchRequest")
	valid := batchOf("oas-req", eurPayment("p-1", 100, "ref"))
	body, err := json.Marshal(valid)
	require.NoError(t, err)
	require.NoError(t, visit(t, schema, body, openapi3.VisitAsRequest()))

	// atlar.Amount carrying both value and stringValue matches both
	// branches of the spec's AmountInput oneOf, so strictly it is invalid;
	// the fake accepts it (documented in doc.go). Send one of the two.
	both := valid
	both.Payments = []atlar.CreateCreditTransferRequest{eurPayment("p-1", 100, "ref")}
	both.Payments[0].Amount.StringValue = "1.00"
	body, err = json.Marshal(both)
	require.NoError(t, err)
	assert.Error(t, visit(t, schema, body, openapi3.VisitAsRequest()), "oneOf: value and stringValue together")

	for _, bad := range []string{
		`{"payments":[]}`,
		`{"treatment":"ALL","payments":[]}`,
		`{"treatment":"BATCH","payments":[{"scheme":"SCT"}]}`,
	} {
		assert.Error(t, visit(t, schema, []byte(bad), openapi3.VisitAsRequest()), bad)
		f := newFixture(t, Options{})
		resp, _ := f.do(http.MethodPost, batchesPath, []byte(bad))
		assert.Equal(t, http.StatusBadRequest, resp.StatusCode, bad)
	}
}
