package atlartest

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/atlarbridge/bridge/internal/atlar"
)

func TestServer_CreateBatch_Validation(t *testing.T) {
	today := t0.Format(time.DateOnly)
	ok := func() map[string]any {
		return map[string]any{
			"amount":      map[string]any{"currency": "EUR", "value": 100},
			"scheme":      "SCT",
			"date":        today,
			"source":      map[string]any{"type": "ACCOUNT", "id": SeedEURAccountID},
			"destination": map[string]any{"type": "EXTERNAL_ACCOUNT", "id": SeedFournisseurExternalAccountID},
			"reference":   "ref",
			"externalId":  "p-1",
		}
	}
	with := func(mut func(p map[string]any)) map[string]any {
		p := ok()
		mut(p)
		return map[string]any{"treatment": "INDIVIDUAL_PAYMENTS", "payments": []any{ok(), p}}
	}
	inline := func(d map[string]any) func(p map[string]any) {
		return func(p map[string]any) {
			base := map[string]any{
				"type": "INLINE", "market": "DE",
				"identifiers": []any{map[string]any{"type": "IBAN", "market": "DE", "number": "DE02120300000000202051"}},
				"holder":      map[string]any{"legalName": "Kunde AG"},
			}
			for k, v := range d {
				if v == nil {
					delete(base, k)
				} else {
					base[k] = v
				}
			}
			p["destination"] = base
		}
	}
	many := make([]any, 1001)
	for i := range many {
		many[i] = ok()
	}

	tests := []struct {
		name  string
		body  any // marshalled unless a string
		field string
	}{
		{"BadJSON", `{"treatment":`, ""},
		{"WrongType", `{"treatment":"BATCH","payments":"x"}`, "payments"},
		{"MissingTreatment", map[string]any{"payments": []any{ok()}}, "treatment"},
		{"UnknownTreatment", map[string]any{"treatment": "ALL", "payments": []any{ok()}}, "treatment"},
		{"MissingPayments", map[string]any{"treatment": "BATCH"}, "payments"},
		{"NoPayments", map[string]any{"treatment": "BATCH", "payments": []any{}}, "payments"},
		{"TooManyPayments", map[string]any{"treatment": "BATCH", "payments": many}, "payments"},
		{"BatchExternalID", map[string]any{"treatment": "BATCH", "payments": []any{ok()}, "externalId": "has space"}, "externalId"},
		{"MissingAmount", with(func(p map[string]any) { delete(p, "amount") }), "payments.1.amount"},
		{"MissingCurrency", with(func(p map[string]any) { p["amount"] = map[string]any{"value": 1} }), "payments.1.amount.currency"},
		{"UnknownCurrency", with(func(p map[string]any) { p["amount"] = map[string]any{"currency": "XXY", "value": 1} }), "payments.1.amount.currency"},
		{"LowercaseCurrency", with(func(p map[string]any) { p["amount"] = map[string]any{"currency": "eur", "value": 1} }), "payments.1.amount.currency"},
		{"NoValue", with(func(p map[string]any) { p["amount"] = map[string]any{"currency": "EUR"} }), "payments.1.amount"},
		{"ZeroValue", with(func(p map[string]any) { p["amount"] = map[string]any{"currency": "EUR", "value": 0} }), "payments.1.amount.value"},
		{"NegativeValue", with(func(p map[string]any) { p["amount"] = map[string]any{"currency": "EUR", "value": -5} }), "payments.1.amount.value"},
		{"FractionalValue", with(func(p map[string]any) { p["amount"] = map[string]any{"currency": "EUR", "value": 1.5} }), "payments.1.amount.value"},
		{"StringValueTooPrecise", with(func(p map[string]any) { p["amount"] = map[string]any{"currency": "EUR", "stringValue": "1.005"} }), "payments.1.amount.stringValue"},
		{"StringValueJPYDecimals", with(func(p map[string]any) { p["amount"] = map[string]any{"currency": "JPY", "stringValue": "10.5"} }), "payments.1.amount.stringValue"},
		{"StringValueMismatch", with(func(p map[string]any) {
			p["amount"] = map[string]any{"currency": "EUR", "value": 100, "stringValue": "1.01"}
		}), "payments.1.amount.stringValue"},
		{"MissingScheme", with(func(p map[string]any) { delete(p, "scheme") }), "payments.1.scheme"},
		{"UnknownScheme", with(func(p map[string]any) { p["scheme"] = "SEPA" }), "payments.1.scheme"},
		{"MissingDate", with(func(p map[string]any) { delete(p, "date") }), "payments.1.date"},
		{"BadDate", with(func(p map[string]any) { p["date"] = "10.03.2025" }), "payments.1.date"},
		{"PastDate", with(func(p map[string]any) { p["date"] = "2025-03-09" }), "payments.1.date"},
		{"TooFarAhead", with(func(p map[string]any) { p["date"] = t0.AddDate(0, 0, 61).Format(time.DateOnly) }), "payments.1.date"},
		{"MissingSource", with(func(p map[string]any) { delete(p, "source") }), "payments.1.source"},
		{"SourceNotAccount", with(func(p map[string]any) { p["source"] = map[string]any{"type": "EXTERNAL_ACCOUNT", "id": "x"} }), "payments.1.source.type"},
		{"SourceNoID", with(func(p map[string]any) { p["source"] = map[string]any{"type": "ACCOUNT"} }), "payments.1.source.id"},
		{"MissingDestination", with(func(p map[string]any) { delete(p, "destination") }), "payments.1.destination"},
		{"DestinationNoType", with(func(p map[string]any) { p["destination"] = map[string]any{"id": "x"} }), "payments.1.destination.type"},
		{"DestinationBadType", with(func(p map[string]any) { p["destination"] = map[string]any{"type": "IBAN"} }), "payments.1.destination.type"},
		{"DestinationNoID", with(func(p map[string]any) { p["destination"] = map[string]any{"type": "EXTERNAL_ACCOUNT"} }), "payments.1.destination.id"},
		{"InlineNoMarket", with(inline(map[string]any{"market": nil})), "payments.1.destination.market"},
		{"InlineTwoIdentifiers", with(inline(map[string]any{"identifiers": []any{
			map[string]any{"type": "IBAN", "market": "DE", "number": "DE02120300000000202051"},
			map[string]any{"type": "NUMBER", "market": "DE", "number": "1"},
		}})), "payments.1.destination.identifiers"},
		{"InlineBadIdentifierType", with(inline(map[string]any{"identifiers": []any{
			map[string]any{"type": "ACCOUNT_NO", "market": "DE", "number": "1"},
		}})), "payments.1.destination.identifiers.0.type"},
		{"InlineBadRoutingType", with(inline(map[string]any{"routing": []any{map[string]any{"type": "SWIFT", "number": "X"}}})),
			"payments.1.destination.routing.0.type"},
		{"InlineNoHolder", with(inline(map[string]any{"holder": nil})), "payments.1.destination.holder.legalName"},
		{"MissingReference", with(func(p map[string]any) { delete(p, "reference") }), "payments.1.reference"},
		{"LongReference", with(func(p map[string]any) { p["reference"] = strings.Repeat("é", 141) }), "payments.1.reference"},
		{"BadExternalID", with(func(p map[string]any) { p["externalId"] = "a/b" }), "payments.1.externalId"},
		{"LongExternalID", with(func(p map[string]any) { p["externalId"] = strings.Repeat("a", 65) }), "payments.1.externalId"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, Options{})
			body, isString := tt.body.(string)
			if !isString {
				b, err := json.Marshal(tt.body)
				require.NoError(t, err)
				body = string(b)
			}
			resp, out := f.do(http.MethodPost, batchesPath, []byte(body))
			require.Equal(t, http.StatusBadRequest, resp.StatusCode, "%s", out)
			var er atlar.ErrorResponse
			require.NoError(t, json.Unmarshal(out, &er))
			assert.Equal(t, 400, er.Status)
			assert.Equal(t, msgBadInput, er.Message)
			require.NotEmpty(t, er.Details)
			if tt.field != "" {
				var fields []string
				for _, d := range er.Details {
					fields = append(fields, d.Field)
				}
				assert.Contains(t, fields, tt.field)
			}
			assert.Empty(t, f.srv.Batches())
			assert.Equal(t, 1, f.srv.Stats().BatchCreateAttempts)
		})
	}
}
