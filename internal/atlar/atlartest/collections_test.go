package atlartest

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/atlarbridge/bridge/internal/atlar"
)

// The fake's answers to bad writes, as raw HTTP: the status and the fields
// named in Atlar's error body.
func TestCollections_BadWrites(t *testing.T) {
	f := newFixture(t, Options{})
	tests := []struct {
		name, method, path, body string
		hdr                      []string
		status                   int
		fields                   []string
	}{
		{"PatchWrongContentType", http.MethodPatch, "/payments/v2/counterparties/" + SeedSupplierCounterpartyID,
			`[{"op":"replace","path":"/email","value":"a@b.c"}]`, nil, http.StatusUnsupportedMediaType, nil},
		{"PatchUnknownField", http.MethodPatch, "/payments/v2/counterparties/" + SeedSupplierCounterpartyID,
			`[{"op":"replace","path":"/email","value":"a@b.c","from":"/x"}]`, []string{"Content-Type", "application/json-patch+json"}, http.StatusBadRequest, nil},
		{"PatchStaleETag", http.MethodPatch, "/payments/v2/counterparties/" + SeedSupplierCounterpartyID,
			`[{"op":"replace","path":"/email","value":"a@b.c"}]`, []string{"Content-Type", "application/json-patch+json", "If-Match", "version:7"}, http.StatusPreconditionFailed, []string{"If-Match"}},
		{"CounterpartyNoName", http.MethodPost, "/payments/v2/counterparties", `{"partyType":"ROBOT","externalId":"a b"}`,
			nil, http.StatusBadRequest, []string{"legalName", "partyType", "externalId"}},
		{"CounterpartyUsedExternalID", http.MethodPost, "/payments/v2/counterparties", `{"legalName":"X","externalId":"` + SeedFournisseurExternalID + `"}`,
			nil, http.StatusConflict, []string{"externalId"}},
		{"MandateMissingFields", http.MethodPost, "/payments/v2/mandates", `{"scheme":"SEPA","signatureDate":"15.01.2025"}`,
			nil, http.StatusBadRequest, []string{"scheme", "externalAccountId", "creditorReference", "mandateReference", "signatureDate"}},
		{"DirectDebitNoMandate", http.MethodPost, "/payments/v2/direct-debits",
			`{"amount":{"currency":"EUR","value":100},"scheme":"SDD_CORE","date":"2025-03-11","source":{"type":"EXTERNAL_ACCOUNT","id":"` + SeedFournisseurExternalAccountID + `"},"destination":{"type":"ACCOUNT","id":"` + SeedEURAccountID + `"},"reference":"r"}`,
			nil, http.StatusBadRequest, []string{"source.id"}},
		{"DirectDebitBadShape", http.MethodPost, "/payments/v2/direct-debits",
			`{"amount":{"currency":"EUR","value":-1},"scheme":"SCT","date":"2025-03-01","source":{"type":"ACCOUNT","id":"x"},"destination":{"type":"ACCOUNT","id":"y"}}`,
			nil, http.StatusBadRequest, []string{"amount.value", "scheme", "date", "source", "reference"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := f.do(tt.method, tt.path, []byte(tt.body), tt.hdr...)
			require.Equal(t, tt.status, resp.StatusCode, "%s", body)
			var er atlar.ErrorResponse
			require.NoError(t, json.Unmarshal(body, &er))
			assert.Equal(t, tt.status, er.Status)
			var got []string
			for _, d := range er.Details {
				got = append(got, d.Field)
			}
			for _, want := range tt.fields {
				assert.Contains(t, got, want)
			}
		})
	}
	st := f.srv.Stats()
	assert.Zero(t, st.CounterpartiesCreated+st.MandatesCreated+st.DirectDebitsCreated+st.CounterpartyPatches, "nothing created or changed")
}

// A PATCH without If-Match is unconditional; a seeded counterparty then
// shows version 2, the new value, and its account's holder follows a new
// legal name.
func TestCollections_PatchSeedUnconditional(t *testing.T) {
	f := newFixture(t, Options{})
	resp, body := f.do(http.MethodPatch, "/payments/v2/counterparties/external:supplier-ltd",
		[]byte(`[{"op":"replace","path":"/legalName","value":"Supplier Holdings Ltd"},{"op":"remove","path":"/partyType"}]`),
		"Content-Type", "application/json-patch+json")
	require.Equal(t, http.StatusOK, resp.StatusCode, "%s", body)
	var cp atlar.Counterparty
	f.get("/payments/v2/counterparties/"+SeedSupplierCounterpartyID, &cp)
	assert.Equal(t, "version:2", cp.ETag)
	assert.Equal(t, "Supplier Holdings Ltd", cp.LegalName)
	assert.Empty(t, cp.PartyType)
	assert.Equal(t, "GB", cp.Address.Country, "untouched")
	f.srv.mu.Lock()
	holder := f.srv.externalAccount(SeedSupplierExternalAccountID).holder
	f.srv.mu.Unlock()
	assert.Equal(t, "Supplier Holdings Ltd", holder)
}
